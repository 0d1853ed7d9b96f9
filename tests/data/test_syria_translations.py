"""The demo's packaged translations: every statement key exists, never its own language."""

from __future__ import annotations

from parley.data.syria_demo import load_demo_process
from parley.data.syria_translations import load_demo_translations

DELEGATION_LANGUAGES = {"en", "ru", "ar", "tr", "fr", "de", "fa"}


def test_a_good_share_of_statements_is_translated_into_every_delegations_language() -> None:
    spec = load_demo_process()
    texts = load_demo_translations(spec)
    assert len(texts.statements) * 2 >= len(spec.statements)
    own = {s.key: s.language for s in spec.statements}
    for key, by_language in texts.statements.items():
        assert set(by_language) | {own[key]} >= DELEGATION_LANGUAGES, key
        assert own[key] not in by_language
    assert set(texts.formats) == {f.key for f in spec.formats}
    assert set(texts.name) >= DELEGATION_LANGUAGES - {"en"}
