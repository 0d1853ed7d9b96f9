"""One bad vote fails only itself: poisoned group-commit batches, on SQLite and PostgreSQL.

The writer is fed batches in which bad votes (a statement id of 2**64 or 3,000,000,000, a NUL
in the idempotency key) sit beside good ones; every good vote must be acknowledged and stored.
The bad ones are built without ``VoteRequest``'s checks, as a caller that skipped them would,
so that it is the writer's vote-by-vote retry that isolates them. Through the API, attackers
and innocent voters vote at once; every innocent vote is answered 200 and stored.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import fields
from typing import Any

from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Vote, VoteEvent
from parley.services import conversations, participants
from parley.services.statements import add_statement
from parley.services.votes import VoteOutcome, VoteRequest, record_votes
from parley.web.writer import VoteWriter

from .conftest import V1, Api, auth

N_PARTICIPANTS = 6
N_STATEMENTS = 8
N_ATTACKERS = 10


def unchecked_vote(**values: Any) -> VoteRequest:
    """Build a VoteRequest without its checks, as a caller that skipped them would."""
    request = object.__new__(VoteRequest)
    for field in fields(VoteRequest):
        object.__setattr__(request, field.name, values.get(field.name, field.default))
    return request


def value_of(participant_id: int, statement_id: int) -> int:
    """Return the vote a participant casts on a statement: fixed by the pair."""
    return (participant_id + 2 * statement_id) % 3 - 1


def _stored(session_factory: SessionFactory) -> dict[tuple[int, int], int]:
    with session_factory() as session:
        rows = session.execute(select(Vote.participant_id, Vote.statement_id, Vote.value)).all()
        n_events = len(session.execute(select(VoteEvent.id)).all())
    stored = {(int(p), int(s)): int(v) for p, s, v in rows}
    assert n_events == len(stored)  # one event per vote: nothing recorded twice, nothing extra
    return stored


def _conversation(session_factory: SessionFactory) -> tuple[int, list[int], list[int]]:
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="Parks")
    statements = [
        add_statement(session_factory, cid, f"Idea {i}", is_seed=True).id
        for i in range(N_STATEMENTS)
    ]
    people = [participants.join_conversation(session_factory, cid)[0] for _ in range(6)]
    return cid, statements, people


class GatedRecorder:
    """``record_votes`` that holds its first batch until every vote is queued behind it."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory
        self.release = threading.Event()
        self.batch_sizes: list[int] = []

    def __call__(self, requests: Any) -> list[VoteOutcome]:
        self.release.wait(10)
        self.batch_sizes.append(len(requests))
        return record_votes(self.session_factory, requests)


def test_bad_votes_in_a_batch_fail_alone(session_factory: SessionFactory) -> None:
    cid, statements, people = _conversation(session_factory)
    recorder = GatedRecorder(session_factory)
    writer = VoteWriter(recorder, max_batch=64)
    writer.start()
    good: dict[tuple[int, int], Future[VoteOutcome]] = {}
    bad: list[Future[VoteOutcome]] = []
    try:
        for person in people:
            for statement in statements:
                for poison in (
                    {"statement_id": 2**64},
                    {"statement_id": 3_000_000_000},
                    {"statement_id": statement, "idempotency_key": "k\x00"},
                ):
                    attack = {"participant_id": person, "value": 1, "conversation_id": cid}
                    bad.append(writer.submit(unchecked_vote(**attack, **poison)))
                request = VoteRequest(person, statement, value_of(person, statement), None, cid)
                good[(person, statement)] = writer.submit(request)
        recorder.release.set()
        outcomes = {pair: future.result(30) for pair, future in good.items()}
        errors = [future.exception(30) for future in bad]
    finally:
        writer.stop()
    assert max(recorder.batch_sizes) == 64  # bad and good votes did share batches
    assert all(o.is_recorded and o.error is None for o in outcomes.values())
    assert all(
        e is not None or f.result().error is not None for e, f in zip(errors, bad, strict=True)
    )
    expected = {pair: value_of(*pair) for pair in good}
    assert _stored(session_factory) == expected


def test_attackers_beside_innocent_voters_through_the_api(api: Api) -> None:
    cid = api.create_conversation()
    statements = [api.seed(cid, f"Idea {i}") for i in range(N_STATEMENTS)]
    voters = [api.join(cid) for _ in range(N_PARTICIPANTS)]
    attackers = [api.join(cid)[1] for _ in range(N_ATTACKERS)]
    url = f"{V1}/conversations/{cid}/votes"

    def attack(token: str) -> list[int]:
        answers = []
        for statement in statements:
            for body in (
                {"statement_id": 2**64, "vote": 1},
                {"statement_id": 3_000_000_000, "vote": 1},
                {"statement_id": statement, "vote": 1, "idempotency_key": "k\x00"},
            ):
                answers.append(api.client.post(url, json=body, headers=auth(token)).status_code)
        return answers

    def vote(voter: tuple[int, str]) -> list[int]:
        person, token = voter
        return [
            api.vote(cid, token, statement, value_of(person, statement)).status_code
            for statement in statements
        ]

    with ThreadPoolExecutor(max_workers=N_ATTACKERS + N_PARTICIPANTS) as pool:
        attacks = [pool.submit(attack, token) for token in attackers]
        votes = [pool.submit(vote, voter) for voter in voters]
        attacked = [code for future in attacks for code in future.result(60)]
        innocent = [code for future in votes for code in future.result(60)]
    assert len(innocent) == N_PARTICIPANTS * N_STATEMENTS
    assert set(innocent) == {200}  # every innocent vote acknowledged
    assert set(attacked) <= {404, 422}  # no attack answered 5xx
    expected = {(p, s): value_of(p, s) for p, _ in voters for s in statements}
    assert _stored(api.session_factory) == expected


def test_a_failed_batch_is_recorded_again_in_halves_in_order() -> None:
    calls: list[list[int]] = []
    recorded: list[int] = []
    gate, busy = threading.Event(), threading.Event()

    def record(requests: Any) -> list[VoteOutcome]:
        busy.set()
        gate.wait(10)
        ids = [r.statement_id for r in requests]
        calls.append(ids)
        if 13 in ids:
            raise RuntimeError("a vote the database refuses")
        recorded.extend(ids)
        return [VoteOutcome(is_recorded=True) for _ in requests]

    writer = VoteWriter(record, max_batch=64)
    writer.start()
    # a first vote holds the writer, so that the next 65 queue up behind it whatever the load
    plug = writer.submit(VoteRequest(1, 100, 1))
    assert busy.wait(10)
    futures = [writer.submit(VoteRequest(1, statement, 1)) for statement in range(1, 66)]
    gate.set()
    errors = {i + 1: f.exception(10) for i, f in enumerate(futures)}
    writer.stop()
    assert plug.exception(10) is None and calls[0] == [100]
    assert [s for s, e in errors.items() if e is not None] == [13]
    # the order of the votes is kept
    assert recorded == [100] + [s for s in range(1, 66) if s != 13]
    failed = next(i for i, ids in enumerate(calls) if 13 in ids)
    n_failed = len(calls[failed])
    assert n_failed >= 64  # the batch that held the bad vote held the others too
    n_retries = len(calls) - failed - 1 - (1 if calls[-1] == [65] else 0)
    assert n_retries <= 2 * math.ceil(math.log2(n_failed))  # not one per vote
