"""Participant pages in a process: origin of shared statements, look-alikes, language fixes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from parley.db.models import Statement
from parley.services import statements
from parley.services.access import change_visibility
from parley.services.processes import create_process, process_info
from parley.services.sharing import share_statement

SCRIPT = "<script>alert(1)</script>"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


@pytest.fixture
def process_env(pages_env: Any) -> Any:
    """Two formats; the first holds a French statement, shared with the second."""
    sf = pages_env.session_factory
    pid = create_process(
        sf, facilitator_id=pages_env.facilitator_id, name="Talks", formats=["Astana", "Small"]
    )
    info = process_info(sf, pid)
    a, b = (f.conversation_id for f in info.formats)
    for cid in (a, b):  # languages here, not privacy: anybody may read these formats
        change_visibility(sf, cid, "public")
    text = "Les réfugiés doivent pouvoir rentrer chez eux en sécurité."
    statement = statements.add_statement(sf, a, text, is_seed=True)
    (copy,) = share_statement(sf, statement.id)
    pages_env.process = (pid, a, b, statement.id, copy)
    return pages_env


def test_a_shared_statement_shows_its_origin_and_language(process_env: Any) -> None:
    _, _, b, _, copy = process_env.process
    html = process_env.client.get(f"/c/{b}").text
    assert "You take part as a member of the Small." in html
    assert f'name="statement_id" value="{copy}"' in html
    assert "Shared from the Astana" in html
    assert 'lang="fr"' in html and '<span class="lang-tag">fr</span>' in html


def test_look_alikes_in_another_language_come_before_saving(process_env: Any) -> None:
    _, _, b, root, _ = process_env.process
    client = process_env.client
    token = _csrf(client.get(f"/c/{b}").text)
    english = "Refugees must be able to return home safely."
    response = client.post(
        f"/c/{b}/statements",
        data={"csrf_token": token, "text": english},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.text
    assert "Similar statements exist already" in html
    assert "Les réfugiés doivent pouvoir rentrer" in html and "(Astana)" in html
    with process_env.session_factory() as session:  # nothing saved yet
        assert session.scalar(select(Statement.id).where(Statement.text == english)) is None
    assert '<option value="en" lang="en" selected>' in html  # the detected language
    # the look-alike is in this format's queue (shared): the author may vote on it instead
    copy = process_env.process[4]
    assert f'name="statement_id" value="{copy}"' in html and "Vote on it instead" in html
    # the author submits anyway, correcting the language on the way
    response = client.post(
        f"/c/{b}/statements",
        data={"csrf_token": token, "text": english, "confirm": "1", "language": "de"},
        headers={"HX-Request": "true"},
    )
    assert "flash" in response.text
    with process_env.session_factory() as session:
        saved = session.scalars(select(Statement).where(Statement.text == english)).one()
        assert (saved.language, saved.language_source) == ("de", "author")
        assert saved.embedding is not None and len(saved.embedding) == 4 * 384
    # and corrects it back afterwards, as its author
    response = client.post(
        f"/c/{b}/statements/{saved.id}/language",
        data={"csrf_token": token, "language": "en"},
        headers={"HX-Request": "true"},
    )
    assert "Language saved: English." in response.text
    with process_env.session_factory() as session:
        assert session.get(Statement, saved.id).language == "en"  # type: ignore[union-attr]
    # someone else cannot
    other = process_env.client.__class__(client.app, base_url="http://testserver")
    page = other.get(f"/c/{b}").text
    response = other.post(
        f"/c/{b}/statements/{saved.id}/language",
        data={"csrf_token": _csrf(page), "language": "fr"},
    )
    assert response.status_code == 404
    with process_env.session_factory() as session:  # the look-alike itself is untouched
        assert session.get(Statement, root).language == "fr"  # type: ignore[union-attr]


def test_a_new_statement_without_look_alikes_is_saved_with_its_detected_language(
    process_env: Any,
) -> None:
    _, a, _, _, _ = process_env.process
    client = process_env.client
    token = _csrf(client.get(f"/c/{a}").text)
    text = "Die Sanktionen gegen die Zivilwirtschaft sollten aufgehoben werden. " + SCRIPT
    response = client.post(
        f"/c/{a}/statements",
        data={"csrf_token": token, "text": text},
        headers={"HX-Request": "true"},
    )
    assert SCRIPT not in response.text
    with process_env.session_factory() as session:
        saved = session.scalars(select(Statement).where(Statement.text == text)).one()
        assert (saved.language, saved.language_source) == ("de", "detected")
    assert f"/statements/{saved.id}/language" in response.text


def test_a_browser_that_joined_one_format_cannot_join_another(process_env: Any) -> None:
    _, a, b, _, _ = process_env.process
    client = process_env.client
    page = client.get(f"/c/{a}")
    assert page.status_code == 200
    assert client.get(f"/c/{b}").status_code == 200  # viewing joins nothing
    statement_id = re.search(r'name="statement_id" value="(\d+)"', page.text)
    assert statement_id is not None
    voted = client.post(
        f"/c/{a}/vote",
        data={"csrf_token": _csrf(page.text), "statement_id": statement_id.group(1), "vote": "1"},
        follow_redirects=False,
    )
    assert voted.status_code == 303  # the first vote joins the Astana format
    refused = client.get(f"/c/{b}")
    assert refused.status_code == 409
    assert "You are a member of the Astana already" in refused.text
    assert client.get(f"/c/{a}").status_code == 200  # their own format still works
    assert client.get(f"/c/{process_env.open_id}").status_code == 200  # and other conversations
