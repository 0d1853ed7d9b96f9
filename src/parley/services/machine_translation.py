"""Machine translation, optional and pluggable: a LibreTranslate-compatible service or Argos.

Off by default (``Settings.translator``). The HTTP backend speaks LibreTranslate's documented
``POST /translate`` (JSON ``{q, source, target, format, api_key?}`` answered with
``{translatedText}``) with a timeout on every call; Argos Translate is imported only when
chosen, and uses its locally installed language packages. Runs happen on a facilitator's
demand (``translate_process``), never while a participant waits; a service that is down or
slow ends the run with a message, never an error page. Machine translations are stored once
per statement and language and give way to any human one (``translations``).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2
from sqlalchemy import select

from parley.config import Settings
from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ProcessFormat, Statement
from parley.db.translation_models import StatementTranslation
from parley.errors import InputError, UnavailableError

from .rules import visible
from .sessions import read_session
from .translation_store import store_machine_translation
from .translations import base_language

__all__ = [
    "ArgosBackend",
    "LibreTranslateBackend",
    "MachineRun",
    "MachineTranslator",
    "machine_translator",
    "translate_process",
]

#: statements one run translates at most (each call waits at most the timeout)
MAX_RUN_TEXTS = 200
#: a run stops starting new calls after this many seconds
RUN_DEADLINE_SECONDS = 60.0


class MachineTranslator(Protocol):
    """A machine translation backend."""

    name: str

    def translate(self, text: str, source: str | None, target: str) -> str:
        """Return ``text`` in ``target``; raise UnavailableError when the backend cannot."""
        ...


class LibreTranslateBackend:
    """A LibreTranslate-compatible HTTP service (its ``POST /translate`` API)."""

    name = "libretranslate"

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.timeout = timeout

    def translate(self, text: str, source: str | None, target: str) -> str:
        """Ask the service; any failure (down, slow, bad answer) is an UnavailableError."""
        body: dict[str, Any] = {
            "q": text,
            "source": base_language(source) or "auto",
            "target": base_language(target),
            "format": "text",
        }
        if self.api_key:
            body["api_key"] = self.api_key
        try:
            response = httpx2.post(self.url, json=body, timeout=self.timeout)
            response.raise_for_status()
            answer = response.json()
        except (httpx2.HTTPError, ValueError) as problem:
            raise UnavailableError(f"the translation service failed: {problem}") from None
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise UnavailableError("the translation service gave no translatedText")
        return translated


class ArgosBackend:
    """Argos Translate with locally installed language packages (imported only when used)."""

    name = "argos"

    def __init__(self) -> None:
        try:
            self._module: Any = importlib.import_module("argostranslate.translate")
        except ImportError:
            raise UnavailableError(
                "translator=argos needs Argos Translate: pip install argostranslate, "
                "then install its language packages"
            ) from None

    def translate(self, text: str, source: str | None, target: str) -> str:
        """Translate with an installed package pair; a missing pair is an UnavailableError."""
        try:
            translated = self._module.translate(text, base_language(source), base_language(target))
        except Exception as problem:  # Argos raises plain exceptions
            raise UnavailableError(f"Argos Translate failed: {problem}") from None
        if not isinstance(translated, str) or not translated.strip():
            raise UnavailableError("Argos Translate gave no translation")
        return translated


def machine_translator(settings: Settings) -> MachineTranslator | None:
    """Return the configured backend, or None when machine translation is off."""
    if settings.translator == "off":
        return None
    if settings.translator == "argos":
        return ArgosBackend()
    if not settings.translator_url:
        raise InputError("translator=libretranslate needs translator_url")
    key = settings.translator_api_key
    return LibreTranslateBackend(
        settings.translator_url,
        api_key=None if key is None else key.get_secret_value(),
        timeout=settings.translator_timeout,
    )


@dataclass(frozen=True)
class MachineRun:
    """What a run did: translations stored, skipped (a translation exists), failed."""

    n_translated: int
    n_failed: int
    error: str | None = None


def _wanted(
    session_factory: SessionFactory, process_id: int, languages: Sequence[str]
) -> list[tuple[int, str, str | None, str]]:
    """Every (joint statement, text, its language, target) still without a translation."""
    with read_session(session_factory) as session:
        formats = select(ProcessFormat.conversation_id).where(
            ProcessFormat.process_id == process_id
        )
        targets = list(languages) or sorted(
            {
                base_language(tag)
                for tags in session.scalars(
                    select(Conversation.languages).where(Conversation.id.in_(formats))
                ).all()
                for tag in tags or []
            }
        )
        roots = session.execute(
            select(Statement.id, Statement.text, Statement.language)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(
                Statement.conversation_id.in_(formats),
                Statement.origin_id.is_(None),
                Statement.merged_into_id.is_(None),
                visible(),
            )
            .order_by(Statement.id)
        ).all()
        have = {
            (int(sid), base_language(lang))
            for sid, lang in session.execute(
                select(StatementTranslation.statement_id, StatementTranslation.language).where(
                    StatementTranslation.statement_id.in_([int(r[0]) for r in roots])
                )
            ).all()
        }
    return [
        (int(sid), str(text), language, target)
        for sid, text, language in roots
        for target in targets
        if base_language(language) != target and (int(sid), target) not in have
    ]


def translate_process(
    session_factory: SessionFactory,
    process_id: int,
    translator: MachineTranslator,
    *,
    languages: Sequence[str] = (),
    limit: int = MAX_RUN_TEXTS,
    deadline: float = RUN_DEADLINE_SECONDS,
) -> MachineRun:
    """Machine-translate a process's joint statements that lack a translation.

    Into ``languages`` (default: every format's languages); at most ``limit`` texts and no new
    call after ``deadline`` seconds. The first failure ends the run (the service is down).
    """
    started = time.monotonic()
    done = 0
    for sid, text, language, target in _wanted(session_factory, process_id, languages)[:limit]:
        if time.monotonic() - started > deadline:
            break
        try:
            translated = translator.translate(text, language, target)
        except UnavailableError as problem:
            return MachineRun(done, 1, str(problem))
        if store_machine_translation(session_factory, sid, target, translated):
            done += 1
    return MachineRun(done, 0)
