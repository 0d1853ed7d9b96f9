"""Run one command as a separate process and measure its wall time and peak resident memory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median

GNU_TIME = Path("/usr/bin/time")


@dataclass(frozen=True)
class Measurement:
    """Outcome of one process run: status is ok, failed, timeout, skipped or n/a."""

    status: str
    wall_seconds: float | None = None
    peak_rss_mb: float | None = None
    cpu_seconds: float | None = None  # user + system: less sensitive to other load than wall
    note: str = ""

    @property
    def ok(self) -> bool:
        """Tell whether the process ran to a zero exit status."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return asdict(self)


def parse_gnu_time(report: str) -> tuple[float | None, float | None, float | None, int | None]:
    """Read wall seconds, peak RSS (MB), CPU seconds and exit status from ``time -v``."""
    wall = rss = cpu = status = None
    match = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", report)
    if match:
        wall = 0.0
        for part in match.group(1).split(":"):
            wall = wall * 60 + float(part)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    if match:
        rss = int(match.group(1)) / 1024
    times = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", report)
    if times:
        cpu = sum(float(t) for t in times)
    match = re.search(r"Exit status: (\d+)", report)
    if match:
        status = int(match.group(1))
    match = re.search(r"Command terminated by signal (\d+)", report)
    if match:  # e.g. the kernel's out-of-memory killer
        status = 128 + int(match.group(1))
    return wall, rss, cpu, status


def tail(path: Path, n_lines: int = 5) -> str:
    """Return the last lines of a log file, joined with ' | '."""
    if not path.exists():
        return ""
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(lines[-n_lines:])


def run_measured(
    command: list[str], *, log_path: Path, timeout: float, env: dict[str, str] | None = None
) -> Measurement:
    """Run command under ``/usr/bin/time -v`` and measure it; kill it past timeout seconds."""
    if not have_gnu_time():
        # Measuring from this (large) Python process would be wrong: a forked child's peak RSS
        # includes the parent's pages from before exec. GNU time forks from a tiny process.
        raise RuntimeError(f"{GNU_TIME} is missing: apt-get update && apt-get install -y time")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as report_file:
        report_path = Path(report_file.name)
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            # A new session lets a timeout end the command and all it started, and only that.
            process = subprocess.Popen(
                [str(GNU_TIME), "-v", "-o", str(report_path), *command],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return Measurement("timeout", note=f"killed after {timeout:.0f} s")
        wall, rss, cpu, status = parse_gnu_time(report_path.read_text(encoding="utf-8"))
    finally:
        report_path.unlink(missing_ok=True)
    if status is None:
        status = process.returncode
    if status != 0:
        return Measurement("failed", wall, rss, cpu, f"exit {status}: {tail(log_path)}")
    return Measurement("ok", wall, rss, cpu)


def summarise(runs: list[Measurement]) -> Measurement:
    """Combine repeated runs into their medians, or return the first failure."""
    for run in runs:
        if not run.ok:
            return run
    return Measurement(
        "ok",
        _median([r.wall_seconds for r in runs]),
        _median([r.peak_rss_mb for r in runs]),
        _median([r.cpu_seconds for r in runs]),
        f"median of {len(runs)}" if len(runs) > 1 else "",
    )


def _median(values: list[float | None]) -> float | None:
    """Return the median of the known values, or None."""
    known = [v for v in values if v is not None]
    return median(known) if known else None


def have_gnu_time() -> bool:
    """Tell whether /usr/bin/time is installed (Debian package ``time``)."""
    return os.access(GNU_TIME, os.X_OK)
