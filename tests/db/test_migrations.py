"""Migrations: a fresh database gets every table; the migrated schema matches the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from tests.support.processes import new_process

from parley.db import (
    Base,
    create_engine_for,
    create_session_factory,
    database_revision,
    head_revision,
    upgrade_database,
)
from parley.db.migrate import alembic_config
from parley.db.models import AgendaItem
from parley.db.process_records import AgendaRound
from parley.db.translation_models import TextTranslation
from parley.errors import InputError, StateError
from parley.services import participants, statements
from parley.services.agenda import refresh_agenda
from parley.services.agenda_items import item_label_sets
from parley.services.process_texts import list_text_translations
from parley.services.processes import create_process
from parley.services.rounds import close_round, list_rounds
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote

TABLES = {
    "conversations",
    "process_agendas",
    "participants",
    "statements",
    "vote_events",
    "votes",
    "moderation_log",
    "analysis_results",
    "facilitators",
    "instance_secrets",
    "processes",
    "formats",
    "agenda_items",
    "web_sessions",
    "jobs",
    "job_runs",
    "rate_buckets",
    "agenda_rounds",
    "statement_translations",
    "text_translations",
    "process_actions",
}


def test_models_declare_the_expected_tables() -> None:
    assert set(Base.metadata.tables) == TABLES


def test_upgrade_creates_every_table_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    engine = create_engine_for(f"sqlite:///{path}")
    assert database_revision(engine) is None
    upgrade_database(engine)
    assert path.is_file()
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    assert database_revision(engine) == head_revision() == "0013"
    engine.dispose()


def test_upgrade_twice_changes_nothing(migrated: Engine) -> None:
    upgrade_database(migrated)
    assert database_revision(migrated) == head_revision()


def test_migrated_schema_matches_the_models(migrated: Engine) -> None:
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_indexes_exist_for_the_vote_queries(migrated: Engine) -> None:
    inspector = inspect(migrated)
    votes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("votes")}
    events = {tuple(ix["column_names"]) for ix in inspector.get_indexes("vote_events")}
    assert {("conversation_id",), ("statement_id",)} <= votes
    assert ("conversation_id", "created_at") in events


def test_downgrade_to_base_and_up_again(migrated: Engine) -> None:
    with migrated.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(migrated).get_table_names()) <= {"alembic_version"}
    upgrade_database(migrated)
    assert set(inspect(migrated).get_table_names()) == TABLES | {"alembic_version"}


def test_a_database_from_a_newer_parley_is_refused(migrated: Engine) -> None:
    with migrated.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StateError, match=r"'9999'.*newer parley"):
        upgrade_database(migrated)


def test_an_unopenable_sqlite_file_is_a_user_error(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}")
    with pytest.raises(InputError, match=r"cannot open database sqlite:///.*folder\.db"):
        upgrade_database(engine)


def test_0002_keeps_the_rows_of_0001(engine: Engine) -> None:
    upgrade_database(engine, revision="0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO conversations (id, topic, description, languages, moderation_mode, "
            "settings, created_at) VALUES (7, 't', 'd', '[]', 'open', '{}', '2026-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO analysis_results (conversation_id, n_votes, created_at, payload) "
            "VALUES (7, 3, '2026-01-01', '{}')"
        )
    upgrade_database(engine)
    with engine.connect() as connection:
        conversation = connection.exec_driver_sql(
            "SELECT facilitator_id, votes_version, moderation_version FROM conversations"
        ).one()
        analysis = connection.exec_driver_sql(
            "SELECT votes_version, moderation_version, priorities FROM analysis_results"
        ).one()
    assert tuple(conversation) == (None, 0, 0)
    assert tuple(analysis) == (0, 0, None)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0001")
    assert "facilitators" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM conversations").scalar() == 1


def test_0012_moves_item_text_translations_into_the_items_labels(engine: Engine) -> None:
    upgrade_database(engine, revision="0011")
    sf = create_session_factory(engine)
    pid = create_process(sf, facilitator_id=None, name="Talks", formats=["A", "B"])
    with sf.begin() as session:
        plain = AgendaItem(process_id=pid, label="aid", labels={"en": "aid"}, custom_labels={})
        renamed = AgendaItem(
            process_id=pid, label="aid", labels={"en": "aid"}, custom_labels={"ru": "Доступ"}
        )
        legacy = AgendaItem(  # renamed before labels per language: stands for every language
            process_id=pid,
            label="Access",
            is_custom=True,
            labels={"en": "aid", "fr": "aide"},
            custom_labels={},
        )
        session.add_all([plain, renamed, legacy])
        session.flush()
        rows = [
            ("name", 0, "ru", "Переговоры"),
            ("item", plain.id, "ru", "Помощь"),
            ("item", renamed.id, "ru", "Другое"),  # the item's own rename in ru wins
            ("item", renamed.id, "de", "Zugang"),
            ("item", legacy.id, "ru", "Доступ"),
            ("item", 999_999, "ru", "нет такого"),  # an item deleted since: the row goes too
        ]
        session.add_all(
            TextTranslation(process_id=pid, kind=k, ref_id=r, language=lang, text=t)
            for k, r, lang, t in rows
        )
        ids = (plain.id, renamed.id, legacy.id)
    upgrade_database(engine, revision="0012")
    assert database_revision(engine) == "0012"
    with sf() as session:
        items = {i: session.get(AgendaItem, i) for i in ids}
        found = {i: (a.custom_labels, a.is_custom, a.label) for i, a in items.items() if a}
    assert found[ids[0]] == ({"ru": "Помощь"}, False, "aid")
    assert found[ids[1]] == ({"ru": "Доступ", "de": "Zugang"}, False, "aid")
    assert found[ids[2]] == ({"en": "Access", "fr": "Access", "ru": "Доступ"}, False, "Access")
    assert [(t.kind, t.language) for t in list_text_translations(sf, pid)] == [("name", "ru")]
    labels = item_label_sets(sf, pid)
    assert labels[ids[0]].labels == {"en": "aid", "ru": "Помощь"}
    assert labels[ids[2]].labels == {"en": "Access", "fr": "Access", "ru": "Доступ"}
    with engine.begin() as connection:  # the downgrade keeps the labels where they are
        command.downgrade(alembic_config(connection), "0011")
    assert item_label_sets(sf, pid)[ids[0]].labels["ru"] == "Помощь"


def test_0013_counts_waiting_and_one_sided_statements_in_each_round(engine: Engine) -> None:
    upgrade_database(engine, revision="0012")
    sf = create_session_factory(engine)
    pid, formats = new_process(sf, ["A", "B"], min_votes=2)
    a, b = (f.conversation_id for f in formats)
    shared = statements.add_statement(sf, a, "Held by both, short of votes in B", is_seed=True)
    share_statement(sf, shared.id)
    for _ in range(2):
        cast_vote(sf, participants.join_conversation(sf, a)[0], shared.id, 1)
    statements.add_statement(sf, b, "Only in B", is_seed=True)
    refresh_agenda(sf, pid)
    close_round(sf, pid)
    with sf.begin() as session:  # as a round closed before 0013 stored it: one-sided only
        (row,) = session.scalars(select(AgendaRound).where(AgendaRound.process_id == pid))
        row.n_waiting = 1
    upgrade_database(engine)
    assert database_revision(engine) == "0013"
    assert [r.n_waiting for r in list_rounds(sf, pid)] == [2]
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0012")
    assert [r.n_waiting for r in list_rounds(sf, pid)] == [1]
