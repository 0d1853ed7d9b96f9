"""Fuzzing the JSON API from its OpenAPI document (schemathesis): no 5xx, answers as documented.

Every operation gets a bounded number of generated requests, valid and invalid, once with a
facilitator's API key and once with a participant's token; ids are random, so most refer to
nothing, and a conversation, statements, a process and the participant exist for the rest.
Each answer must not be a 5xx, must have a documented status and content type, and must
match the documented schema (problem+json for errors).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from parley.services import conversations, participants, statements

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from parley.config import Settings  # noqa: E402
from parley.db import create_engine_for, create_session_factory, upgrade_database  # noqa: E402
from parley.services import accounts, processes  # noqa: E402
from parley.web.app import create_app  # noqa: E402

#: generated requests per operation, mode (valid, invalid) and run: about 30 operations
EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Fuzzed:
    """What the fuzzing sent and what failed."""

    n_cases: int = 0
    n_server_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def fuzz_target(tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    """The app over a SQLite file with some data; the credentials to send."""
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    engine = create_engine_for(url)
    upgrade_database(engine)
    sf = create_session_factory(engine)
    facilitator_id, key = accounts.create_facilitator(sf, "ada", password="correct horse")
    cid = conversations.create_conversation(sf, facilitator_id=facilitator_id, topic="Parks")
    for text in ("Parks need more trees", "Cars should pay for parking"):
        statements.add_statement(sf, cid, text, is_seed=True)
    process_id = processes.create_process(
        sf, facilitator_id=facilitator_id, name="City", formats=["a", "b"]
    )
    _, token = participants.join_conversation(sf, cid)
    app = create_app(
        Settings(database_url=url, secret_key="fuzz-secret"), session_factory=sf, run_worker=False
    )
    yield (
        app,
        {
            "facilitator": key,
            "participant": token,
            "conversation_id": str(cid),
            "process_id": str(process_id),
        },
    )
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # stops the vote writer the ASGI client started
    engine.dispose()


@pytest.mark.parametrize(
    ("who", "ids"),
    [("facilitator", "random"), ("facilitator", "stored"), ("participant", "stored")],
)
def test_no_request_answers_5xx_and_every_answer_is_documented(
    fuzz_target: tuple[Any, dict[str, str]], who: str, ids: str, caplog: pytest.LogCaptureFixture
) -> None:
    app, known = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {known[who]}"}
    fuzzed = Fuzzed()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        stored = {
            name: known[name]
            for name in ("conversation_id", "process_id")
            if ids == "stored" and f"{{{name}}}" in operation.path
        }
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(mode, path_parameters=stored or None)
            try:
                _fuzz(strategy, headers, fuzzed)
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
    summary = (
        f"{fuzzed.n_cases} cases as {who} with {ids} ids, "
        f"statuses {sorted(fuzzed.statuses.items())}"
    )
    print(summary)  # shown with -s: the figures for docs
    assert fuzzed.n_server_errors == 0, summary
    assert not fuzzed.failures, "\n".join(fuzzed.failures[:20])
    assert fuzzed.n_cases >= len(operations) * 3
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _fuzz(strategy: Any, headers: dict[str, str], fuzzed: Fuzzed) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        fuzzed.n_cases += 1
        fuzzed.statuses[response.status_code] = fuzzed.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            fuzzed.n_server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as failure:  # schemathesis raises a group of the failed checks
            fuzzed.failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{str(failure).splitlines()[0][:300]}"
            )

    run()
