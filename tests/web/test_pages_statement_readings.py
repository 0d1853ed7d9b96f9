"""Results, report, moderation and process statement pages in the reader's language, and the
facilitator's page to add, edit and remove statement translations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update
from tests.support.processes import new_process

from parley.db.models import Statement
from parley.services import participants, statements, votes
from parley.services.polis_reports import report_id
from parley.services.refresh import pending_analyses, refresh_analysis
from parley.services.translation_store import add_translation, list_translations

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
DE = "Parks brauchen mehr Bäume"
RU = "Паркам нужно больше деревьев"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _translated(html: str, text: str, original: str) -> None:
    """The translation is shown, marked, with the original inside a <details>."""
    assert text in html
    details = re.findall(r'<details class="original">(.*?)</details>', html, re.S)
    assert any(original in d for d in details), "the original is not one click away"


def _map(html: str) -> str:
    """The opinion map's figure (JSON in its data-figure attribute)."""
    found = re.search(r'id="opinion-map" data-figure="([^"]*)"', html)
    assert found, "no opinion map"
    return found.group(1)


@pytest.fixture
def env(pages_env: Any) -> Any:
    """The open conversation's first seed translated into German; votes in two camps."""
    sf, cid = pages_env.session_factory, pages_env.open_id
    sid = pages_env.seed_ids[0]
    add_translation(sf, cid, sid, "de", DE)
    for n in range(12):
        participant_id, _ = participants.join_conversation(sf, cid)
        camp = 1 if n % 2 else -1
        for j, seed in enumerate(pages_env.seed_ids):
            votes.cast_vote(sf, participant_id, seed, camp if j != 1 else 1)
    for job in pending_analyses(sf):
        if job.conversation_id == cid:
            refresh_analysis(sf, job)
    return pages_env


def test_the_results_page_reads_in_the_interface_language(env: Any) -> None:
    env.log_in()
    html = env.client.get(f"/f/c/{env.open_id}/results?lang=de").text
    _translated(html, DE, "Parks need more trees")
    assert "Parks brauchen mehr B" in _map(html)  # the map's hover labels too
    assert ESCAPED in html and SCRIPT not in html
    english = env.client.get(f"/f/c/{env.open_id}/results?lang=en").text
    assert "Parks need more trees" in english and DE not in english


def test_the_report_reads_in_the_interface_language(env: Any) -> None:
    rid = report_id(env.session_factory, env.open_id)
    html = env.client.get(f"/r/{rid}?lang=de").text  # no login: the link is the capability
    _translated(html, DE, "Parks need more trees")
    assert "Parks brauchen mehr B" in _map(html)
    english = env.client.get(f"/r/{rid}?lang=en").text
    assert DE not in english and 'class="original"' not in english


def test_the_moderation_queue_reads_in_the_interface_language(env: Any) -> None:
    env.log_in()
    html = env.client.get(f"/f/c/{env.open_id}/moderation?state=1&lang=de").text
    _translated(html, DE, "Parks need more trees")


def test_the_process_statements_page_reads_in_the_interface_language(pages_env: Any) -> None:
    sf = pages_env.session_factory
    pid, (fmt,) = new_process(sf, ["One"], facilitator_id=pages_env.facilitator_id, min_votes=1)
    sid = statements.add_statement(sf, fmt.conversation_id, "Aid first", is_seed=True).id
    add_translation(sf, fmt.conversation_id, sid, "ru", RU)
    pages_env.log_in()
    html = pages_env.client.get(f"/f/p/{pid}/statements?lang=ru").text
    _translated(html, RU, "Aid first")


def test_a_facilitator_adds_edits_and_removes_translations(env: Any) -> None:
    sf, cid, sid = env.session_factory, env.open_id, env.seed_ids[0]
    env.log_in()
    page = env.client.get(f"/f/c/{cid}/translations")
    assert page.status_code == 200
    html = page.text
    assert DE in html and ESCAPED in html and SCRIPT not in html
    (de,) = list_translations(sf, cid, sid, everything=True)
    assert f'action="/f/c/{cid}/statements/{sid}/translations/{de.id}"' in html
    token = _csrf(html)
    edited = env.client.post(
        f"/f/c/{cid}/statements/{sid}/translations/{de.id}",
        data={"csrf_token": token, "text": f"Parks brauchen Bäume {SCRIPT}"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    (after,) = list_translations(sf, cid, sid, everything=True)
    assert after.id == de.id and after.text == f"Parks brauchen Bäume {SCRIPT}"
    shown = env.client.get(edited.headers["location"]).text
    assert "Parks brauchen Bäume &lt;script&gt;" in shown and SCRIPT not in shown
    added = env.client.post(
        f"/f/c/{cid}/statements/{sid}/translations",
        data={"csrf_token": token, "language": "fr", "text": "Les parcs ont besoin d'arbres"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    found = {t.language: t for t in list_translations(sf, cid, sid, everything=True)}
    assert found["fr"].source == "facilitator" and found["fr"].is_shown
    removed = env.client.post(
        f"/f/c/{cid}/statements/{sid}/translations/{de.id}/remove",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert [t.language for t in list_translations(sf, cid, sid, everything=True)] == ["fr"]
    empty = env.client.post(
        f"/f/c/{cid}/statements/{sid}/translations/{found['fr'].id}",
        data={"csrf_token": token, "text": "  "},
        follow_redirects=False,
    )
    assert empty.status_code == 400


def test_a_participant_cannot_edit_or_remove_translations(env: Any) -> None:
    sf, cid, sid = env.session_factory, env.open_id, env.seed_ids[0]
    (de,) = list_translations(sf, cid, sid, everything=True)
    joined = env.client.get(f"/c/{cid}")  # a participant's browser, not logged in
    token = _csrf(joined.text)
    page = env.client.get(f"/f/c/{cid}/translations", follow_redirects=False)
    assert page.status_code in (303, 401)
    for path, data in (
        (f"/f/c/{cid}/statements/{sid}/translations/{de.id}", {"text": "x"}),
        (f"/f/c/{cid}/statements/{sid}/translations/{de.id}/remove", {}),
        (f"/f/c/{cid}/statements/{sid}/translations", {"language": "fr", "text": "x"}),
    ):
        response = env.client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code in (303, 401, 403), path
    assert [t.text for t in list_translations(sf, cid, sid, everything=True)] == [DE]


def test_a_statement_of_unknown_language_has_no_language_tag(env: Any) -> None:
    sf = env.session_factory
    with sf.begin() as session:  # as imported from Polis: no language recorded
        session.execute(
            update(Statement).where(Statement.id == env.seed_ids[2]).values(language=None)
        )
    env.log_in()
    html = env.client.get(f"/f/c/{env.open_id}/results?lang=en").text
    tags = re.findall(r'<span class="lang-tag"[^>]*>([^<]*)</span>', html)
    assert tags and "?" not in tags  # the known languages tagged, the unknown one not
