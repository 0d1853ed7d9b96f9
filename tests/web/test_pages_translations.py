"""Pages in the reader's language: translated statements marked, originals one click away,
participants offering translations, the agenda and its names in the interface language."""

from __future__ import annotations

import re
from typing import Any

import pytest

from parley.services import statements
from parley.services.access import change_visibility
from parley.services.process_texts import set_text_translation
from parley.services.processes import create_process, process_info
from parley.services.rules import ProcessSettings
from parley.services.sharing import share_statement
from parley.services.translation_store import add_translation, list_translations

SCRIPT = "<script>alert(1)</script>"
EN = "Humanitarian aid must reach everyone in need."
RU = "Гуманитарная помощь должна доходить до всех нуждающихся."


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


@pytest.fixture
def env(pages_env: Any) -> Any:
    """Two formats; an English statement shared into the second, translated into Russian."""
    sf = pages_env.session_factory
    pid = create_process(
        sf,
        facilitator_id=pages_env.facilitator_id,
        name="Talks",
        formats=["Astana", "Small"],
        settings=ProcessSettings(min_votes=1),
    )
    info = process_info(sf, pid)
    a, b = (f.conversation_id for f in info.formats)
    for cid in (a, b):  # readable by link here: these tests are about languages, not privacy
        change_visibility(sf, cid, "public")
    root = statements.add_statement(sf, b, EN, is_seed=True, language="en").id
    (copy,) = share_statement(sf, root)
    add_translation(sf, b, root, "ru", RU)
    set_text_translation(sf, pid, "format", info.formats[0].id, "ru", "Астанинская группа")
    set_text_translation(sf, pid, "name", 0, "ru", "Переговоры")
    pages_env.process = (pid, a, b, root, copy, info.observer_key)
    return pages_env


def test_a_member_reads_the_statement_in_the_interface_language(env: Any) -> None:
    _, a, _, _, copy, _ = env.process
    html = env.client.get(f"/c/{a}?lang=ru").text
    assert f'name="statement_id" value="{copy}"' in html
    assert RU in html and '<details class="original"' in html
    assert "Перевод (модератором)" in html and "Показать оригинал" in html
    assert EN in html  # the original, inside the <details>
    assert "Астанинская группа" in html  # the format's name in Russian
    assert "<h1>Переговоры: Астанинская группа</h1>" in html  # and the process's
    english = env.client.get(f"/c/{a}?lang=en").text
    assert EN in english and RU not in english and 'class="original"' not in english


def test_without_a_translation_the_original_is_shown_and_a_translation_offered(
    env: Any,
) -> None:
    _, a, _, root, copy, _ = env.process
    html = env.client.get(f"/c/{a}?lang=de").text
    assert EN in html and '<span class="lang-tag">en</span>' in html
    assert 'class="translate"' in html and "Noch nicht übersetzt" in html
    response = env.client.post(
        f"/c/{a}/statements/{copy}/translations",
        data={"csrf_token": _csrf(html), "language": "de", "text": f"Hilfe für alle {SCRIPT}"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].endswith("=shown")
    (offered,) = [t for t in list_translations(env.session_factory, a, copy) if t.language == "de"]
    assert offered.source == "participant" and offered.statement_id == root
    after = env.client.get(response.headers["location"] + "&lang=de").text
    assert "Danke: Ihre Übersetzung" in after
    assert SCRIPT not in after and "&lt;script&gt;" in after
    assert "Übersetzt (von einer teilnehmenden Person)" in after


def test_the_observer_agenda_in_russian(env: Any) -> None:
    _, _, _, _, _, key = env.process
    env.catch_up()
    html = env.client.get(f"/o/{key}?lang=ru").text
    assert "<h1>Переговоры</h1>" in html
    assert RU in html and '<details class="original"' in html and EN in html
    english = env.client.get(f"/o/{key}?lang=en").text
    assert "<h1>Talks</h1>" in english and RU not in english
    md = env.client.get(f"/o/{key}/agenda.md?lang=ru").text
    assert RU in md and "original [en]" in md


def test_my_votes_in_the_interface_language(env: Any) -> None:
    _, a, _, _, copy, _ = env.process
    html = env.client.get(f"/c/{a}?lang=ru").text
    env.client.post(
        f"/c/{a}/vote",
        data={"csrf_token": _csrf(html), "statement_id": copy, "vote": "1"},
        follow_redirects=False,
    )
    votes = env.client.get(f"/c/{a}/votes?lang=ru").text
    assert RU in votes and 'class="original"' in votes


def test_the_process_page_sets_translated_names_and_runs_no_machine_when_off(env: Any) -> None:
    pid, _, _, _, _, key = env.process
    env.log_in()
    page = env.client.get(f"/f/p/{pid}").text
    assert "Names and labels in other languages" in page and "Переговоры" in page
    assert 'value="item:' not in page  # items are labelled on the agenda page only
    assert f'<a href="/f/p/{pid}/agenda">Agenda items are labelled in each language' in page
    saved = env.client.post(
        f"/f/p/{pid}/texts",
        data={
            "csrf_token": _csrf(page),
            "what": "description:0",
            "language": "ru",
            "text": "Описание",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and "texts_saved" in saved.headers["location"]
    env.catch_up()
    assert "Описание" in env.client.get(f"/o/{key}?lang=ru").text
    bad = env.client.post(
        f"/f/p/{pid}/texts",
        data={"csrf_token": _csrf(page), "what": "format", "language": "ru", "text": "x"},
    )
    assert bad.status_code == 400
    item = env.client.post(
        f"/f/p/{pid}/texts",
        data={"csrf_token": _csrf(page), "what": "item:1", "language": "ru", "text": "x"},
    )
    assert item.status_code == 400 and "renaming it" in item.text
    run = env.client.post(
        f"/f/p/{pid}/machine-translations",
        data={"csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert run.status_code == 303 and "machine_failed" in run.headers["location"]
    after = env.client.get(run.headers["location"].split("#")[0] + "&lang=en").text
    assert "Machine translation stopped" in after


def test_look_alikes_in_two_languages_are_offered_as_a_link(env: Any) -> None:
    pid, a, b, _, _, _ = env.process
    sf = env.session_factory
    statements.add_statement(sf, a, RU, is_seed=True, language="ru")
    # matching centres vectors per language: each language needs more than one statement
    statements.add_statement(
        sf, b, "Elections must be held within two years.", is_seed=True, language="en"
    )
    statements.add_statement(
        sf, a, "Выборы должны пройти в течение двух лет.", is_seed=True, language="ru"
    )
    env.log_in()
    html = env.client.get(f"/f/p/{pid}/statements").text
    assert "Link as translation" in html and "Nothing is linked automatically" in html


def test_a_translation_offered_in_a_strict_format_waits_for_the_moderator(env: Any) -> None:
    sf = env.session_factory
    strict = env.strict_id
    sid = statements.add_statement(sf, strict, EN, is_seed=True, language="en").id
    visitor = env.client
    visitor.cookies.clear()
    html = visitor.get(f"/c/{strict}?lang=ru").text
    response = visitor.post(
        f"/c/{strict}/statements/{sid}/translations",
        data={"csrf_token": _csrf(html), "language": "ru", "text": RU},
        follow_redirects=False,
    )
    assert response.headers["location"].endswith("translated=held")
    assert RU not in visitor.get(f"/c/{strict}/votes?lang=ru").text
    visitor.cookies.clear()
    env.log_in()
    queue = visitor.get(f"/f/c/{strict}/moderation?lang=en").text
    assert "Translations offered by participants" in queue and RU in queue
    (offered,) = list_translations(sf, strict, sid, everything=True)
    accepted = visitor.post(
        f"/f/c/{strict}/translations/{offered.id}",
        data={"csrf_token": _csrf(queue), "to_state": "1"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    (shown,) = list_translations(sf, strict, sid)
    assert shown.is_shown and shown.text == RU
    assert RU not in visitor.get(f"/f/c/{strict}/moderation?lang=en").text


def test_a_look_alike_in_another_language_takes_the_draft_as_its_translation(env: Any) -> None:
    _, a, _, root, copy, _ = env.process
    client = env.client
    token = _csrf(client.get(f"/c/{a}?lang=de").text)
    draft = "Humanitäre Hilfe muss alle Bedürftigen erreichen."
    check = client.post(
        f"/c/{a}/statements",
        data={"csrf_token": token, "text": draft},
        headers={"HX-Request": "true"},
    ).text
    assert f'action="/c/{a}/statements/{copy}/translations"' in check
    assert "meinen Text als Übersetzung vorschlagen" in check
    offered = client.post(
        f"/c/{a}/statements/{copy}/translations",
        data={"csrf_token": token, "language": "de", "text": draft},
        follow_redirects=False,
    )
    assert offered.status_code == 303
    (german,) = [t for t in list_translations(env.session_factory, a, copy) if t.language == "de"]
    assert (german.text, german.statement_id, german.source) == (draft, root, "participant")
