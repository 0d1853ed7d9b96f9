"""Agenda items: labels per language, and facilitators' renames per language."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import update

from parley.db.engine import SessionFactory
from parley.db.models import AgendaItem
from parley.errors import InputError, NotFoundError
from parley.services import statements
from parley.services.agenda import compute_agenda, read_agenda, refresh_agenda
from parley.services.agenda_document import AgendaItemEntry, label_for
from parley.services.agenda_items import (
    _CachedPhrases,
    item_label_sets,
    refresh_agenda_items,
    rename_item,
)
from parley.services.processes import create_process, process_info
from parley.services.translation_store import add_translation

TEXTS = [
    ("en", "Humanitarian aid must reach every region without obstruction."),
    ("de", "Die humanitäre Hilfe muss alle Regionen ungehindert erreichen."),
    ("fr", "L'aide humanitaire doit atteindre toutes les régions sans entrave."),
    ("en", "All sanctions on the civilian economy should be lifted."),
    ("de", "Alle Sanktionen gegen die zivile Wirtschaft sollten aufgehoben werden."),
    ("fr", "Toutes les sanctions contre l'économie civile doivent être levées."),
    ("en", "Refugees must be able to return home safely."),
    ("de", "Flüchtlinge müssen sicher nach Hause zurückkehren können."),
    ("fr", "Les réfugiés doivent pouvoir rentrer chez eux en sécurité."),
]


def _agenda(sf: SessionFactory) -> tuple[int, list[AgendaItemEntry]]:
    pid = create_process(sf, facilitator_id=None, name="Syria", formats=["A", "B"])
    info = process_info(sf, pid)
    for k, (language, text) in enumerate(TEXTS):
        conversation = info.formats[k % 2].conversation_id
        statements.add_statement(sf, conversation, text, is_seed=True, language=language)
    assert refresh_agenda_items(sf, pid) == 3
    return pid, refresh_agenda(sf, pid).document.items  # stored, as the worker does


def _aid(items: list[AgendaItemEntry]) -> AgendaItemEntry:
    return next(i for i in items if any("Humanitarian" in (s.text or "") for s in i.statements))


@pytest.mark.slow
def test_items_have_a_label_per_language_and_renames_per_language(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, items = _agenda(sf)
    aid = _aid(items)
    assert set(aid.labels) == {"en", "de", "fr"}
    texts = {s.language: (s.text or "").lower() for s in aid.statements}
    assert all(label.lower() in texts[tag] for tag, label in aid.labels.items())
    assert aid.label == aid.labels["en"]
    english = aid.labels["en"]

    rename_item(sf, pid, aid.item, "Humanitärer Zugang", language="de")
    shown = _aid(read_agenda(sf, pid).document.items)  # a rename shows at once
    assert shown.labels["de"] == "Humanitärer Zugang"
    assert (shown.labels["en"], shown.label) == (english, english)
    assert label_for(shown, "de") == "Humanitärer Zugang"
    assert label_for(shown, "es") == english  # no Spanish statements: English
    assert label_for(shown, None) == english

    rename_item(sf, pid, aid.item, "Humanitarian access")  # English by default
    refresh_agenda_items(sf, pid, force=True)
    kept = _aid(compute_agenda(sf, pid, bridging=False).document.items)
    assert kept.item == aid.item  # same statements, same item
    assert kept.labels["de"] == "Humanitärer Zugang"
    assert kept.label == kept.labels["en"] == "Humanitarian access"
    assert kept.labels["fr"] == aid.labels["fr"]  # the keyword label

    with pytest.raises(InputError, match="language 'not a tag' is not a language tag"):
        rename_item(sf, pid, aid.item, "x", language="not a tag")
    with pytest.raises(NotFoundError):
        rename_item(sf, pid, 999_999, "x", language="de")


@pytest.mark.slow
def test_a_rename_from_before_labels_per_language_stands_for_every_language(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, items = _agenda(sf)
    aid = _aid(items)
    with sf.begin() as session:  # as migration 0007 leaves an item renamed before it
        session.execute(
            update(AgendaItem)
            .where(AgendaItem.id == aid.item)
            .values(label="Aid", is_custom=True, custom_labels={})
        )
    shown = item_label_sets(sf, pid)[aid.item]
    assert shown.label == "Aid"
    assert shown.labels == {"en": "Aid", "de": "Aid", "fr": "Aid"}
    rename_item(sf, pid, aid.item, "Aide humanitaire", language="fr")
    shown = item_label_sets(sf, pid)[aid.item]
    assert shown.labels == {"en": "Aid", "de": "Aid", "fr": "Aide humanitaire"}
    refresh_agenda_items(sf, pid, force=True)
    assert item_label_sets(sf, pid)[aid.item].labels["fr"] == "Aide humanitaire"


class _Counting:
    """A fake embedder that counts the texts it embeds."""

    name = "fake"
    match_threshold = 0.5

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        return np.asarray([[len(t), 1.0] for t in texts], dtype=np.float32).reshape(-1, 2)


def test_keyword_phrases_are_embedded_once_per_process() -> None:
    fake = _Counting()
    cached = _CachedPhrases(fake)
    first = cached.embed(["sanctions", "aid convoys"])
    again = cached.embed(["aid convoys", "sanctions", "truce"])
    assert fake.seen == ["aid convoys", "sanctions", "truce"]
    np.testing.assert_array_equal(again[:2], first[::-1])
    assert cached.embed([]).shape == (0, 2)


@pytest.mark.slow
def test_an_item_is_labelled_in_the_languages_of_its_translations_too(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid = create_process(sf, facilitator_id=None, name="Syria", formats=["A", "B"])
    info = process_info(sf, pid)
    written = [(lang, text) for lang, text in TEXTS if lang != "en"]  # no English statement
    ids = []
    for k, (language, text) in enumerate(written):
        conversation = info.formats[k % 2].conversation_id
        ids.append(
            (conversation, statements.add_statement(sf, conversation, text, language=language))
        )
    english = dict(enumerate(t for lang, t in TEXTS if lang == "en"))
    for n, (conversation, statement) in enumerate(ids[::2]):  # each German one in English
        add_translation(sf, conversation, statement.id, "en", english[n])
    assert refresh_agenda_items(sf, pid) == 3
    items = refresh_agenda(sf, pid).document.items
    aid = next(i for i in items if any("humanitäre" in (s.text or "") for s in i.statements))
    assert set(aid.labels) == {"en", "de", "fr"}
    assert aid.labels["en"].lower() in english[0].lower()  # from the translation's words
    assert label_for(aid, "en") == aid.labels["en"] == aid.label
