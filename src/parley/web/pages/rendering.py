"""Rendering pages: the Jinja2 environment, the request's language and the common context.

Autoescape is on for every template, and no template marks user text ``|safe``: statement
text, topics and names always reach the browser escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from parley.services.descriptions import render_markdown
from parley.web import sessions
from parley.web.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_COOKIE,
    LANGUAGE_NAMES,
    SUPPORTED_LANGUAGES,
    Translator,
    negotiate_language,
    text_direction,
    translator,
)

__all__ = [
    "is_htmx",
    "page_language",
    "page_translator",
    "render",
    "template_environment",
]

_ONE_YEAR = 365 * 24 * 3600


def _translator_of(context: Context) -> Translator:
    t = context.get("t")
    return t if isinstance(t, Translator) else translator(DEFAULT_LANGUAGE)


@pass_context
def _number(context: Context, value: float, places: int | None = None) -> str:
    return _translator_of(context).number(value, places)


@pass_context
def _percent(context: Context, share: float) -> str:
    return _translator_of(context).percent(share)


@pass_context
def _date(context: Context, value: dt.date) -> str:
    return _translator_of(context).date(value)


@pass_context
def _datetime(context: Context, value: dt.datetime) -> str:
    return _translator_of(context).datetime(value)


def template_environment() -> Environment:
    """Return a Jinja2 environment over ``parley/web/templates`` with autoescape always on.

    Filters ``number`` (``n | number``, ``x | number(2)``), ``percent``, ``date`` and
    ``datetime`` write values in the page's language (the ``t`` of the context);
    ``markdown`` renders a description safely.
    """
    environment = Environment(
        loader=PackageLoader("parley.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["markdown"] = render_markdown
    environment.filters.update(number=_number, percent=_percent, date=_date, datetime=_datetime)
    return environment


_ENVIRONMENT = template_environment()


def page_language(request: Request) -> str:
    """Return the request's interface language (``?lang=``, cookie, Accept-Language, en)."""
    return negotiate_language(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def page_translator(request: Request) -> Translator:
    """Return the translator for the request's language."""
    return translator(page_language(request))


def is_htmx(request: Request) -> bool:
    """Tell whether htmx sent the request (it then wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"


def _language_links(request: Request) -> dict[str, str]:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return {
        code: f"{request.url.path}?{urlencode([*kept, ('lang', code)])}"
        for code in SUPPORTED_LANGUAGES
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    facilitator: str | None = None,
) -> HTMLResponse:
    """Render a template with the common context (language, direction, ``t``, CSRF, lang links)."""
    language = page_language(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "text_dir": text_direction(language),
        "t": translator(language),
        "languages": LANGUAGE_NAMES,
        "lang_links": _language_links(request),
        "csrf_token": sessions.csrf_token(request),
        "facilitator": facilitator,
        "oob": False,
        "on_votes_page": False,
    }
    values.update(context or {})
    html = _ENVIRONMENT.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept-Language, Cookie"
    chosen = request.query_params.get("lang")
    if chosen and chosen == language and request.cookies.get(LANGUAGE_COOKIE) != language:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=_ONE_YEAR, httponly=True, samesite="lax"
        )
    return response
