"""The ``parley`` command line (typer)."""
