"""What people see of an analysis: opinion groups below the minimum size are left out.

The engine's analysis stays Polis-exact and is stored whole; every reader that turns it into
something a person sees (the API, the pages, the reports, the Polis API, the CLI) passes it
through ``shown_analysis`` first. A group smaller than the conversation's minimum group size
(``rules.min_group_size``, default 3) would name individuals: it is dropped, and its members
are counted as "in groups too small to show" and drawn without a group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.db.models import Conversation, Process, ProcessFormat

from .rules import ProcessSettings, group_letter, min_group_size

__all__ = ["hidden_group_ids", "min_group_size_of", "shown_analysis"]


def min_group_size_of(session: Session, conversation_id: int) -> int:
    """Return a conversation's minimum group size: its own setting, else its process's."""
    own = session.scalar(select(Conversation.settings).where(Conversation.id == conversation_id))
    if own and own.get("min_group_size") is not None:
        return min_group_size(own["min_group_size"])
    stored = session.scalar(
        select(Process.settings)
        .join(ProcessFormat, ProcessFormat.process_id == Process.id)
        .where(ProcessFormat.conversation_id == conversation_id)
    )
    return ProcessSettings.from_json(stored).min_group_size


def hidden_group_ids(payload: Mapping[str, Any], min_size: int) -> set[int]:
    """Return the ids of the analysis's groups smaller than ``min_size``."""
    return {int(g["id"]) for g in payload.get("groups", ()) if int(g["size"]) < min_size}


def shown_analysis(payload: Mapping[str, Any], min_size: int) -> dict[str, Any]:
    """Return the analysis as shown: small groups dropped, each shown group named (A, B, ...).

    A representative statement is kept only when some of the group voted its way (Polis
    may name one with 0% of the group behind it). Adds ``hidden_groups``:
    ``{min_group_size, n_groups, n_participants}`` (how many groups were too small to show
    and how many people are in them); ``k`` becomes the number of groups shown. The stored
    payload is not changed.
    """
    size = min_group_size(min_size)
    hidden = hidden_group_ids(payload, size)
    out = dict(payload)
    groups = []
    for group in payload.get("groups", ()):
        if int(group["id"]) in hidden:
            continue
        # a statement none of the group voted its way on is no stance of theirs (never 0%)
        real = [r for r in group.get("repness", []) if int(r.get("n_success", 1)) > 0]
        groups.append({**group, "name": group_letter(int(group["id"])), "repness": real})
    out["groups"] = groups
    if "participants" in payload:
        out["participants"] = [
            {**p, "group": None} if p.get("group") in hidden else p for p in payload["participants"]
        ]
    n_hidden = sum(int(g["size"]) for g in payload.get("groups", ()) if int(g["id"]) in hidden)
    out["hidden_groups"] = {
        "min_group_size": size,
        "n_groups": len(hidden),
        "n_participants": n_hidden,
    }
    if "k" in payload:
        out["k"] = len(groups)
    return out
