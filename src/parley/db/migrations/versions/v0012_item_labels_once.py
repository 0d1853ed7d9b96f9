"""Agenda item labels in one place: item text translations become the items' own labels.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

A facilitator's label for an agenda item in a language could be stored twice: as the item's
rename in that language (``agenda_items.custom_labels``) and as a process text of kind
"item" (``text_translations``, ``ref_id`` the item's id). Only the first stays. Every
kind-"item" row is copied into its item's ``custom_labels[language]`` unless the item already
has a rename in that language (that rename wins), cut to the 120 characters of a rename;
then every kind-"item" row is deleted (also those of items that no longer exist).

An item renamed before labels per language (``is_custom`` with no ``custom_labels``) has its
old label spread over its languages first, as ``agenda_items.rename_item`` does, so that it
still stands for the languages without a label of their own.

The copy is done in Python (rows read through ``op.get_bind()``), the same on SQLite and
PostgreSQL. The schema does not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_MAX_LABEL_LENGTH = 120  # services.agenda_items.MAX_LABEL_LENGTH when this was written

_items = sa.table(
    "agenda_items",
    sa.column("id", sa.Integer()),
    sa.column("process_id", sa.Integer()),
    sa.column("label", sa.Text()),
    sa.column("is_custom", sa.Boolean()),
    sa.column("labels", _JSON),
    sa.column("custom_labels", _JSON),
)
_texts = sa.table(
    "text_translations",
    sa.column("id", sa.Integer()),
    sa.column("process_id", sa.Integer()),
    sa.column("kind", sa.String(16)),
    sa.column("ref_id", sa.Integer()),
    sa.column("language", sa.String(35)),
    sa.column("text", sa.Text()),
)


def _default_label(label: str, labels: dict[str, Any], renamed: dict[str, Any]) -> str:
    """Return the label shown by default: English, else the first (as ``agenda_items``)."""
    merged = {str(k): str(v) for k, v in labels.items()}
    merged.update({str(k): str(v) for k, v in renamed.items()})
    return merged.get("en", next(iter(merged.values()), label))


def upgrade() -> None:
    """Copy kind-"item" text translations into the items' renames, then delete them."""
    bind = op.get_bind()
    found: dict[int, list[tuple[int, str, str]]] = {}
    for process_id, ref_id, language, text in bind.execute(
        sa.select(_texts.c.process_id, _texts.c.ref_id, _texts.c.language, _texts.c.text)
        .where(_texts.c.kind == "item")
        .order_by(_texts.c.id)
    ).all():
        found.setdefault(int(ref_id), []).append((int(process_id), str(language), str(text)))
    for item_id, translations in sorted(found.items()):
        item = bind.execute(
            sa.select(
                _items.c.process_id,
                _items.c.label,
                _items.c.is_custom,
                _items.c.labels,
                _items.c.custom_labels,
            ).where(_items.c.id == item_id)
        ).first()
        if item is None:
            continue
        process_id, label, is_custom, labels, custom = item
        labels, custom = dict(labels or {}), dict(custom or {})
        added = {
            language: text.strip()[:_MAX_LABEL_LENGTH]
            for owner, language, text in translations
            if owner == process_id and language not in custom and text.strip()
        }
        if not added:
            continue
        renamed = dict(custom)
        if is_custom and not custom:  # a rename from before labels per language
            renamed = dict.fromkeys(labels or ["en"], str(label))
        renamed.update(added)
        bind.execute(
            sa.update(_items)
            .where(_items.c.id == item_id)
            .values(
                custom_labels=renamed,
                label=_default_label(str(label), labels, renamed),
                is_custom=False,
            )
        )
    bind.execute(sa.delete(_texts).where(_texts.c.kind == "item"))


def downgrade() -> None:
    """Change nothing: the labels stay the items' renames (no text translations come back)."""
