"""End to end in chromium: a participant votes and writes, the facilitator moderates and watches.

The tests run in order against one server: the participant's statement (test 1) is what the
facilitator accepts (test 3). Screenshots land in the artifacts folder.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NEW_STATEMENT = "Ein Trinkbrunnen am Eingang <b>bitte</b>"


#: plotly-locale-de.js's short month names
GERMAN_MONTHS = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]


def test_participant_votes_through_five_statements_and_adds_one(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    page = new_page(viewport=PHONE, locale="de-DE")
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#card button[data-vote=agree]")).to_have_text("Zustimmen")
    progress = page.locator("#progress")
    expect(progress).to_contain_text("0 von 8")
    page.screenshot(path=artifacts / "participant-phone-de.png", full_page=True)

    seen: list[str] = []
    for n, how in enumerate(["agree", "disagree", "key:a", "key:ArrowLeft", "pass"], start=1):
        text = page.locator("#card .statement-text").inner_text()
        assert text not in seen
        seen.append(text)
        if how.startswith("key:"):  # keys vote on the focused statement card
            page.locator("#card").focus()
            page.keyboard.press(how[4:])
        else:
            page.locator(f"#card button[data-vote={how}]").click()
        expect(progress).to_contain_text(f"{n} von 8")
        expect(page.locator("#card .statement-text")).not_to_have_text(text)

    page.fill("#statement-text", NEW_STATEMENT)
    page.get_by_role("button", name="Aussage absenden").click()
    held = page.locator("#add-result .flash")
    expect(held).to_contain_text("sobald die Moderation sie angenommen hat")
    expect(page.locator("#statement-text")).to_have_value("")
    page.screenshot(path=artifacts / "participant-phone-de-added.png", full_page=True)

    # change the first vote on the "your votes" page: no full reload needed to get there
    page.get_by_role("link", name="Ihre Stimmen").first.click()
    first = page.locator("ol.my-votes li").filter(has_text=seen[0])
    expect(first.locator("button[aria-pressed=true]")).to_have_text("Zustimmen")
    first.get_by_role("button", name="Ablehnen").click()
    first = page.locator("ol.my-votes li").filter(has_text=seen[0])
    expect(first.locator("button[aria-pressed=true]")).to_have_text("Ablehnen")
    expect(page.locator("#progress")).to_contain_text("5 von 8")
    page.screenshot(path=artifacts / "participant-phone-de-votes.png", full_page=True)


def test_language_switch_to_russian_is_remembered(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    page = new_page(viewport=PHONE, locale="en-US")
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}")
    expect(page.locator("#card button[data-vote=agree]")).to_have_text("Agree")
    page.get_by_role("link", name="Русский").click()
    expect(page.locator("#card button[data-vote=disagree]")).to_have_text("Не согласен")  # noqa: RUF001
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}")  # the cookie remembers
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#progress")).to_contain_text("Вы проголосовали по 0 из 8 утверждений")
    page.screenshot(path=artifacts / "participant-phone-ru.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways at phone width"


def test_facilitator_accepts_the_statement_and_sees_the_opinion_map(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    page = new_page(locale="en-GB")
    cid = live_server.conversation_id
    page.goto(f"{live_server.url}/f/c/{cid}/moderation")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#name", live_server.facilitator_name)
    page.fill("#password", live_server.facilitator_password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"/f/c/{cid}/moderation$"))

    row = page.locator("tbody tr").filter(has_text=NEW_STATEMENT)
    expect(row.locator("td.text")).to_contain_text(NEW_STATEMENT)  # shown as text, not markup
    expect(row.locator("td.text b")).to_have_count(0)
    row.locator("input[type=checkbox]").check()
    page.screenshot(path=artifacts / "facilitator-moderation.png", full_page=True)
    page.get_by_role("button", name="Accept selected").click()
    expect(page.locator(".flash")).to_contain_text("1 statement moderated")
    expect(page.locator("tbody tr").filter(has_text=NEW_STATEMENT)).to_have_count(0)
    page.get_by_role("link", name="Accepted").click()
    expect(page.locator("tbody tr").filter(has_text=NEW_STATEMENT)).to_have_count(1)

    page.get_by_role("link", name="Results").click()
    legend = page.locator("#opinion-map .legendtext")
    expect(legend.filter(has_text="Group A")).to_have_count(1, timeout=20_000)
    expect(legend.filter(has_text="Group B")).to_have_count(1)
    expect(page.locator("#opinion-map .scatterlayer .point").first).to_be_visible()
    expect(page.locator("#votes-over-time .scatterlayer")).to_have_count(1)
    expect(page.locator(".group h3").first).to_contain_text("Group A")
    page.screenshot(path=artifacts / "facilitator-results.png", full_page=True)

    # the results area polls: a new vote shows up without a reload
    before = page.locator(".stats div").nth(2).locator("b").inner_text()
    voter = new_page(viewport=PHONE)
    voter.goto(f"{live_server.url}/c/{cid}")
    voter.locator("#card button[data-vote=agree]").click()
    expect(voter.locator("#progress")).to_contain_text("1 of 9")
    expect(page.locator(".stats div").nth(2).locator("b")).to_have_text(
        str(int(before) + 1), timeout=10_000
    )
    expect(legend.filter(has_text="Group A")).to_have_count(1)  # redrawn after the swap

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/f/c/{cid}/results?lang=de")
    expect(page.locator("#opinion-map .legendtext").filter(has_text="Gruppe B")).to_have_count(1)
    # the charts speak German too: plotly's German locale, its month names on the time axis
    chart = page.locator("#votes-over-time")
    expect(chart.locator(".xtick text").first).to_be_visible()
    assert chart.evaluate("el => el._context.locale") == "de"
    ticks = " ".join(chart.locator(".xtick text").all_text_contents())
    month = GERMAN_MONTHS[datetime.now(UTC).month - 1]
    assert month in ticks, ticks  # the month in German (December is "Dez")
    # four chart tools, named in German; none offers to upload the chart to plotly's cloud
    tools = page.locator("#opinion-map .modebar-btn")
    titles = tools.evaluate_all("els => els.map(e => e.getAttribute('data-title'))")
    assert titles == [
        "Diagramm als PNG herunterladen",
        "Zoomen",
        "Verschieben",
        "Achsen zurücksetzen",
    ], titles
    page.screenshot(path=artifacts / "facilitator-results-phone-de.png", full_page=True)
    page.screenshot(path=artifacts / "facilitator-results-phone-de-top.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the results page scrolls sideways at phone width"
