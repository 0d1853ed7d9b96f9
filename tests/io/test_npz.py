"""Reading .npz files from several threads at once."""

from __future__ import annotations

import ast
import io
import threading
from typing import Any

import numpy as np
import pytest

from parley.io import npz


def test_reads_every_array_of_an_npz() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(3), b=np.array([1.5]))
    arrays = npz.read_npz(io.BytesIO(buffer.getvalue()))
    assert sorted(arrays) == ["a", "b"]
    assert arrays["a"].tolist() == [0, 1, 2] and arrays["b"].tolist() == [1.5]


def test_no_two_threads_parse_headers_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """While one thread is inside ast (np.load's header parse), no other thread enters it."""
    inside = 0
    most = 0
    count = threading.Lock()
    real = ast.literal_eval

    def slow_literal_eval(node: Any) -> Any:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        threading.Event().wait(0.002)  # let the other threads run
        try:
            return real(node)
        finally:
            with count:
                inside -= 1

    monkeypatch.setattr(ast, "literal_eval", slow_literal_eval)
    buffer = io.BytesIO()
    np.savez(buffer, **{f"a{i}": np.arange(i + 1) for i in range(5)})
    data = buffer.getvalue()
    results: list[int] = []

    def read() -> None:
        results.append(len(npz.read_npz(io.BytesIO(data))))

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [5] * 6
    assert most == 1
