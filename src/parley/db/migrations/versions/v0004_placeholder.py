"""Placeholder for revision 0004 (written on another branch); drop it when merging.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Empty: it only keeps the chain 0003 -> 0004 -> 0005 intact on this branch.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Change nothing."""


def downgrade() -> None:
    """Change nothing."""
