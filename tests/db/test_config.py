"""Settings: defaults that work with no set-up, PARLEY_* variables, and documentation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from parley.config import DEFAULT_DATABASE_URL, Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "storage.md"


def test_defaults_run_out_of_the_box(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"PARLEY_{name.upper()}", raising=False)
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///parley.db"
    assert (settings.host, settings.port, settings.secret_key) == ("127.0.0.1", 8000, None)


def test_environment_variables_use_the_parley_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", "postgresql+psycopg://p@db/parley")
    monkeypatch.setenv("PARLEY_PORT", "0")
    monkeypatch.setenv("PARLEY_SECRET_KEY", "s3cret")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://p@db/parley"
    assert settings.port == 0
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", "sqlite:///env.db")
    assert Settings(database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("conversations.db", "sqlite:///conversations.db"),
        ("/srv/parley/p.db", "sqlite:////srv/parley/p.db"),
        (" sqlite:///x.db ", "sqlite:///x.db"),
    ],
)
def test_a_plain_path_means_a_sqlite_file(given: str, url: str) -> None:
    assert Settings(database_url=given).database_url == url


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("port", 70000, "less than or equal to 65535"),
        ("database_url", "  ", "database_url is empty"),
        ("databse_url", "x", "Extra inputs are not permitted"),
    ],
)
def test_bad_values_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`PARLEY_{name.upper()}`" in text, name
        assert field.description, name
