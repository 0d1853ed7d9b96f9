"""Error pages: a translated message per error class, never the error's text or an id."""

from __future__ import annotations

from typing import Any

import pytest

from parley.errors import (
    AuthenticationError,
    ConflictError,
    ExportFormatError,
    ForbiddenError,
    InputError,
    NotFoundError,
    ParleyError,
    RateLimitError,
    StateError,
    UnavailableError,
)
from parley.web.i18n import SUPPORTED_LANGUAGES, load_template, translator
from parley.web.pages.error_messages import (
    ERROR_KEYS,
    STATUS_KEYS,
    TranslatedConflictError,
    error_key,
    error_message,
)


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (NotFoundError("statement 123 does not exist"), "error.gone"),
        (ConflictError("statement 7 says exactly this already"), "error.conflict"),
        (InputError("min_votes=0 should be in 1..1000"), "error.input"),
        (ExportFormatError("bad", path="votes.csv", line=3), "error.input"),
        (ForbiddenError("conversation 5 belongs to another facilitator"), "error.forbidden"),
        (AuthenticationError("unknown token"), "error.authentication"),
        (RateLimitError("slow down", retry_after=2), "error.rate_limit"),
        (UnavailableError("the database is busy"), "error.unavailable"),
        (StateError("state 3 does not fit"), "error.generic"),
        (ParleyError("something"), "error.generic"),
    ],
)
def test_each_error_class_has_one_catalog_key(error: ParleyError, key: str) -> None:
    assert error_key(error, error.status) == key


def test_other_errors_go_by_status_and_every_key_exists() -> None:
    assert error_key(None, 404) == "error.not_found"
    assert error_key(ValueError("x"), 422) == "error.input"
    assert error_key(None, 500) == "error.generic"
    keys = {key for _, key in ERROR_KEYS} | set(STATUS_KEYS.values()) | {"error.generic"}
    assert keys <= set(load_template())


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_messages_name_no_ids_in_any_language(language: str) -> None:
    t = translator(language)
    message = error_message(t, NotFoundError("statement 123 does not exist"), 404)
    assert message == t("error.gone") and "123" not in message
    own = TranslatedConflictError(t("participate.other_format", format="Astana"))
    assert error_message(t, own) == str(own)  # a page's own message, translated already


def test_a_participant_sees_the_translated_message_only(pages_env: Any) -> None:
    response = pages_env.client.get("/c/987654", params={"lang": "es"})
    assert response.status_code == 404
    main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Esto ya no existe, o el enlace no es correcto." in main
    assert "987654" not in main and "<details" not in main


def test_a_facilitator_also_sees_the_english_detail_folded_away(pages_env: Any) -> None:
    pages_env.log_in()
    response = pages_env.client.get("/f/c/987654", params={"lang": "zh"})
    assert response.status_code == 404
    main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "此内容已不存在，或链接有误。" in main  # noqa: RUF001 (a Chinese comma)
    assert '<details class="error-detail"><summary>详细信息</summary>' in main
    assert "987654" in main.split("<details", 1)[1]
