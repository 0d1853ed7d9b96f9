"""In chromium: members of two formats read a shared statement each in their own language.

A Russian-speaking member of one format and an English-speaking member of the other see the
same joint statement, each in their interface language, the translation marked and the
original one click away (a <details>, no JavaScript needed); a member offers a translation
while voting. The process is stored straight into the running server's database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EN = "Detainees held without charge must be released within a month."
RU = "Задержанные без предъявления обвинений должны быть освобождены в течение месяца."
FR = "L'aide à la reconstruction doit passer par les agences de l'ONU."


def _store_process(database_url: str) -> tuple[int, int, int, int]:
    """A process of two formats; an English statement shared into the other, with a Russian
    translation; a French statement without any. Returns (process, astana, small, copy)."""
    from tests.support.processes import new_process

    from parley.db import create_engine_for, create_session_factory
    from parley.services.access import change_visibility
    from parley.services.sharing import share_statement
    from parley.services.statements import add_statement
    from parley.services.translation_store import add_translation

    engine = create_engine_for(database_url)
    try:
        sf = create_session_factory(engine)
        pid, formats = new_process(
            sf, ["Astana format", "Small format"], name="Translation talks", min_votes=1
        )
        astana, small = (f.conversation_id for f in formats)
        for cid in (astana, small):  # open links: these tests are about languages, not privacy
            change_visibility(sf, cid, "public")
        root = add_statement(sf, small, EN, is_seed=True, language="en").id
        (copy,) = share_statement(sf, root)
        add_translation(sf, small, root, "ru", RU)
        french = add_statement(sf, small, FR, is_seed=True, language="fr").id
        share_statement(sf, french)
        return pid, astana, small, copy
    finally:
        engine.dispose()


def test_members_of_two_formats_read_a_shared_statement_in_their_own_language(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    _, astana, small, copy = _store_process(live_server.database_url)

    russian = new_page(locale="ru-RU")
    russian.goto(f"{live_server.url}/c/{astana}")
    card = russian.locator("#card")
    if card.locator(".statement-text").inner_text() != RU:  # the French one came first
        card.locator("button[data-vote=pass]").click()
    expect(card.locator(".statement-text")).to_have_text(RU)
    expect(card.locator(".statement-text")).to_have_attribute("lang", "ru")
    original = card.locator("details.original")
    expect(original.locator("summary")).to_contain_text("Перевод")
    expect(original.locator(".said")).not_to_be_visible()  # one click away
    original.locator("summary").click()
    expect(original.locator(".said")).to_be_visible()
    expect(original.locator(".said")).to_have_text(EN)
    expect(original.locator(".said")).to_have_attribute("lang", "en")
    russian.screenshot(path=artifacts / "translation-ru-member.png", full_page=True)
    card.locator("button[data-vote=agree]").click()  # the vote is on the statement itself

    english = new_page(locale="en-GB")
    english.goto(f"{live_server.url}/c/{small}")
    card_en = english.locator("#card")
    if card_en.locator(".statement-text").inner_text() != EN:
        card_en.locator("button[data-vote=pass]").click()
    expect(card_en.locator(".statement-text")).to_have_text(EN)
    expect(card_en.locator("details.original")).to_have_count(0)  # the original itself
    english.screenshot(path=artifacts / "translation-en-member.png", full_page=True)

    # the Russian member's vote counts for the statement, whatever text they read
    russian.goto(f"{live_server.url}/c/{astana}/votes")
    expect(russian.locator(f"#vote-{copy} [lang=ru]")).to_have_text(RU)
    expect(russian.locator(f"#vote-{copy} button.agree")).to_have_attribute("aria-pressed", "true")
    answer = english.request.get(
        f"{live_server.url}/api/v1/conversations/{astana}/statements?lang=ru"
    ).json()
    shared = next(s for s in answer if s["id"] == copy)
    assert (shared["text"], shared["original_text"]) == (RU, EN)


def test_a_member_offers_a_translation_without_javascript(
    live_server: Any, chromium: Any, artifacts: Path
) -> None:
    _, astana, _, _ = _store_process(live_server.database_url)
    context = chromium.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/c/{astana}")
        card = page.locator("#card")
        expect(card.locator(".lang-tag").first).to_have_text(re.compile("en|fr"))
        offer = card.locator("details.translate")
        expect(offer.locator("summary")).to_contain_text("Noch nicht übersetzt")
        offer.locator("summary").click()
        offer.locator("textarea[name=text]").fill("Eine Übersetzung von Hand.")
        offer.locator("button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"translated=shown"))
        expect(page.locator("p.flash")).to_contain_text("Danke")
        mine = "Eine Übersetzung von Hand."
        for _ in range(2):  # joining drew the queue anew: pass until the translated one shows
            if page.locator("#card .statement-text").inner_text() == mine:
                break
            page.locator("#card button[data-vote=pass]").click()
        expect(page.locator("#card .statement-text")).to_have_text(mine)
        expect(page.locator("#card details.original summary")).to_contain_text("Übersetzt")
        page.screenshot(path=artifacts / "translation-offered.png", full_page=True)
    finally:
        context.close()
