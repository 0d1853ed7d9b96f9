"""API: processes, their formats, shared and merged statements, the joint agenda, observers."""

from __future__ import annotations

import time
from typing import Any

import pytest

V1 = "/api/v1"
PROBLEM = "application/problem+json"
FORMATS = ["Astana group", "Small Group"]


def create_process(api: Any, **body: Any) -> dict[str, Any]:
    """Create a process with two formats as the facilitator; return it."""
    response = api.client.post(
        f"{V1}/processes",
        json={"name": "Syria", "formats": FORMATS, "min_votes": 1, **body},
        headers=api.auth(api.key),
    )
    assert response.status_code == 201, response.text
    process: dict[str, Any] = response.json()
    return process


def conversations(process: dict[str, Any]) -> list[int]:
    """The conversation ids of a process's formats, in order."""
    return [int(f["conversation_id"]) for f in process["formats"]]


def voted(api: Any, conversation_id: int, token: str, statement_id: int, vote: int) -> None:
    """Vote and check that the vote was recorded."""
    response = api.vote(conversation_id, token, statement_id, vote)
    assert response.status_code == 200, response.text


def test_formats_vote_on_a_shared_statement_and_the_agenda_counts_both(api: Any) -> None:
    process = create_process(api, description="Talks", languages=["en", "ru"])
    pid = process["id"]
    assert [f["name"] for f in process["formats"]] == FORMATS
    a, b = conversations(process)
    urls = [f["join_url"] for f in process["formats"]]
    assert [u.partition("?key=")[0] for u in urls] == [f"/c/{a}", f"/c/{b}"]
    assert all(len(u.partition("?key=")[2]) >= 32 for u in urls)  # unguessable
    assert process["min_votes"] == 1 and process["auto_share"] is None
    assert process["observer_key"]
    (_, token_a), (_, token_b) = api.join(a), api.join(b)
    statement = api.seed(a, "Humanitarian aid must reach every region.")
    voted(api, a, token_a, statement, 1)

    shared = api.client.post(
        f"{V1}/processes/{pid}/share", json={"statement_id": statement}, headers=api.auth(api.key)
    )
    assert shared.status_code == 200, shared.text
    (copy,) = shared.json()["created"]
    voted(api, b, token_b, copy, 1)
    again = api.client.post(
        f"{V1}/processes/{pid}/share", json={"statement_id": copy}, headers=api.auth(api.key)
    )
    assert again.json() == {"created": [], "share_id": None}  # every format has it

    api.catch_up()
    agenda = api.client.get(f"{V1}/processes/{pid}/agenda", headers=api.auth(api.key)).json()
    assert agenda["process"] == {
        "id": pid,
        "name": "Syria",
        "description": "Talks",
        "min_votes": 3,  # the process's 1, raised to the minimum group size
        "n_participants": 2,
        "min_group_size": 3,
    }
    assert agenda["formats"] == [
        {"name": name, "n_members": 1, "n_statements": 1, "label": name} for name in FORMATS
    ]
    (item,) = agenda["items"]
    (entry,) = item["statements"]
    assert entry["id"] == statement and entry["format"] == "Astana group"
    # one vote in each format: fewer than the minimum group size (3), so not shown, and
    # neither are the scores built from them nor a kind ("common") that would tell them
    assert entry["kind"] == "waiting" and entry["waiting_for"] == list(FORMATS)
    assert entry["withheld"] == list(FORMATS)
    assert entry["common_ground"] is None and entry["bridging"] is None
    assert entry["by_format"] == {name: {"agree": 0, "disagree": 0, "pass": 0} for name in FORMATS}
    read = api.client.get(f"{V1}/processes/{pid}", headers=api.auth(api.key)).json()
    assert [(f["n_members"], f["n_statements"]) for f in read["formats"]] == [(1, 1), (1, 1)]
    listed = api.client.get(f"{V1}/processes", headers=api.auth(api.key)).json()
    assert [p["id"] for p in listed] == [pid]
    api.catch_up()
    observed = api.client.get(f"{V1}/observe/{process['observer_key']}/agenda")
    assert observed.status_code == 200
    assert observed.json() == agenda


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/processes"),
        ("POST", "/processes"),
        ("GET", "/processes/{pid}"),
        ("POST", "/processes/{pid}/formats"),
        ("PUT", "/processes/{pid}/settings"),
        ("POST", "/processes/{pid}/share"),
        ("POST", "/processes/{pid}/auto-share"),
        ("POST", "/processes/{pid}/merge"),
        ("GET", "/processes/{pid}/agenda"),
        ("GET", "/processes/{pid}/agenda.csv"),
        ("GET", "/processes/{pid}/agenda.md"),
        ("GET", "/processes/{pid}/duplicates"),
        ("PUT", "/processes/{pid}/items/1"),
        ("POST", "/processes/{pid}/items/refresh"),
    ],
)
def test_managing_a_process_needs_an_api_key(sqlite_api: Any, method: str, path: str) -> None:
    pid = create_process(sqlite_api)["id"]
    response = sqlite_api.client.request(method, V1 + path.format(pid=pid), json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert "log in, or send the API key" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/processes/{pid}", None),
        ("GET", "/processes/{pid}/agenda", None),
        ("GET", "/processes/{pid}/agenda.csv", None),
        ("POST", "/processes/{pid}/formats", {"name": "Mine"}),
        ("PUT", "/processes/{pid}/settings", {"min_votes": 2, "auto_share": None}),
        ("POST", "/processes/{pid}/share", {"statement_id": "{sid}"}),
        ("POST", "/processes/{pid}/auto-share", None),
    ],
)
def test_another_facilitator_may_not_manage_it(
    sqlite_api: Any, other_key: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    process = create_process(sqlite_api)
    sid = sqlite_api.seed(conversations(process)[0], "Mine")
    if body is not None:
        body = {k: sid if v == "{sid}" else v for k, v in body.items()}
    response = sqlite_api.client.request(
        method,
        V1 + path.format(pid=process["id"]),
        json=body,
        headers=sqlite_api.auth(other_key),
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert f"process {process['id']} belongs to another facilitator" in response.json()["detail"]
    listed = sqlite_api.client.get(f"{V1}/processes", headers=sqlite_api.auth(other_key))
    assert listed.json() == []


def test_an_unknown_process_is_404(sqlite_api: Any) -> None:
    response = sqlite_api.client.get(f"{V1}/processes/999", headers=sqlite_api.auth(sqlite_api.key))
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "process 999 does not exist"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"formats": ["A"]}, "name", "Field required"),
        ({"name": "x"}, "formats", "Field required"),
        ({"name": "x", "formats": []}, "formats", "at least 1 item"),
        ({"name": "x", "formats": [""]}, "formats.0", "at least 1 character"),
        ({"name": "x", "formats": ["A"], "min_votes": 0}, "min_votes", "greater than or equal"),
        (
            {"name": "x", "formats": ["A"], "auto_share": {"min_agree": 1.5}},
            "auto_share.min_agree",
            "less than or equal to 1",
        ),
        (
            {"name": "x", "formats": ["A"], "moderation_mode": "lax"},
            "moderation_mode",
            "'open' or 'strict'",
        ),
        ({"name": "x", "formats": ["A"], "owner": 3}, "owner", "Extra inputs are not permitted"),
    ],
)
def test_invalid_process_bodies_are_422_naming_the_field(
    sqlite_api: Any, body: dict[str, Any], field: str, message: str
) -> None:
    response = sqlite_api.client.post(
        f"{V1}/processes", json=body, headers=sqlite_api.auth(sqlite_api.key)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["errors"][0]["field"] == field
    assert message in problem["errors"][0]["message"]


def test_values_the_service_refuses_are_400_naming_them(sqlite_api: Any) -> None:
    response = sqlite_api.client.post(
        f"{V1}/processes",
        json={"name": "x", "formats": ["A", " A "]},
        headers=sqlite_api.auth(sqlite_api.key),
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "format names ['A', 'A'] should differ" in response.json()["detail"]


def test_settings_and_auto_share(sqlite_api: Any) -> None:
    api = sqlite_api
    process = create_process(api)
    pid = process["id"]
    a, b = conversations(process)
    path = f"{V1}/processes/{pid}/settings"
    missing = api.client.put(path, json={"min_votes": 2}, headers=api.auth(api.key))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "auto_share"
    rule = {"min_votes": 1, "min_agree": 0.5}
    response = api.client.put(
        path, json={"min_votes": 3, "auto_share": rule}, headers=api.auth(api.key)
    )
    assert response.status_code == 200, response.text
    assert (response.json()["min_votes"], response.json()["auto_share"]) == (3, rule)

    statement = api.seed(a, "Refugees must be able to return home safely.")
    _, token = api.join(a)
    voted(api, a, token, statement, 1)
    shared = api.client.post(f"{V1}/processes/{pid}/auto-share", headers=api.auth(api.key))
    assert shared.status_code == 200
    (copy,) = shared.json()["created"]
    visible = api.client.get(f"{V1}/conversations/{b}/statements", headers=api.auth(api.key)).json()
    assert [s["id"] for s in visible] == [copy]

    off = api.client.put(path, json={"min_votes": 3, "auto_share": None}, headers=api.auth(api.key))
    assert off.json()["auto_share"] is None
    read = api.client.get(f"{V1}/processes/{pid}", headers=api.auth(api.key)).json()
    assert (read["min_votes"], read["auto_share"]) == (3, None)


def test_a_format_is_added_once(sqlite_api: Any) -> None:
    api = sqlite_api
    pid = create_process(api)["id"]
    path = f"{V1}/processes/{pid}/formats"
    response = api.client.post(
        path, json={"name": "Women's Advisory Board"}, headers=api.auth(api.key)
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["position"] == 2
    assert created["join_url"].startswith(f"/c/{created['conversation_id']}?key=")
    again = api.client.post(
        path, json={"name": "Women's Advisory Board"}, headers=api.auth(api.key)
    )
    assert again.status_code == 409
    assert 'has a format "Women\'s Advisory Board" already' in again.json()["detail"]
    read = api.client.get(f"{V1}/processes/{pid}", headers=api.auth(api.key)).json()
    assert [f["name"] for f in read["formats"]] == [*FORMATS, "Women's Advisory Board"]


def test_sharing_into_chosen_formats_and_what_is_not_in_the_process(sqlite_api: Any) -> None:
    api = sqlite_api
    process = create_process(api, formats=["A", "B", "C"])
    pid = process["id"]
    a, _, c = conversations(process)
    statement = api.seed(a, "Elections within two years.")
    share = f"{V1}/processes/{pid}/share"
    target = process["formats"][2]["id"]
    response = api.client.post(
        share, json={"statement_id": statement, "format_ids": [target]}, headers=api.auth(api.key)
    )
    (copy,) = response.json()["created"]
    assert [
        s["id"]
        for s in api.client.get(
            f"{V1}/conversations/{c}/statements", headers=api.auth(api.key)
        ).json()
    ] == [copy]

    elsewhere = api.seed(api.create_conversation(), "Not in the process")
    for body, detail in [
        ({"statement_id": elsewhere}, f"statement {elsewhere} is not in process {pid}"),
        ({"statement_id": 9999}, "statement 9999 does not exist"),
        ({"statement_id": statement, "format_ids": [9999]}, "format(s) [9999] are not in"),
    ]:
        response = api.client.post(share, json=body, headers=api.auth(api.key))
        assert response.status_code == 404, body
        assert response.headers["content-type"] == PROBLEM
        assert detail in response.json()["detail"]
    empty = api.client.post(
        share, json={"statement_id": statement, "format_ids": []}, headers=api.auth(api.key)
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "format_ids"


def test_merging_duplicates_in_one_format(sqlite_api: Any) -> None:
    api = sqlite_api
    process = create_process(api)
    pid = process["id"]
    a, _ = conversations(process)
    keep = api.seed(a, "A ceasefire across the whole country.")
    drop = api.seed(a, "A nationwide ceasefire.")
    _, token = api.join(a)
    voted(api, a, token, drop, 1)
    merge = f"{V1}/processes/{pid}/merge"
    response = api.client.post(
        merge, json={"keep_id": keep, "drop_id": drop}, headers=api.auth(api.key)
    )
    assert response.status_code == 200, response.text
    merge_id = response.json()["merge_id"]
    visible = api.client.get(f"{V1}/conversations/{a}/statements", headers=api.auth(api.key)).json()
    assert [s["id"] for s in visible] == [keep]
    actions = api.client.get(f"{V1}/processes/{pid}/actions", headers=api.auth(api.key)).json()
    assert [(x["kind"], x["statement_ids"]) for x in actions] == [("merge", [keep, drop])]
    assert actions[0]["undo_url"] == f"{V1}/processes/{pid}/merges/{merge_id}/undo"
    api.catch_up()
    agenda = api.client.get(f"{V1}/processes/{pid}/agenda", headers=api.auth(api.key)).json()
    (item,) = agenda["items"]
    (entry,) = item["statements"]
    assert entry["id"] == keep and entry["withheld"] == ["Astana group"]  # one vote: withheld

    again = api.client.post(
        merge, json={"keep_id": keep, "drop_id": drop}, headers=api.auth(api.key)
    )
    assert again.status_code == 409
    itself = api.client.post(
        merge, json={"keep_id": keep, "drop_id": keep}, headers=api.auth(api.key)
    )
    assert itself.status_code == 400 and "cannot be merged into itself" in itself.json()["detail"]
    elsewhere = api.seed(api.create_conversation(), "Elsewhere")
    outside = api.client.post(
        merge, json={"keep_id": keep, "drop_id": elsewhere}, headers=api.auth(api.key)
    )
    assert outside.status_code == 404
    assert f"statement {elsewhere} is not in process {pid}" in outside.json()["detail"]


def test_the_agenda_as_csv_and_markdown(sqlite_api: Any) -> None:
    api = sqlite_api
    process = create_process(api)
    pid = process["id"]
    a, _ = conversations(process)
    api.seed(a, "=SUM(A1) Local councils should run the schools.")
    api.catch_up()
    csv = api.client.get(f"{V1}/processes/{pid}/agenda.csv", headers=api.auth(api.key))
    assert csv.status_code == 200
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="process-{pid}-agenda.csv"' in csv.headers["content-disposition"]
    header, row = csv.text.splitlines()
    assert "Astana group agree" in header and "Small Group pass" in header
    assert "'=SUM(A1) Local councils" in row  # spreadsheet formulas defused
    api.catch_up()
    markdown = api.client.get(f"{V1}/processes/{pid}/agenda.md", headers=api.auth(api.key))
    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.text.startswith("# Joint agenda: Syria\n")


def test_observers_need_the_key_only(sqlite_api: Any) -> None:
    process = create_process(sqlite_api)
    sqlite_api.catch_up()
    observed = sqlite_api.client.get(f"{V1}/observe/{process['observer_key']}/agenda")
    assert observed.status_code == 200
    assert observed.json()["computed_at"]  # the worker's time
    assert observed.json() | {"computed_at": None} == {
        "computed_at": None,
        "process": {
            "id": process["id"],
            "name": "Syria",
            "description": "",
            "min_votes": 3,  # raised to the minimum group size
            "n_participants": 0,
            "min_group_size": 3,
        },
        "formats": [
            {"name": name, "n_members": 0, "n_statements": 0, "label": name} for name in FORMATS
        ],
        "items": [],
    }
    unknown = sqlite_api.client.get(f"{V1}/observe/not-a-key/agenda")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == PROBLEM
    assert "observer_key" not in observed.text


def test_agenda_items_labels_and_duplicates(sqlite_api: Any) -> None:
    """Uses the embedding model: clusters, relabels, and lists look-alikes across languages."""
    api = sqlite_api
    process = create_process(api)
    pid = process["id"]
    a, b = conversations(process)
    seeds_a = [
        api.seed(a, "Humanitarian aid must reach every region without obstruction."),
        api.seed(a, "All sanctions on the civilian economy should be lifted."),
    ]
    seeds_b = [
        api.seed(b, "L'aide humanitaire doit atteindre toutes les régions sans entrave."),
        api.seed(b, "Toutes les sanctions contre l'économie civile doivent être levées."),
    ]
    base = f"{V1}/processes/{pid}"
    refreshed = api.client.post(f"{base}/items/refresh", headers=api.auth(api.key))
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json() == {"n_items": 2}
    api.catch_up()
    agenda = api.client.get(f"{base}/agenda", headers=api.auth(api.key)).json()
    groups = sorted(sorted(s["id"] for s in item["statements"]) for item in agenda["items"])
    assert groups == sorted(sorted([seeds_a[k], seeds_b[k]]) for k in range(2))
    item = agenda["items"][0]["item"]
    assert item > 0
    renamed = api.client.put(
        f"{base}/items/{item}",
        json={"label": "  Humanitarian   access "},
        headers=api.auth(api.key),
    )
    assert renamed.status_code == 204
    forced = api.client.post(f"{base}/items/refresh?force=true", headers=api.auth(api.key))
    assert forced.json() == {"n_items": 2}
    api.catch_up()
    agenda = api.client.get(f"{base}/agenda", headers=api.auth(api.key)).json()
    assert "Humanitarian access" in {i["label"] for i in agenda["items"]}
    renamed = api.client.put(  # in a language given, or the client's (Accept-Language)
        f"{base}/items/{item}",
        json={"label": "Accès humanitaire", "language": "fr"},
        headers=api.auth(api.key),
    )
    assert renamed.status_code == 204
    german = {**api.auth(api.key), "Accept-Language": "de-DE,de;q=0.9"}
    renamed = api.client.put(f"{base}/items/{item}", json={"label": "Zugang"}, headers=german)
    assert renamed.status_code == 204
    agenda = api.client.get(f"{base}/agenda", headers=api.auth(api.key)).json()
    (labelled,) = [i for i in agenda["items"] if i["item"] == item]
    assert labelled["label"] == labelled["labels"]["en"] == "Humanitarian access"
    assert (labelled["labels"]["fr"], labelled["labels"]["de"]) == ("Accès humanitaire", "Zugang")
    bad = api.client.put(
        f"{base}/items/{item}", json={"label": "x", "language": "x y"}, headers=api.auth(api.key)
    )
    assert bad.status_code == 400 and "is not a language tag" in bad.text
    unknown = api.client.put(f"{base}/items/99999", json={"label": "x"}, headers=api.auth(api.key))
    assert unknown.status_code == 404
    blank = api.client.put(f"{base}/items/{item}", json={"label": ""}, headers=api.auth(api.key))
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "label"

    pairs = api.client.get(f"{base}/duplicates", headers=api.auth(api.key)).json()
    pair = next(p for p in pairs if {p["a"]["id"], p["b"]["id"]} == {seeds_a[0], seeds_b[0]})
    assert {pair["a"]["format"], pair["b"]["format"]} == set(FORMATS)
    assert (pair["verdict"], pair["n_co_voters"]) == (None, 0)
    assert 0.0 < pair["score"] <= 1.0


def test_openapi_describes_the_process_endpoints(sqlite_api: Any) -> None:
    schema = sqlite_api.client.get("/openapi.json").json()
    pid = f"{V1}/processes/{{process_id}}"
    assert {
        f"{V1}/processes",
        pid,
        f"{pid}/formats",
        f"{pid}/settings",
        f"{pid}/share",
        f"{pid}/auto-share",
        f"{pid}/merge",
        f"{pid}/agenda",
        f"{pid}/agenda.csv",
        f"{pid}/agenda.md",
        f"{pid}/duplicates",
        f"{pid}/items/{{item_id}}",
        f"{pid}/items/refresh",
        f"{V1}/observe/{{observer_key}}/agenda",
    } <= set(schema["paths"])
    csv = schema["paths"][f"{pid}/agenda.csv"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in csv


def test_an_existing_conversation_is_added_as_a_format(sqlite_api: Any) -> None:
    process = create_process(sqlite_api)
    cid = sqlite_api.create_conversation(topic="Imported panel")
    path = f"{V1}/processes/{process['id']}/formats"
    body = {"name": "Panel", "conversation_id": cid}
    response = sqlite_api.client.post(path, json=body, headers=sqlite_api.auth(sqlite_api.key))
    assert response.status_code == 201, response.text
    assert response.json()["conversation_id"] == cid
    again = sqlite_api.client.post(
        path,
        json={"name": "Again", "conversation_id": cid},
        headers=sqlite_api.auth(sqlite_api.key),
    )
    assert again.status_code == 409
    missing = sqlite_api.client.post(
        path,
        json={"name": "Gone", "conversation_id": 99_999},
        headers=sqlite_api.auth(sqlite_api.key),
    )
    assert missing.status_code == 404


def _wait_for(check: Any, what: str, timeout: float = 15.0) -> Any:
    """Poll ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)
    return found


def test_votes_and_shares_wake_the_worker_instead_of_waiting_for_its_poll(make_api: Any) -> None:
    api = make_api(run_worker=True, analysis_interval=60)  # only a wake-up can explain it
    process = create_process(api)
    pid, (a, _) = process["id"], conversations(process)
    statement = api.seed(a, "Open every crossing for aid convoys.")
    _, token = api.join(a)

    def entry() -> dict[str, Any] | None:
        document = api.client.get(f"{V1}/processes/{pid}/agenda", headers=api.auth(api.key))
        found = [s for item in document.json()["items"] for s in item["statements"]]
        return found[0] if found else None

    voted(api, a, token, statement, 1)  # the vote writer wakes the worker
    counted = _wait_for(
        lambda: (e := entry()) and e["withheld"] == ["Astana group"] and e,  # one vote, withheld
        "the vote on the stored agenda",
    )
    assert counted["held_by"] == ["Astana group"]
    shared = api.client.post(
        f"{V1}/processes/{pid}/share", json={"statement_id": statement}, headers=api.auth(api.key)
    )
    assert shared.status_code == 200  # the successful POST wakes the worker
    _wait_for(lambda: (e := entry()) and e["held_by"] == FORMATS, "the share on the agenda")


def test_a_merge_and_a_share_are_undone(sqlite_api: Any) -> None:
    api = sqlite_api
    process = create_process(api)
    pid = process["id"]
    a, b = conversations(process)
    keep = api.seed(a, "A ceasefire across the whole country.")
    drop = api.seed(a, "A nationwide ceasefire.")
    _, token = api.join(a)
    voted(api, a, token, drop, -1)
    base = f"{V1}/processes/{pid}"
    merge = api.client.post(
        f"{base}/merge", json={"keep_id": keep, "drop_id": drop}, headers=api.auth(api.key)
    )
    assert merge.status_code == 200, merge.text
    undo = f"{base}/merges/{merge.json()['merge_id']}/undo"
    assert api.client.post(undo, headers=api.auth(api.key)).status_code == 204
    visible = api.client.get(f"{V1}/conversations/{a}/statements", headers=api.auth(api.key)).json()
    assert sorted(s["id"] for s in visible) == sorted([keep, drop])
    again = api.client.post(undo, headers=api.auth(api.key))
    assert again.status_code == 409 and "undone already" in again.json()["detail"]
    shared = api.client.post(f"{base}/share-all", headers=api.auth(api.key)).json()
    assert len(shared["created"]) == 2 and shared["share_id"] is not None
    in_b = api.client.get(f"{V1}/conversations/{b}/statements", headers=api.auth(api.key))
    assert len(in_b.json()) == 2
    unshare = api.client.post(f"{base}/shares/{shared['share_id']}/undo", headers=api.auth(api.key))
    assert unshare.status_code == 200 and unshare.json() == {"n_copies": 2}
    after = api.client.get(f"{V1}/conversations/{b}/statements", headers=api.auth(api.key))
    assert after.json() == []
    assert api.client.get(f"{base}/actions", headers=api.auth(api.key)).json() == []
    unknown = api.client.post(f"{base}/merges/999999/undo", headers=api.auth(api.key))
    assert unknown.status_code == 404


def test_a_closed_conversation_takes_no_votes(sqlite_api: Any) -> None:
    api = sqlite_api
    conversation = api.create_conversation()
    statement = api.seed(conversation, "Parks need more trees.")
    _, token = api.join(conversation)
    closed = api.client.post(f"{V1}/conversations/{conversation}/close", headers=api.auth(api.key))
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    refused = api.vote(conversation, token, statement, 1)
    assert refused.status_code == 409
    assert f"conversation {conversation} is closed" in refused.json()["detail"]
    written = api.client.post(
        f"{V1}/conversations/{conversation}/statements",
        json={"text": "More benches too."},
        headers=api.auth(token),
    )
    assert written.status_code == 409
    reopened = api.client.post(
        f"{V1}/conversations/{conversation}/reopen", headers=api.auth(api.key)
    )
    assert reopened.json()["closed_at"] is None
    voted(api, conversation, token, statement, 1)
