"""End to end in chromium: two formats vote, a statement is shared, the joint agenda shows both.

Runs after test_browser_pages.py against the same server (the process is seeded with it).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _log_in(page: Any, live_server: Any, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#name", live_server.facilitator_name)
    page.fill("#password", live_server.facilitator_password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def test_two_formats_vote_on_a_shared_statement_and_the_agenda_shows_both(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    process = live_server.process
    astana_text = process.statements["Astana group"]

    # a member of the Astana group agrees with the statement their format wrote
    member_a = new_page(locale="ru-RU")
    member_a.goto(live_server.url + process.join_links["Astana group"])  # the join link
    expect(member_a.locator(".member-of")).to_contain_text("Astana group")
    expect(member_a.locator("#card .statement-text")).to_have_text(astana_text)
    member_a.locator("#card button[data-vote=agree]").click()
    expect(member_a.locator("#card .done")).to_be_visible()

    # the facilitator shares it with the Small Group from the process's statements page
    facilitator = new_page(locale="en-GB")
    _log_in(facilitator, live_server, f"/f/p/{process.id}/statements")
    row = facilitator.locator("tr").filter(has_text=astana_text)
    row.get_by_role("button", name=re.compile("Share", re.I)).click()
    row = facilitator.locator("tr").filter(has_text=astana_text)
    expect(row).to_contain_text("Small Group")

    # a member of the Small Group, on a phone, sees where it comes from and agrees too
    member_b = new_page(viewport=PHONE, locale="en-GB")
    member_b.goto(live_server.url + process.join_links["Small Group"])
    expect(member_b.locator(".member-of")).to_contain_text("Small Group")
    card = member_b.locator("#card")
    own = process.statements["Small Group"]
    for n in range(1, 3):  # two statements in this format's queue: its own and the shared one
        text = card.locator(".statement-text").inner_text()
        if text == astana_text:
            expect(card.locator(".origin")).to_contain_text("Shared from the Astana group")
            expect(card.locator(".statement-text")).to_have_attribute("lang", "ru")
            member_b.screenshot(path=artifacts / "process-member-phone.png", full_page=True)
        else:
            assert text == own
        card.locator("button[data-vote=agree]").click()
        expect(member_b.locator("#progress")).to_contain_text(f"{n} of 2")
    expect(card.locator(".done")).to_be_visible()

    # the worker stores the joint agenda within moments of the votes (reading never computes)
    deadline = time.monotonic() + 60
    while not _agreed_by_both(facilitator, live_server.url, process.id, astana_text):
        assert time.monotonic() < deadline, "the stored agenda never showed both formats' votes"
        time.sleep(0.25)
    # the joint agenda shows the shared statement from both formats; one vote each is fewer
    # than the minimum group size (3), so neither format's counts are shown
    facilitator.goto(f"{live_server.url}/f/p/{process.id}/agenda")
    entry = facilitator.locator("li.agenda-statement").filter(has_text=astana_text)
    expect(entry).to_contain_text("Astana group")
    expect(entry).to_contain_text("Small Group")
    stances = entry.locator(".stances li")
    expect(stances).to_have_count(2)
    for name in ("Astana group", "Small Group"):
        expect(stances.filter(has_text=name)).to_contain_text("fewer than 3 votes yet")
    expect(entry.locator("[lang=ru]").first).to_have_text(astana_text)
    facilitator.screenshot(path=artifacts / "process-agenda.png", full_page=True)
    # the exports offer the same data
    response = facilitator.request.get(f"{live_server.url}/f/p/{process.id}/agenda.json")
    data = response.json()
    shared = [s for item in data["items"] for s in item["statements"] if s["text"] == astana_text]
    # nor is a kind ("common") that would tell them: it waits for votes in both formats
    assert shared[0]["kind"] == "waiting"
    assert sorted(shared[0]["withheld"]) == ["Astana group", "Small Group"]
    assert sorted(shared[0]["waiting_for"]) == ["Astana group", "Small Group"]
    # the joint agenda in Persian (right to left) and Chinese, at phone width
    facilitator.set_viewport_size({"width": 390, "height": 844})
    for lang in ("fa", "zh"):
        facilitator.goto(f"{live_server.url}/f/p/{process.id}/agenda?lang={lang}")
        entry = facilitator.locator("li.agenda-statement").filter(has_text=astana_text)
        expect(entry).to_be_visible()  # one vote per format: its counts are withheld
        facilitator.screenshot(path=artifacts / f"process-agenda-phone-{lang}.png", full_page=True)
        width = facilitator.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the {lang} agenda scrolls sideways at phone width"
    # the process page at phone width: a format per block, its join link on a line of its own
    facilitator.goto(f"{live_server.url}/f/p/{process.id}?lang=ru")
    links = facilitator.locator("table.formats code.link")
    expect(links).to_have_count(2)
    for i in range(2):
        box = links.nth(i).bounding_box()
        assert box is not None and box["width"] > 250, box  # not a column 3 letters wide
    assert facilitator.evaluate("document.documentElement.scrollWidth") <= 390


def _agreed_by_both(page: Any, url: str, process_id: int, text: str) -> bool:
    """Return True once the stored agenda counts each format's vote on ``text`` (withheld)."""
    data = page.request.get(f"{url}/f/p/{process_id}/agenda.json").json()
    found = [s for item in data["items"] for s in item["statements"] if s["text"] == text]
    return bool(found) and len(found[0]["withheld"]) == 2
