"""Alembic environment: migrate on the connection that parley.db.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from parley.db.models import Base


def _run_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite's ALTER is limited
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "parley's migrations run on a connection passed in code: use "
            "parley.db.migrate.upgrade_database(engine) or alembic_config(connection)"
        )
    _run_online(connection)
