"""Time ``parley analyze`` on a large vote log, in-process or on a LocalCluster, per process.

Runs the command in its own process and samples the resident memory of it and of every
process it starts (the LocalCluster's scheduler-side nanny and workers) every 0.2 s with
psutil, so the peak of each process is reported, not only the parent's. CPU time is the
sum over the processes (user + system), useful when the machine is shared.

    .venv/bin/python benchmarks/scale.py /tmp/e8/votes.parquet
    .venv/bin/python benchmarks/scale.py /tmp/e8/votes.parquet --dask local
    .venv/bin/python benchmarks/scale.py /tmp/e8 --label csv   # a folder export: votes.csv
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil


def run(command: list[str], *, root: psutil.Process | None = None) -> dict[str, object]:
    """Run ``command``; return wall time, CPU time and the peak RSS of each process.

    The processes sampled are ``command``'s, or all of ``root``'s descendants when given.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command)
    root = root or psutil.Process(process.pid)
    peaks: dict[int, tuple[str, int]] = {}
    cpu: dict[int, float] = {}
    while process.poll() is None:
        try:
            family = [*([] if root.pid == os.getpid() else [root]), *root.children(True)]
        except psutil.NoSuchProcess:
            break
        for p in family:
            try:
                rss = p.memory_info().rss
                times = p.cpu_times()
                name = " ".join(p.cmdline()[1:3])[-60:]
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            cpu[p.pid] = times.user + times.system
            if rss > peaks.get(p.pid, ("", 0))[1]:
                peaks[p.pid] = (name, rss)
        time.sleep(0.2)
    wall = time.perf_counter() - start
    return {
        "exit": process.returncode,
        "wall_s": round(wall, 1),
        "cpu_s": round(sum(cpu.values()), 1),
        "peak_rss_gb": {
            f"{pid} {name}": round(rss / 1e9, 2) for pid, (name, rss) in sorted(peaks.items())
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run one analysis and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--dask", default=None, help="a scheduler address, or local")
    parser.add_argument("--out", type=Path, default=Path("/tmp/parley-scale.json"))
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--workers", type=int, default=0, help="start a LocalCluster of N worker processes here"
    )
    args = parser.parse_args(argv)
    parley = str(Path(sys.executable).with_name("parley"))
    command = [parley, "analyze", str(args.source), "-o", str(args.out), "-q"]
    if args.workers:
        from dask.distributed import LocalCluster

        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, dashboard_address="127.0.0.1:0"
        ) as cluster:
            command += ["--dask", cluster.scheduler_address]
            args.dask = f"LocalCluster({args.workers})"
            figures = run(command, root=psutil.Process())
    else:
        if args.dask:
            command += ["--dask", args.dask]
        figures = run(command)
    figures["label"] = args.label or ("dask " + args.dask if args.dask else "in-process")
    figures["source"] = str(args.source)
    print(json.dumps(figures, indent=1))
    return 0 if figures["exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
