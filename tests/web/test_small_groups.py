"""Opinion groups below the minimum group size: absent from every page and API answer, for
every caller (anybody, the owner by key, the owner's pages, the report's holder)."""

from __future__ import annotations

import json
from typing import Any

from parley.services import conversations, participants, statements
from parley.services.polis_reports import report_id
from parley.services.votes import cast_vote

V1 = "/api/v1/conversations"


def _camps(env: Any, *, min_group_size: int) -> int:
    """A public conversation with camps of 7 and 4 voting opposite ways, analysed."""
    sf = env.session_factory
    cid = conversations.create_conversation(
        sf, facilitator_id=env.facilitator_id, topic="Camps", min_group_size=min_group_size
    )
    ids = [statements.add_statement(sf, cid, f"Statement {i}", is_seed=True).id for i in range(12)]
    for n, side in ((7, 1), (4, -1)):
        for _ in range(n):
            member, _ = participants.join_conversation(sf, cid)
            for j, sid in enumerate(ids):
                cast_vote(sf, member, sid, side if j < 6 else -side)
    env.catch_up()
    return cid


def _answers(env: Any, cid: int) -> dict[str, str]:
    """Every page and API answer that shows the conversation's groups, by who asked."""
    client = env.client
    key = {"authorization": f"Bearer {env.api_key}"}
    out: dict[str, str] = {}
    for who, headers in (("anybody", {}), ("owner key", key)):
        for path in (f"{V1}/{cid}/analysis", f"{V1}/{cid}/summary"):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (who, path, response.text)
            out[f"{who} {path}"] = response.text
        pca = client.get("/api/v3/math/pca2", params={"conversation_id": cid}, headers=headers)
        assert pca.status_code == 200
        out[f"{who} pca2"] = pca.text
    report = report_id(env.session_factory, cid)
    out["report holder /r"] = client.get(f"/r/{report}").text
    env.log_in()
    for path in (f"/f/c/{cid}/results", f"/r/{report}"):
        response = client.get(path)
        assert response.status_code == 200, path
        out[f"owner page {path}"] = response.text
    return out


def test_a_group_of_four_is_shown_nowhere_when_the_minimum_is_five(pages_env: Any) -> None:
    cid = _camps(pages_env, min_group_size=5)
    answers = _answers(pages_env, cid)
    for where, text in answers.items():
        assert "Group B" not in text and '"name":"B"' not in text, where
        assert "Group A (7)" in text or '"name":"A"' in text or '"0"' in text, where
        if where.endswith("pca2"):  # Polis's math names groups by id: only group 0 is left
            document = json.loads(text)
            assert set(document["group-votes"]) == set(document["repness"]) == {"0"}
    for where in ("owner page /f/c/", "report holder /r"):
        text = next(t for w, t in answers.items() if w.startswith(where))
        assert "4 participants are in opinion groups of fewer than 5 people" in text


def test_the_same_camps_show_both_groups_with_the_default_minimum(pages_env: Any) -> None:
    cid = _camps(pages_env, min_group_size=3)
    answers = _answers(pages_env, cid)
    assert "Group B (4)" in answers[f"owner page /f/c/{cid}/results"]
    assert '"name":"B"' in answers[f"anybody {V1}/{cid}/analysis"]
    assert "groups of fewer than" not in answers[f"owner page /f/c/{cid}/results"]
    summary = answers[f"owner page /f/c/{cid}/results"].split('id="map-summary"', 1)[1]
    assert "Group A (7) and Group B (4)." in summary.split("</p>", 1)[0]  # the language's list
    arabic = pages_env.client.get(f"/f/c/{cid}/results?lang=ar").text
    summary = arabic.split('id="map-summary"', 1)[1].split("</p>", 1)[0]
    assert "في مجموعتَي رأي" in summary and ";" not in summary and summary.count(":") == 1
    assert "B\u200f (4)" in summary  # the letter, then the count, in reading order
