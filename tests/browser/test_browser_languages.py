"""Persian (right to left) and Chinese pages at phone width in chromium, with screenshots.

The screenshots (artifacts folder) are for looking at: Debian's chromium draws Persian with
DejaVu Sans and Chinese with WenQuanYi Micro Hei (scripts/install-test-deps.sh).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


#: whether the description's closing "." is drawn right of the letter before it
_FULL_STOP_AFTER_LAST_WORD = """() => {
  const p = document.querySelector(".desc p");
  const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
  let last = null;
  while (walker.nextNode()) { if (walker.currentNode.data.trim()) last = walker.currentNode; }
  const end = last.data.trimEnd().length;
  if (last.data[end - 1] !== ".") return false;
  const box = (at) => {
    const range = document.createRange();
    range.setStart(last, at);
    range.setEnd(last, at + 1);
    return range.getBoundingClientRect();
  };
  return box(end - 1).left >= box(end - 2).right - 1;
}"""


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways at phone width"


def test_persian_participant_page_is_right_to_left_at_phone_width(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    page = new_page(viewport=PHONE, locale="fa-IR")
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    agree = page.locator("#card button[data-vote=agree]")
    disagree = page.locator("#card button[data-vote=disagree]")
    expect(agree).to_have_text("موافقم")
    expect(page.locator("#progress")).to_contain_text("به 0 از 8 گزاره رأی داده‌اید")
    agree_box, disagree_box = agree.bounding_box(), disagree.bounding_box()
    assert agree_box and disagree_box and agree_box["x"] > disagree_box["x"]  # agree on the right
    page.screenshot(path=artifacts / "participant-phone-fa.png", full_page=True)
    _fits(page)
    # the English description (Markdown: a <p> in .desc) keeps its full stop at its end
    assert page.evaluate(_FULL_STOP_AFTER_LAST_WORD), "the description's full stop moved"
    agree.click()
    expect(page.locator("#progress")).to_contain_text("به 1 از 8 گزاره")
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}/votes")
    expect(page.locator("main")).to_contain_text("رأی‌های شما")
    page.screenshot(path=artifacts / "participant-phone-fa-votes.png", full_page=True)
    _fits(page)


def test_chinese_participant_page_at_phone_width(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    page = new_page(viewport=PHONE, locale="zh-CN")
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("#card button[data-vote=agree]")).to_have_text("同意")
    expect(page.locator("#progress")).to_contain_text("您已对 8 条陈述中的 0 条投票")
    expect(page.get_by_role("link", name="简体中文")).to_have_attribute("aria-current", "true")
    page.screenshot(path=artifacts / "participant-phone-zh.png", full_page=True)
    _fits(page)


def test_an_unknown_conversation_says_so_in_persian_without_its_id(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    page = new_page(viewport=PHONE, locale="fa-IR")
    response = page.goto(f"{live_server.url}/c/987654")
    assert response is not None and response.status == 404
    expect(page.locator("main")).to_contain_text("این دیگر وجود ندارد")
    assert "987654" not in page.locator("main").inner_text()
    page.screenshot(path=artifacts / "error-phone-fa.png", full_page=True)
    _fits(page)
