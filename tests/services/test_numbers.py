"""The number people see, in bulk: copies show their joint statement's, imports Polis's tid."""

from __future__ import annotations

from sqlalchemy import update

from parley.db.engine import SessionFactory
from parley.db.models import Statement, StoredAgenda
from parley.services import conversations, statements
from parley.services.agenda import read_agenda, refresh_agenda
from parley.services.numbers import numbers_for, statement_numbers
from parley.services.processes import create_process, process_info
from parley.services.sessions import read_session
from parley.services.sharing import share_statement


def test_numbers_in_bulk_across_conversations(session_factory: SessionFactory) -> None:
    sf = session_factory
    pid = create_process(sf, facilitator_id=None, name="p", formats=["x", "y"])
    a, b = (f.conversation_id for f in process_info(sf, pid).formats)
    statements.add_statement(sf, b, "Filler", is_seed=True)
    root = statements.add_statement(sf, a, "Shared", is_seed=True).id
    (copy,) = share_statement(sf, root)
    imported = conversations.create_conversation(sf, facilitator_id=None, topic="import")
    polis = statements.add_statement(sf, imported, "From Polis", is_seed=True).id
    with sf.begin() as session:
        session.execute(update(Statement).where(Statement.id == polis).values(external_id=0))
    with read_session(sf) as session:
        found = statement_numbers(session, [root, copy, polis, 10_000])
    assert found == {root: root, copy: root, polis: 0}  # unknown ids left out; tid 0 kept
    assert numbers_for(sf, []) == {}
    everything = numbers_for(sf, range(1, 1200))  # read in chunks of ids
    assert len(everything) == 4 and {k: everything[k] for k in found} == found


def test_an_agenda_stored_without_numbers_gets_them_when_read(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid = create_process(sf, facilitator_id=None, name="p", formats=["x", "y"])
    a = process_info(sf, pid).formats[0].conversation_id
    root = statements.add_statement(sf, a, "Shared", is_seed=True).id
    share_statement(sf, root)
    stored = refresh_agenda(sf, pid).document
    assert [s.number for i in stored.items for s in i.statements] == [root]
    old = stored.model_dump(mode="json")
    for item in old["items"]:
        for s in item["statements"]:
            del s["number"]  # as stored before numbers were kept
    with sf.begin() as session:
        session.execute(
            update(StoredAgenda).where(StoredAgenda.process_id == pid).values(document=old)
        )
    read = read_agenda(sf, pid).document
    assert [s.number for i in read.items for s in i.statements] == [root]
    with read_session(sf) as session:  # reading wrote nothing
        kept = session.get(StoredAgenda, pid)
        assert kept is not None
        assert "number" not in kept.document["items"][0]["statements"][0]
