"""End to end in chromium: the facilitator shares the report link, a stranger reads the report.

The stranger's browser has no login: the link is what lets it in. The charts draw under the
Content-Security-Policy (``new_page`` fails on a refusal), the statement table sorts by its
headings, and the facilitator downloads the Polis export. Screenshots land in the artifacts.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _log_in(page: Any, live_server: Any, target: str) -> None:
    page.goto(f"{live_server.url}{target}")
    page.fill("#name", live_server.facilitator_name)
    page.fill("#password", live_server.facilitator_password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def test_a_stranger_reads_the_shared_report(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    cid = live_server.conversation_id
    facilitator = new_page(locale="en-GB")
    _log_in(facilitator, live_server, f"/f/c/{cid}/results")
    expect(facilitator.locator("#opinion-map .legendtext").first).to_be_visible(timeout=20_000)
    link = facilitator.locator("#report-link").get_attribute("href")
    assert link and re.fullmatch(rf"/r/r[a-z2-7]{{20}}{cid}", link)

    with facilitator.expect_download() as download_info:
        facilitator.locator("#export-zip").click()
    download = download_info.value
    assert download.suggested_filename == f"parley-{cid}-polis-export.zip"
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert set(archive.namelist()) == {
        "summary.csv",
        "comments.csv",
        "votes.csv",
        "participants-votes.csv",
    }

    stranger = new_page(locale="en-GB")
    stranger.goto(live_server.url + link)
    expect(stranger.locator("h1")).to_have_text("Wie gestalten wir den Stadtpark?")
    legend = stranger.locator("#opinion-map .legendtext")
    expect(legend.filter(has_text="Group A")).to_have_count(1)
    expect(legend.filter(has_text="Group B")).to_have_count(1)
    for letter in ("A", "B"):
        bars = stranger.locator(f"#group-bars-{letter} .barlayer .point")
        expect(bars.first).to_be_visible()
        n_rows = stranger.locator(f"#group-table-{letter} tbody tr").count()
        assert bars.count() == 3 * n_rows  # agree, disagree and pass for each statement
    script_row = stranger.locator("#statement-table tbody tr").filter(has_text="should stay text")
    cell = script_row.locator("td.text")
    expect(cell).to_contain_text("<script>alert(1)</script> should stay text")  # as text
    expect(cell.locator("script")).to_have_count(0)
    stranger.screenshot(path=artifacts / "report.png", full_page=True)

    agree_heading = stranger.locator("#statement-table thead a", has_text=re.compile(r"^agree %"))
    agree_heading.click()
    expect(stranger).to_have_url(re.compile(r"\?sort=-agree#statements$"))
    header = stranger.locator("#statement-table th[aria-sort]")
    expect(header).to_have_attribute("aria-sort", "descending")
    shares = [
        int(text)
        for text in stranger.locator("#statement-table tbody td.num.agree").all_inner_texts()
    ]
    assert shares == sorted(shares, reverse=True) and len(shares) >= 8
    agree_heading.click()
    expect(header).to_have_attribute("aria-sort", "ascending")

    stranger.set_viewport_size(PHONE)
    stranger.goto(f"{live_server.url}{link}?lang=ar")
    expect(stranger.locator("html")).to_have_attribute("dir", "rtl")
    expect(stranger.locator("#opinion-map .legendtext").first).to_be_visible()
    stranger.screenshot(path=artifacts / "report-phone-ar.png", full_page=True)
    stranger.screenshot(path=artifacts / "report-phone-ar-top.png")
    stranger.locator("#group-A").screenshot(path=artifacts / "report-phone-ar-group-a.png")
    width = stranger.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the report scrolls sideways at phone width"
    # the statement lists fit too: a sideways scroll there would cut the end of every line
    wider = stranger.evaluate(
        "[...document.querySelectorAll('table.report-list')]"
        ".filter(t => t.parentElement.scrollWidth > t.parentElement.clientWidth).map(t => t.id)"
    )
    assert wider == [], f"these statement lists scroll sideways at phone width: {wider}"
    for lang, direction in (("fa", "rtl"), ("zh", "ltr")):
        stranger.goto(f"{live_server.url}{link}?lang={lang}")
        expect(stranger.locator("html")).to_have_attribute("lang", lang)
        assert (stranger.locator("html").get_attribute("dir") or "ltr") == direction
        expect(stranger.locator("#opinion-map .legendtext").first).to_be_visible()
        stranger.screenshot(path=artifacts / f"report-phone-{lang}.png", full_page=True)
        stranger.screenshot(path=artifacts / f"report-phone-{lang}-top.png")
        width = stranger.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the {lang} report scrolls sideways at phone width"
