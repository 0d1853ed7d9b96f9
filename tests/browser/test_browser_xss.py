"""XSS suite: every payload in every user text field, every page rendered in chromium.

A server of its own is seeded with the payloads of ``xss_payloads`` (in groups of four) as
conversation topics and descriptions, statements (seeds, participants', shared copies),
process names and descriptions, format names, agenda item labels, xids and facilitator names;
reflected ones go into query strings, the login form's name and path segments. Each page is
opened with the CSP bypassed (so that escaping alone is tested; the other browser tests check
the pages under the CSP) and an init script that counts calls of ``__xss``, ``alert``,
``confirm`` and ``prompt``; dialogs are counted too. After loading, the DOM is searched for
what only an injection could leave: event-handler or ``hx-on`` attributes, ``javascript:``
URLs, inline or foreign scripts, iframes, objects, embeds and base elements. Every HTML page
route of the app must be visited (a new page route fails the test until it is added here).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("playwright.sync_api")

from .conftest import FACILITATOR, serve
from .xss_payloads import PAYLOADS

pytestmark = pytest.mark.browser

GROUP = 4
GROUPS = [PAYLOADS[i : i + GROUP] for i in range(0, len(PAYLOADS), GROUP)]

_INIT = """
window.__xssHits = [];
window.__xss = function (n) { window.__xssHits.push(String(n)); };
["alert", "confirm", "prompt", "print"].forEach(function (name) {
  window[name] = function (x) { window.__xssHits.push(name + ":" + x); };
});
"""
_INSPECT = """
() => {
  const bad = [];
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href"];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on") || name.startsWith("hx-on")) {
        bad.push(el.tagName + "[" + name + "]");
      }
      if (urlAttributes.includes(name) && /^[\\s\\x00-\\x20]*javascript:/i.test(a.value)) {
        bad.push(el.tagName + "[" + name + "=" + a.value + "]");
      }
      if (name === "hx-vals" && a.value.trim().startsWith("js:")) bad.push("hx-vals js:");
    }
  }
  for (const s of document.querySelectorAll("script")) {
    const given = s.getAttribute("src") || s.getAttribute("href") || "";
    const src = given ? new URL(given, location.href).href : "";
    if (!src.startsWith(location.origin + "/")) {
      bad.push("script " + (src || (s.textContent || "").slice(0, 40)));
    }
  }
  for (const tag of ["iframe", "object", "embed", "base", "frame", "meta[http-equiv]"]) {
    if (document.querySelector(tag)) bad.push(tag);
  }
  return {hits: window.__xssHits || [], bad: bad};
}
"""


@dataclass
class XssSite:
    """The seeded server: its URL and the ids of what holds the payloads."""

    url: str
    conversations: list[int]
    statements: dict[int, list[int]]
    processes: list[int]
    observer_keys: list[str]
    format_links: list[str]  # each process's first format's join link (members-only)


@dataclass
class Tally:
    """What the suite saw: pages rendered, payload renderings, executions, injections."""

    pages: int = 0
    payload_renderings: int = 0
    executions: list[str] = field(default_factory=list)
    injections: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    visited_routes: set[str] = field(default_factory=set)


def _seed(database_url: str) -> tuple[list[int], dict[int, list[int]], list[int], list[str]]:
    from sqlalchemy import update

    from parley.db import create_engine_for, create_session_factory
    from parley.db.migrate import upgrade_database
    from parley.db.models import AgendaItem, Statement
    from parley.services import accounts, participants, processes, sharing, translation_store
    from parley.services import conversations as conversation_service
    from parley.services import statements as statement_service
    from parley.services.agenda_items import rename_item
    from parley.services.embeddings import embed_texts
    from parley.services.process_texts import set_text_translation
    from parley.services.refresh import refresh_everything
    from parley.services.rounds import close_round
    from parley.services.rules import ProcessSettings
    from parley.services.votes import cast_vote

    engine = create_engine_for(database_url)
    try:
        upgrade_database(engine)
        sf = create_session_factory(engine)
        owner, _ = accounts.create_facilitator(sf, FACILITATOR[0], password=FACILITATOR[1])
        for group in GROUPS:  # names are never shown, but must not break anything either
            accounts.create_facilitator(sf, " ".join(group)[:256])
        texts = [*PAYLOADS, *(" ".join(g) for g in GROUPS)]
        vectors = dict(zip(texts, embed_texts(texts), strict=True))

        def add(cid: int, text: str, **options: Any) -> int:
            info = statement_service.add_statement(
                sf, cid, text, language="en", vector=vectors.get(text), **options
            )
            return info.id

        conversations: list[int] = []
        statements: dict[int, list[int]] = {}
        for group in GROUPS:
            joined = " ".join(group)
            cid = conversation_service.create_conversation(
                sf, facilitator_id=owner, topic=joined, description=joined, moderation_mode="open"
            )
            ids = [add(cid, text, is_seed=True) for text in [*group, joined]]
            author, _ = participants.join_conversation(sf, cid, xid=joined[:256])
            ids.append(add(cid, "by a participant: " + joined, participant_id=author))
            for text, sid in zip([*group, joined, joined + " (de)"], ids, strict=True):
                translation_store.add_translation(sf, cid, sid, "de", text)  # read with ?lang=de
            translation_store.add_translation(  # offered: on the moderation page
                sf, cid, ids[0], "ru", joined, participant_id=author
            )
            for n in range(10):  # two camps: the analysis finds opinion groups
                voter, _ = participants.join_conversation(sf, cid, xid=f"{n} {group[n % 4]}")
                for k, sid in enumerate(ids):
                    cast_vote(sf, voter, sid, (1 if n % 2 else -1) * (1 if k % 2 else -1))
            conversations.append(cid)
            statements[cid] = ids
        process_ids, keys = [], []
        for group in GROUPS:
            joined = " ".join(group)
            pid = processes.create_process(
                sf,
                facilitator_id=owner,
                name=joined,
                description=joined,
                formats=[" ".join(group[:2]), " ".join(group[2:])],
                settings=ProcessSettings(min_votes=1, participants_see_agenda=True),
            )
            info = processes.process_info(sf, pid)
            first, second = (f.conversation_id for f in info.formats)
            roots = [add(first, text, is_seed=True) for text in group]
            roots.append(add(second, joined, is_seed=True))
            sharing.share_statement(sf, roots[0])  # a copy in the other format
            holders = [first] * len(group) + [second]
            for text, sid, holder in zip([*group, joined], roots, holders, strict=True):
                translation_store.add_translation(sf, holder, sid, "de", text)
            set_text_translation(sf, pid, "name", 0, "de", joined)
            set_text_translation(sf, pid, "description", 0, "de", joined)
            for fmt, text in zip(info.formats, group, strict=False):
                set_text_translation(sf, pid, "format", fmt.id, "de", text)
            with sf.begin() as session:
                items = [AgendaItem(process_id=pid, label=text, is_custom=True) for text in group]
                session.add_all(items)
                session.flush()
                for n, sid in enumerate(roots):
                    session.execute(
                        update(Statement)
                        .where(Statement.id == sid)
                        .values(agenda_item_id=items[n % len(items)].id)
                    )
                item_ids = [item.id for item in items]
            for item_id, text in zip(item_ids, reversed(group), strict=True):
                rename_item(sf, pid, item_id, text, language="de")
            process_ids.append(pid)
            keys.append(info.observer_key)
        refresh_everything(sf)  # analyses and joint agendas stored, as the worker would
        for pid, group in zip(process_ids, GROUPS, strict=True):  # a round with a note
            close_round(sf, pid, note=" ".join(group))
        return conversations, statements, process_ids, keys
    finally:
        engine.dispose()


def _wait_for_analyses(url: str, conversations: list[int]) -> None:
    deadline = time.monotonic() + 60
    for cid in conversations:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/conversations/{cid}/analysis"):
                    break
            except urllib.error.HTTPError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no analysis of conversation {cid}") from None
                time.sleep(0.2)


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[XssSite]:
    """Serve a database full of payloads (with the analysis worker, for the results pages)."""
    folder = tmp_path_factory.mktemp("xss")
    database_url = f"sqlite:///{folder / 'xss.db'}"
    conversations, statements, process_ids, keys = _seed(database_url)
    from parley.db import create_engine_for, create_session_factory
    from parley.services.processes import process_info

    engine = create_engine_for(database_url)
    sf = create_session_factory(engine)
    formats = [process_info(sf, pid).formats[0].join_path for pid in process_ids]
    engine.dispose()
    with serve(database_url) as url:
        _wait_for_analyses(url, conversations)
        yield XssSite(url, conversations, statements, process_ids, keys, formats)


class Browser:
    """Opens pages in one chromium context (CSP bypassed) and tallies what it finds."""

    def __init__(self, chromium: Any, site: XssSite, tally: Tally) -> None:
        self.site = site
        self.tally = tally
        self.context = chromium.new_context(bypass_csp=True, java_script_enabled=True)
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(_INIT)
        self.context.route("**/*", self._block)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)

    def _block(self, route: Any) -> None:
        if route.request.url.startswith(self.site.url):
            route.continue_()
        else:
            self.tally.injections.append(f"request to {route.request.url}")
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.tally.dialogs.append(f"{self.page.url}: {dialog.message}")
        dialog.dismiss()

    def open(self, path: str, *, route: str, n_payloads: int) -> Any:
        """Open a page, let its scripts run, and record executions and injected markup."""
        response = self.page.goto(self.site.url + path, wait_until="load")
        self.page.wait_for_timeout(30)  # focus and load handlers fire right after load
        self.inspect(path)
        self.tally.visited_routes.add(route)
        self.tally.pages += 1
        self.tally.payload_renderings += n_payloads
        return response

    def inspect(self, where: str) -> None:
        """Record what the current page executed or holds that only an injection could."""
        found = self.page.evaluate(_INSPECT)
        self.tally.executions += [f"{where}: {hit}" for hit in found["hits"]]
        self.tally.injections += [f"{where}: {bad}" for bad in found["bad"]]

    def csrf(self) -> str:
        """Return the CSRF token of the page's session (from the body's hx-headers)."""
        headers = self.page.locator("body").get_attribute("hx-headers")
        return str(json.loads(headers or "{}")["X-CSRF-Token"])

    def close(self) -> None:
        """Close the context."""
        self.context.close()


def _log_in(browser: Browser) -> None:
    browser.page.goto(f"{browser.site.url}/login")
    browser.page.fill("input[name=name]", FACILITATOR[0])
    browser.page.fill("input[name=password]", FACILITATOR[1])
    browser.page.click("form[action='/login'] button[type=submit]")
    browser.page.wait_for_url("**/f")


def test_no_payload_runs_on_any_page(xss_site: XssSite, chromium: Any, artifacts: Path) -> None:
    tally = Tally()
    n = GROUP + 1  # the group's payloads, one by one and joined, on each entity's pages
    site = xss_site

    report_links: list[str] = []  # each conversation's report link, as its results page gives it
    facilitator = Browser(chromium, site, tally)
    _log_in(facilitator)
    facilitator.open("/f", route="/f", n_payloads=len(PAYLOADS))
    facilitator.open("/f/processes", route="/f/processes", n_payloads=len(PAYLOADS))
    for cid in site.conversations:
        facilitator.open(f"/f/c/{cid}", route="/f/c/{conversation_id}", n_payloads=n)
        facilitator.open(
            f"/f/c/{cid}/moderation", route="/f/c/{conversation_id}/moderation", n_payloads=n
        )
        facilitator.open(
            f"/f/c/{cid}/results", route="/f/c/{conversation_id}/results", n_payloads=n
        )
        facilitator.page.hover("#opinion-map .nsewdrag", timeout=5_000)  # plotly's hover labels
        facilitator.inspect(f"/f/c/{cid}/results (hover)")
        report_links.append(str(facilitator.page.get_attribute("#report-link", "href")))
        facilitator.open(
            f"/f/c/{cid}/results/live", route="/f/c/{conversation_id}/results/live", n_payloads=n
        )
        facilitator.open(  # every statement's translations, to edit or remove
            f"/f/c/{cid}/translations", route="/f/c/{conversation_id}/translations", n_payloads=n
        )
        for page in ("moderation?state=1&lang=de", "results?lang=de"):  # translations, originals
            route = "/f/c/{conversation_id}/" + page.split("?")[0]
            facilitator.open(f"/f/c/{cid}/{page}", route=route, n_payloads=n)
        facilitator.page.click("details.original summary")  # the original, one click away
        facilitator.inspect(f"/f/c/{cid}/results?lang=de (original)")
    facilitator.page.screenshot(path=artifacts / "xss-results.png", full_page=True)
    for pid in site.processes:
        facilitator.open(f"/f/p/{pid}", route="/f/p/{process_id}", n_payloads=n)
        facilitator.open(
            f"/f/p/{pid}/statements", route="/f/p/{process_id}/statements", n_payloads=n
        )
        rows = facilitator.page.locator("table.placed tr[id^=statement-]")
        keep, drop = (str(rows.nth(i).get_attribute("id")).split("-")[1] for i in (0, 1))
        facilitator.open(  # the page that asks before a merge shows both statements
            f"/f/p/{pid}/merge?keep_id={keep}&drop_id={drop}",
            route="/f/p/{process_id}/merge",
            n_payloads=n,
        )
        facilitator.open(f"/f/p/{pid}/share-all", route="/f/p/{process_id}/share-all", n_payloads=1)
        facilitator.open(f"/f/p/{pid}/agenda", route="/f/p/{process_id}/agenda", n_payloads=n)
        facilitator.open(
            f"/f/p/{pid}/agenda/live", route="/f/p/{process_id}/agenda/live", n_payloads=n
        )
        facilitator.open(f"/f/p/{pid}/rounds", route="/f/p/{process_id}/rounds", n_payloads=n)
        facilitator.open(
            f"/f/p/{pid}/brief?round=1&format=html",
            route="/f/p/{process_id}/brief",
            n_payloads=n,
        )
        for path in (
            f"/f/p/{pid}",
            f"/f/p/{pid}/agenda",
            f"/f/p/{pid}/statements",
        ):  # translations, originals
            facilitator.open(
                f"{path}?lang=de", route=path.replace(str(pid), "{process_id}"), n_payloads=n
            )
    facilitator.page.screenshot(path=artifacts / "xss-agenda.png", full_page=True)
    for group in GROUPS:  # reflected: query strings and path segments, on the error page too
        joined = quote(" ".join(group))
        facilitator.open(f"/f?lang=xx&q={joined}", route="/f", n_payloads=GROUP)
        facilitator.open(f"/f/p/{joined}", route="error", n_payloads=GROUP)
    facilitator.close()

    for cid in site.conversations:  # a participant: the card, voting, the list of votes
        participant = Browser(chromium, site, tally)
        participant.open(f"/c/{cid}", route="/c/{conversation_id}", n_payloads=n)
        participant.open(f"/c/{cid}?lang=de", route="/c/{conversation_id}", n_payloads=n)
        participant.page.click("details.original summary")  # the original, one click away
        participant.inspect(f"/c/{cid}?lang=de (original)")
        participant.open(f"/c/{cid}?lang=en", route="/c/{conversation_id}", n_payloads=n)
        token = participant.csrf()
        first, *others = site.statements[cid]
        joined = participant.context.request.post(  # the first vote joins (a view does not)
            f"{site.url}/c/{cid}/vote",
            form={"csrf_token": token, "statement_id": str(first), "vote": "1"},
        )
        assert joined.ok, joined.text()
        for sid in others:
            answer = participant.context.request.post(
                f"{site.url}/api/v1/conversations/{cid}/votes",
                data={"statement_id": sid, "vote": 1},
                headers={"X-CSRF-Token": token},
            )
            assert answer.ok, answer.text()
        participant.open(f"/c/{cid}", route="/c/{conversation_id}", n_payloads=n)
        participant.open(f"/c/{cid}/votes", route="/c/{conversation_id}/votes", n_payloads=n)
        participant.open(
            f"/c/{cid}/votes?lang=de", route="/c/{conversation_id}/votes", n_payloads=n
        )
        participant.close()

    for link in site.format_links:  # a member: the next card, the joint picture
        cid = int(link.split("/c/", 1)[1].split("?", 1)[0])
        key = link.split("key=", 1)[1]
        member = Browser(chromium, site, tally)
        member.open(f"/c/{cid}/card?key={key}", route="/c/{conversation_id}/card", n_payloads=n)
        member.open(link, route="/c/{conversation_id}", n_payloads=n)
        token = member.csrf()
        sid = member.page.locator("#card input[name=statement_id]").get_attribute("value")
        voted = member.context.request.post(
            f"{site.url}/c/{cid}/vote",
            form={"csrf_token": token, "statement_id": str(sid), "vote": "1", "key": key},
        )
        assert voted.ok, voted.text()
        for page in ("standing", "standing/live", "agenda", "agenda/live"):
            member.open(f"/c/{cid}/{page}", route=f"/c/{{conversation_id}}/{page}", n_payloads=n)
        member.close()

    visitor = Browser(chromium, site, tally)
    for key, link in zip(site.observer_keys, site.format_links, strict=True):
        visitor.open(f"/o/{key}", route="/o/{observer_key}", n_payloads=n)
        visitor.open(f"/o/{key}/live", route="/o/{observer_key}/live", n_payloads=n)
        visitor.open(
            f"/o/{key}/brief?round=1&format=html", route="/o/{observer_key}/brief", n_payloads=n
        )
        visitor.open(f"/o/{key}?lang=de", route="/o/{observer_key}", n_payloads=n)
        visitor.open(f"{link}&from={quote(key)}", route="/c/{conversation_id}", n_payloads=n)
        visitor.context.clear_cookies()  # one format per process and browser
    for link in report_links:  # the report: anybody with the link, sorted two ways
        visitor.open(link, route="/r/{report_id}", n_payloads=n)
        visitor.page.hover("#opinion-map .nsewdrag", timeout=5_000)
        visitor.inspect(f"{link} (hover)")
        visitor.open(link + "?sort=-group-A", route="/r/{report_id}", n_payloads=n)
        visitor.open(link + "?lang=de", route="/r/{report_id}", n_payloads=n)
        visitor.page.click("details.original summary")
        visitor.inspect(f"{link}?lang=de (original)")
    visitor.page.screenshot(path=artifacts / "xss-report.png", full_page=True)
    visitor.open("/", route="/", n_payloads=0)
    for group in GROUPS[:4]:  # how to read the results: no user text, reflected queries only
        visitor.open(
            f"/help/reading?q={quote(' '.join(group))}", route="/help/reading", n_payloads=0
        )
    for group in GROUPS[:8]:  # the login form shows the name again after a failed attempt
        names = " ".join(group)
        visitor.open(f"/login?next={quote(names)}", route="/login", n_payloads=GROUP)
        visitor.page.fill("input[name=name]", names)
        visitor.page.fill("input[name=password]", "wrong password")
        visitor.page.click("form[action='/login'] button[type=submit]")
        visitor.page.wait_for_load_state("load")
        visitor.inspect("/login (failed)")
        tally.pages += 1
        tally.payload_renderings += GROUP
    visitor.close()

    print(
        f"\nXSS suite: {len(PAYLOADS)} payloads, {tally.pages} pages rendered, "
        f"{tally.payload_renderings} payload renderings, {len(tally.executions)} executions, "
        f"{len(tally.dialogs)} dialogs, {len(tally.injections)} injected elements"
    )
    assert not tally.executions, tally.executions[:20]
    assert not tally.dialogs, tally.dialogs[:20]
    assert not tally.injections, tally.injections[:20]
    missing = _page_routes() - tally.visited_routes
    assert not missing, f"page routes the XSS suite does not visit: {sorted(missing)}"


def test_the_payloads_and_the_detector_are_live(xss_site: XssSite, chromium: Any) -> None:
    """Unescaped, nearly every payload is caught: the suite would see a real injection."""
    tally = Tally()
    browser = Browser(chromium, xss_site, tally)
    browser.page.goto(xss_site.url + "/login")
    caught = 0
    for payload in PAYLOADS:
        before = len(tally.executions) + len(tally.injections)
        for wrapper in ("{}", '<a href="{}">x</a>', "<div title='{}'>x</div>"):
            browser.page.evaluate(
                "html => { const d = document.createElement('div'); d.innerHTML = html;"
                " document.body.append(d); }",
                wrapper.format(payload),
            )
        browser.page.wait_for_timeout(60)
        browser.inspect("calibration")
        browser.page.goto(xss_site.url + "/login")  # a clean page for the next payload
        caught += len(tally.executions) + len(tally.injections) > before
    browser.close()
    print(f"\nXSS calibration: {caught} of {len(PAYLOADS)} payloads caught when unescaped")
    # the rest target other contexts (template engines, JSON, URL decoding), shown as text
    assert caught >= 40, f"only {caught} of {len(PAYLOADS)} payloads are caught unescaped"


#: GET routes that answer something else than an HTML page (files, exports)
NOT_PAGES = {
    "/favicon.ico",
    "/assets/plotly.min.js",
    "/assets/plotly.css",
    "/f/p/{process_id}/agenda.{ext}",
    "/o/{observer_key}/agenda.{ext}",
    "/f/c/{conversation_id}/export.zip",
}


def _page_routes() -> set[str]:
    from route_table import iter_routes

    from parley.web.pages import router

    paths = {path for method, path, _ in iter_routes(router.routes) if method == "GET"}
    assert "/f/p/{process_id}/agenda" in paths  # the walk reaches into included routers
    return paths - NOT_PAGES
