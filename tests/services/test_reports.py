"""services.reports without a database: shares, group letters and the table's sort order."""

from __future__ import annotations

from typing import Any

import pytest

from parley.errors import InputError
from parley.services.reports import (
    GroupStance,
    ReportStatement,
    Stance,
    group_letter,
    sort_statements,
)


def _statement(
    sid: int,
    agree: int,
    disagree: int,
    passes: int,
    *,
    gac: float | None = None,
    groups: tuple[GroupStance, ...] = (),
) -> ReportStatement:
    return ReportStatement(
        id=sid,
        text=f"statement {sid}",
        language="en",
        is_meta=False,
        overall=Stance(agree, disagree, passes),
        gac=gac,
        groups=groups,
    )


def test_stance_shares_and_whole_percents() -> None:
    stance = Stance(agree=2, disagree=1, passes=0)
    assert stance.n_votes == 3
    assert stance.share("agree") == pytest.approx(2 / 3)
    assert [stance.percent(c) for c in ("agree", "disagree", "pass")] == [67, 33, 0]
    empty = Stance(0, 0, 0)
    assert empty.share("pass") is None and empty.percent("pass") == 0


def test_groups_are_lettered_like_polis() -> None:
    assert [group_letter(g) for g in (0, 1, 2, 25)] == ["A", "B", "C", "Z"]


def test_sorting_by_a_share_puts_statements_without_votes_last() -> None:
    rows = [_statement(1, 1, 1, 0), _statement(2, 0, 0, 0), _statement(3, 3, 0, 1)]
    assert [s.id for s in sort_statements(rows, "-agree")] == [3, 1, 2]
    assert [s.id for s in sort_statements(rows, "agree")] == [1, 3, 2]
    assert [s.id for s in sort_statements(rows, "-id")] == [3, 2, 1]
    assert [s.id for s in sort_statements(rows, "votes")] == [2, 1, 3]


def test_sorting_by_a_group_uses_its_agree_share_and_ties_go_by_id() -> None:
    def by(a: Stance, b: Stance) -> tuple[GroupStance, ...]:
        return (GroupStance(0, "A", a), GroupStance(1, "B", b))

    rows = [
        _statement(1, 0, 0, 0, groups=by(Stance(1, 0, 0), Stance(0, 1, 0))),
        _statement(2, 0, 0, 0, groups=by(Stance(0, 1, 0), Stance(1, 0, 0))),
        _statement(3, 0, 0, 0, groups=by(Stance(1, 0, 0), Stance(1, 1, 0))),
    ]
    assert [s.id for s in sort_statements(rows, "-group-A", letters="AB")] == [1, 3, 2]
    assert [s.id for s in sort_statements(rows, "-group-B", letters="AB")] == [2, 3, 1]


def test_gac_sorts_with_missing_values_last_and_unknown_columns_raise() -> None:
    rows = [
        _statement(1, 1, 0, 0, gac=0.2),
        _statement(2, 1, 0, 0),
        _statement(3, 1, 0, 0, gac=0.9),
    ]
    assert [s.id for s in sort_statements(rows, "-gac")] == [3, 1, 2]
    with pytest.raises(InputError, match="group-C"):
        sort_statements(rows, "group-C", letters="AB")
    with pytest.raises(InputError, match="text"):
        sort_statements(rows, "text")


def test_an_analysis_stored_without_group_counts_shows_no_group_votes(
    session_factory: Any,
) -> None:
    """Analyses stored before the group counts were kept still make a report."""
    from parley.db.models import AnalysisResult
    from parley.services import accounts, conversations, statements
    from parley.services.polis_reports import ensure_report_secret, report_id
    from parley.services.reports import conversation_report

    owner, _ = accounts.create_facilitator(session_factory, "ada")
    cid = conversations.create_conversation(session_factory, facilitator_id=owner, topic="t")
    sid = statements.add_statement(session_factory, cid, "Trees", is_seed=True).id
    payload = {
        "k": 1,
        "n_participants": 3,
        "n_statements": 1,
        "n_votes": 2,
        "participants": [{"id": 1, "x": 0.0, "y": 0.0, "group": 0}],
        "groups": [{"id": 0, "size": 3, "repness": []}],  # the smallest group shown
        "statements": [
            {"id": sid, "text": "Trees", "agree": 2, "disagree": 0, "pass": 0, "gac": 0.5}
        ],
        "consensus": {"agree": [sid], "disagree": []},
        "pca": {"statement_ids": [sid]},
    }
    with session_factory.begin() as session:
        session.add(AnalysisResult(conversation_id=cid, n_votes=2, payload=payload))
    ensure_report_secret(session_factory)
    report = conversation_report(session_factory, report_id(session_factory, cid))
    (statement,) = report.statements
    assert statement.overall == Stance(2, 0, 0)
    assert statement.groups == (GroupStance(0, "A", Stance(0, 0, 0)),)
    assert report.consensus_agree == (statement,)
