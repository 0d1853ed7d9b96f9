"""red-dwarf's Loader reads a live parley through the Polis-compatible API and its CSV export.

A ``parley serve`` child process serves a database that holds the bundled Polis conversation
(Scoop HiveMind on biodiversity, CC BY 4.0) and its analysis. red-dwarf 0.4's ``Loader``
(PyPI ``red-dwarf``, an optional test dependency) loads it twice: through ``/api/v3``
(conversations, comments, math/pca2, then votes for pid 0 to n) and through the report's
``/api/v3/reportExport/{report_id}/`` CSV files. Both must give every final vote of the
original Polis export with agree = +1 (red-dwarf negates the API's agree = -1 itself) and
every statement with its moderation; red-dwarf's own pipeline on what it loaded must find
the groups parley found (adjusted Rand index at least 0.9).

The only change to red-dwarf is its HTTP session: the Loader throttles itself to 5 requests
a second and caches in the working folder, which would make its ~540 vote requests take
two minutes; the test gives it a plain ``requests.Session`` instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from parley_server import ParleyServer, serve_unavailable_reason, start_server

from parley.data import bundled_conversation
from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.services.accounts import create_facilitator
from parley.services.polis_exchange import import_polis_export
from parley.services.refresh import pending_analyses, refresh_analysis

reddwarf_loader = pytest.importorskip("reddwarf.data_loader")
reddwarf_polis = pytest.importorskip("reddwarf.implementations.polis")
requests = pytest.importorskip("requests")
metrics = pytest.importorskip("sklearn.metrics")

pytestmark = [
    pytest.mark.slow,
    # red-dwarf 0.4's own use of pandas, which pandas 3 deprecates
    pytest.mark.filterwarnings("ignore:Passing a list to DataFrame.from_dict is deprecated"),
]

Triple = tuple[int, int, int]


class Loader(reddwarf_loader.Loader):
    """red-dwarf's Loader with an unthrottled, uncached HTTP session (see the module doc)."""

    def init_http_client(self) -> None:
        self.session = requests.Session()


@dataclass
class Served:
    """The live server, the demo conversation's id and a facilitator's API key."""

    server: ParleyServer
    conversation_id: int
    api_key: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Serve a database holding the analysed biodiversity conversation."""
    reason = serve_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("polis-api")
    url = f"sqlite:///{folder / 'parley.db'}"
    engine = create_engine_for(url)
    upgrade_database(engine)
    session_factory = create_session_factory(engine)
    conversation_id = import_polis_export(session_factory, bundled_conversation())
    _, api_key = create_facilitator(session_factory, "ada", password="correct horse battery")
    for job in pending_analyses(session_factory):
        refresh_analysis(session_factory, job)
    engine.dispose()
    server = start_server(url, folder / "server.log")
    try:
        yield Served(server, conversation_id, api_key)
    finally:
        server.stop()


def _original_votes() -> set[Triple]:
    """(pid, tid, vote) of every final vote in the bundled export, agree = +1."""
    path = Path(bundled_conversation()) / "participants-votes.csv"
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    fixed = {"participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"}
    return {
        (int(row["participant"]), int(column), int(value))
        for row in rows
        for column, value in row.items()
        if column not in fixed and value != ""
    }


def _original_comments() -> dict[int, dict[str, str]]:
    path = Path(bundled_conversation()) / "comments.csv"
    with path.open(newline="", encoding="utf-8") as file:
        return {int(row["comment-id"]): row for row in csv.DictReader(file)}


def _loaded_votes(loader: Any) -> set[Triple]:
    triples = [(v["participant_id"], v["statement_id"], int(v["vote"])) for v in loader.votes_data]
    assert len(triples) == len({t[:2] for t in triples}), "one vote per participant and statement"
    return set(triples)


def _check_statements(loader: Any, *, texts: str) -> None:
    """Every statement with its moderation; texts as the original (or blank when hidden)."""
    original = _original_comments()
    loaded = {c["statement_id"]: c for c in loader.comments_data}
    assert set(loaded) == set(original)
    for tid, row in original.items():
        assert loaded[tid]["moderated"] == int(row["moderated"]), tid
        assert loaded[tid]["participant_id"] == int(row["author-id"]), tid
        assert loaded[tid]["is_meta"] is False
        hidden = texts == "visible" and int(row["moderated"]) == -1
        assert loaded[tid]["txt"] == ("" if hidden else row["comment-body"]), tid


def _parley_groups(math: dict[str, Any]) -> dict[int, int]:
    """pid -> group from Polis's group-clusters and base-clusters."""
    base = math["base-clusters"]
    members = dict(zip(base["id"], base["members"], strict=True))
    return {
        pid: group["id"]
        for group in math["group-clusters"]
        for base_id in group["members"]
        for pid in members[base_id]
    }


def _agreement(loader: Any, math: dict[str, Any]) -> float:
    """Adjusted Rand index between red-dwarf's groups on the loaded votes and parley's."""
    mod_out = [c["statement_id"] for c in loader.comments_data if c["moderated"] == -1]
    result = reddwarf_polis.run_pipeline(
        votes=loader.votes_data, mod_out_statement_ids=mod_out, random_state=0
    )
    theirs = result.participants_df["cluster_id"].dropna().astype(int).to_dict()
    ours = _parley_groups(math)
    both = sorted(set(theirs) & set(ours))
    assert len(both) >= 0.9 * len(ours)
    return float(metrics.adjusted_rand_score([ours[p] for p in both], [theirs[p] for p in both]))


def test_loader_api_path(served: Served) -> None:
    """The API path: every vote with agree = +1, every statement, parley's groups."""
    loader = Loader(
        polis_instance_url=served.server.url,
        conversation_id=str(served.conversation_id),
        is_cache_enabled=False,
    )
    summary_path = Path(bundled_conversation()) / "summary.csv"
    with summary_path.open(newline="", encoding="utf-8") as file:
        topic = dict(csv.reader(file))["topic"]
    assert loader.conversation_data["topic"] == topic
    assert loader.conversation_data["conversation_id"] == str(served.conversation_id)
    assert loader.math_data["n"] == 536
    assert _loaded_votes(loader) == _original_votes()
    _check_statements(loader, texts="visible")
    assert _agreement(loader, loader.math_data) >= 0.9


def test_loader_csv_export_path(served: Served) -> None:
    """The CSV path, by the report id the facilitator lists: the same votes and statements."""
    import httpx

    reports = httpx.get(
        f"{served.server.url}/api/v3/reports",
        params={"conversation_id": served.conversation_id},
        headers={"Authorization": f"Bearer {served.api_key}"},
    ).json()
    assert [r["conversation_id"] for r in reports] == [str(served.conversation_id)]
    report_id = reports[0]["report_id"]
    loader = Loader(
        polis_instance_url=served.server.url,
        report_id=report_id,
        data_source="csv_export",
        is_cache_enabled=False,
    )
    assert _loaded_votes(loader) == _original_votes()
    _check_statements(loader, texts="all")
    math = httpx.get(
        f"{served.server.url}/api/v3/math/pca2",
        params={"conversation_id": served.conversation_id},
    ).json()
    assert _agreement(loader, math) >= 0.9
