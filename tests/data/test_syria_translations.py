"""The demo's packaged translations: every statement, into every delegation language but its own."""

from __future__ import annotations

from parley.data.syria_demo import load_demo_process
from parley.data.syria_translations import load_demo_translations

DELEGATION_LANGUAGES = {"en", "ru", "ar", "tr", "fr", "de", "fa"}


def test_every_statement_is_translated_into_every_delegations_language() -> None:
    spec = load_demo_process()
    texts = load_demo_translations(spec)
    own = {s.key: s.language for s in spec.statements}
    assert set(texts.statements) == set(own)
    for key, by_language in texts.statements.items():
        assert set(by_language) | {own[key]} >= DELEGATION_LANGUAGES, key
        assert own[key] not in by_language
    assert set(texts.formats) == {f.key for f in spec.formats}
    assert set(texts.name) >= DELEGATION_LANGUAGES - {"en"}
