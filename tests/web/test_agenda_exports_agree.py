"""The agenda page and its JSON, CSV and Markdown exports say the same things, statement by
statement, on a generated process (random votes, some formats short of votes)."""

from __future__ import annotations

import csv
import io
import random
import re
from typing import Any

from tests.support.processes import new_process

from parley.services import participants, statements
from parley.services.agenda import refresh_agenda
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote

FORMATS = ("North", "South", "Women's board")


def _generated(env: Any, seed: int) -> int:
    sf = env.session_factory
    pid, formats = new_process(
        sf, FORMATS, name="Generated", facilitator_id=env.facilitator_id, min_votes=2
    )
    ids = [f.conversation_id for f in formats]
    rng = random.Random(seed)
    members = {cid: [participants.join_conversation(sf, cid)[0] for _ in range(5)] for cid in ids}
    for n in range(8):
        home = ids[n % len(ids)]
        root = statements.add_statement(sf, home, f"Water-sharing plan {n}", is_seed=True).id
        copies = {home: root}
        if n % 4:  # most are shared everywhere, every fourth stays in its format
            for copy in share_statement(sf, root):
                copies[statements.statement_info(sf, copy).conversation_id] = copy
        for cid, sid in copies.items():
            for member in rng.sample(members[cid], rng.choice((0, 1, 2, 3, 5))):
                cast_vote(sf, member, sid, rng.choice((1, 1, -1, 0)))
    refresh_agenda(sf, pid)
    return pid


def _page_stances(html: str, sid: int) -> dict[str, str]:
    block = html.split(f'id="s-{sid}"', 1)[1].split('class="agenda-statement', 1)[0]
    found = re.findall(
        r'<span class="stance-format">([^<]*)</span>.*?<span class="stance-counts">([^<]*)</span>',
        block,
        flags=re.S,
    )
    return {name.replace("&#39;", "'"): text.strip() for name, text in found}


def _said(counts: dict[str, int] | None, withheld: bool) -> str:
    if withheld:
        return "fewer than 3 votes yet"
    assert counts is not None
    if not sum(counts.values()):
        return "no votes yet"
    return f"{counts['agree']} agree, {counts['disagree']} disagree, {counts['pass']} pass"


def test_page_json_csv_and_markdown_agree_on_every_statement(pages_env: Any) -> None:
    env = pages_env
    env.log_in()
    pid = _generated(env, seed=7)
    document = env.client.get(f"/f/p/{pid}/agenda.json").json()
    html = env.client.get(f"/f/p/{pid}/agenda").text
    rows = list(csv.DictReader(io.StringIO(env.client.get(f"/f/p/{pid}/agenda.csv").text)))
    markdown = env.client.get(f"/f/p/{pid}/agenda.md").text
    entries = [s for item in document["items"] for s in item["statements"]]
    assert len(entries) == 8 and len(rows) == 8
    by_row = {int(r["statement"]): r for r in rows}
    kinds = set()
    for entry in entries:
        sid, kinds = entry["id"], kinds | {entry["kind"]}
        said = {
            name: _said(entry["by_format"][name], name in entry["withheld"]) for name in FORMATS
        }
        assert _page_stances(html, sid) == said, sid
        line = next(x for x in markdown.splitlines() if x.endswith(".") and entry["text"] in x)
        for name, text in said.items():
            assert f"{name} {text}" in line, (sid, line)
        assert "\\-" not in line  # readable: no stray escapes
        row = by_row[sid]
        assert row["kind"] == entry["kind"]
        for name in FORMATS:
            cells = [row[f"{name} {what}"] for what in ("agree", "disagree", "pass")]
            if name in entry["withheld"]:
                assert cells == ["", "", ""]
            else:
                assert cells == [
                    str(entry["by_format"][name][w]) for w in ("agree", "disagree", "pass")
                ]
        if entry["kind"] in ("waiting", "one-sided"):
            assert entry["common_ground"] is None
        assert not set(entry["share_with"] or []) & set(entry["held_by"])
    assert len(kinds) >= 2  # the generated process has more than one kind of statement
    assert any(e["withheld"] for e in entries)  # some counts withheld, some shown
    assert any(set(FORMATS) - set(e["withheld"]) for e in entries)
