"""services.shown: opinion groups below the minimum group size are shown nowhere.

The engine's analysis (stored) keeps every group, as Polis computes it; what people see
(``latest_analysis``, the summary, the report, Polis's pca2 and report export) does not.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select, update

from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult, Conversation
from parley.errors import InputError
from parley.services import conversations, participants, statements
from parley.services.numbers import conversation_numbers
from parley.services.polis_math import polis_math
from parley.services.polis_reports import (
    ensure_report_secret,
    report_export_texts,
    report_id,
)
from parley.services.processes import create_process, process_info
from parley.services.refresh import refresh_everything
from parley.services.reports import conversation_report
from parley.services.results import latest_analysis, results_summary
from parley.services.rules import ProcessSettings, min_group_size
from parley.services.sessions import read_session
from parley.services.shown import min_group_size_of, shown_analysis
from parley.services.votes import cast_vote


def _payload() -> dict[str, Any]:
    return {
        "k": 3,
        "participants": [
            {"id": 1, "group": 0},
            {"id": 2, "group": 0},
            {"id": 3, "group": 0},
            {"id": 4, "group": 1},
            {"id": 5, "group": 2},
            {"id": 6, "group": 2},
            {"id": 7, "group": 2},
        ],
        "groups": [
            {"id": 0, "size": 3, "repness": []},
            {"id": 1, "size": 1, "repness": [{"statement": 9}]},
            {"id": 2, "size": 3, "repness": []},
        ],
    }


def test_a_group_below_the_minimum_is_left_out_and_its_members_counted() -> None:
    stored = _payload()
    shown = shown_analysis(stored, 3)
    assert [(g["id"], g["name"]) for g in shown["groups"]] == [(0, "A"), (2, "C")]
    assert shown["k"] == 2
    assert shown["hidden_groups"] == {"min_group_size": 3, "n_groups": 1, "n_participants": 1}
    assert [p["group"] for p in shown["participants"]] == [0, 0, 0, None, 2, 2, 2]
    assert stored == _payload()  # the engine's result is untouched


def test_a_representative_statement_nobody_in_the_group_voted_for_is_not_shown() -> None:
    stored = _payload()
    stored["groups"][0]["repness"] = [
        {"statement": 1, "direction": "disagree", "n_success": 0, "n_trials": 2},
        {"statement": 2, "direction": "agree", "n_success": 2, "n_trials": 2},
    ]
    (first, _) = shown_analysis(stored, 3)["groups"]
    assert [r["statement"] for r in first["repness"]] == [2]  # never a 0% stance
    assert len(stored["groups"][0]["repness"]) == 2  # the engine's list is untouched


def test_a_higher_minimum_hides_more_and_two_is_the_floor() -> None:
    assert shown_analysis(_payload(), 4)["groups"] == []
    assert shown_analysis(_payload(), 4)["hidden_groups"]["n_participants"] == 7
    assert [g["id"] for g in shown_analysis(_payload(), 2)["groups"]] == [0, 2]
    for wrong in (1, 0, -3, "three", 2.5, 10_001):
        with pytest.raises(InputError, match="min_group_size"):
            min_group_size(wrong)
    assert min_group_size(None) == 3
    with pytest.raises(InputError):
        ProcessSettings(min_group_size=1)
    assert ProcessSettings.from_json({"min_votes": 2}).min_group_size == 3
    assert ProcessSettings(min_group_size=5).to_json()["min_group_size"] == 5


def _two_camps(sf: SessionFactory, cid: int, big: int = 7, small: int = 4) -> list[int]:
    """Two camps that vote opposite ways on 12 statements; return the statement ids."""
    ids = [statements.add_statement(sf, cid, f"Statement {i}", is_seed=True).id for i in range(12)]
    for n, side in ((big, 1), (small, -1)):
        for _ in range(n):
            member, _ = participants.join_conversation(sf, cid)
            for j, sid in enumerate(ids):
                cast_vote(sf, member, sid, side if j < 6 else -side)
    refresh_everything(sf)
    return ids


def _stored_sizes(sf: SessionFactory, cid: int) -> list[int]:
    with read_session(sf) as session:
        payload = session.scalars(
            select(AnalysisResult.payload).where(AnalysisResult.conversation_id == cid)
        ).one()
    return [int(g["size"]) for g in payload["groups"]]


def test_every_reader_leaves_out_a_group_below_the_conversations_minimum(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    cid = conversations.create_conversation(
        sf, facilitator_id=None, topic="camps", min_group_size=5
    )
    _two_camps(sf, cid)
    assert _stored_sizes(sf, cid) == [7, 4]  # the engine found both camps, as Polis does

    shown = latest_analysis(sf, cid)
    assert shown is not None
    assert [(g["name"], g["size"]) for g in shown["groups"]] == [("A", 7)]
    assert shown["hidden_groups"] == {"min_group_size": 5, "n_groups": 1, "n_participants": 4}
    assert sum(p["group"] is None for p in shown["participants"]) == 4

    summary = results_summary(sf, cid)["analysis"]
    assert [g["name"] for g in summary["groups"]] == ["A"]
    assert summary["n_in_small_groups"] == 4 and summary["min_group_size"] == 5

    ensure_report_secret(sf)
    report = conversation_report(sf, report_id(sf, cid))
    assert [g.letter for g in report.groups] == ["A"] and report.n_in_small_groups == 4
    assert report.n_grouped == 7

    document = polis_math(sf, str(cid)).document
    assert set(document["group-votes"]) == set(document["repness"]) == {"0"}
    assert [c["id"] for c in document["group-clusters"]] == [0]

    table = report_export_texts(sf, cid)["participants-votes.csv"]
    groups = {row["group-id"] for row in csv.DictReader(io.StringIO(table))}
    assert "1" not in groups and "0" in groups


def test_with_the_default_both_camps_show(session_factory: SessionFactory) -> None:
    sf = session_factory
    cid = conversations.create_conversation(sf, facilitator_id=None, topic="camps")
    _two_camps(sf, cid)
    shown = latest_analysis(sf, cid)
    assert shown is not None
    assert [g["name"] for g in shown["groups"]] == ["A", "B"]
    assert shown["hidden_groups"]["n_groups"] == 0


def test_a_format_takes_its_process_minimum_unless_it_has_its_own(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid = create_process(
        sf, facilitator_id=None, name="p", formats=["x"], settings=ProcessSettings(min_group_size=6)
    )
    (fmt,) = process_info(sf, pid).formats
    other = conversations.create_conversation(sf, facilitator_id=None, topic="alone")
    with read_session(sf) as session:
        assert min_group_size_of(session, fmt.conversation_id) == 6
        assert min_group_size_of(session, other) == 3
    with sf.begin() as session:
        session.execute(
            update(Conversation)
            .where(Conversation.id == fmt.conversation_id)
            .values(settings={"min_group_size": 4})
        )
    with read_session(sf) as session:
        assert min_group_size_of(session, fmt.conversation_id) == 4


def test_a_statement_has_one_number_in_every_format_and_polis_tids_stay(
    session_factory: SessionFactory,
) -> None:
    from parley.db.models import Statement
    from parley.services.sharing import share_statement

    sf = session_factory
    pid = create_process(sf, facilitator_id=None, name="p", formats=["x", "y"])
    a, b = (f.conversation_id for f in process_info(sf, pid).formats)
    filler = statements.add_statement(sf, b, "Written in y first", is_seed=True)
    root = statements.add_statement(sf, a, "Written in x", is_seed=True)
    (copy,) = share_statement(sf, root.id)
    imported = conversations.create_conversation(sf, facilitator_id=None, topic="import")
    polis = statements.add_statement(sf, imported, "From Polis", is_seed=True)
    with sf.begin() as session:
        session.execute(update(Statement).where(Statement.id == polis.id).values(external_id=41))
    with read_session(sf) as session:
        assert conversation_numbers(session, a) == {root.id: root.id}
        assert conversation_numbers(session, b) == {filler.id: filler.id, copy: root.id}
        assert conversation_numbers(session, imported) == {polis.id: 41}  # Polis's own tid
