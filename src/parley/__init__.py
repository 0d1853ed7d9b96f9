"""parley: find common ground between groups that deliberate in parallel."""

__version__ = "0.1.0"
__all__ = ["__version__"]
