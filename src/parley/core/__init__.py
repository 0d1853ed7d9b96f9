"""Pure numerics: the Polis analysis on sparse matrices. No I/O, no database, no web."""
