"""In chromium: the agenda page updates itself after a vote in another browser, no reload.

Runs against the session's server (its worker stores the agenda within moments of a vote).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_agenda_page_updates_after_a_vote_elsewhere_without_a_reload(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    process = live_server.process
    text = process.statements["Small Group"]

    facilitator = new_page()
    path = f"/f/p/{process.id}/agenda"
    facilitator.goto(f"{live_server.url}{path}")
    if "/login" in facilitator.url:
        facilitator.fill("#name", live_server.facilitator_name)
        facilitator.fill("#password", live_server.facilitator_password)
        facilitator.get_by_role("button", name="Log in").click()
        expect(facilitator).to_have_url(re.compile(re.escape(path) + "$"))
    facilitator.evaluate("window.__notReloaded = true")
    before = facilitator.locator("#agenda-live").get_attribute("data-version")

    # a new member of the Small Group agrees with its own statement, in another browser
    member = new_page(locale="en-GB")
    member.goto(live_server.url + process.join_links["Small Group"])  # a members-only format
    card = member.locator("#card")
    for _ in range(5):  # its own statement, and any shared into it: agree with ours only
        if card.locator(".done").count():
            break
        said = card.locator(".statement-text").inner_text()
        vote = "agree" if said == text else "pass"
        card.locator(f"button[data-vote={vote}]").click()
        expect(card).not_to_contain_text(said, timeout=10_000)

    # the worker stores the agenda; the page's live area swaps in the new counts by itself
    entry = facilitator.locator("li.agenda-statement").filter(has_text=text)
    expect(facilitator.locator("#agenda-live")).not_to_have_attribute(
        "data-version", before or "", timeout=30_000
    )
    counts = entry.locator(".stances li").filter(has_text="Small Group")
    # one voter: the counts are withheld (minimum group size 3), but the stance moved on
    expect(counts).to_contain_text("fewer than 3 votes yet", timeout=30_000)
    assert facilitator.evaluate("window.__notReloaded") is True  # the same page, not reloaded
    facilitator.screenshot(path=artifacts / "agenda-live.png", full_page=True)
