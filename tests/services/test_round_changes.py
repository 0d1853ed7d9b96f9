"""What moved: a generated process with planted changes between two rounds shows exactly them."""

from __future__ import annotations

from parley.db.engine import SessionFactory
from parley.services import participants, statements
from parley.services.agenda import read_agenda, refresh_agenda
from parley.services.agenda_document import (
    AgendaDocument,
    AgendaEntry,
    AgendaFormat,
    AgendaItemEntry,
    AgendaProcess,
)
from parley.services.processes import create_process, process_info
from parley.services.round_changes import item_history, what_moved
from parley.services.rounds import close_round, read_round
from parley.services.rules import ProcessSettings
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote


def _vote(sf: SessionFactory, members: list[int], statement: int, value: int) -> None:
    for m in members:
        cast_vote(sf, m, statement, value)


def test_what_moved_finds_exactly_the_planted_changes(session_factory: SessionFactory) -> None:
    sf = session_factory
    pid = create_process(
        sf,
        facilitator_id=None,
        name="P",
        formats=["A", "B"],
        settings=ProcessSettings(min_votes=2, min_group_size=2),  # 2 voters are shown
    )
    info = process_info(sf, pid)
    a, b = info.formats[0].conversation_id, info.formats[1].conversation_id
    in_a = [participants.join_conversation(sf, a)[0] for _ in range(4)]
    in_b = [participants.join_conversation(sf, b)[0] for _ in range(4)]

    def joint(text: str) -> tuple[int, int]:
        s = statements.add_statement(sf, a, text, is_seed=True)
        return s.id, share_statement(sf, s.id)[0]

    rises, rises_b = joint("Reopen the schools in every district")
    falls, falls_b = joint("A ceasefire monitored by neutral observers")
    stays, stays_b = joint("Clean water for every village")
    travels = statements.add_statement(sf, a, "Return of property deeds", is_seed=True).id
    for s in (rises, falls, stays, travels):
        _vote(sf, in_a, s, 1)
    _vote(sf, in_b[:2], rises_b, -1)
    _vote(sf, in_b, falls_b, 1)
    _vote(sf, in_b, stays_b, 1)
    refresh_agenda(sf, pid)
    close_round(sf, pid)

    # planted: `rises` becomes common, `falls` loses it (and is newly contested), a new
    # statement is contested from the start, `travels` reaches format B
    _vote(sf, in_b, rises_b, 1)
    _vote(sf, in_b, falls_b, -1)
    new, new_b = joint("Foreign troops leave within a year")
    _vote(sf, in_a, new, 1)
    _vote(sf, in_b, new_b, -1)
    share_statement(sf, travels)
    refresh_agenda(sf, pid)

    changes = what_moved(read_round(sf, pid, 1), read_agenda(sf, pid).document)
    assert [m.id for m in changes.became_common] == [rises]
    assert (changes.became_common[0].before, changes.became_common[0].after) == (
        "contested",
        "common",
    )
    assert [m.id for m in changes.lost_common] == [falls]
    assert sorted(m.id for m in changes.new_contested) == sorted([falls, new])
    assert [(m.id, m.gained, m.lost) for m in changes.moved_formats] == [(travels, ["B"], [])]
    shifts = {f.format: f for f in changes.format_shifts}
    assert (shifts["A"].votes_before, shifts["A"].votes_after) == (16, 20)
    assert shifts["A"].shift == 0.0
    # B: 8 of 10 votes agreed before (rises 2 against), 8 of 16 after
    assert (shifts["B"].votes_before, shifts["B"].votes_after) == (10, 16)
    assert shifts["B"].shift == -30.0
    assert not changes.is_empty
    unchanged = what_moved(read_round(sf, pid, 1), read_round(sf, pid, 1))
    assert unchanged.is_empty


def _entry(sid: int, kind: str, score: float | None) -> AgendaEntry:
    return AgendaEntry(
        id=sid,
        kind=kind,  # type: ignore[arg-type]
        common_ground=score,
        bridging=None,
        rejected_by_all=False,
        by_format={"A": {"agree": 1, "disagree": 0, "pass": 0}},
        text=f"s{sid}",
    )


def _document(items: dict[int, list[AgendaEntry]]) -> AgendaDocument:
    return AgendaDocument(
        process=AgendaProcess(id=1, name="p", description="", min_votes=1, n_participants=1),
        formats=[AgendaFormat(name="A", n_members=1, n_statements=1)],
        items=[
            AgendaItemEntry(item=i, label=f"item {i}", rank=r, statements=s)
            for r, (i, s) in enumerate(items.items(), start=1)
        ],
    )


def test_items_gain_and_lose_common_ground_and_a_removed_statement_loses_it() -> None:
    before = _document({1: [_entry(10, "common", 0.8)], 2: [_entry(20, "contested", 0.3)]})
    after = _document({1: [_entry(11, "contested", 0.4)], 2: [_entry(20, "common", 0.7)]})
    changes = what_moved(before, after)
    assert [i.item for i in changes.items_became_common] == [2]
    assert [i.item for i in changes.items_lost_common] == [1]
    assert [(m.id, m.after) for m in changes.lost_common] == [(10, "removed")]
    assert [m.id for m in changes.new_contested] == [11]
    history = {h.item: h.scores for h in item_history([before, after])}
    assert history == {1: [0.8, 0.4], 2: [0.3, 0.7]}
