"""Accessibility in chromium: axe-core over every page in English and Arabic, and the keyboard.

axe-core (``vendor/axe.min.js``, injected as an init script so that the pages' CSP of 'self'
does not stop it) checks each page once it has drawn its charts; no violation of "serious" or
"critical" impact may remain. The counts per impact go to ``axe-counts.json`` in the
artifacts folder and are printed. The keyboard tests run at phone width.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))
  }));
}"""


def _log_in(page: Any, live_server: Any, target: str) -> None:
    page.goto(f"{live_server.url}{target}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#name", live_server.facilitator_name)
    page.fill("#password", live_server.facilitator_password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def _ids(live_server: Any) -> dict[str, Any]:
    """The process's observer key and the conversation's report id, read from the database."""
    from parley.db import create_engine_for, create_session_factory
    from parley.services.polis_reports import report_id
    from parley.services.processes import process_info

    engine = create_engine_for(live_server.database_url)
    try:
        sf = create_session_factory(engine)
        info = process_info(sf, live_server.process.id)
        statements = sorted(s.id for f in info.formats for s in _visible(sf, f.conversation_id))
        return {
            "observer_key": info.observer_key,
            "report_id": report_id(sf, live_server.conversation_id),
            "statements": statements,
        }
    finally:
        engine.dispose()


def _visible(sf: Any, conversation_id: int) -> list[Any]:
    from parley.services.statements import visible_statements

    return list(visible_statements(sf, conversation_id))


def _translate_first_statement(live_server: Any, language: str, text: str) -> None:
    """Store the facilitator's translation of the conversation's first statement."""
    from parley.db import create_engine_for, create_session_factory
    from parley.services.translation_store import add_translation

    engine = create_engine_for(live_server.database_url)
    try:
        sf = create_session_factory(engine)
        cid = live_server.conversation_id
        add_translation(sf, cid, live_server.statement_ids[0], language, text)
    finally:
        engine.dispose()


def _close_a_round(live_server: Any) -> None:
    """Close a round of the process (once): the agenda then shows what moved since it."""
    from parley.db import create_engine_for, create_session_factory
    from parley.services.agenda import refresh_agenda
    from parley.services.rounds import close_round, list_rounds

    engine = create_engine_for(live_server.database_url)
    try:
        sf = create_session_factory(engine)
        pid = live_server.process.id
        if not list_rounds(sf, pid):
            refresh_agenda(sf, pid)
            close_round(sf, pid, note="the first round")
    finally:
        engine.dispose()


def _pages(live_server: Any, ids: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return the public pages and the facilitator's pages to check."""
    cid, pid = live_server.conversation_id, live_server.process.id
    keep, drop = ids["statements"][:2]
    public = [
        "/",
        "/login",
        f"/c/{cid}",
        f"/c/{cid}/votes",
        "/c/999999",  # an error page
        f"/o/{ids['observer_key']}",
    ]
    if ids["report_id"]:
        public.append(f"/r/{ids['report_id']}")
    facilitator = [
        "/f",
        f"/f/c/{cid}",
        f"/f/c/{cid}/moderation",
        f"/f/c/{cid}/results",
        "/f/processes",
        f"/f/p/{pid}",
        f"/f/p/{pid}/statements",
        f"/f/p/{pid}/agenda",  # with a closed round: what moved since it
        f"/f/p/{pid}/rounds",
        f"/f/p/{pid}/share-all",
        f"/f/p/{pid}/merge?keep_id={keep}&drop_id={drop}",
    ]
    return public, facilitator


def _check(page: Any, url: str) -> list[dict[str, Any]]:
    page.goto(url)
    # not "networkidle": pages that poll (agenda, rounds, results) may never be idle for
    # 500 ms on a loaded machine; wait for the load and for no htmx request in flight
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=20_000)
    if page.locator("[data-figure]").count():
        expect(page.locator("[data-figure] .main-svg").first).to_be_attached(timeout=20_000)
    return list(page.evaluate(_RUN_AXE))


@pytest.mark.parametrize("locale", ["en-GB", "ar"])
def test_every_page_passes_axe_core(
    live_server: Any, new_page: Any, artifacts: Path, locale: str
) -> None:
    _close_a_round(live_server)
    ids = _ids(live_server)
    public, facilitator = _pages(live_server, ids)
    visitor = new_page(locale=locale)
    visitor.context.add_init_script(path=str(AXE))
    # the facilitator's own report link, as the results page gives it
    results: dict[str, list[dict[str, Any]]] = {}
    for path in public:
        results[path] = _check(visitor, live_server.url + path)
    manager = new_page(locale=locale)
    manager.context.add_init_script(path=str(AXE))
    _log_in(manager, live_server, facilitator[0])
    for path in facilitator:
        results[path] = _check(manager, live_server.url + path)
    counts: Counter[str] = Counter()
    blocking: list[str] = []
    for path, violations in results.items():
        for v in violations:
            counts[v["impact"] or "unknown"] += v["nodes"]
            if v["impact"] in BLOCKING:
                blocking.append(f"{path}: {v['impact']} {v['id']} ({v['help']}) {v['targets']}")
    summary = {
        "locale": locale,
        "pages": len(results),
        "violations_by_impact": dict(counts),
        "rules": sorted({v["id"] for vs in results.values() for v in vs}),
    }
    out = artifacts / f"axe-counts-{locale}.json"
    out.write_text(json.dumps({"summary": summary, "pages": results}, indent=1))
    print(f"\naxe-core {locale}: {summary}")
    assert not blocking, "\n".join(blocking)


def test_keyboard_voting_needs_the_focused_card(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    page = new_page(viewport=PHONE, locale="en-GB")
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}")
    progress = page.locator("#progress")
    before = progress.inner_text()
    card = page.locator("#card")
    first = card.locator(".statement-text").inner_text()
    # arrows and letters elsewhere on the page do what they always do: no vote
    page.locator("h1").click()
    for key in ("ArrowDown", "ArrowRight", "a", "p"):
        page.keyboard.press(key)
    expect(card.locator(".statement-text")).to_have_text(first)
    assert progress.inner_text() == before
    # Tab reaches the card; its focus shows; a key votes and the next card takes the focus
    page.keyboard.press("Tab")
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "card":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "card"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.screenshot(path=artifacts / "keyboard-card-focus-phone.png")
    page.keyboard.press("a")
    expect(card.locator(".statement-text")).not_to_have_text(first)
    second = card.locator(".statement-text").inner_text()
    expect(page.locator("#card")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(card.locator(".statement-text")).not_to_have_text(second)
    third = card.locator(".statement-text").inner_text()
    expect(page.locator("#card")).to_be_focused()
    # a screen reader's usual keys: Tab to a button, then Enter or Space
    page.locator("#card button[data-vote=pass]").focus()
    page.keyboard.press("Enter")
    expect(card.locator(".statement-text")).not_to_have_text(third)
    fourth = card.locator(".statement-text").inner_text()
    expect(page.locator("#card")).to_be_focused()
    page.locator("#card button[data-vote=disagree]").focus()
    page.keyboard.press(" ")
    expect(card.locator(".statement-text")).not_to_have_text(fourth)
    assert card.get_attribute("role") == "group" and card.get_attribute("aria-labelledby")


def test_a_vote_between_swap_and_settle_goes_through_htmx(live_server: Any, new_page: Any) -> None:
    page = new_page(viewport=PHONE, locale="en-GB")
    page.goto(f"{live_server.url}/c/{live_server.conversation_id}")
    # a wide gap between htmx's swap of the next card and its processing of that card
    page.evaluate("htmx.config.defaultSettleDelay = 1500")
    card = page.locator("#card")
    first = card.locator(".statement-text").inner_text()
    card.focus()
    page.keyboard.press("a")
    expect(card.locator(".statement-text")).not_to_have_text(first)
    second = card.locator(".statement-text").inner_text()
    assert page.evaluate("document.querySelector('#card').classList.contains('htmx-added')")
    # the button is clicked before htmx has processed it: still one vote through htmx, no error
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/vote")) as sent:
        page.locator("#card button[data-vote=pass]").click()
    assert sent.value.headers.get("hx-request") == "true"
    assert "vote=0" in (sent.value.post_data or "")
    expect(card.locator(".statement-text")).not_to_have_text(second)
    expect(page.locator("#flash")).to_have_text("")
    expect(card).to_be_focused()


def test_facilitator_merges_and_undoes_at_phone_width(
    live_server: Any, new_page: Any, artifacts: Path
) -> None:
    pid = live_server.process.id
    keep, drop = _ids(live_server)["statements"][:2]
    page = new_page(viewport=PHONE, locale="en-GB")
    _log_in(page, live_server, f"/f/p/{pid}/statements")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"the statements page is {wide} px wide at phone width"
    page.goto(f"{live_server.url}/f/p/{pid}/merge?keep_id={keep}&drop_id={drop}")
    expect(page.locator("h2#confirm-title")).to_have_text("Merge these two statements?")
    page.screenshot(path=artifacts / "merge-confirm-phone.png", full_page=True)
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page).to_have_url(re.compile(r"/statements\?done=merged"))
    expect(page.locator(".undo-now")).to_contain_text(f"#{drop} merged into #{keep}")
    page.screenshot(path=artifacts / "merge-done-phone.png", full_page=True)
    # the merged statement now reads in two languages: an "original" toggle in its cell
    expect(page.locator("details.original summary").first).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"the statements page is {wide} px wide after the merge"
    page.locator(".undo-now").get_by_role("button", name="Undo").click()
    expect(page.locator(".flash")).to_contain_text("both statements and their votes are back")
    assert _ids(live_server)["statements"][:2] == [keep, drop]
    page.screenshot(path=artifacts / "merge-undone-phone.png", full_page=True)
    cid = live_server.conversation_id
    _translate_first_statement(live_server, "de", "Mehr Bäume und Schatten im Stadtpark")
    for path in (
        "/f",
        "/f/processes",
        f"/f/p/{pid}",
        f"/f/p/{pid}?lang=de",  # long German headings: the formats table scrolls in its box
        f"/f/c/{cid}",
        f"/f/c/{cid}/results?lang=de",  # a translated statement: its "original" toggle
    ):
        page.goto(live_server.url + path)
        if path.endswith("results?lang=de"):
            expect(page.locator("details.original summary").first).to_be_visible()
        wide = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=artifacts / f"phone{path.replace('/', '-')}.png", full_page=True)
        assert wide <= PHONE["width"], f"{path} is {wide} px wide at phone width"
