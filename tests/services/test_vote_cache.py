"""The worker's vote cache: after new, changed and repeated votes it equals a full read."""

from __future__ import annotations

import numpy as np

from parley.db.engine import SessionFactory
from parley.db.queries import current_votes
from parley.services import conversations, participants, statements
from parley.services.sessions import read_session
from parley.services.vote_cache import VoteCache
from parley.services.votes import VoteRequest, record_votes


def _full(session_factory: SessionFactory, cid: int) -> list[tuple[int, int, int]]:
    with read_session(session_factory) as session:
        pids, sids, values = current_votes(session.connection(), cid)
    return sorted(zip(pids.tolist(), sids.tolist(), values.tolist(), strict=True))


def _cached(cache: VoteCache, session_factory: SessionFactory, cid: int, **kw: bool) -> list:
    with read_session(session_factory) as session:
        pids, sids, values = cache.votes(session.connection(), cid, **kw)
    return list(zip(pids.tolist(), sids.tolist(), values.tolist(), strict=True))


def test_the_cache_follows_new_votes_with_one_full_read(session_factory: SessionFactory) -> None:
    rng = np.random.default_rng(5)
    cids = [
        conversations.create_conversation(session_factory, facilitator_id=None, topic=t)
        for t in "ab"
    ]
    sids = {
        cid: [
            statements.add_statement(session_factory, cid, f"s{i}", is_seed=True).id
            for i in range(6)
        ]
        for cid in cids
    }
    people: dict[int, list[int]] = {cid: [] for cid in cids}
    cache = VoteCache()
    for round_ in range(5):
        requests = []
        for cid in cids:
            people[cid].append(participants.join_conversation(session_factory, cid)[0])
            for _ in range(15):  # new cells, changed votes, and the same pair twice in a batch
                pid = int(rng.choice(people[cid]))
                requests.append(
                    VoteRequest(pid, int(rng.choice(sids[cid])), int(rng.integers(-1, 2)))
                )
        record_votes(session_factory, requests[: len(requests) // 2])
        record_votes(session_factory, requests[len(requests) // 2 :])
        for cid in cids:
            assert _cached(cache, session_factory, cid) == _full(session_factory, cid), round_
    assert cache.n_full_reads == 2  # one per conversation; every later read was incremental
    assert cache.n_updates == 8
    _cached(cache, session_factory, cids[0], full=True)
    assert cache.n_full_reads == 3


def test_an_old_entry_is_read_again_in_full(session_factory: SessionFactory) -> None:
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="x")
    sid = statements.add_statement(session_factory, cid, "s", is_seed=True).id
    pid, _ = participants.join_conversation(session_factory, cid)
    record_votes(session_factory, [VoteRequest(pid, sid, 1)])
    cache = VoteCache(full_read_every=0.0)
    assert _cached(cache, session_factory, cid) == [(pid, sid, 1)]
    assert _cached(cache, session_factory, cid) == [(pid, sid, 1)]
    assert cache.n_full_reads == 2
    cache.forget(cid)
    assert _cached(cache, session_factory, cid) == [(pid, sid, 1)]
    assert cache.n_full_reads == 3
