"""Where one conversation's analysis runs: in-process, or on Dask from a number of votes on.

``placed_analysis`` turns the web app's settings (``dask_address``, ``dask_min_votes``) into
the function the analysis worker runs each snapshot with (``DatabaseJobs(analyse=...)``).
Below the threshold, or without a scheduler, it is ``run_analysis``: in-process, warm from
the stored state. From the threshold on, the snapshot's final votes are written as Parquet
parts in a temporary folder (sliced, never densified) and analysed cold by ``analyse_votes``
on the scheduler; the result is stored exactly as an in-process one (the same payload, and
its state). A Dask analysis keeps no vote matrix, so each update there is a cold start.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from parley.io.parquet import write_vote_parts

from .analysis import (
    AnalysisInput,
    AnalysisOutput,
    analyse_votes,
    analysis_output,
    dask_for,
    run_analysis,
)

__all__ = ["PART_VOTES", "analyse_on_scheduler", "place_analysis", "placed_analysis"]

logger = logging.getLogger(__name__)

#: votes per Parquet part written for Dask: each part is one task's read
PART_VOTES = 5_000_000


def placed_analysis(
    dask_address: str | None, min_votes: int, *, scratch: Path | None = None
) -> Callable[[AnalysisInput], AnalysisOutput]:
    """The worker's analysis function for these settings: in-process, or Dask when large."""
    if not dask_address:
        return run_analysis
    return partial(place_analysis, dask_address=dask_address, min_votes=min_votes, scratch=scratch)


def place_analysis(
    job: AnalysisInput,
    *,
    dask_address: str | None,
    min_votes: int,
    scratch: Path | None = None,
) -> AnalysisOutput:
    """Analyse the snapshot on Dask when it has ``min_votes`` final votes or more, else here."""
    address = dask_for(len(job.values), dask_address, min_votes)
    if address is None:
        return run_analysis(job)
    return analyse_on_scheduler(job, address, scratch=scratch)


def analyse_on_scheduler(
    job: AnalysisInput,
    address: str,
    *,
    scratch: Path | None = None,
    part_votes: int = PART_VOTES,
) -> AnalysisOutput:
    """Write the snapshot's votes as Parquet parts and analyse them (cold) on ``address``.

    ``scratch`` is where the parts' temporary folder goes (shared storage for a remote
    scheduler); None: the system's temporary folder.
    """
    started = time.perf_counter()
    moderated_out = [sid for sid, state in job.moderation.items() if state == -1]
    with tempfile.TemporaryDirectory(prefix="parley-votes-", dir=scratch) as folder:
        write_vote_parts(
            folder, job.participant_ids, job.statement_ids, job.values, part_votes=part_votes
        )
        analysis = analyse_votes(
            folder,
            dask_address=address,
            moderated_out=moderated_out,
            meta=list(job.meta_ids),
            params=job.params,
        )
    logger.info(
        "%d votes analysed on Dask (%s) in %.1f s",
        len(job.values),
        address,
        time.perf_counter() - started,
    )
    return analysis_output(analysis, job, is_warm=False)
