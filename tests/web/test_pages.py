"""Participation pages without a browser: render, vote, change a vote, add a statement."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _statement_id(html: str) -> int:
    found = re.search(r'name="statement_id" value="(\d+)"', html)
    assert found, "no statement on the card"
    return int(found.group(1))


def test_start_and_static_files_render(pages_env: Any) -> None:
    client = pages_env.client
    assert client.get("/").status_code == 200
    for path, kind in [
        ("/static/parley.css", "text/css"),
        ("/static/parley.js", "javascript"),
        ("/static/htmx.min.js", "javascript"),
        ("/assets/plotly.min.js", "javascript"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], path


def test_participant_page_joins_and_shows_a_statement(pages_env: Any) -> None:
    client = pages_env.client
    response = client.get(f"/c/{pages_env.open_id}")
    assert response.status_code == 200
    html = response.text
    assert "Open &lt;i&gt;park&lt;/i&gt; talk" in html  # the topic is escaped too
    assert _statement_id(html) in pages_env.seed_ids
    assert "You have voted on 0 of 3 statements" in html
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "parley_csrf=" in response.headers["set-cookie"]  # a visitor: no stored session
    # the same browser is the same participant: the same statement is offered again
    assert _statement_id(client.get(f"/c/{pages_env.open_id}").text) == _statement_id(html)


def test_unknown_conversation_is_a_404_page(pages_env: Any) -> None:
    response = pages_env.client.get("/c/999999", headers={"accept-language": "de"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Das gibt es nicht mehr, oder der Link stimmt nicht." in main
    assert "999999" not in main  # no internal ids


def test_votes_with_htmx_swap_in_the_next_statement_and_the_progress(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    page = client.get(f"/c/{cid}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    seen = []
    for n in range(1, 4):
        sid = _statement_id(page)
        seen.append(sid)
        response = client.post(
            f"/c/{cid}/vote",
            data={"statement_id": sid, "vote": ["1", "-1", "0"][n - 1]},
            headers={"HX-Request": "true", "X-CSRF-Token": token.group(1)},
        )
        assert response.status_code == 200
        page = response.text
        assert page.lstrip().startswith('<div id="card"')
        assert 'hx-swap-oob="true"' in page
        assert f"You have voted on {n} of 3 statements" in page
    assert sorted(seen) == sorted(pages_env.seed_ids)
    assert "You have voted on every statement for now" in page
    assert SCRIPT not in page


def test_vote_without_javascript_redirects_back(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    page = client.get(f"/c/{cid}").text
    data = {
        "statement_id": _statement_id(page),
        "vote": "1",
        "csrf_token": re.findall(r'name="csrf_token" value="([^"]+)"', page)[0],
    }
    response = client.post(f"/c/{cid}/vote", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/c/{cid}"
    assert "You have voted on 1 of 3" in client.get(f"/c/{cid}").text


@pytest.mark.parametrize(
    ("headers", "data"),
    [
        ({}, {}),
        ({"X-CSRF-Token": "forged"}, {}),
        ({}, {"csrf_token": "forged"}),
    ],
)
def test_posts_without_the_csrf_token_are_refused(
    pages_env: Any, headers: dict[str, str], data: dict[str, str]
) -> None:
    client, cid = pages_env.client, pages_env.open_id
    sid = _statement_id(client.get(f"/c/{cid}").text)
    response = client.post(
        f"/c/{cid}/vote", data={"statement_id": sid, "vote": "1", **data}, headers=headers
    )
    assert response.status_code == 403
    assert "The form had expired" in response.text
    response = client.post(f"/c/{cid}/statements", data={"text": "forged", **data})
    assert response.status_code == 403
    assert "You have voted on 0 of 3" in client.get(f"/c/{cid}").text


def test_a_bad_vote_value_is_refused(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    page = client.get(f"/c/{cid}").text
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page)[0]
    response = client.post(
        f"/c/{cid}/vote",
        data={"statement_id": _statement_id(page), "vote": "2", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "That vote could not be recorded." in response.text


def test_statement_text_is_always_escaped(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    token = pages_env.csrf(f"/c/{cid}")
    for _ in range(3):  # vote until the script statement was shown and is in "your votes"
        page = client.get(f"/c/{cid}").text
        assert SCRIPT not in page
        sid = _statement_id(page)
        client.post(f"/c/{cid}/vote", data={"statement_id": sid, "vote": "0", "csrf_token": token})
    votes = client.get(f"/c/{cid}/votes").text
    assert ESCAPED in votes
    assert SCRIPT not in votes


def test_changing_a_vote_on_the_votes_page(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    page = client.get(f"/c/{cid}").text
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page)[0]
    sid = _statement_id(page)
    client.post(f"/c/{cid}/vote", data={"statement_id": sid, "vote": "1", "csrf_token": token})
    votes = client.get(f"/c/{cid}/votes").text
    item = votes[votes.index(f'id="vote-{sid}"') :]
    assert re.search(r'value="1" class="agree"\s+aria-pressed="true"', item)
    response = client.post(
        f"/c/{cid}/vote",
        data={"statement_id": sid, "vote": "-1", "back": "votes", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/c/{cid}/votes#vote-{sid}"
    votes = client.get(f"/c/{cid}/votes").text
    item = votes[votes.index(f'id="vote-{sid}"') :]
    assert re.search(r'value="-1" class="disagree"\s+aria-pressed="true"', item)
    assert "You have voted on 1 of 3" in votes


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("strict_id", "once a moderator has accepted it"),
        ("open_id", "has been added and others can now vote on it"),
    ],
)
def test_adding_a_statement_says_whether_it_waits(
    pages_env: Any, which: str, expected: str
) -> None:
    client, cid = pages_env.client, getattr(pages_env, which)
    token = pages_env.csrf(f"/c/{cid}")
    response = client.post(
        f"/c/{cid}/statements",
        data={"text": "  A new idea <em>here</em>  "},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert expected in response.text
    response = client.post(
        f"/c/{cid}/statements",
        data={"text": "Another one", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert expected in client.get(response.headers["location"]).text


def test_adding_an_empty_duplicate_or_long_statement_explains_why(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    headers = {"HX-Request": "true", "X-CSRF-Token": pages_env.csrf(f"/c/{cid}")}
    for text, message in [
        ("   ", "Please write a statement first."),
        ("Parks need more trees", "the same statement written before"),
        ("x" * 1001, "at most 1,000 characters"),
    ]:
        response = client.post(f"/c/{cid}/statements", data={"text": text}, headers=headers)
        assert message in response.text
        if "same statement" in message:  # not "statement 12 says exactly this already"
            assert not re.search(r"\d", response.text)


@pytest.mark.parametrize(
    ("header", "text", "lang"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "Zustimmen", "de"),
        ("fr-CH, fr;q=0.9", "D’accord", "fr"),  # noqa: RUF001
        ("ru", "Не согласен", "ru"),  # noqa: RUF001
        ("ja, ko;q=0.5", "Agree", "en"),
        ("ja, zh;q=0.5", "同意", "zh"),
    ],
)
def test_language_follows_accept_language(
    pages_env: Any, header: str, text: str, lang: str
) -> None:
    html = pages_env.client.get(f"/c/{pages_env.open_id}", headers={"accept-language": header}).text
    assert f'<html lang="{lang}">' in html
    assert text in html


def test_language_switch_is_remembered_in_a_cookie(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    response = client.get(f"/c/{cid}?lang=de", headers={"accept-language": "fr"})
    assert "Zustimmen" in response.text
    assert "parley_lang=de" in response.headers["set-cookie"]
    again = client.get(f"/c/{cid}", headers={"accept-language": "fr"}).text
    assert '<html lang="de">' in again
    assert client.get(f"/c/{cid}?lang=ru").text.count('lang="ru"') >= 2


def test_templates_never_mark_text_safe_and_pages_use_no_cdn() -> None:
    web = resources.files("parley.web")
    for folder in ("templates", "templates/pages"):
        for item in web.joinpath(folder).iterdir():
            if item.name.endswith(".html"):
                text = item.read_text("utf-8")
                assert "|safe" not in text.replace(" ", ""), item.name
                assert not re.search(r"(src|href)=\"(https?:)?//", text), item.name
    for name in ("parley.css", "parley.js"):
        assert "//cdn" not in web.joinpath("static", name).read_text("utf-8")


def test_the_api_docs_load_only_this_sites_files(pages_env: Any) -> None:
    page = pages_env.client.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/swagger/") for s in sources)
    assert "<script>" not in page.text  # no inline script: the CSP allows 'self' only
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "http" not in policy
    for path in sources:
        assert pages_env.client.get(path).status_code == 200
    assert 'data-openapi="/openapi.json"' in page.text
