"""Rounds on the pages and the API: close, compare, the brief, the live agenda, members' views."""

from __future__ import annotations

import io
import re
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from parley.services import participants, statements
from parley.services.access import join_key_of
from parley.services.agenda import refresh_agenda
from parley.services.processes import create_process, process_info
from parley.services.rounds import close_round
from parley.services.rules import ProcessSettings
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote

SCRIPT = "<script>alert(1)</script>"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _process(env: Any) -> tuple[int, int, int, int]:
    """A process of the facilitator with one joint statement voted on; its ids."""
    sf = env.session_factory
    pid = create_process(
        sf,
        facilitator_id=env.facilitator_id,
        name="Talks",
        formats=["North", "South"],
        settings=ProcessSettings(min_votes=2),
    )
    info = process_info(sf, pid)
    a, b = info.formats[0].conversation_id, info.formats[1].conversation_id
    s = statements.add_statement(sf, a, f"Open the crossings {SCRIPT}", is_seed=True)
    (copy,) = share_statement(sf, s.id)
    for conversation, target in ((a, s.id), (b, copy)):
        for _ in range(3):
            cast_vote(sf, participants.join_conversation(sf, conversation)[0], target, 1)
    refresh_agenda(sf, pid)
    return pid, a, b, copy


def test_close_a_round_and_download_its_brief(pages_env: Any) -> None:
    env = pages_env
    pid, _, _, _ = _process(env)
    env.log_in()
    agenda_page = env.client.get(f"/f/p/{pid}/agenda").text
    assert 'id="agenda-live"' in agenda_page and f"/f/p/{pid}/brief?lang=en&amp;format=pdf" in (
        agenda_page
    )
    token = _CSRF.search(agenda_page.split('action="/f/p/' + str(pid) + '/rounds"')[1])
    assert token
    response = env.client.post(
        f"/f/p/{pid}/rounds",
        data={"csrf_token": token.group(1), "note": f"first {SCRIPT}"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and "done=round_closed" in response.headers["location"]
    overview = env.client.get(f"/f/p/{pid}").text
    assert 'id="round-1"' in overview and SCRIPT not in overview
    html = env.client.get(f"/f/p/{pid}/brief?round=1&format=html&lang=de")
    assert html.status_code == 200 and "Runde 1" in html.text and SCRIPT not in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    pdf = env.client.get(f"/f/p/{pid}/brief?round=1&format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Round 1" in text and "Open the crossings" in text
    for bad in ("?round=9", "?format=doc", "?lang=xx"):
        assert env.client.get(f"/f/p/{pid}/brief{bad}").status_code in (400, 404), bad
    rounds_page = env.client.get(f"/f/p/{pid}/rounds").text
    assert 'id="history-chart"' in rounds_page and "Round 1" in rounds_page
    assert env.client.get(f"/f/p/{pid}/rounds?since=1&until=1").status_code == 400
    # the API: list, read, what moved, the brief
    key = {"Authorization": f"Bearer {env.api_key}"}
    api = f"/api/v1/processes/{pid}"
    assert [r["number"] for r in env.client.get(f"{api}/rounds", headers=key).json()] == [1]
    frozen = env.client.get(f"{api}/rounds/1", headers=key).json()
    assert frozen["items"][0]["statements"][0]["kind"] == "common"
    moved = env.client.get(f"{api}/changes?since=1", headers=key).json()
    assert moved["became_common"] == [] and moved["lost_common"] == []
    brief = env.client.get(f"{api}/brief?round=1&lang=ar&format=html", headers=key)
    assert brief.status_code == 200 and 'dir="rtl"' in brief.text
    closed = env.client.post(f"{api}/rounds", json={"note": "two"}, headers=key)
    assert closed.status_code == 201 and closed.json()["number"] == 2


def test_the_live_agenda_answers_204_until_the_stored_agenda_changes(pages_env: Any) -> None:
    env = pages_env
    pid, _, b, copy = _process(env)
    env.log_in()
    page = env.client.get(f"/f/p/{pid}/agenda").text
    version = re.search(r'data-version="([0-9a-f]+)"', page)
    assert version
    live = f"/f/p/{pid}/agenda/live?since={version.group(1)}"
    assert env.client.get(live).status_code == 204
    for _ in range(3):  # the South turns against it; the worker stores the new agenda
        cast_vote(
            env.session_factory, participants.join_conversation(env.session_factory, b)[0], copy, -1
        )
    assert env.client.get(live).status_code == 204  # not stored yet: nothing computed per viewer
    refresh_agenda(env.session_factory, pid)
    area = env.client.get(live)
    assert area.status_code == 200 and area.text.startswith('<div id="agenda-live"')
    assert "3 agree, 3 disagree" in area.text
    observer = process_info(env.session_factory, pid).observer_key
    observed = TestClient(env.client.app).get(f"/o/{observer}/live?since=old")
    assert observed.status_code == 200 and 'hx-trigger="every 5s"' in observed.text


def test_members_see_their_format_and_the_joint_agenda_when_allowed(pages_env: Any) -> None:
    env = pages_env
    pid, a, _, _ = _process(env)
    member = TestClient(env.client.app)
    assert member.get(f"/c/{a}/standing").status_code == 404  # a stranger yet: nothing there
    key = join_key_of(env.session_factory, a)
    assert member.get(f"/c/{a}").status_code == 404  # a members-only format: the link is needed
    page = member.get(f"/c/{a}?key={key}").text
    token = _CSRF.search(page)
    assert token
    sid = re.search(r'name="statement_id" value="(\d+)"', page)
    assert sid
    member.post(
        f"/c/{a}/vote",
        data={"statement_id": sid.group(1), "vote": "1", "csrf_token": token.group(1), "key": key},
    )
    done = member.get(f"/c/{a}").text  # a member now
    assert f'href="/c/{a}/standing"' in done and f'hx-get="/c/{a}/card"' in done
    assert f'href="/c/{a}/agenda"' not in done  # the facilitator has not opened it
    assert member.get(f"/c/{a}/card").status_code == 204
    standing = member.get(f"/c/{a}/standing")
    assert standing.status_code == 200 and "Open the crossings" in standing.text
    assert SCRIPT not in standing.text
    assert member.get(f"/c/{a}/agenda").status_code == 403
    # the facilitator opens the joint agenda to members
    env.log_in()
    form = {
        "min_votes": "2",
        "participants_see_agenda": "1",
        "share_min_votes": "5",
        "share_min_agree": "70",
    }
    form["csrf_token"] = env.csrf(f"/f/p/{pid}")
    assert (
        env.client.post(f"/f/p/{pid}/settings", data=form, follow_redirects=False).status_code
        == 303
    )
    assert f'href="/c/{a}/agenda"' in member.get(f"/c/{a}").text
    joint = member.get(f"/c/{a}/agenda")
    assert joint.status_code == 200 and "3 agree, 0 disagree" in joint.text  # as stored
    # a new statement arrives: the member's card poll brings it
    statements.add_statement(env.session_factory, a, "Elections next year", is_seed=True)
    card = member.get(f"/c/{a}/card")
    assert card.status_code == 200 and "Elections next year" in card.text


def _heading_levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]


def test_what_moved_keeps_heading_order_and_reads_its_numbers_left_to_right(
    pages_env: Any,
) -> None:
    env = pages_env
    pid, _, _, _ = _process(env)
    env.log_in()
    close_round(env.session_factory, pid)
    observer = process_info(env.session_factory, pid).observer_key
    pages = {
        f"/f/p/{pid}/agenda?lang=ar": "agenda",
        f"/o/{observer}?lang=fa": "observers",
        f"/f/p/{pid}/rounds?lang=ar": "rounds",
    }
    for url in pages:
        html = env.client.get(url).text
        assert 'dir="rtl"' in html, url
        levels = _heading_levels(html.split("<main", 1)[1])
        # no level skipped going down (axe's "heading-order"): an h2, then h3, not h4
        assert all(b <= a + 1 for a, b in pairwise(levels)), (url, levels)
        shifts = html.split('<table class="shifts">', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r"<tr><td dir=\"auto\">.*?</tr>", shifts, flags=re.S)
        assert rows, url
        for row in rows:  # votes, agree share and shift: each isolated left to right
            cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
            assert len(cells) == 3 and all(c.startswith('<bdi dir="ltr">') for c in cells), row
    # right to left: the figures still read left to right, the arrow points the reading way
    assert re.search(r'<bdi dir="ltr">\d+% ← \d+%</bdi>', html)
    english = env.client.get(f"/f/p/{pid}/rounds?lang=en").text
    assert re.search(r'<bdi dir="ltr">\d+% → \d+%</bdi>', english)


def test_a_kept_pdf_never_waits_and_a_new_one_waits_its_turn(
    pages_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parley.services import brief

    env = pages_env
    pid, _, _, _ = _process(env)
    close_round(env.session_factory, pid)
    key = {"Authorization": f"Bearer {env.api_key}"}
    url = f"/api/v1/processes/{pid}/brief?round=1&format=pdf"
    first = env.client.get(f"{url}&lang=en", headers=key)
    assert first.status_code == 200
    monkeypatch.setattr(brief, "PDF_WAIT", 0.05)
    assert brief._PDF_SLOTS.acquire(timeout=5)  # another brief is being rendered
    try:
        again = env.client.get(f"{url}&lang=en", headers=key)
        assert again.status_code == 200 and again.content == first.content
        refused = env.client.get(f"{url}&lang=de", headers=key)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert "rendered as PDF" in refused.json()["detail"]
    finally:
        brief._PDF_SLOTS.release()
    later = env.client.get(f"{url}&lang=de", headers=key)  # the refusal was not kept
    assert later.status_code == 200 and later.content != first.content
