"""Run ``parley serve`` as a child process on 127.0.0.1, and talk to its JSON API.

Shared by tests/web/test_durability.py and benchmarks/load.py. The server is started with
``python -m parley.cli.main serve --db URL --host 127.0.0.1 --port 0``; the URL it prints
gives the port. Every wait here is bounded.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ParleyServer",
    "api_json",
    "create_facilitator",
    "parley_command",
    "seed_conversation",
    "serve_unavailable_reason",
    "start_server",
]

URL_PATTERN = re.compile(r"http://127\.0\.0\.1:([1-9][0-9]*)")
API = "/api/v1"


def parley_command() -> list[str]:
    """Return the command line that runs the ``parley`` CLI with this interpreter."""
    return [sys.executable, "-m", "parley.cli.main"]


@functools.cache
def serve_unavailable_reason() -> str | None:
    """Say why ``parley serve`` cannot run here (not built yet, httpx missing), or None."""
    for module in ("httpx", "uvicorn", "parley.web.app", "parley.cli.web"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"parley serve is not available: module {module} is missing"
    result = subprocess.run(
        [*parley_command(), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_environment(None),
        check=False,
    )
    if result.returncode != 0:
        return f"`parley serve --help` failed (is the command registered?): {result.stderr[-300:]}"
    return None


def _environment(extra: Mapping[str, str] | None) -> dict[str, str]:
    """Return the child's environment: quiet, unbuffered, one BLAS thread."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1"}
    environment.update(extra or {})
    return environment


def create_facilitator(
    database_url: str, name: str, *, env: Mapping[str, str] | None = None, timeout: float = 60
) -> str:
    """Run ``parley admin create NAME`` and return the API key it prints."""
    result = subprocess.run(
        [*parley_command(), "admin", "create", name, "--db", database_url],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_environment(env),
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"parley admin create failed:\n{result.stdout}{result.stderr}")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"parley admin create printed no key:\n{result.stderr}")
    return lines[-1].split()[-1]  # the key is the last word printed


@dataclass
class ParleyServer:
    """A running ``parley serve`` child process and the URL it serves on."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log(self) -> str:
        """Return what the server has printed so far."""
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash or power cut would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, *, timeout: float = 15) -> None:
        """Stop the server politely (SIGTERM), killing it if it does not exit in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    database_url: str,
    log_path: Path,
    *,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> ParleyServer:
    """Start ``parley serve`` on 127.0.0.1 with a free port; wait until it answers.

    ``log_path`` (a new file for each start) receives everything the server prints.
    """
    import httpx

    log_file = log_path.open("wb")
    try:
        process = subprocess.Popen(
            [
                *parley_command(),
                "serve",
                "--db",
                database_url,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                *extra_args,
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_environment(env),
        )
    finally:
        log_file.close()  # the child keeps its own descriptor
    server = ParleyServer(process, "", log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"parley serve exited with {process.returncode}:\n{server.log()}")
        match = URL_PATTERN.search(server.log())
        if match:
            server.url = f"http://127.0.0.1:{match.group(1)}"
            try:
                httpx.get(f"{server.url}/healthz", timeout=2)
                return server
            except httpx.TransportError:
                pass
        time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"parley serve did not answer within {timeout} s:\n{server.log()}")


def api_json(response: Any) -> Any:
    """Return a response's JSON body, raising with the body when the status is not 2xx."""
    if not 200 <= response.status_code < 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} -> {response.status_code}: "
            f"{response.text[:500]}"
        )
    return response.json()


def seed_conversation(
    server: ParleyServer,
    api_key: str,
    *,
    topic: str,
    n_statements: int,
    n_participants: int,
    timeout: float = 30.0,
) -> tuple[int, list[int], list[tuple[int, str]]]:
    """Create a conversation, its statements and participants through the API.

    Returns the conversation id, the statement ids and (participant id, token) pairs.
    """
    import httpx

    auth = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=server.url, timeout=timeout) as client:
        created = client.post(
            f"{API}/conversations", json={"topic": topic, "description": topic}, headers=auth
        )
        conversation_id = int(api_json(created)["id"])
        statement_ids = [
            int(
                api_json(
                    client.post(
                        f"{API}/conversations/{conversation_id}/statements",
                        json={"text": f"{topic}: statement number {number}"},
                        headers=auth,
                    )
                )["id"]
            )
            for number in range(n_statements)
        ]
        participants = []
        for _ in range(n_participants):
            joined = api_json(client.post(f"{API}/conversations/{conversation_id}/participants"))
            participants.append((int(joined["id"]), str(joined["token"])))
    return conversation_id, statement_ids, participants
