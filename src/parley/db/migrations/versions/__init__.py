"""Alembic revisions, oldest first; each file names its predecessor in down_revision."""
