"""The Polis report page (/r/{report_id}) and the facilitator's Polis export zip."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from typing import Any

import pytest

from parley.services import accounts, moderation, participants, statements, votes
from parley.services.polis_reports import EXPORT_FILES, report_export_texts, report_id
from parley.services.processes import create_process, process_info
from parley.services.refresh import pending_analyses, refresh_analysis
from parley.services.results import latest_analysis

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HIDDEN = "A statement the moderator rejects after the analysis"
UNSURE = "Nobody is sure about this one"


class _Tables(HTMLParser):
    """Collect the text of every cell of every table with an id: {id: [[cell, ...], ...]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id"):
            self._table = str(dict(attrs)["id"])
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table and self._in_body:
            self.tables[self._table].append([])
        elif tag == "td" and self._table and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._table:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _seeded(env: Any) -> tuple[str, dict[str, Any], int]:
    """Vote in two camps, analyse, then reject one statement; return the report id and data."""
    sf, cid = env.session_factory, env.open_id
    unsure = statements.add_statement(sf, cid, UNSURE, is_seed=True).id
    hidden = statements.add_statement(sf, cid, HIDDEN, is_seed=True).id
    for n in range(12):
        participant_id, _ = participants.join_conversation(sf, cid)
        camp = 1 if n % 2 else -1
        for j, sid in enumerate(env.seed_ids):
            votes.cast_vote(sf, participant_id, sid, camp if j != 1 else 1)
        votes.cast_vote(sf, participant_id, unsure, 0 if n % 3 else 1)
        votes.cast_vote(sf, participant_id, hidden, camp)
    statements.add_statement(sf, cid, "Nobody voted on this one yet", is_seed=True)
    for job in pending_analyses(sf):
        if job.conversation_id == cid:
            refresh_analysis(sf, job)
    moderation.moderate(sf, [hidden], -1, actor="ada", conversation_id=cid)
    data = latest_analysis(sf, cid)
    assert data is not None and data["k"] >= 2
    return report_id(sf, cid), data, hidden


def _percent(count: int, total: int) -> str:
    return str(round(100 * count / total)) if total else "0"


def test_the_report_shows_the_stored_analysis_to_anybody_with_the_link(pages_env: Any) -> None:
    rid, data, hidden = _seeded(pages_env)
    response = pages_env.client.get(f"/r/{rid}")  # no login
    assert response.status_code == 200
    assert response.headers["x-robots-tag"] == "noindex"
    page = response.text
    assert ESCAPED in page and SCRIPT not in page
    assert HIDDEN not in page  # rejected now: not in the tables, not in the map's hover text
    tables = _tables(page)
    by_id = {s["id"]: s for s in data["statements"]}
    columns = data["pca"]["statement_ids"]
    for group in data["groups"]:
        letter = "AB"[group["id"]]
        assert f"Group {letter} ({group['size']})" in page
        shown = [int(row[0]) for row in tables[f"group-table-{letter}"]]
        expected = [r["statement"] for r in group["repness"] if r["statement"] != hidden]
        assert shown == expected and shown
        assert f'id="group-bars-{letter}" data-figure="' in page
        for row in tables[f"group-table-{letter}"]:  # the group's own agree/disagree/pass
            j = columns.index(int(row[0]))
            agree, disagree = group["votes"]["agree"][j], group["votes"]["disagree"][j]
            seen = group["votes"]["seen"][j]
            passes = seen - agree - disagree
            assert row[2].startswith(
                f"{_percent(agree, seen)} / {_percent(disagree, seen)} / {_percent(passes, seen)} %"
            )
    n_consensus = 0
    for direction in ("agree", "disagree"):
        ids = [i for i in data["consensus"][direction] if i != hidden]
        rows = tables.get(f"consensus-{direction}", [])
        assert [int(r[0]) for r in rows] == ids
        n_consensus += len(ids)
    assert n_consensus  # the seeds hold a statement everybody agrees with
    gac = sorted(
        (s for s in data["statements"] if s["gac"] is not None and s["id"] != hidden),
        key=lambda s: (-s["gac"], s["id"]),
    )
    assert [int(r[0]) for r in tables["gac"]] == [s["id"] for s in gac[:10]]
    unsure = next(s["id"] for s in data["statements"] if s["text"] == UNSURE)
    assert int(tables["uncertain"][0][0]) == unsure
    rows = tables["statement-table"]
    assert sorted(int(r[0]) for r in rows) == sorted(i for i in by_id if i != hidden)
    for row in rows:
        s = by_id[int(row[0])]
        total = s["agree"] + s["disagree"] + s["pass"]
        shares = [_percent(s[c], total) for c in ("agree", "disagree", "pass")]
        assert row[2:6] == [str(total), *(shares if total else ["\u2013"] * 3)]  # a dash: no votes
        assert len(row) == 7 + data["k"]  # one cell per group
    assert f"<b>{data['n_participants']}</b>" in page and f"<b>{data['n_votes']}</b>" in page


def test_the_statement_table_sorts_on_the_server(pages_env: Any) -> None:
    rid, data, hidden = _seeded(pages_env)
    client = pages_env.client
    shares = {
        s["id"]: s["agree"] / (s["agree"] + s["disagree"] + s["pass"])
        for s in data["statements"]
        if s["id"] != hidden and s["agree"] + s["disagree"] + s["pass"]
    }
    unvoted = [s["id"] for s in data["statements"] if s["text"].startswith("Nobody voted")]
    assert len(unvoted) == 1
    page = client.get(f"/r/{rid}", params={"sort": "-agree"}).text
    order = [int(r[0]) for r in _tables(page)["statement-table"]]
    assert order == [*sorted(shares, key=lambda i: (-shares[i], i)), *unvoted]  # none: last
    assert 'aria-sort="descending"' in page
    assert 'href="?sort=agree#statements"' in page  # the same heading again reverses
    page = client.get(f"/r/{rid}", params={"sort": "group-B"}).text
    columns = data["pca"]["statement_ids"]
    b = data["groups"][1]["votes"]
    agree_b = {i: b["agree"][columns.index(i)] / b["seen"][columns.index(i)] for i in shares}
    order = [int(r[0]) for r in _tables(page)["statement-table"]]
    assert order == [*sorted(shares, key=lambda i: (agree_b[i], i)), *unvoted]
    assert client.get(f"/r/{rid}", params={"sort": "group-Z"}).status_code == 400


def test_a_wrong_report_id_finds_nothing(pages_env: Any) -> None:
    sf = pages_env.session_factory
    rid = report_id(sf, pages_env.open_id)
    other = report_id(sf, pages_env.strict_id)
    flipped = rid[:5] + ("a" if rid[5] != "a" else "b") + rid[6:]
    swapped = other[: -len(str(pages_env.strict_id))] + str(pages_env.open_id)
    for wrong in (flipped, swapped, rid[:-1], "r", str(pages_env.open_id), rid + "0"):
        assert pages_env.client.get(f"/r/{wrong}").status_code == 404, wrong


def test_before_an_analysis_the_report_says_so(pages_env: Any) -> None:
    rid = report_id(pages_env.session_factory, pages_env.strict_id)
    page = pages_env.client.get(f"/r/{rid}", headers={"accept-language": "de"}).text
    assert "Noch keine Auswertung" in page
    assert "statement-table" not in page


def test_facilitator_pages_link_the_report_and_the_export(pages_env: Any) -> None:
    sf = pages_env.session_factory
    pages_env.log_in()
    cid = pages_env.open_id
    rid = report_id(sf, cid)
    for path in (f"/f/c/{cid}", f"/f/c/{cid}/results"):
        page = pages_env.client.get(path).text
        assert f'href="/r/{rid}"' in page
        assert f'href="/f/c/{cid}/export.zip"' in page
        assert "Download Polis export" in page
    pid = create_process(
        sf, facilitator_id=pages_env.facilitator_id, name="Talks", formats=["One", "Two"]
    )
    page = pages_env.client.get(f"/f/p/{pid}").text
    for f in process_info(sf, pid).formats:
        assert f'href="/r/{report_id(sf, f.conversation_id)}"' in page


def test_the_export_zip_holds_the_four_polis_files(pages_env: Any) -> None:
    _seeded(pages_env)
    pages_env.log_in()
    cid = pages_env.open_id
    response = pages_env.client.get(f"/f/c/{cid}/export.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == list(EXPORT_FILES)
    texts = report_export_texts(pages_env.session_factory, cid)
    for name in EXPORT_FILES:
        assert archive.read(name).decode() == texts[name]
    assert SCRIPT in archive.read("comments.csv").decode()  # files hold the text as written


def test_the_export_zip_refuses_everybody_but_the_owner(pages_env: Any) -> None:
    cid = pages_env.open_id
    path = f"/f/c/{cid}/export.zip"
    anonymous = pages_env.client.get(path, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    accounts.create_facilitator(pages_env.session_factory, "bob", password="another password")
    pages_env.log_in("bob", "another password")
    assert pages_env.client.get(path).status_code == 403


@pytest.mark.parametrize("lang", ["de", "fr", "ru", "tr", "ar"])
def test_the_report_in_every_language(pages_env: Any, lang: str) -> None:
    rid, _, _ = _seeded(pages_env)
    page = pages_env.client.get(f"/r/{rid}", params={"lang": lang}).text
    assert f'<html lang="{lang}"' in page
    assert "Areas of uncertainty" not in page and "Every statement" not in page
    assert re.search(r'<table id="statement-table"', page)


def test_a_statement_held_for_moderation_stays_out_of_the_report(pages_env: Any) -> None:
    sf, cid = pages_env.session_factory, pages_env.strict_id
    seeds = [s.id for s in statements.visible_statements(sf, cid)]
    author, _ = participants.join_conversation(sf, cid)
    held = "Held: a participant's statement that awaits the moderator"
    statements.add_statement(sf, cid, held, participant_id=author)
    for n in range(8):
        participant_id, _ = participants.join_conversation(sf, cid)
        for sid in seeds:
            votes.cast_vote(sf, participant_id, sid, 1 if n % 2 else -1)
    for job in pending_analyses(sf):
        if job.conversation_id == cid:
            refresh_analysis(sf, job)
    data = latest_analysis(sf, cid)
    assert data is not None
    assert held in {s["text"] for s in data["statements"]}  # stored, but not to be shown
    page = pages_env.client.get(f"/r/{report_id(sf, cid)}").text
    assert held not in page
    assert sorted(int(r[0]) for r in _tables(page)["statement-table"]) == sorted(seeds)


def test_a_map_without_opinion_groups_says_so_without_a_dangling_colon(pages_env: Any) -> None:
    """One vote: the analysis places nobody in a group; the sentence ends, in every view."""
    env = pages_env
    sf = env.session_factory
    pid = create_process(sf, facilitator_id=env.facilitator_id, name="One vote", formats=["A"])
    cid = process_info(sf, pid).formats[0].conversation_id
    sid = statements.add_statement(sf, cid, "A lonely statement", is_seed=True).id
    votes.cast_vote(sf, participants.join_conversation(sf, cid)[0], sid, 1)
    env.catch_up()
    data = latest_analysis(sf, cid)
    assert data is not None and not data.get("groups")
    env.log_in()
    for url in (f"/r/{report_id(sf, cid)}", f"/f/c/{cid}/results", f"/f/p/{pid}/agenda"):
        page = env.client.get(url).text
        summary = re.search(r'id="map-summary[^"]*"[^>]*>(.*?)</p>', page, flags=re.S)
        assert summary is not None, url
        text = " ".join(summary.group(1).split())
        assert text.endswith("The map shows no opinion groups yet."), (url, text)
        assert "by how they voted:" not in text, url
    german = env.client.get(f"/f/c/{cid}/results?lang=de").text
    assert "Die Karte zeigt noch keine Meinungsgruppen." in german
