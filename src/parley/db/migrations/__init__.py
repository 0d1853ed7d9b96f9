"""Alembic migrations of parley's schema; run them with parley.db.migrate.upgrade_database."""
