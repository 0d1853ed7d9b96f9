"""Where heavy work runs: analysing a conversation, and the worker thread keeping it fresh."""

from __future__ import annotations

from .analysis import (
    AnalysisInput,
    AnalysisOutput,
    analyse_votes,
    dask_for,
    run_analysis,
    state_from_bytes,
    state_to_bytes,
)
from .worker import AnalysisJob, AnalysisWorker, JobSource

__all__ = [
    "AnalysisInput",
    "AnalysisJob",
    "AnalysisOutput",
    "AnalysisWorker",
    "JobSource",
    "analyse_votes",
    "dask_for",
    "run_analysis",
    "state_from_bytes",
    "state_to_bytes",
]
