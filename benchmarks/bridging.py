"""Time the joint agenda and the bridging model, and compare with a Community Notes-style fit.

Seeded synthetic multi-format process: three formats (50/30/20% of participants); 30% of
statements are common ground (agreed with by 80% of every format), the rest divisive (85%
agree on one side of the format split, 15% on the other); 10% of votes are passes. Votes
fall on uniformly random (participant, statement) cells.

The Community Notes comparison re-implements their documented model and optimiser in
PyTorch (ranking-notes.md; peers.md 2.3): r_hat = mu + i_u + i_n + f_u . f_n, squared loss
with l_i = 0.15 on mu and the intercepts and l_f = 0.03 on the 1-D factors, full-batch Adam
with learning rate 0.2, gradient clipping at norm 1.0, stopping when the loss changes by less
than 1e-7. The loss is divided by the number of ratings (same minimiser, better scaled for
the clipping). It runs in a separate venv (``.torchvenv``) as a subprocess::

    python3 -m venv .torchvenv && .torchvenv/bin/pip install torch==2.13.0 numpy
    .venv/bin/python benchmarks/bridging.py                 # 10^6 and 10^7, parley and torch
    .venv/bin/python benchmarks/bridging.py --skip-torch-at 10000000

Both fits see the same ratings (agree 1.0, disagree 0.0, passes left out); recovery is the
AUC of the statement intercepts against the planted common-ground labels.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TORCH_PYTHON = ROOT / ".torchvenv" / "bin" / "python"


def planted_process(
    n_participants: int, n_statements: int, n_votes: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """Return rows, cols, votes (+1/-1/0), formats and planted common-ground labels."""
    rng = np.random.default_rng(seed)
    formats = rng.choice(3, n_participants, p=[0.5, 0.3, 0.2])
    common = rng.random(n_statements) < 0.3
    side = rng.choice([True, False], n_statements)
    # draw a few extra cells so that about n_votes distinct ones remain
    draw = int(n_votes * 1.02) + 16
    cells = np.unique(
        rng.integers(0, n_participants, draw, dtype=np.int64) * n_statements
        + rng.integers(0, n_statements, draw, dtype=np.int64)
    )[:n_votes]
    rng.shuffle(cells)
    cells = np.sort(cells[:n_votes])
    rows, cols = cells // n_statements, cells % n_statements
    with_side = (formats[rows] == 0) == side[cols]
    p_agree = np.where(common[cols], 0.8, np.where(with_side, 0.85, 0.15))
    u = rng.random(len(rows))
    votes = np.where(u < 0.9 * p_agree, 1, np.where(u < 0.9, -1, 0)).astype(np.int8)
    return {"rows": rows, "cols": cols, "votes": votes, "formats": formats, "common": common}


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC via ranks (ties get average ranks)."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def run_parley(data: dict[str, np.ndarray], n_statements: int) -> dict[str, Any]:
    """Time the joint agenda and BridgingModel on one process."""
    import scipy.sparse as sp

    from parley.core.agenda import build_agenda
    from parley.core.bridging import BridgingModel

    n_participants = len(data["formats"])
    votes = sp.csr_array(
        (data["votes"].astype(np.float32), (data["rows"], data["cols"])),
        shape=(n_participants, n_statements),
    )
    start = time.perf_counter()
    agenda = build_agenda(votes, data["formats"], min_votes=5)
    agenda_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model = BridgingModel().fit(votes)
    fit_seconds = time.perf_counter() - start
    common = data["common"]
    return {
        "agenda_seconds": round(agenda_seconds, 3),
        "agenda_auc": auc(np.nan_to_num(agenda.common_ground, nan=0.0), common),
        "fit_seconds": round(fit_seconds, 3),
        "fit_iterations": model.n_iter_,
        "fit_auc": auc(model.statement_intercepts_, common),
        "loss": model.loss_,
        "intercepts": model.statement_intercepts_,
    }


def run_torch(data: dict[str, np.ndarray], n_statements: int, timeout: float) -> dict[str, Any]:
    """Fit the Community Notes-style model in .torchvenv (a subprocess) and score it."""
    if not TORCH_PYTHON.exists():
        return {"status": "skipped: no .torchvenv"}
    keep = data["votes"] != 0
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(
            source,
            rows=data["rows"][keep],
            cols=data["cols"][keep],
            ratings=(data["votes"][keep] > 0).astype(np.float32),
            shape=np.array([len(data["formats"]), n_statements]),
        )
        try:
            subprocess.run(
                [str(TORCH_PYTHON), __file__, "--torch-worker", str(source), str(target)],
                check=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {"status": f"timeout after {timeout:.0f} s"}
        out = np.load(target)
        return {
            "status": "ok",
            "fit_seconds": round(float(out["seconds"]), 3),
            "epochs": int(out["epochs"]),
            "fit_auc": auc(out["intercepts"], data["common"]),
            "loss": float(out["loss"]),
            "intercepts": out["intercepts"],
        }


def torch_worker(source: str, target: str) -> None:  # pragma: no cover - runs in .torchvenv
    """Full-batch Adam matrix factorisation as documented by Community Notes."""
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(2)
    data = np.load(source)
    rows = torch.from_numpy(data["rows"].astype(np.int64))
    cols = torch.from_numpy(data["cols"].astype(np.int64))
    ratings = torch.from_numpy(data["ratings"].astype(np.float32))
    n_users, n_notes = (int(x) for x in data["shape"])
    n = len(ratings)
    mu = torch.zeros(1, requires_grad=True)
    user_b = torch.zeros(n_users, requires_grad=True)
    note_b = torch.zeros(n_notes, requires_grad=True)
    user_f = (0.1 * torch.randn(n_users, 1)).requires_grad_()
    note_f = (0.1 * torch.randn(n_notes, 1)).requires_grad_()
    params = [mu, user_b, note_b, user_f, note_f]
    optimizer = torch.optim.Adam(params, lr=0.2)
    l_i, l_f = 0.15, 0.03
    start = time.perf_counter()
    previous, epochs, loss_value = float("inf"), 0, float("nan")
    for epochs in range(1, 20001):  # noqa: B007
        optimizer.zero_grad()
        pred = mu + user_b[rows] + note_b[cols] + (user_f[rows] * note_f[cols]).sum(dim=1)
        loss = (
            ((ratings - pred) ** 2).sum()
            + l_i * ((mu**2).sum() + (user_b**2).sum() + (note_b**2).sum())
            + l_f * ((user_f**2).sum() + (note_f**2).sum())
        ) / n
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
        optimizer.step()
        loss_value = float(loss.item())
        if abs(previous - loss_value) < 1e-7:
            break
        previous = loss_value
    seconds = time.perf_counter() - start
    np.savez(
        target,
        intercepts=note_b.detach().numpy().astype(np.float64),
        seconds=np.array(seconds),
        epochs=np.array(epochs),
        loss=np.array(loss_value * n),
    )


def main() -> None:
    """Run the benchmark and print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-worker", nargs=2, metavar=("IN", "OUT"))
    parser.add_argument("--sizes", type=int, nargs="*", default=[10**6, 10**7])
    parser.add_argument("--skip-torch-at", type=int, nargs="*", default=[])
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    if args.torch_worker:
        torch_worker(*args.torch_worker)
        return
    for n_votes in args.sizes:
        n_statements = 10**4
        n_participants = max(n_votes // 50, 100)
        data = planted_process(n_participants, n_statements, n_votes)
        result: dict[str, Any] = {
            "n_votes": len(data["votes"]),
            "n_participants": n_participants,
            "n_statements": n_statements,
        }
        parley = run_parley(data, n_statements)
        if n_votes in args.skip_torch_at:
            torch_result: dict[str, Any] = {"status": "skipped"}
        else:
            torch_result = run_torch(data, n_statements, args.timeout)
        if "intercepts" in torch_result:
            result["intercept_correlation"] = float(
                np.corrcoef(parley["intercepts"], torch_result["intercepts"])[0, 1]
            )
        parley.pop("intercepts")
        torch_result.pop("intercepts", None)
        result["parley"], result["torch_adam"] = parley, torch_result
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
