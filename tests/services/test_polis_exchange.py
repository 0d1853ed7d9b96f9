"""Import and export of Polis exports through the database, in one transaction each."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.db import Base, Conversation, Participant, Statement, Vote, VoteEvent
from parley.db.engine import SessionFactory
from parley.errors import ExportFormatError, InputError, NotFoundError
from parley.io.polis import PolisExport, StatementTable, VoteEvents, read_polis_export
from parley.services.polis_exchange import (
    build_polis_export,
    conversation_vote_matrix,
    export_polis,
    import_polis_export,
    store_polis_export,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LONDON = FIXTURES / "opendata" / "london.youth.policing"  # CC BY 4.0, see ATTRIBUTION.md
EXPORTS = [LONDON, FIXTURES / "tiny", FIXTURES / "tiny-newest"]
VTAIWAN = Path("/work/shared/polis-opendata/vtaiwan.uberx")


def _matrix(export: PolisExport) -> VoteMatrix:
    v = export.votes
    return build_vote_matrix(v.participant_ids, v.statement_ids, v.values, timestamps=v.timestamps)


def _same_matrix(a: VoteMatrix, b: VoteMatrix) -> None:
    np.testing.assert_array_equal(a.participant_ids, b.participant_ids)
    np.testing.assert_array_equal(a.statement_ids, b.statement_ids)
    np.testing.assert_array_equal(a.values.indptr, b.values.indptr)
    np.testing.assert_array_equal(a.values.indices, b.values.indices)
    np.testing.assert_array_equal(a.values.data, b.values.data)


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with engine.connect() as connection:
        tables = [*Base.metadata.sorted_tables]
        rows = {t.name: sorted(map(tuple, connection.execute(t.select()).all()), key=repr)
                for t in tables}  # fmt: skip
        rows["alembic_version"] = list(
            map(tuple, connection.execute(text("SELECT * FROM alembic_version")).all())
        )
    return rows


def _pairs(session: Session, model: type[Participant] | type[Statement]) -> dict[int, Any]:
    """Database id -> external (Polis) id."""
    return {row[0]: row[1] for row in session.execute(select(model.id, model.external_id))}


def _count(session_factory: SessionFactory, model: type[Base], cid: int) -> int:
    column = model.__table__.c.conversation_id
    with session_factory() as session:
        return int(session.scalar(select(func.count()).where(column == cid)) or 0)


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_import_keeps_statements_participants_and_every_vote(
    session_factory: SessionFactory, path: Path
) -> None:
    export = read_polis_export(path)
    cid = import_polis_export(session_factory, path)
    st, v = export.statements, export.votes
    assert _count(session_factory, Statement, cid) == len(st.ids)
    assert _count(session_factory, VoteEvent, cid) == len(v.values)
    assert _count(session_factory, Vote, cid) == _matrix(export).n_votes
    voters_and_authors = np.union1d(v.participant_ids, st.author_ids[st.author_ids >= 0])
    assert _count(session_factory, Participant, cid) == len(voters_and_authors)
    with session_factory() as session:
        conversation = session.get_one(Conversation, cid)
        assert conversation.topic == export.summary["topic"]
        assert conversation.origin is not None and conversation.origin["summary"] == export.summary
        rows = session.scalars(
            select(Statement)
            .where(Statement.conversation_id == cid)
            .order_by(Statement.external_id)
        ).all()
        assert [s.external_id for s in rows] == st.ids.tolist()
        assert [s.text for s in rows] == st.texts
        assert [s.moderation_state for s in rows] == st.moderated.tolist()
        assert [s.is_meta for s in rows] == st.is_meta.tolist()
        assert [s.is_seed for s in rows] == st.is_seed.tolist()
        authors = _pairs(session, Participant)
        assert [-1 if s.author_id is None else authors[s.author_id] for s in rows] == (
            st.author_ids.tolist()
        )


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_round_trip_keeps_the_final_vote_matrix(
    session_factory: SessionFactory, path: Path, tmp_path: Path
) -> None:
    original = read_polis_export(path)
    cid = import_polis_export(session_factory, path)
    written = export_polis(session_factory, cid, tmp_path / "out")
    again = read_polis_export(tmp_path / "out")  # signs="auto": the sign check passes
    _same_matrix(_matrix(again), _matrix(original))
    _same_matrix(_matrix(written), _matrix(original))
    np.testing.assert_array_equal(again.statements.ids, original.statements.ids)
    np.testing.assert_array_equal(again.statements.moderated, original.statements.moderated)
    np.testing.assert_array_equal(again.statements.author_ids, original.statements.author_ids)
    assert again.statements.texts == original.statements.texts
    assert again.summary["topic"] == original.summary["topic"]
    if original.votes.timestamps is not None:
        assert again.votes.timestamps is not None
        np.testing.assert_array_equal(again.votes.timestamps, original.votes.timestamps)


def test_the_vote_matrix_from_the_database_matches_the_export(
    session_factory: SessionFactory,
) -> None:
    original = _matrix(read_polis_export(LONDON))
    cid = import_polis_export(session_factory, LONDON)
    with session_factory() as session:
        triples = conversation_vote_matrix(session, cid)
        people, items = _pairs(session, Participant), _pairs(session, Statement)
    from_db = build_vote_matrix(*triples)
    assert from_db.n_votes == original.n_votes == len(triples.values)
    polis_ids = build_vote_matrix(
        [people[p] for p in triples.participant_ids.tolist()],
        [items[s] for s in triples.statement_ids.tolist()],
        triples.values,
    )
    _same_matrix(polis_ids, original)


def _export(events: list[tuple[int, int, int, int]]) -> PolisExport:
    """A two-statement export with the given (participant, statement, vote, ms) events."""
    p, s, v, t = (np.asarray(c, dtype=np.int64) for c in zip(*events, strict=True))
    statements = StatementTable(
        ids=np.array([0, 1]),
        texts=["a", "b"],
        author_ids=np.array([-1, 0]),
        moderated=np.array([1, 0], dtype=np.int8),
        is_meta=np.zeros(2, dtype=np.bool_),
        is_seed=np.array([True, False]),
        timestamps=np.array([1_000, -1]),
        agrees=np.zeros(2, dtype=np.int64),
        disagrees=np.zeros(2, dtype=np.int64),
        group_informed_consensus=None,
    )
    votes = VoteEvents(p, s, v.astype(np.int8), t)
    return PolisExport("memory", statements, votes, "votes.csv", None, {}, False)


def test_the_last_vote_wins_while_every_event_is_kept(session_factory: SessionFactory) -> None:
    events = [(0, 0, 1, 3_000), (0, 0, -1, 5_000), (0, 0, 0, 4_000), (1, 0, -1, 4_500),
              (0, 1, 1, 6_000), (0, 1, -1, 6_000)]  # fmt: skip
    cid = store_polis_export(session_factory, _export(events))
    with session_factory() as session:
        rows = session.execute(
            select(Participant.external_id, Statement.external_id, Vote.value, Vote.updated_at)
            .join(Participant, Participant.id == Vote.participant_id)
            .join(Statement, Statement.id == Vote.statement_id)
            .order_by(Participant.external_id, Statement.external_id)
        ).all()
        logged = session.scalars(select(VoteEvent.value).order_by(VoteEvent.id)).all()

    def at(ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)

    # by time; the tie at 6_000 goes to the later row, as in build_vote_matrix
    assert [tuple(r) for r in rows] == [(0, 0, -1, at(5_000)), (0, 1, -1, at(6_000)),
                                        (1, 0, -1, at(4_500))]  # fmt: skip
    assert logged == [1, 0, -1, -1, 1, -1]  # in time order
    assert _count(session_factory, VoteEvent, cid) == 6


def test_a_failure_halfway_leaves_the_database_as_it_was(
    session_factory: SessionFactory, migrated: Engine
) -> None:
    import_polis_export(session_factory, FIXTURES / "tiny")
    before = _snapshot(migrated)
    seen: list[tuple[str, int]] = []

    def fail_in_the_vote_log(table: str, n_rows: int) -> None:
        seen.append((table, n_rows))
        if table == "vote_events" and n_rows >= 200:
            raise RuntimeError("disk unplugged")

    with pytest.raises(RuntimeError, match="disk unplugged"):
        import_polis_export(session_factory, LONDON, chunk_size=100, progress=fail_in_the_vote_log)
    assert ("statements", 39) in seen and ("vote_events", 100) in seen
    assert _snapshot(migrated) == before
    # and the same import then succeeds, with the next free conversation id (SQLite reuses the
    # rolled-back id; a PostgreSQL sequence never hands a number back, so the id may skip)
    new_id = import_polis_export(session_factory, LONDON)
    if migrated.dialect.name == "sqlite":
        assert new_id == 2
    else:
        assert new_id >= 2


def test_a_bad_file_leaves_the_database_as_it_was(
    session_factory: SessionFactory, migrated: Engine, tmp_path: Path
) -> None:
    import_polis_export(session_factory, FIXTURES / "tiny")
    before = _snapshot(migrated)
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURES / "tiny", broken)
    with (broken / "votes.csv").open("a") as votes:
        votes.write("1700000099000,x,99,0,1\n")  # a vote on a statement that does not exist
    with pytest.raises(ExportFormatError, match=r"votes\.csv, line \d+: vote on statement id 99"):
        import_polis_export(session_factory, broken)
    with pytest.raises(NotFoundError):
        import_polis_export(session_factory, tmp_path / "missing")
    with pytest.raises(InputError, match="vote 2 at position 0 should be -1, 0 or 1"):
        store_polis_export(session_factory, _export([(0, 0, 2, 1_000)]))
    assert _snapshot(migrated) == before


def test_zip_exports_import_like_folders(session_factory: SessionFactory, tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "london"), "zip", LONDON)
    cid = import_polis_export(session_factory, archive)
    assert _count(session_factory, VoteEvent, cid) == len(read_polis_export(LONDON).votes.values)


def test_exporting_a_missing_conversation_names_it(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError, match="conversation 42 does not exist"):
        export_polis(session_factory, 42, tmp_path)
    with pytest.raises(NotFoundError, match="conversation 42"), session_factory() as session:
        conversation_vote_matrix(session, 42)


def test_native_rows_get_export_ids_above_the_polis_ones(session_factory: SessionFactory) -> None:
    cid = store_polis_export(session_factory, _export([(4, 0, 1, 1_000)]))
    with session_factory.begin() as session:
        participant = Participant(conversation_id=cid)  # joined in parley: no Polis id
        statement = Statement(conversation_id=cid, text="new")
        session.add_all([participant, statement])
        session.flush()
        session.add(VoteEvent(conversation_id=cid, participant_id=participant.id,
                              statement_id=statement.id, value=1))  # fmt: skip
    with session_factory() as session:
        export = build_polis_export(session, cid)
    assert export.statements.ids.tolist() == [0, 1, 2]
    assert export.statements.texts == ["a", "b", "new"]
    assert sorted(set(export.votes.participant_ids.tolist())) == [4, 5]
    assert export.statements.timestamps[0] == 1_000


@pytest.mark.opendata
@pytest.mark.slow
@pytest.mark.skipif(not VTAIWAN.is_dir(), reason=f"{VTAIWAN} not present")
def test_vtaiwan_imports_in_a_couple_of_seconds(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    start = time.perf_counter()
    cid = import_polis_export(session_factory, VTAIWAN)
    seconds = time.perf_counter() - start
    original = read_polis_export(VTAIWAN)
    assert _count(session_factory, VoteEvent, cid) == len(original.votes.values) > 45_000
    export_polis(session_factory, cid, tmp_path / "out")
    _same_matrix(_matrix(read_polis_export(tmp_path / "out")), _matrix(original))
    assert seconds < 10, f"import took {seconds:.1f} s"
