"""Score a tool's opinion groups and consensus statements against a reference.

The reference is the planted truth of a synthetic conversation (planted.json) or, for a real
export, the ``group-id`` column Polis wrote to participants-votes.csv.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score

Labels = dict[int, int]

PARTICIPANT_KEYS = ("participant_id", "participant", "pid", "id")
GROUP_KEYS = ("group_id", "group", "cluster_id", "cluster", "label")
STATEMENT_KEYS = ("statement_id", "statement", "tid", "comment_id", "id")


def planted_labels(planted: dict[str, Any]) -> Labels:
    """Return the planted group of every participant (participant ids are 0..N-1)."""
    return dict(enumerate(planted["participant_groups"]))


def polis_labels(export_dir: Path) -> Labels | None:
    """Return Polis's group-id per participant from participants-votes.csv, if present."""
    path = export_dir / "participants-votes.csv"
    if not path.exists():
        return None
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        participant_col, group_col = header.index("participant"), header.index("group-id")
        return {
            int(row[participant_col]): int(row[group_col])
            for row in reader
            if row[group_col].strip()
        }


def reddwarf_labels(labels_csv: Path) -> Labels:
    """Read run_reddwarf.py's participant,group CSV (empty group = not clustered)."""
    with open(labels_csv, newline="", encoding="utf-8") as handle:
        return {
            int(row["participant"]): int(row["group"])
            for row in csv.DictReader(handle)
            if row["group"].strip()
        }


def _first_key(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """Return the value of the first of keys present in item, else None."""
    for key in keys:
        if key in item:
            return item[key]
    return None


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Yield node and the dicts nested in it, breadth first, at most three levels deep."""
    if depth > 3:
        return
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value, depth + 1)


def _labels_in(node: dict[str, Any]) -> Labels | None:
    """Find participant labels in one dict of a parley result, in any of a few shapes."""
    participants = node.get("participants")
    if isinstance(participants, list) and participants and isinstance(participants[0], dict):
        labels: Labels = {}
        for item in participants:
            pid, gid = _first_key(item, PARTICIPANT_KEYS), _first_key(item, GROUP_KEYS)
            if pid is not None and gid is not None:
                labels[int(pid)] = int(gid)
        return labels or None
    ids = node.get("participant_ids")
    groups = node.get("labels", node.get("group_ids", node.get("participant_groups")))
    if isinstance(ids, list) and isinstance(groups, list) and len(ids) == len(groups):
        return {int(p): int(g) for p, g in zip(ids, groups, strict=True) if g is not None}
    group_list = node.get("groups")
    if isinstance(group_list, list) and group_list and isinstance(group_list[0], dict):
        labels = {}
        for index, group in enumerate(group_list):
            members = _first_key(group, ("members", "participant_ids", "participants"))
            gid = _first_key(group, ("group_id", "id"))
            for pid in members or []:
                labels[int(pid)] = int(gid if gid is not None else index)
        return labels or None
    return None


def parley_labels(result: dict[str, Any]) -> Labels | None:
    """Extract participant -> group from parley's JSON result, whatever its exact layout."""
    for node in _walk(result):
        labels = _labels_in(node)
        if labels:
            return labels
    return None


def _statement_ids(items: Any) -> list[int]:
    """Turn a list of ids or of statement dicts into a list of ids."""
    ids = []
    for item in items if isinstance(items, list) else []:
        value = _first_key(item, STATEMENT_KEYS) if isinstance(item, dict) else item
        if isinstance(value, int | str) and str(value).lstrip("-").isdigit():
            ids.append(int(value))
    return ids


def parley_consensus(result: dict[str, Any]) -> list[int] | None:
    """Extract parley's agree-side consensus statement ids, if its result has them."""
    for node in _walk(result):
        consensus = node.get("consensus")
        if isinstance(consensus, dict) and "agree" in consensus:
            return _statement_ids(consensus["agree"])
        if isinstance(consensus, list):
            return _statement_ids(consensus)
    return None


def reddwarf_consensus(summary_json: Path) -> list[int] | None:
    """Read the agree-side consensus ids run_reddwarf.py wrote."""
    if not summary_json.exists():
        return None
    summary = json.loads(summary_json.read_text(encoding="utf-8"))
    return [int(i) for i in summary.get("consensus_agree_ids", [])]


def ari(predicted: Labels | None, reference: Labels | None) -> tuple[float | None, int]:
    """Adjusted Rand index over participants labelled in both; also return how many."""
    if not predicted or not reference:
        return None, 0
    common = sorted(predicted.keys() & reference.keys())
    if len(common) < 2:
        return None, len(common)
    score = adjusted_rand_score([reference[p] for p in common], [predicted[p] for p in common])
    return float(score), len(common)


def consensus_recall(found: list[int] | None, planted: list[int] | None) -> float | None:
    """Share of the planted consensus statements that the tool reported as consensus."""
    if found is None or not planted:
        return None
    return len(set(found) & set(planted)) / len(planted)
