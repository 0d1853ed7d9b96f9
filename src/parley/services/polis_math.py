"""Polis's math result (``/api/v3/math/pca2``) from the latest stored analysis.

Everything comes from one stored analysis row (its JSON and its warm-start state, which
holds the base clusters), so one ``math_tick`` (the row's id, which grows with every new
analysis) always gives the same document. Keys are Polis's (hyphenated), ids are pids and
tids (``polis_api.PolisNumbers``).

Coordinates follow Polis's sign. Polis runs its PCA on votes with agree = -1; on those
votes parley's PCA finds the same components (a component's sign is fixed by its loadings,
not by the data's sign), the centre is negated, and so is every projection: participants,
base clusters, group centres and ``comment-projection`` (Polis projects a comment as a
participant who agreed with it alone). ``comment-extremity`` is a length and does not
change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from parley.compute.analysis import state_from_bytes
from parley.core.stats import prop_test
from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult
from parley.db.queries import newest_analysis
from parley.errors import NotFoundError

from .polis_api import PolisNumbers, numbers_of, readable_conversation
from .sessions import read_session
from .shown import min_group_size_of, shown_analysis

__all__ = ["PolisMath", "polis_math", "polis_math_tick"]


@dataclass(frozen=True)
class PolisMath:
    """A math document and the tick of the analysis it came from."""

    math_tick: int
    document: dict[str, Any]


def _no_analysis(conversation_id: int) -> NotFoundError:
    return NotFoundError(
        f"conversation {conversation_id} has no analysis yet; it is computed within seconds "
        "of the first votes"
    )


def polis_math_tick(
    session_factory: SessionFactory, conversation_id: str, *, facilitator_id: int | None = None
) -> int:
    """Return the ``math_tick`` of the conversation's latest analysis (NotFoundError if none)."""
    with read_session(session_factory) as session:
        conversation = readable_conversation(
            session, conversation_id, facilitator_id=facilitator_id
        )
        newest = newest_analysis(session, conversation.id, AnalysisResult.id)
    if newest is None:
        raise _no_analysis(conversation.id)
    return int(newest[0])


def polis_math(
    session_factory: SessionFactory, conversation_id: str, *, facilitator_id: int | None = None
) -> PolisMath:
    """Return the latest analysis as Polis's pca2 document, with its ``math_tick``."""
    with read_session(session_factory) as session:
        conversation = readable_conversation(
            session, conversation_id, facilitator_id=facilitator_id
        )
        row = newest_analysis(
            session,
            conversation.id,
            AnalysisResult.id,
            AnalysisResult.payload,
            AnalysisResult.state,
        )
        if row is None:
            raise _no_analysis(conversation.id)
        numbers = numbers_of(session, conversation.id)
        min_size = min_group_size_of(session, conversation.id)
    tick, state = int(row[0]), row[2]
    engine_k = max((int(g["id"]) + 1 for g in row[1]["groups"]), default=0)
    payload = shown_analysis(row[1], min_size)
    document = _document(payload, state, numbers, engine_k)
    document["math_tick"] = tick
    return PolisMath(math_tick=tick, document=document)


def _negated(values: list[float | None]) -> list[float | None]:
    return [None if v is None else -v for v in values]


def _document(
    payload: dict[str, Any], state: bytes | None, numbers: PolisNumbers, engine_k: int
) -> dict[str, Any]:
    """Polis's pca2 document of a shown analysis (``engine_k``: the engine's group count)."""
    participants = payload["participants"]
    pids = numbers.pid_of([p["id"] for p in participants]).tolist()
    pid_of = dict(zip((p["id"] for p in participants), pids, strict=True))
    statements = {s["id"]: s for s in payload["statements"]}
    column_ids = payload["pca"]["statement_ids"]
    tids = numbers.tid_of(column_ids).tolist()
    tid_of = dict(zip(column_ids, tids, strict=True))
    all_tids = dict(zip(statements, numbers.tid_of(list(statements)).tolist(), strict=True))
    in_matrix = [statements[sid] for sid in column_ids]
    base = _base_clusters(state, pid_of)
    groups = payload["groups"]
    return {
        "n": payload["n_participants"],
        "n-cmts": len(tids),
        "tids": tids,
        "in-conv": sorted(pid_of[p["id"]] for p in participants if p["in_conv"]),
        "user-vote-counts": {
            str(pid_of[p["id"]]): p["n_votes"] for p in participants if "n_votes" in p
        },
        "mod-in": sorted(all_tids[s] for s, v in statements.items() if v["moderated"] == 1),
        # Polis zeroes meta statements as it zeroes rejected ones (conversation.clj mod-update)
        "mod-out": sorted(
            all_tids[s] for s, v in statements.items() if v["moderated"] == -1 or v["is_meta"]
        ),
        "meta-tids": sorted(all_tids[s] for s, v in statements.items() if v["is_meta"]),
        "pca": {
            "center": _negated(payload["pca"]["center"]),
            "comps": payload["pca"]["components"],
            "comment-projection": [
                _negated([s["x"] for s in in_matrix]),
                _negated([s["y"] for s in in_matrix]),
            ],
            "comment-extremity": [s["extremity"] for s in in_matrix],
        },
        "base-clusters": base,
        "group-clusters": [
            cluster
            for cluster in _group_clusters(participants, base, pid_of, engine_k)
            if cluster["id"] in {g["id"] for g in groups}
        ],
        "group-votes": {
            str(g["id"]): {
                "id": g["id"],
                "n-members": g["size"],
                "votes": {
                    str(tid): {"A": a, "D": d, "S": s}
                    for tid, a, d, s in zip(
                        tids,
                        g["votes"]["agree"],
                        g["votes"]["disagree"],
                        g["votes"]["seen"],
                        strict=True,
                    )
                },
            }
            for g in groups
            if "votes" in g
        },
        "repness": {
            str(g["id"]): [
                {
                    "tid": all_tids[r["statement"]],
                    "n-success": r["n_success"],
                    "n-trials": r["n_trials"],
                    "p-success": r["p_success"],
                    "p-test": r["p_test"],
                    "repness": r["repness"],
                    "repness-test": r["repness_test"],
                    "repful-for": r["direction"],
                    **({"best-agree": True} if r["best_agree"] else {}),
                }
                for r in g["repness"]
            ]
            for g in groups
        },
        "consensus": {
            direction: [_consensus(statements[sid], direction, tid_of[sid]) for sid in ids]
            for direction, ids in payload["consensus"].items()
        },
        "group-aware-consensus": {
            str(tid_of[sid]): statements[sid]["gac"]
            for sid in column_ids
            if statements[sid]["gac"] is not None
        },
        "comment-priorities": {
            str(tid_of[sid]): statements[sid]["priority"]
            for sid in column_ids
            if statements[sid]["priority"] is not None
        },
    }


def _consensus(statement: dict[str, Any], direction: str, tid: int) -> dict[str, Any]:
    """Polis's consensus entry: counts over everybody, +1 prior, one-proportion test."""
    n_success = int(statement["agree" if direction == "agree" else "disagree"])
    n_trials = int(statement["agree"] + statement["disagree"] + statement["pass"])
    test = prop_test(np.array([n_success]), np.array([n_trials]))
    return {
        "tid": tid,
        "n-success": n_success,
        "n-trials": n_trials,
        "p-success": (n_success + 1) / (n_trials + 2),
        "p-test": float(test[0]),
    }


def _base_clusters(state: bytes | None, pid_of: dict[int, int]) -> dict[str, list[Any]]:
    """Polis's base clusters (columns id, members, x, y, count) from the stored state."""
    out: dict[str, list[Any]] = {"id": [], "members": [], "x": [], "y": [], "count": []}
    base = None if state is None else state_from_bytes(state).base
    if base is None:
        return out
    for position, cluster_id in enumerate(base.ids.tolist()):
        members = sorted(
            pid_of[p] for p in base.point_ids[base.labels == cluster_id].tolist() if p in pid_of
        )
        out["id"].append(int(cluster_id))
        out["members"].append(members)
        out["x"].append(-float(base.centers[position, 0]))
        out["y"].append(-float(base.centers[position, 1]))
        out["count"].append(len(members))
    return out


def _group_clusters(
    participants: list[dict[str, Any]],
    base: dict[str, list[Any]],
    pid_of: dict[int, int],
    k: int,
) -> list[dict[str, Any]]:
    """Each opinion group as the base clusters of its members, centred on their mean."""
    group_of = {pid_of[p["id"]]: p["group"] for p in participants if p["group"] is not None}
    members: list[list[int]] = [[] for _ in range(k)]
    weights: list[list[tuple[float, float, int]]] = [[] for _ in range(k)]
    for cluster_id, people, x, y, count in zip(
        base["id"], base["members"], base["x"], base["y"], base["count"], strict=True
    ):
        labels = [group_of[p] for p in people if p in group_of]
        if not labels:
            continue
        g = max(set(labels), key=labels.count)
        members[g].append(cluster_id)
        weights[g].append((x, y, count))
    clusters = []
    for g in range(k):
        total = sum(w for _, _, w in weights[g])
        center = (
            [
                sum(x * w for x, _, w in weights[g]) / total,
                sum(y * w for _, y, w in weights[g]) / total,
            ]
            if total
            else [None, None]
        )
        clusters.append({"id": g, "members": members[g], "center": center})
    return clusters
