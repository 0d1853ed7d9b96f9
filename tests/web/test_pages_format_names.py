"""A format's name in the reader's language on every agenda view and in the brief.

The stance rows always read it so; the map headings and legend, "waiting for ...", "share
it with ...", what moved ("now also in ...", each format's shift) and the brief read it too.
"""

from __future__ import annotations

import html as html_module
import json
import re
from typing import Any

from tests.support.processes import new_process

from parley.services import participants, statements
from parley.services.agenda import refresh_agenda
from parley.services.brief import brief_of, render_brief_html
from parley.services.process_texts import set_text_translation
from parley.services.processes import process_info
from parley.services.rounds import close_round
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote
from parley.web.i18n import translator

GERMAN = {"Northern group": "Nordgruppe", "Southern group": "Südgruppe"}


def _process(env: Any) -> int:
    """Two formats named in German too; a round closed, then a statement shared and voted."""
    sf = env.session_factory
    pid, formats = new_process(sf, GERMAN, facilitator_id=env.facilitator_id, min_votes=2)
    for fmt in formats:
        set_text_translation(sf, pid, "format", fmt.id, "de", GERMAN[fmt.name])
    north, south = (f.conversation_id for f in formats)
    in_north = [participants.join_conversation(sf, north)[0] for _ in range(3)]
    in_south = [participants.join_conversation(sf, south)[0] for _ in range(3)]
    shared = statements.add_statement(sf, north, "Open the crossings", is_seed=True)
    (copy,) = share_statement(sf, shared.id)
    for m in in_north:
        cast_vote(sf, m, shared.id, 1)
    cast_vote(sf, in_south[0], copy, 1)  # waiting for votes in the South
    for k in range(7):  # seven votes each: everybody on the joint map, a legend of formats
        both = statements.add_statement(sf, north, f"Rebuild school {k}", is_seed=True)
        (both_copy,) = share_statement(sf, both.id)
        for n, m in enumerate(in_north + in_south):
            cast_vote(sf, m, both.id if m in in_north else both_copy, 1 if (n + k) % 2 else -1)
    later = statements.add_statement(sf, north, "Exchange the prisoners", is_seed=True)
    for m in in_north:
        cast_vote(sf, m, later.id, -1)
    statements.add_statement(sf, north, "Only in the North", is_seed=True)  # share it
    env.catch_up()  # the formats' maps
    refresh_agenda(sf, pid)
    close_round(sf, pid)
    (moved,) = share_statement(sf, later.id)  # now also in the South
    for m in in_south:
        cast_vote(sf, m, moved, 1)
    env.catch_up()
    refresh_agenda(sf, pid)
    return pid


def test_format_names_are_translated_on_the_agenda_and_in_the_brief(pages_env: Any) -> None:
    env = pages_env
    pid = _process(env)
    env.log_in()
    observer = process_info(env.session_factory, pid).observer_key
    for url in (f"/f/p/{pid}/agenda?lang=de", f"/o/{observer}?lang=de"):
        page = env.client.get(url).text
        area = page.split('<div id="agenda-live"', 1)[1]
        for english, german in GERMAN.items():
            assert english not in area, (url, english)
            assert german in area, (url, german)
    facilitator = env.client.get(f"/f/p/{pid}/agenda?lang=de").text
    t = translator("de")
    for line in (
        t("agenda.waiting", names="Südgruppe"),
        t("agenda.share_with", names="Südgruppe"),
        t("brief.now_in", names="Südgruppe"),
    ):
        assert html_module.escape(line, quote=False) in facilitator, line
    assert re.search(r"<h3><span class=\"format-tag\">Nordgruppe</span></h3>", facilitator)
    figure = re.search(r'id="joint-map" data-figure="([^"]+)"', facilitator)
    assert figure is not None
    legend = {t.get("name") for t in json.loads(html_module.unescape(figure.group(1)))["data"]}
    assert legend == {f"{german} (3)" for german in GERMAN.values()}, legend
    rounds_page = env.client.get(f"/f/p/{pid}/rounds?lang=de").text
    moved = rounds_page.split('<section id="moved">', 1)[1].split("</section>", 1)[0]
    assert "Südgruppe" in moved and "Southern group" not in moved
    brief = brief_of(env.session_factory, pid, None, languages=("de",))
    html = render_brief_html(brief, translator("de"), language="de", direction="ltr")
    assert brief.changes is not None and brief.changes.moved_formats
    for english, german in GERMAN.items():
        assert english not in html, english
        assert german in html, german


def test_the_process_name_and_description_are_read_in_the_reader_language(
    pages_env: Any,
) -> None:
    from fastapi.testclient import TestClient

    env = pages_env
    sf = env.session_factory
    pid, formats = new_process(sf, GERMAN, facilitator_id=env.facilitator_id)
    set_text_translation(sf, pid, "name", 0, "de", "Gespräche")
    set_text_translation(sf, pid, "description", 0, "de", "Fassen Sie sich kurz.")
    set_text_translation(sf, pid, "format", formats[0].id, "de", "Nordgruppe")
    refresh_agenda(sf, pid)
    close_round(sf, pid)
    north = formats[0].conversation_id
    env.log_in()
    for tab in ("", "/statements", "/agenda", "/rounds"):
        page = env.client.get(f"/f/p/{pid}{tab}?lang=de").text
        assert "<h1>Gespräche</h1>" in page, tab
        assert "<h1>Talks</h1>" in env.client.get(f"/f/p/{pid}{tab}?lang=en").text, tab
    overview = env.client.get(f"/f/p/{pid}?lang=de").text.split('<section id="texts"', 1)[0]
    assert "Fassen Sie sich kurz." in overview and ">Nordgruppe</a>" in overview
    results = env.client.get(f"/f/c/{north}/results?lang=de").text
    assert "<h1>Gespräche: Nordgruppe</h1>" in results
    member = TestClient(env.client.app)
    join = process_info(sf, pid).formats[0].join_path
    voting = member.get(f"{join}&lang=de").text
    assert "Gespräche: Nordgruppe" in voting and "Fassen Sie sich kurz." in voting
    assert "Talks" not in voting
    assert "Gespräche: Nordgruppe" in env.client.get(f"/c/{north}/votes?lang=de").text
    english = env.client.get(f"/c/{north}/votes?lang=en").text
    assert "Talks: Northern group" in english and "Gespräche" not in english
    shared = statements.add_statement(sf, north, "Open the crossings", is_seed=True)
    share_statement(sf, shared.id)
    south = process_info(sf, pid).formats[1].join_path
    card = TestClient(env.client.app).get(f"{south}&lang=de").text
    from_north = translator("de")("card.from_format", format="Nordgruppe")
    assert "Open the crossings" in card and html_module.escape(from_north) in card
