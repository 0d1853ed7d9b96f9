"""Closed rounds count "waiting for votes" as the brief lists it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

``agenda_rounds.n_waiting`` counted only one-sided statements (held by one format), while
the brief lists every statement short of votes in some format under "waiting for votes":
the one-sided ones and those held by several formats ("waiting"). Each round's count is
recomputed from its stored document, as ``agenda_document.count_listed`` counts (a statement
every format rejects is listed as rejected, whatever its kind). The downgrade counts the
one-sided ones again. Done in Python over ``op.get_bind()``, the same on SQLite and
PostgreSQL; the schema does not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

_rounds = sa.table(
    "agenda_rounds",
    sa.column("id", sa.Integer()),
    sa.column("n_waiting", sa.Integer()),
    sa.column("document", _JSON),
)


def _count(document: Any, kinds: tuple[str, ...]) -> int:
    """Count the document's statements of ``kinds`` not rejected by every format."""
    return sum(
        1
        for item in (document or {}).get("items", [])
        for s in item.get("statements", [])
        if s.get("kind") in kinds and not s.get("rejected_by_all")
    )


def _recount(kinds: tuple[str, ...]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_rounds.c.id, _rounds.c.n_waiting, _rounds.c.document)).all()
    for row_id, stored, document in rows:
        n = _count(document, kinds)
        if n != stored:
            bind.execute(_rounds.update().where(_rounds.c.id == row_id).values(n_waiting=n))


def upgrade() -> None:
    """Count waiting and one-sided statements in every closed round's n_waiting."""
    _recount(("waiting", "one-sided"))


def downgrade() -> None:
    """Count one-sided statements only, as before."""
    _recount(("one-sided",))
