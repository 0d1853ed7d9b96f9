"""The Polis-compatible read API (``/api/v3``) on a conversation made through ``/api/v1``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest

from parley.services import accounts

from .conftest import Api, auth

V1 = "/api/v1"
V3 = "/api/v3"
#: parley's votes per participant (agree = +1) on statements 0, 1, 2; two camps and a passer
VOTES = [(1, -1, 1), (1, -1, 1), (1, -1, 0), (-1, 1, -1), (-1, 1, -1), (-1, 1, -1), (0, 1, -1)]


@dataclass
class Made:
    """A conversation with three seeds, a rejected participant statement and seven voters."""

    cid: int
    statements: list[int]  # database ids, in order of creation: tids 0, 1, 2
    rejected: int  # written by the first participant: tid 3
    tokens: list[str]  # participants in order of joining: pids 0 .. 6


def _make(api: Api, *, first_xid: str | None = None) -> Made:
    cid = api.create_conversation(description="Parks and trees")
    statements = [api.seed(cid, f"Statement number {n}") for n in range(3)]
    tokens = []
    for n, votes in enumerate(VOTES):
        body = {"xid": first_xid} if n == 0 and first_xid else None
        joined = api.client.post(f"{V1}/conversations/{cid}/participants", json=body)
        assert joined.status_code == 201, joined.text
        token = joined.json()["token"]
        tokens.append(token)
        for sid, value in zip(statements, votes, strict=True):
            assert api.vote(cid, token, sid, value).status_code == 200
    written = api.client.post(
        f"{V1}/conversations/{cid}/statements", json={"text": "Rude words"}, headers=auth(tokens[0])
    )
    rejected = int(written.json()["id"])
    moderated = api.client.post(
        f"{V1}/conversations/{cid}/moderation",
        json={"statement_ids": [rejected], "state": -1},
        headers=auth(api.key),
    )
    assert moderated.status_code == 200, moderated.text
    api.catch_up()
    return Made(cid, statements, rejected, tokens)


def _get(api: Api, path: str, **params: Any) -> Any:
    response = api.client.get(f"{V3}{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_conversation_comments_and_votes_in_polis_shapes(api: Api) -> None:
    made = _make(api)
    conversation = _get(api, "/conversations", conversation_id=made.cid)
    assert conversation["conversation_id"] == str(made.cid)
    assert (conversation["topic"], conversation["description"]) == ("Parks", "Parks and trees")
    assert conversation["participant_count"] == 7

    comments = _get(
        api, "/comments", conversation_id=made.cid, moderation="true", include_voting_patterns=1
    )
    assert [c["tid"] for c in comments] == [0, 1, 2, 3]
    assert [c["txt"] for c in comments] == [f"Statement number {n}" for n in range(3)] + [""]
    assert [c["mod"] for c in comments] == [1, 1, 1, -1]
    assert [c["pid"] for c in comments] == [None, None, None, 0]
    assert [c["is_seed"] for c in comments] == [True, True, True, False]
    assert [(c["agree_count"], c["disagree_count"], c["pass_count"]) for c in comments[:3]] == [
        (3, 3, 1),
        (4, 3, 0),
        (2, 4, 1),
    ]
    assert all(c["count"] == 7 for c in comments[:3]) and comments[3]["count"] == 0
    assert all(isinstance(c["created"], int) and c["velocity"] == 1 for c in comments)

    visible = _get(api, "/comments", conversation_id=made.cid)
    assert [c["tid"] for c in visible] == [0, 1, 2]  # as participants see them
    assert "agree_count" not in visible[0]

    for pid, votes in enumerate(VOTES):
        answer = _get(api, "/votes", conversation_id=made.cid, pid=pid)
        assert [(v["pid"], v["tid"]) for v in answer] == [(pid, 0), (pid, 1), (pid, 2)]
        assert [v["vote"] for v in answer] == [-value for value in votes]  # agree = -1
        assert all(isinstance(v["modified"], int) for v in answer)
    assert _get(api, "/votes", conversation_id=made.cid, pid=7) == []


@pytest.mark.parametrize("conversation_id", ["999", "abc", "-1", "1e3"])
def test_unknown_conversations_are_404(api: Api, conversation_id: str) -> None:
    for path in ("/conversations", "/comments", "/math/pca2"):
        response = api.client.get(f"{V3}{path}", params={"conversation_id": conversation_id})
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_pca2_answers_304_with_the_same_etag_until_a_new_analysis(api: Api) -> None:
    made = _make(api)
    first = api.client.get(
        f"{V3}/math/pca2", params={"conversation_id": made.cid}, headers={"Accept-Encoding": "gzip"}
    )
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    tick = first.json()["math_tick"]
    assert etag == f'"{tick}"'
    for _ in range(2):
        again = api.client.get(
            f"{V3}/math/pca2",
            params={"conversation_id": made.cid},
            headers={"If-None-Match": etag},
        )
        assert (again.status_code, again.headers["etag"], again.content) == (304, etag, b"")
    by_tick = api.client.get(
        f"{V3}/math/pca2", params={"conversation_id": made.cid, "math_tick": tick}
    )
    assert by_tick.status_code == 304
    _, token = api.join(made.cid)
    assert api.vote(made.cid, token, made.statements[0], 1).status_code == 200
    unchanged = api.client.get(
        f"{V3}/math/pca2", params={"conversation_id": made.cid}, headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304  # the vote is in, the analysis is not yet
    api.catch_up()
    fresh = api.client.get(
        f"{V3}/math/pca2", params={"conversation_id": made.cid}, headers={"If-None-Match": etag}
    )
    assert fresh.status_code == 200
    assert fresh.json()["math_tick"] > tick and fresh.headers["etag"] != etag
    assert fresh.json()["n"] == 8


def test_pca2_has_polis_keys_ids_and_coordinate_sign(api: Api) -> None:
    made = _make(api)
    math = _get(api, "/math/pca2", conversation_id=made.cid)
    ours = api.client.get(f"{V1}/conversations/{made.cid}/analysis").json()
    assert (math["n"], math["n-cmts"], math["tids"]) == (7, 3, [0, 1, 2])
    assert math["in-conv"] == list(range(7))
    assert math["user-vote-counts"] == {str(pid): 3 for pid in range(7)}
    assert (math["mod-in"], math["mod-out"], math["meta-tids"]) == ([0, 1, 2], [3], [])
    # Polis's sign: the centre and every projection negated, the components as parley's
    assert math["pca"]["center"] == [-c for c in ours["pca"]["center"]]
    assert math["pca"]["comps"] == ours["pca"]["components"]
    statements = {s["id"]: s for s in ours["statements"]}
    xs = [statements[sid]["x"] for sid in made.statements]
    ys = [statements[sid]["y"] for sid in made.statements]
    assert math["pca"]["comment-projection"] == [[-x for x in xs], [-y for y in ys]]
    assert math["pca"]["comment-extremity"] == [statements[s]["extremity"] for s in made.statements]
    coords = {p["id"]: (p["x"], p["y"]) for p in ours["participants"]}
    pid_of = {p["id"]: n for n, p in enumerate(sorted(ours["participants"], key=lambda p: p["id"]))}
    base = math["base-clusters"]
    assert sorted(p for members in base["members"] for p in members) == list(range(7))
    assert base["count"] == [len(m) for m in base["members"]]
    for members, x, y in zip(base["members"], base["x"], base["y"], strict=True):
        own = [coords[i] for i, pid in pid_of.items() if pid in members]
        assert x == pytest.approx(-sum(c[0] for c in own) / len(own))
        assert y == pytest.approx(-sum(c[1] for c in own) / len(own))
    # groups: the same people as parley's, through base clusters
    members = dict(zip(base["id"], base["members"], strict=True))
    groups = {
        pid: g["id"] for g in math["group-clusters"] for b in g["members"] for pid in members[b]
    }
    assert groups == {pid_of[p["id"]]: p["group"] for p in ours["participants"]}
    assert groups[0] == groups[1] == groups[2] != groups[3] == groups[4] == groups[5]
    camp = str(groups[0])
    assert math["group-votes"][camp]["votes"]["0"] == {"A": 3, "D": 0, "S": 3}
    assert math["group-votes"][camp]["n-members"] == 3
    assert set(math["group-aware-consensus"]) == set(math["comment-priorities"]) == {"0", "1", "2"}
    for group_repness in math["repness"].values():
        for entry in group_repness:
            assert entry["tid"] in (0, 1, 2) and entry["repful-for"] in ("agree", "disagree")
    assert set(math["consensus"]) == {"agree", "disagree"}


def _report_id(api: Api, cid: int) -> str:
    response = api.client.get(
        f"{V3}/reports", params={"conversation_id": cid}, headers=auth(api.key)
    )
    assert response.status_code == 200, response.text
    (report,) = response.json()
    assert report["conversation_id"] == str(cid)
    return str(report["report_id"])


def test_reports_and_their_csv_export(api: Api) -> None:
    made = _make(api)
    report_id = _report_id(api, made.cid)
    assert report_id.startswith("r") and report_id == _report_id(api, made.cid)
    assert report_id != _report_id(api, api.create_conversation())
    anonymous = api.client.get(f"{V3}/reports", params={"conversation_id": made.cid})
    assert anonymous.status_code == 401
    other = accounts.create_facilitator(api.session_factory, "bob")[1]
    foreign = api.client.get(
        f"{V3}/reports", params={"conversation_id": made.cid}, headers=auth(other)
    )
    assert foreign.status_code == 403
    by_id = _get(api, "/reports", report_id=report_id)
    assert [r["conversation_id"] for r in by_id] == [str(made.cid)]
    last = len(report_id) - 1 - len(str(made.cid))
    swapped = "b" if report_id[last] == "a" else "a"
    forged = report_id[:last] + swapped + str(made.cid)
    assert forged != report_id
    for wrong in (forged, f"r{made.cid}", "x"):
        assert api.client.get(f"{V3}/reports", params={"report_id": wrong}).status_code == 404
        assert api.client.get(f"{V3}/reportExport/{wrong}/votes.csv").status_code == 404

    def table(name: str) -> list[dict[str, str]]:
        response = api.client.get(f"{V3}/reportExport/{report_id}/{name}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(response.text)))

    comments = table("comments.csv")
    assert [(c["comment-id"], c["moderated"], c["is-meta"]) for c in comments] == [
        ("0", "1", "false"),
        ("1", "1", "false"),
        ("2", "1", "false"),
        ("3", "-1", "false"),
    ]
    assert comments[3]["comment-body"] == "Rude words" and comments[3]["author-id"] == "0"
    assert all(c["group-informed-consensus"] for c in comments[:3])
    votes = {(v["voter-id"], v["comment-id"]): v["vote"] for v in table("votes.csv")}
    assert votes == {
        (str(pid), str(tid)): str(value)
        for pid, row in enumerate(VOTES)
        for tid, value in enumerate(row)
    }  # agree = +1, as Polis's exports
    people = table("participants-votes.csv")
    assert [p["participant"] for p in people] == [str(n) for n in range(7)]
    assert all(p["group-id"] != "" for p in people)
    summary = api.client.get(f"{V3}/reportExport/{report_id}/summary.csv").text
    assert "topic,Parks" in summary
    missing = api.client.get(f"{V3}/reportExport/{report_id}/secrets.csv")
    assert missing.status_code == 404


def test_participation_init_tells_the_facilitator_the_pid_of_an_xid(api: Api) -> None:
    made = _make(api, first_xid="member-17")
    params = {"conversation_id": made.cid, "xid": "member-17"}
    mine = api.client.get(f"{V3}/participationInit", params=params, headers=auth(api.key))
    assert mine.status_code == 200, mine.text
    assert mine.json()["ptpt"]["pid"] == 0
    assert mine.json()["conversation"]["conversation_id"] == str(made.cid)
    unknown = api.client.get(
        f"{V3}/participationInit",
        params={**params, "xid": "nobody"},
        headers=auth(api.key),
    )
    assert unknown.json()["ptpt"] is None
    assert api.client.get(f"{V3}/participationInit", params=params).status_code == 401
    plain = _get(api, "/participationInit", conversation_id=made.cid)
    assert plain["ptpt"] is None and plain["conversation"]["topic"] == "Parks"
