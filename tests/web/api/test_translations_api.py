"""API: statement translations (who adds them, moderation, reading in a language), merges
across languages, the agenda in a reader's language, process texts, machine translation."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from parley.services.translation_store import store_machine_translation

V1 = "/api/v1"
FORMATS = ["Astana group", "Small Group"]
AID_EN = "Humanitarian aid must reach everyone in need."
AID_RU = "Гуманитарная помощь должна доходить до всех нуждающихся."


def create_process(api: Any, **body: Any) -> dict[str, Any]:
    """A process with two formats, min_votes 1."""
    response = api.client.post(
        f"{V1}/processes",
        json={"name": "Syria", "formats": FORMATS, "min_votes": 1, **body},
        headers=api.auth(api.key),
    )
    assert response.status_code == 201, response.text
    process: dict[str, Any] = response.json()
    return process


def seed(api: Any, conversation_id: int, text: str, language: str) -> int:
    """A facilitator's statement in a given language."""
    response = api.client.post(
        f"{V1}/conversations/{conversation_id}/statements",
        json={"text": text, "language": language},
        headers=api.auth(api.key),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def translations_path(conversation_id: int, statement_id: int) -> str:
    return f"{V1}/conversations/{conversation_id}/statements/{statement_id}/translations"


def translate(
    api: Any,
    conversation_id: int,
    statement_id: int,
    language: str,
    text: str,
    token: str | None = None,
) -> Any:
    return api.client.post(
        translations_path(conversation_id, statement_id),
        json={"language": language, "text": text},
        headers=api.auth(token or api.key),
    )


def test_a_facilitator_translation_is_shown_at_once_in_the_readers_language(api: Any) -> None:
    a = api.create_conversation()
    sid = seed(api, a, AID_EN, "en")
    added = translate(api, a, sid, "ru", AID_RU)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["language"] == "ru" and body["text"] == AID_RU
    assert body["source"] == "facilitator" and body["is_shown"] and body["statement_id"] == sid
    listed = api.client.get(translations_path(a, sid), headers=api.auth(api.key)).json()
    assert [(t["language"], t["source"]) for t in listed] == [("ru", "facilitator")]

    (ru,) = api.client.get(
        f"{V1}/conversations/{a}/statements?lang=ru", headers=api.auth(api.key)
    ).json()
    assert (ru["text"], ru["language"], ru["is_translation"]) == (AID_RU, "ru", True)
    assert (ru["original_text"], ru["original_language"]) == (AID_EN, "en")
    assert ru["translation_source"] == "facilitator"
    (by_header,) = api.client.get(
        f"{V1}/conversations/{a}/statements", headers={"Accept-Language": "ru-RU,ru;q=0.9"}
    ).json()
    assert by_header["text"] == AID_RU
    (fr,) = api.client.get(
        f"{V1}/conversations/{a}/statements?lang=fr", headers=api.auth(api.key)
    ).json()
    assert (fr["text"], fr["language"], fr["is_translation"]) == (AID_EN, "en", False)
    assert fr["original_text"] == AID_EN

    _, token = api.join(a)
    drawn = api.client.get(
        f"{V1}/conversations/{a}/statements/next?lang=ru-RU", headers=api.auth(token)
    ).json()
    assert drawn["id"] == sid and drawn["text"] == AID_RU  # the base language matches
    vote = api.vote(a, token, sid, 1)
    assert vote.status_code == 200 and vote.json()["statement_id"] == sid


def test_participants_translations_follow_the_formats_moderation_mode(api: Any) -> None:
    strict = api.create_conversation(moderation_mode="strict")
    open_ = api.create_conversation()
    held = seed(api, strict, AID_EN, "en")
    shown = seed(api, open_, AID_EN + " Now.", "en")
    _, strict_token = api.join(strict)
    _, open_token = api.join(open_)

    waiting = translate(api, strict, held, "ru", AID_RU, strict_token)
    assert waiting.status_code == 201, waiting.text
    assert waiting.json()["source"] == "participant"
    assert waiting.json()["moderation_state"] == 0 and not waiting.json()["is_shown"]
    assert api.client.get(translations_path(strict, held)).json() == []  # a public reader
    everything = api.client.get(translations_path(strict, held), headers=api.auth(api.key))
    assert [t["id"] for t in everything.json()] == [waiting.json()["id"]]
    (still,) = api.client.get(
        f"{V1}/conversations/{strict}/statements?lang=ru", headers=api.auth(api.key)
    ).json()
    assert still["text"] == AID_EN

    tid = waiting.json()["id"]
    accepted = api.client.patch(
        f"{translations_path(strict, held)}/{tid}",
        json={"moderation_state": 1},
        headers=api.auth(api.key),
    )
    assert accepted.status_code == 200 and accepted.json()["is_shown"]
    (now,) = api.client.get(
        f"{V1}/conversations/{strict}/statements?lang=ru", headers=api.auth(api.key)
    ).json()
    assert now["text"] == AID_RU and now["translation_source"] == "participant"

    at_once = translate(api, open_, shown, "de", "Hilfe muss alle erreichen.", open_token)
    assert at_once.status_code == 201 and at_once.json()["is_shown"]

    edited = api.client.patch(
        f"{translations_path(strict, held)}/{tid}",
        json={"text": "Помощь должна доходить до всех."},
        headers=api.auth(api.key),
    )
    assert edited.json()["text"] == "Помощь должна доходить до всех."
    participant_edit = api.client.patch(
        f"{translations_path(strict, held)}/{tid}",
        json={"text": "x"},
        headers=api.auth(strict_token),
    )
    assert participant_edit.status_code in (401, 403)
    removed = api.client.delete(
        f"{translations_path(strict, held)}/{tid}", headers=api.auth(api.key)
    )
    assert removed.status_code == 204
    assert api.client.get(translations_path(strict, held)).json() == []  # a public reader


def test_bad_translations_are_refused_with_a_clear_error(sqlite_api: Any) -> None:
    api = sqlite_api
    a = api.create_conversation()
    b = api.create_conversation()
    sid = seed(api, a, AID_EN, "en")
    same = translate(api, a, sid, "en-GB", "Aid must reach everyone.")
    assert same.status_code == 400 and "written in en already" in same.json()["detail"]
    bad_tag = translate(api, a, sid, "not a tag", "x")
    assert bad_tag.status_code == 422
    missing = translate(api, a, 999_999, "ru", AID_RU)
    assert missing.status_code == 404
    elsewhere = translate(api, b, sid, "ru", AID_RU)
    assert elsewhere.status_code == 404
    assert translate(api, a, sid, "ru", AID_RU).status_code == 201
    assert translate(api, a, sid, "ru", AID_RU).status_code == 409  # the same text again
    better = translate(api, a, sid, "ru", "Помощь должна доходить до всех.")
    assert better.status_code == 201  # a facilitator's new text replaces their old one
    (only,) = api.client.get(translations_path(a, sid), headers=api.auth(api.key)).json()
    assert only["text"] == "Помощь должна доходить до всех." and only["id"] == better.json()["id"]
    _, token = api.join(a)
    repeat = translate(api, a, sid, "ru", "Помощь должна доходить до всех.", token)
    assert repeat.status_code == 409
    _, stranger = api.join(b)
    assert translate(api, a, sid, "de", "Hilfe.", stranger).status_code == 401


def test_a_translation_applies_to_every_copy_and_votes_stay_with_the_statement(
    sqlite_api: Any,
) -> None:
    api = sqlite_api
    process = create_process(api, languages=["en", "ru"])
    pid = process["id"]
    a, b = (int(f["conversation_id"]) for f in process["formats"])
    sid = seed(api, a, AID_EN, "en")
    (copy,) = api.client.post(
        f"{V1}/processes/{pid}/share", json={"statement_id": sid}, headers=api.auth(api.key)
    ).json()["created"]
    assert translate(api, b, copy, "ru", AID_RU).status_code == 201  # added through the copy
    (in_b,) = api.client.get(
        f"{V1}/conversations/{b}/statements?lang=ru", headers=api.auth(api.key)
    ).json()
    (in_a,) = api.client.get(
        f"{V1}/conversations/{a}/statements?lang=ru", headers=api.auth(api.key)
    ).json()
    assert in_a["text"] == in_b["text"] == AID_RU
    assert [
        t["statement_id"]
        for t in api.client.get(translations_path(a, sid), headers=api.auth(api.key)).json()
    ] == [sid]
    _, token_b = api.join(b)
    assert api.vote(b, token_b, copy, -1).status_code == 200
    api.catch_up()
    agenda = api.client.get(
        f"{V1}/processes/{pid}/agenda?lang=ru", headers=api.auth(api.key)
    ).json()
    (item,) = agenda["items"]
    (entry,) = item["statements"]
    assert entry["id"] == sid and "Small Group" in entry["withheld"]  # one voter: withheld
    assert (entry["text"], entry["language"], entry["is_translation"]) == (AID_RU, "ru", True)
    assert (entry["original_text"], entry["original_language"]) == (AID_EN, "en")


def test_merging_statements_in_two_languages_links_them_as_translations(api: Any) -> None:
    process = create_process(api, languages=["en", "ru"])
    pid = process["id"]
    a, b = (int(f["conversation_id"]) for f in process["formats"])
    keep = seed(api, a, AID_EN, "en")
    drop = seed(api, b, AID_RU, "ru")
    merged = api.client.post(
        f"{V1}/processes/{pid}/merge",
        json={"keep_id": keep, "drop_id": drop},
        headers=api.auth(api.key),
    )
    assert merged.status_code == 200, merged.text
    (linked,) = api.client.get(translations_path(a, keep), headers=api.auth(api.key)).json()
    assert (linked["language"], linked["text"], linked["source"]) == ("ru", AID_RU, "linked")
    (en_in_a,) = api.client.get(
        f"{V1}/conversations/{a}/statements?lang=ru", headers=api.auth(api.key)
    ).json()
    assert en_in_a["text"] == AID_RU and en_in_a["original_text"] == AID_EN
    (ru_in_b,) = api.client.get(
        f"{V1}/conversations/{b}/statements?lang=en", headers=api.auth(api.key)
    ).json()
    assert ru_in_b["id"] == drop and ru_in_b["text"] == AID_EN  # the kept text reads back
    assert ru_in_b["original_text"] == AID_RU


def test_the_agenda_and_its_labels_in_the_readers_language(sqlite_api: Any) -> None:
    api = sqlite_api
    process = create_process(api, languages=["en", "ru"], description="Talks")
    pid = process["id"]
    a, _ = (int(f["conversation_id"]) for f in process["formats"])
    small = process["formats"][1]["id"]
    sid = seed(api, a, AID_EN, "en")
    translate(api, a, sid, "ru", AID_RU)
    api.catch_up()
    texts = f"{V1}/processes/{pid}/texts"
    for body in (
        {"kind": "name", "language": "ru", "text": "Сирия"},
        {"kind": "description", "language": "ru", "text": "Переговоры"},
        {"kind": "format", "ref_id": small, "language": "ru", "text": "Малая группа"},
    ):
        stored = api.client.put(texts, json=body, headers=api.auth(api.key))
        assert stored.status_code == 200, stored.text
    item_label = {"kind": "item", "ref_id": 1, "language": "ru", "text": "Помощь"}
    refused = api.client.put(texts, json=item_label, headers=api.auth(api.key))
    assert refused.status_code == 422  # renamed instead: tests/web/api/test_item_labels_api.py
    listed = api.client.get(texts, headers=api.auth(api.key)).json()
    assert {"kind": "name", "ref_id": 0, "language": "ru", "text": "Сирия"} in listed
    wrong = api.client.put(
        texts,
        json={"kind": "format", "ref_id": 999, "language": "ru", "text": "x"},
        headers=api.auth(api.key),
    )
    assert wrong.status_code == 404

    ru = api.client.get(f"{V1}/processes/{pid}/agenda?lang=ru", headers=api.auth(api.key)).json()
    assert ru["process"]["name"] == "Сирия" and ru["process"]["description"] == "Переговоры"
    assert [f["label"] for f in ru["formats"]] == ["Astana group", "Малая группа"]
    assert [f["name"] for f in ru["formats"]] == FORMATS  # names stay the keys
    (ru_item,) = ru["items"]
    assert ru_item["statements"][0]["text"] == AID_RU
    en = api.client.get(f"{V1}/processes/{pid}/agenda?lang=en", headers=api.auth(api.key)).json()
    assert en["process"]["name"] == "Syria" and en["items"][0]["statements"][0]["text"] == AID_EN
    md = api.client.get(f"{V1}/processes/{pid}/agenda.md?lang=ru", headers=api.auth(api.key))
    assert AID_RU in md.text and "original [en]" in md.text
    csv = api.client.get(f"{V1}/processes/{pid}/agenda.csv?lang=ru", headers=api.auth(api.key))
    assert AID_RU in csv.text
    observed = api.client.get(
        f"{V1}/observe/{process['observer_key']}/agenda?lang=ru", headers=api.auth(api.key)
    ).json()
    assert observed["items"][0]["statements"][0]["text"] == AID_RU


def test_a_human_translation_replaces_the_machine_one(sqlite_api: Any) -> None:
    api = sqlite_api
    a = api.create_conversation()
    sid = seed(api, a, AID_EN, "en")
    assert store_machine_translation(api.session_factory, sid, "ru", "машинный перевод")
    assert not store_machine_translation(api.session_factory, sid, "ru", "ещё один")  # once
    (machine,) = api.client.get(translations_path(a, sid), headers=api.auth(api.key)).json()
    assert machine["source"] == "machine"
    (read,) = api.client.get(
        f"{V1}/conversations/{a}/statements?lang=ru", headers=api.auth(api.key)
    ).json()
    assert read["translation_source"] == "machine"
    assert translate(api, a, sid, "ru", AID_RU).status_code == 201
    (human,) = api.client.get(translations_path(a, sid), headers=api.auth(api.key)).json()
    assert (human["source"], human["text"]) == ("facilitator", AID_RU)
    assert not store_machine_translation(api.session_factory, sid, "ru", "снова")


class _StandIn(BaseHTTPRequestHandler):
    """A stand-in for LibreTranslate's documented POST /translate."""

    calls: list[dict[str, Any]] = []  # noqa: RUF012 (shared by the test)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append(body)
        if self.path != "/translate" or body.get("api_key") != "k":
            self.send_response(403)
            self.end_headers()
            return
        answer = json.dumps({"translatedText": f"[{body['target']}] {body['q']}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[str]:
    """A LibreTranslate stand-in on 127.0.0.1, a free port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _StandIn.calls = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_machine_translation_through_a_libretranslate_service(make_api: Any, stand_in: str) -> None:
    api = make_api(translator="libretranslate", translator_url=stand_in, translator_api_key="k")
    process = create_process(api, languages=["en", "ru"])
    pid = process["id"]
    a, _ = (int(f["conversation_id"]) for f in process["formats"])
    sid = seed(api, a, AID_EN, "en")
    run = api.client.post(
        f"{V1}/processes/{pid}/machine-translations", json={}, headers=api.auth(api.key)
    )
    assert run.status_code == 200, run.text
    assert run.json() == {"n_translated": 1, "n_failed": 0, "error": None}
    (call,) = _StandIn.calls
    assert call == {"q": AID_EN, "source": "en", "target": "ru", "format": "text", "api_key": "k"}
    (machine,) = api.client.get(translations_path(a, sid), headers=api.auth(api.key)).json()
    assert (machine["source"], machine["text"]) == ("machine", f"[ru] {AID_EN}")
    again = api.client.post(
        f"{V1}/processes/{pid}/machine-translations", json={}, headers=api.auth(api.key)
    )
    assert again.json()["n_translated"] == 0 and len(_StandIn.calls) == 1  # stored once


def test_a_translation_service_that_is_down_is_reported_not_a_5xx(make_api: Any) -> None:
    down = f"http://127.0.0.1:{_free_port()}"
    api = make_api(translator="libretranslate", translator_url=down, translator_timeout=1)
    process = create_process(api, languages=["en", "ru"])
    a, _ = (int(f["conversation_id"]) for f in process["formats"])
    seed(api, a, AID_EN, "en")
    run = api.client.post(
        f"{V1}/processes/{process['id']}/machine-translations",
        json={"languages": ["de"]},
        headers=api.auth(api.key),
    )
    assert run.status_code == 200
    assert run.json()["n_failed"] == 1 and "translation service failed" in run.json()["error"]


def test_machine_translation_is_off_by_default(sqlite_api: Any) -> None:
    off = sqlite_api
    p2 = create_process(off)
    run_off = off.client.post(
        f"{V1}/processes/{p2['id']}/machine-translations", json={}, headers=off.auth(off.key)
    )
    assert run_off.status_code == 200 and "off" in run_off.json()["error"]


def test_look_alikes_come_in_the_readers_language(api: Any) -> None:
    cid = api.create_conversation(topic="Talks", languages=["en", "fr"])
    fr_text = "Les réfugiés doivent pouvoir rentrer chez eux en sécurité."
    en_text = "Refugees must be able to go back home in safety."
    root = seed(api, cid, fr_text, "fr")
    assert translate(api, cid, root, "en", en_text).status_code == 201
    _, token = api.join(cid)
    path = f"{V1}/conversations/{cid}/statements/similar"
    draft = {"text": "Refugees must be able to return home safely."}
    response = api.client.post(f"{path}?lang=en", json=draft, headers=api.auth(token))
    assert response.status_code == 200, response.text
    (found,) = response.json()["similar"]
    assert (found["statement_id"], found["text"], found["language"]) == (root, en_text, "en")
    assert found["is_translation"] and found["translation_source"] == "facilitator"
    assert (found["original_text"], found["original_language"]) == (fr_text, "fr")
    by_header = api.client.post(
        path, json=draft, headers={**api.auth(token), "Accept-Language": "en-GB"}
    ).json()["similar"]
    assert by_header[0]["text"] == en_text
    (plain,) = api.client.post(path, json=draft, headers=api.auth(token)).json()["similar"]
    assert (plain["text"], plain["language"], plain["is_translation"]) == (fr_text, "fr", False)
    assert plain["original_text"] == fr_text
