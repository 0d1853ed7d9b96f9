"""One number per statement: the agenda page, its JSON/CSV/Markdown exports, the results
page, the brief, the observers' page, the API and the CLI show the same number for a
statement shared into several formats (its joint statement's id) and for a statement of an
imported Polis conversation (Polis's tid, 0 included)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from parley.cli.main import app as cli_app
from parley.services import participants, statements
from parley.services.agenda import refresh_agenda
from parley.services.formats import attach_conversation
from parley.services.polis_exchange import export_polis, import_polis_export
from parley.services.processes import create_process, process_info
from parley.services.refresh import refresh_everything
from parley.services.rules import ProcessSettings
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"
SHARED = "Share the river water by season"
V1 = "/api/v1"


def _process(env: Any) -> tuple[int, int, int, int, int]:
    """North and South (a statement written in North, shared into South) and Polis (tiny)."""
    sf = env.session_factory
    pid = create_process(
        sf,
        facilitator_id=env.facilitator_id,
        name="Numbers",
        formats=["North", "South"],
        settings=ProcessSettings(min_votes=1),
    )
    north, south = (f.conversation_id for f in process_info(sf, pid).formats)
    statements.add_statement(sf, south, "Written in South first", is_seed=True)
    root = statements.add_statement(sf, north, SHARED, is_seed=True).id
    (copy,) = share_statement(sf, root)
    for cid, sid in ((north, root), (south, copy)):
        for vote in (1, 1, 1, -1):
            member = participants.join_conversation(sf, cid)[0]
            cast_vote(sf, member, sid, vote)
    polis = import_polis_export(sf, TINY)
    attach_conversation(sf, pid, polis, "Polis", facilitator_id=env.facilitator_id, embed=False)
    refresh_everything(sf)
    refresh_agenda(sf, pid)
    return pid, south, polis, root, copy


def _block(html: str, sid: int) -> str:
    return html.split(f'id="s-{sid}"', 1)[1].split("</li>", 1)[0]


def test_a_statement_has_one_number_everywhere(pages_env: Any, tmp_path: Path) -> None:
    env = pages_env
    env.log_in()
    sf = env.session_factory
    pid, south, polis, root, copy = _process(env)
    assert copy != root

    document = env.client.get(f"/f/p/{pid}/agenda.json").json()
    entries = {s["text"]: s for item in document["items"] for s in item["statements"]}
    shared = entries[SHARED]
    assert (shared["id"], shared["number"]) == (root, root)
    tids = {s["number"]: s for s in entries.values() if s["format"] == "Polis"}
    assert 0 in tids and 3 in tids  # Polis's own comment ids, tid 0 included
    for tid, entry in tids.items():
        assert entry["id"] != tid  # the database id is another number: never shown
    numbers = {text: s["number"] for text, s in entries.items()}

    html = env.client.get(f"/f/p/{pid}/agenda").text
    observer = process_info(sf, pid).observer_key
    observed = env.client.get(f"/o/{observer}").text
    for entry in entries.values():
        for page in (html, observed):
            assert f"#{entry['number']} ·" in _block(page, entry["id"]), entry

    rows = list(csv.DictReader(io.StringIO(env.client.get(f"/f/p/{pid}/agenda.csv").text)))
    assert {r["text"]: int(r["number"]) for r in rows} == numbers
    assert {int(r["statement"]) for r in rows} == {s["id"] for s in entries.values()}

    markdown = env.client.get(f"/f/p/{pid}/agenda.md").text
    for text, number in numbers.items():
        line = next(x for x in markdown.splitlines() if text.split("\n")[0] in x)
        assert line.startswith(f"- #{number} "), line

    brief = env.client.get(f"/f/p/{pid}/brief?format=html&lang=en").text
    for entry in entries.values():
        block = brief.split(f'id="s{entry["id"]}"', 1)[1].split("</div>", 1)[0]
        assert f"\u2066#{entry['number']}\u2069" in block, entry

    # the results of South (the copy) and of the Polis conversation, pages and API
    for cid in (south, polis):
        analysis = env.client.get(f"{V1}/conversations/{cid}/analysis").json()
        page = env.client.get(f"/f/c/{cid}/results").text
        for s in analysis["statements"]:
            text = s["text"]
            if text in numbers:
                assert s["number"] == numbers[text], s
        found = re.findall(
            r'<tr><td class="num">(\d+)</td>.*?<td class="text">(.*?)</td>', page, flags=re.S
        )
        assert found  # consensus and common-ground tables list statements by number
        for number, cell in found:
            shown = re.sub(r'<[^>]*class="lang-tag"[^>]*>[^<]*</[a-z]+>', "", cell)
            text = re.sub(r"<[^>]+>", "", shown).strip()
            assert int(number) == numbers[text.replace("&#34;", '"')], (number, text)
    listed = env.client.get(f"{V1}/conversations/{south}/statements").json()
    assert {s["number"] for s in listed if s["id"] == copy} == {root}

    # the CLI on the Polis export of the imported conversation shows Polis's tids
    folder = tmp_path / "export"
    export_polis(sf, polis, folder)
    formats = tmp_path / "formats.csv"
    with (folder / "participants-votes.csv").open(newline="") as handle:
        people = [row[0] for row in list(csv.reader(handle))[1:]]
    formats.write_text("participant,format\n" + "".join(f"{p},Polis\n" for p in people))
    runner = CliRunner()
    agenda = runner.invoke(
        cli_app, ["agenda", str(folder), "--formats", str(formats), "--json", "--min-votes", "1"]
    )
    assert agenda.exit_code == 0, agenda.output
    cli_numbers = {
        s["id"]: s["number"] for item in json.loads(agenda.stdout) for s in item["statements"]
    }
    assert cli_numbers == {n: n for n in cli_numbers} and set(cli_numbers) <= set(tids)
    table = runner.invoke(cli_app, ["agenda", str(folder), "--formats", str(formats)])
    assert table.exit_code == 0, table.output
    for tid in cli_numbers:
        assert f"{tid}: " in table.stdout
    summary = runner.invoke(cli_app, ["analyze", str(folder)])
    assert summary.exit_code == 0, summary.output
    shown = re.findall(r"^\s+(\d+)\s+[\d.-]+\s+(\S.*)$", summary.stdout, flags=re.M)
    assert shown
    for number, text in shown:
        assert int(number) == numbers[next(t for t in numbers if t.startswith(text[:20]))]
