"""The demo process: formats, six languages, shared statements, common ground on top."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from parley.data.syria_demo import load_demo_process
from parley.db.engine import SessionFactory
from parley.db.models import Statement
from parley.services.agenda import AgendaView, read_agenda
from parley.services.demo import prepare_demo
from parley.services.duplicates import duplicate_pairs
from parley.services.processes import process_info
from parley.services.round_changes import what_moved
from parley.services.rounds import list_rounds, read_round

pytestmark = pytest.mark.slow


def _items(view: AgendaView) -> list[dict[str, Any]]:
    """The agenda's items as plain data, best first."""
    return [item.model_dump() for item in view.document.items]


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """The demo loads on SQLite here; PostgreSQL runs the same services elsewhere."""
    return f"sqlite:///{tmp_path}/demo.db"


def test_the_demo_process_puts_common_ground_on_top(session_factory: SessionFactory) -> None:
    access = prepare_demo(session_factory)
    info = process_info(session_factory, access.process_id)
    assert [f.name for f in info.formats] == ["Astana group", "Small Group"]
    spec = load_demo_process()
    sizes = {f.name: len(f.members) for f in spec.formats}
    assert {f.name: f.n_members for f in info.formats} == sizes
    agenda = read_agenda(session_factory, access.process_id)  # stored by the demo's worker run
    assert agenda.is_computed
    # two closed rounds and a current one, with something moved between each
    rounds = list_rounds(session_factory, access.process_id)
    assert [r.number for r in rounds] == [1, 2]
    first, second = (read_round(session_factory, access.process_id, r.number) for r in rounds)
    assert rounds[0].n_common < rounds[1].n_common
    assert what_moved(first, second).became_common
    assert what_moved(first, second).moved_formats  # the shares of round 2
    assert not what_moved(second, agenda.document).is_empty
    items = _items(agenda)
    statements = [s for item in items for s in item["statements"]]
    assert {s["language"] for s in statements} == {"de", "en", "fr", "ru", "tr", "ar"}
    assert len(statements) == len(spec.statements)
    # the best items lead with common ground, and every common statement outranks the
    # contested ones by its common-ground score
    assert [item["statements"][0]["kind"] for item in items[:3]] == ["common"] * 3
    planted = {s.text: s for s in spec.statements}
    common = [
        s["common_ground"]
        for s in statements
        if min(p for p, _ in planted[s["text"]].stance.values()) >= 0.75 and s["common_ground"]
    ]
    contested = [
        s["common_ground"]
        for s in statements
        if s["kind"] == "contested" and s["common_ground"] is not None
    ]
    assert common and contested and min(common) > max(contested)
    # statements both formats were planted to reject are flagged, not shown as a split
    rejected = {s["text"] for s in statements if s["rejected_by_all"]}
    planted_rejected = {
        s.text for s in spec.statements if s.shared and max(p for p, _ in s.stance.values()) < 0.2
    }
    assert planted_rejected and planted_rejected <= rejected
    assert all(s["kind"] == "contested" for s in statements if s["rejected_by_all"])
    # the unshared statements: one-sided (in one format: a suggestion to share it) or, once
    # the process's auto-share rule shared it, waiting for the votes of the formats named
    one_sided = [s for s in statements if s["kind"] == "one-sided"]
    waiting = [s for s in statements if s["kind"] == "waiting"]
    unshared = {s.text for s in spec.statements if not s.shared}
    assert {s["text"] for s in one_sided + waiting} == unshared
    assert all(len(s["held_by"]) == 1 and s["share_with"] for s in one_sided)
    assert all(len(s["held_by"]) > 1 and s["waiting_for"] for s in waiting)
    for s in one_sided + waiting:
        assert not set(s["share_with"] or []) & set(s["held_by"])  # never its own format
        assert not set(s["waiting_for"]) - set(s["held_by"])
    # look-alike pairs across languages, and opposites told apart by the votes
    pairs = duplicate_pairs(session_factory, access.process_id)
    verdicts = {
        frozenset((p.a.text, p.b.text)): p.votes.verdict for p in pairs if p.votes is not None
    }
    for statement in spec.statements:
        if statement.opposite is not None:
            other = next(
                s for s in spec.statements if s.opposite == statement.opposite and s != statement
            )
            verdict = verdicts.get(frozenset((statement.text, other.text)))
            assert verdict in (None, "opposite"), (statement.key, verdict)
    assert "opposite" in verdicts.values() and "duplicate" in verdicts.values()
    # loaded once: a second call keeps the process
    again = prepare_demo(session_factory)
    assert again.process_id == access.process_id
    with session_factory() as session:
        in_process = Statement.conversation_id.in_([f.conversation_id for f in info.formats])
        missing = select(func.count()).where(in_process, Statement.embedding.is_(None))
        assert session.scalar(missing) == 0


def test_each_delegation_reads_the_demo_agenda_in_its_own_language(
    session_factory: SessionFactory,
) -> None:
    access = prepare_demo(session_factory)
    spec = load_demo_process()
    for language in ("en", "ru", "ar", "tr", "fr", "de", "fa"):
        view = read_agenda(session_factory, access.process_id, languages=(language,))
        statements = [s for item in view.document.items for s in item.statements]
        mine = [s for s in statements if s.language == language]
        assert len(mine) >= len(spec.statements) // 3, language  # a good share in its language
        for s in statements:
            assert s.original_text and s.original_language
            assert s.is_translation == (s.text != s.original_text)
    ru = read_agenda(session_factory, access.process_id, languages=("ru",)).document
    assert ru.process.name == "Механизм координации по Сирии"
    assert [f.label for f in ru.formats] == ["Астанинская группа", "Малая группа"]
    fa = read_agenda(session_factory, access.process_id, languages=("fa",)).document
    assert fa.process.name == "سازوکار هماهنگی دربارهٔ سوریه"
