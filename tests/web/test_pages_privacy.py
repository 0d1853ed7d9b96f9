"""The facilitator's privacy form: who may read a conversation, its smallest group shown."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from parley.services import conversations
from parley.services.access import join_key_of


def _post(env: Any, cid: int, data: dict[str, str]) -> Any:
    page = f"/f/c/{cid}"
    return env.client.post(
        f"{page}/privacy", data={**data, "csrf_token": env.csrf(page)}, follow_redirects=False
    )


def test_a_facilitator_makes_a_conversation_members_only_with_its_own_group_size(
    pages_env: Any,
) -> None:
    env = pages_env
    env.log_in()
    sf = env.session_factory
    cid = conversations.create_conversation(sf, facilitator_id=env.facilitator_id, topic="Parks")
    page = env.client.get(f"/f/c/{cid}").text
    assert 'action="/f/c/' in page and 'name="visibility"' in page and 'placeholder="3"' in page
    visitor = TestClient(env.client.app)
    assert visitor.get(f"/c/{cid}").status_code == 200  # public, as in Polis
    saved = _post(env, cid, {"visibility": "members", "min_group_size": "4"})
    assert saved.status_code == 303
    assert conversations.group_size_settings(sf, cid) == (4, 4)
    assert visitor.get(f"/c/{cid}").status_code == 404  # counting up ids reveals nothing
    key = join_key_of(sf, cid)
    assert key and visitor.get(f"/c/{cid}?key={key}").status_code == 200  # the join link
    assert 'value="4"' in env.client.get(f"/f/c/{cid}").text
    refused = _post(env, cid, {"visibility": "members", "min_group_size": "1"})
    assert refused.status_code == 400 and "would name individuals" in refused.text
    assert _post(env, cid, {"visibility": "sideways"}).status_code == 400
    assert _post(env, cid, {"visibility": "public", "min_group_size": ""}).status_code == 303
    assert conversations.group_size_settings(sf, cid) == (None, 3)
    assert visitor.get(f"/c/{cid}").status_code == 200
