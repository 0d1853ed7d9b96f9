"""Durability: every vote the server acknowledged survives a SIGKILL of ``parley serve``.

The server runs as a child process on 127.0.0.1. Several threads stream votes through the
JSON API; the server is killed with SIGKILL while votes are in flight, restarted on the same
database (SQLite, and PostgreSQL with ``synchronous_commit`` as the server's default), and the
database must then hold every vote that got a 2xx answer. Each
(participant, statement) pair is voted on at most once, with a value fixed by the pair, so a
vote that was saved although its client saw an error cannot be mistaken for another.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from parley_server import (
    ParleyServer,
    create_facilitator,
    seed_conversation,
    serve_unavailable_reason,
    start_server,
)

N_THREADS = 6
N_PARTICIPANTS = 18  # 3 per thread
N_STATEMENTS = 40
N_KILLS = 3
KILL_AFTER_VOTES = 150  # acknowledged votes per round before the kill ...
KILL_AFTER_SECONDS = 4.0  # ... or this long, whichever comes first
REQUEST_TIMEOUT = 10.0


def vote_value(participant_id: int, statement_id: int) -> int:
    """Return the value a participant casts on a statement: fixed by the pair."""
    return (participant_id + 2 * statement_id) % 3 - 1


@dataclass
class Voter:
    """One thread's participants and the (participant, statement) pairs still to vote on."""

    tokens: dict[int, str]
    pending: list[tuple[int, int]]
    acknowledged: list[tuple[int, int, int]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # non-2xx answers: none are expected

    def run(self, base_url: str, conversation_id: int, stop: threading.Event) -> None:
        """Vote until the work runs out, the server goes away, or ``stop`` is set."""
        import httpx

        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
            while self.pending and not stop.is_set():
                participant_id, statement_id = self.pending[0]
                value = vote_value(participant_id, statement_id)
                try:
                    response = client.post(
                        f"/api/v1/conversations/{conversation_id}/votes",
                        json={
                            "statement_id": statement_id,
                            "vote": value,
                            "idempotency_key": f"{participant_id}-{statement_id}",
                        },
                        headers={"Authorization": f"Bearer {self.tokens[participant_id]}"},
                    )
                except httpx.TransportError:
                    self.pending.pop(0)  # unknown outcome: never voted on again
                    return
                self.pending.pop(0)
                if 200 <= response.status_code < 300:
                    self.acknowledged.append((participant_id, statement_id, value))
                else:
                    self.refusals.append(f"{response.status_code} {response.text[:200]}")
                    return


@pytest.fixture
def servers() -> Iterator[list[ParleyServer]]:
    """Collect the servers a test starts and make sure none outlives it; skip without serve."""
    reason = serve_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    started: list[ParleyServer] = []
    yield started
    for server in started:
        server.kill()


def _set_up(server: ParleyServer, api_key: str) -> tuple[int, list[int], dict[int, str]]:
    """Create a conversation, its statements and participants; return their ids and tokens."""
    conversation_id, statement_ids, participants = seed_conversation(
        server,
        api_key,
        topic="Durability",
        n_statements=N_STATEMENTS,
        n_participants=N_PARTICIPANTS,
        timeout=REQUEST_TIMEOUT,
    )
    return conversation_id, statement_ids, dict(participants)


def _stored_votes(database_url: str, conversation_id: int) -> dict[tuple[int, int], int]:
    """Read the current votes of a conversation straight from the database."""
    from sqlalchemy import text

    from parley.db import create_engine_for

    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT participant_id, statement_id, value FROM votes "
                    "WHERE conversation_id = :cid"
                ),
                {"cid": conversation_id},
            ).all()
            integrity = "ok"
            if connection.dialect.name == "sqlite":
                integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    finally:
        engine.dispose()
    assert integrity == "ok"
    return {(int(p), int(s)): int(v) for p, s, v in rows}


def test_every_acknowledged_vote_survives_sigkill(
    tmp_path: Path, servers: list[ParleyServer], database_url: str
) -> None:
    """Kill the server three times mid-stream; every 2xx vote is in the database after restarts."""
    import httpx

    api_key = create_facilitator(database_url, "durability")
    servers.append(start_server(database_url, tmp_path / "serve-0.log"))
    conversation_id, statement_ids, tokens = _set_up(servers[-1], api_key)

    participant_ids = sorted(tokens)
    voters = [
        Voter(
            tokens={p: tokens[p] for p in participant_ids[index::N_THREADS]},
            pending=[(p, s) for s in statement_ids for p in participant_ids[index::N_THREADS]],
        )
        for index in range(N_THREADS)
    ]
    for round_number in range(N_KILLS):
        server = servers[-1]
        stop = threading.Event()
        threads = [
            threading.Thread(target=voter.run, args=(server.url, conversation_id, stop))
            for voter in voters
        ]
        before = sum(len(voter.acknowledged) for voter in voters)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + KILL_AFTER_SECONDS
        while time.monotonic() < deadline:
            if sum(len(voter.acknowledged) for voter in voters) - before >= KILL_AFTER_VOTES:
                break
            time.sleep(0.01)
        server.kill()  # votes are in flight: the threads see their connections drop
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
        assert not any(thread.is_alive() for thread in threads)
        refusals = [refusal for voter in voters for refusal in voter.refusals]
        assert refusals == [], f"non-2xx answers before the kill: {refusals[:5]}"
        in_round = sum(len(voter.acknowledged) for voter in voters) - before
        assert in_round > 0, f"round {round_number}: no vote was acknowledged before the kill"
        servers.append(start_server(database_url, tmp_path / f"serve-{round_number + 1}.log"))

    acknowledged = {(p, s): v for voter in voters for p, s, v in voter.acknowledged}
    assert len(acknowledged) == sum(len(voter.acknowledged) for voter in voters)
    # the restarted server serves again: one more vote goes through
    untouched = next(voter for voter in voters if voter.pending)
    participant_id, spare = untouched.pending[0]
    token = tokens[participant_id]
    with httpx.Client(base_url=servers[-1].url, timeout=REQUEST_TIMEOUT) as client:
        answer = client.post(
            f"/api/v1/conversations/{conversation_id}/votes",
            json={"statement_id": spare, "vote": vote_value(participant_id, spare)},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert 200 <= answer.status_code < 300, answer.text
    servers[-1].stop()

    stored = _stored_votes(database_url, conversation_id)
    lost = {pair: value for pair, value in acknowledged.items() if stored.get(pair) != value}
    assert lost == {}, f"{len(lost)} of {len(acknowledged)} acknowledged votes were lost"
    assert stored[(participant_id, spare)] == vote_value(participant_id, spare)
    # a vote whose answer never came may or may not be there, but nothing else is
    assert all(value == vote_value(*pair) for pair, value in stored.items())
