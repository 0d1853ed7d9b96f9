"""Keep stored results current: re-analyse changed conversations, recompute changed agendas.

A conversation carries ``votes_version`` (bumped by every batch of votes) and
``moderation_version`` (bumped by every moderation change); each stored analysis records the
versions it reflects. A newer ``votes_version`` means a warm update from the stored state; a
newer ``moderation_version`` (or no analysis yet) a full recompute. The snapshot is read in
one read transaction, the computation holds no transaction, and the result is written in
one short one. A process whose fingerprint (``agenda.fingerprints``) differs from its stored
agenda's gets its joint agenda recomputed, after the analyses of the same poll. Statements
without an embedding are embedded by a job of their own (``EmbedJob``), so that a vote's
re-analysis never waits for the embedding model. ``DatabaseJobs`` claims a lease on each job
(``job_leases``), so any number of workers can share one database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import aliased

from parley.compute.analysis import AnalysisInput, AnalysisOutput, run_analysis
from parley.compute.worker import AgendaJob, AnalysisJob, EmbedJob, Job
from parley.core.pipeline import Params
from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult, Conversation, Statement, Vote
from parley.db.queries import current_votes, newest_analysis
from parley.errors import NotFoundError

from .agenda import fingerprints, refresh_agenda
from .embeddings import conversations_to_embed, embed_conversation
from .job_leases import LEASE_SECONDS, Leases
from .processes import format_of_conversation
from .sessions import read_session
from .sharing import auto_share
from .vote_cache import VoteCache

logger = logging.getLogger(__name__)

__all__ = [
    "Analyse",
    "DatabaseJobs",
    "pending_agendas",
    "pending_analyses",
    "pending_embeddings",
    "refresh_analysis",
    "refresh_everything",
]

#: analyses kept per conversation (the newest ones); older ones are deleted
KEEP_ANALYSES = 2
#: statements one embedding job embeds: short jobs, so that a worker soon polls again and
#: new votes' analyses do not wait long behind the embedding model
EMBED_PER_JOB = 32

#: where an analysis runs: here by default (``run_analysis``); the hook for placing large
#: conversations elsewhere (a Dask cluster) is to pass another function to ``DatabaseJobs``
Analyse = Callable[[AnalysisInput], AnalysisOutput]


def pending_analyses(session_factory: SessionFactory) -> list[AnalysisJob]:
    """Return a job for every conversation whose latest analysis is out of date (or missing)."""
    latest = aliased(AnalysisResult)
    newest_id = (
        select(func.max(AnalysisResult.id))
        .where(AnalysisResult.conversation_id == Conversation.id)
        .correlate(Conversation)
        .scalar_subquery()
    )
    has_votes = exists().where(Vote.conversation_id == Conversation.id)
    query = (
        select(
            Conversation.id,
            Conversation.votes_version,
            Conversation.moderation_version,
            latest.id,
            latest.moderation_version,
        )
        .outerjoin(latest, latest.id == newest_id)
        .where(
            ((latest.id.is_(None)) & has_votes)
            | (latest.votes_version != Conversation.votes_version)
            | (latest.moderation_version != Conversation.moderation_version)
        )
        .order_by(Conversation.id)
    )
    with read_session(session_factory) as session:
        rows = session.execute(query).all()
    return [
        AnalysisJob(
            conversation_id=int(cid),
            votes_version=int(votes_version),
            moderation_version=int(moderation_version),
            is_full=analysis_id is None or analysed_moderation != moderation_version,
        )
        for cid, votes_version, moderation_version, analysis_id, analysed_moderation in rows
    ]


def pending_agendas(session_factory: SessionFactory) -> list[AgendaJob]:
    """Return a job for every process whose stored joint agenda is out of date (or missing)."""
    return [
        AgendaJob(process_id, current)
        for process_id, (current, stored) in sorted(fingerprints(session_factory).items())
        if current != stored
    ]


def pending_embeddings(session_factory: SessionFactory) -> list[EmbedJob]:
    """Return a job for every conversation with statements the worker has not embedded."""
    return [
        EmbedJob(cid, missing)
        for cid, missing in sorted(conversations_to_embed(session_factory).items())
    ]


def _snapshot(
    session_factory: SessionFactory,
    job: AnalysisJob,
    params: Params,
    cache: VoteCache | None = None,
) -> tuple[AnalysisInput, int, int]:
    """Read what one analysis needs in one read transaction; also the versions it reflects.

    With a ``cache``, only the votes cast since its last read are read.
    """
    with read_session(session_factory) as session:
        versions = session.execute(
            select(Conversation.votes_version, Conversation.moderation_version).where(
                Conversation.id == job.conversation_id
            )
        ).first()
        if versions is None:
            raise NotFoundError(f"conversation {job.conversation_id} does not exist")
        statements = session.execute(
            select(Statement.id, Statement.text, Statement.moderation_state, Statement.is_meta)
            .where(Statement.conversation_id == job.conversation_id)
            .order_by(Statement.id)
        ).all()
        if cache is None:
            pids, sids, values = current_votes(session.connection(), job.conversation_id)
        else:
            pids, sids, values = cache.votes(
                session.connection(), job.conversation_id, full=job.is_full
            )
        state = None
        if not job.is_full:
            newest = newest_analysis(session, job.conversation_id, AnalysisResult.state)
            state = newest[0] if newest is not None else None
    snapshot = AnalysisInput(
        participant_ids=pids,
        statement_ids=sids,
        values=values,
        texts={int(s.id): s.text for s in statements},
        moderation={int(s.id): int(s.moderation_state) for s in statements},
        meta_ids=[int(s.id) for s in statements if s.is_meta],
        state=state,
        params=params,
        is_final_sorted=cache is not None,
    )
    return snapshot, int(versions[0]), int(versions[1])


def refresh_analysis(
    session_factory: SessionFactory,
    job: AnalysisJob,
    *,
    params: Params | None = None,
    analyse: Analyse = run_analysis,
    cache: VoteCache | None = None,
) -> AnalysisOutput | None:
    """Analyse one conversation and store the result; None when it has no votes yet.

    ``cache`` keeps the votes between updates (a worker's); without it every vote is read.
    """
    snapshot, votes_version, moderation_version = _snapshot(
        session_factory, job, params or Params(), cache
    )
    if len(snapshot.values) == 0:
        return None
    output = analyse(snapshot)
    with session_factory.begin() as session:
        session.add(
            AnalysisResult(
                conversation_id=job.conversation_id,
                n_votes=output.n_votes,
                payload=output.payload,
                state=output.state,
                votes_version=votes_version,
                moderation_version=moderation_version,
                priorities=output.priorities,
            )
        )
        session.flush()
        old = session.scalars(
            select(AnalysisResult.id)
            .where(AnalysisResult.conversation_id == job.conversation_id)
            .order_by(AnalysisResult.id.desc())
            .offset(KEEP_ANALYSES)
        ).all()
        if old:
            session.execute(delete(AnalysisResult).where(AnalysisResult.id.in_(old)))
    return output


class DatabaseJobs:
    """The worker's JobSource over a database (``parley.compute.worker.JobSource``).

    Each job runs under a lease (``job_leases.Leases``): ``run`` answers False without
    running when another worker holds it, or when its version is done or failed already.
    ``analyse`` is where analyses run (here by default).
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        params: Params | None = None,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        analyse: Analyse = run_analysis,
    ) -> None:
        self.session_factory = session_factory
        self.params = params or Params()
        self.leases = Leases(session_factory, owner=owner, lease_seconds=lease_seconds)
        self.analyse = analyse
        self.votes = VoteCache()

    def pending(self) -> Sequence[Job]:
        """Return the out-of-date analyses, then agendas, then statements to embed."""
        return [
            *pending_analyses(self.session_factory),
            *pending_agendas(self.session_factory),
            *pending_embeddings(self.session_factory),
        ]

    def run(self, job: Job) -> bool:
        """Bring one job's result up to date under its lease; False when not ours to run."""
        key = "{}:{}".format(*job.key)
        with self.leases.held(key, job.version) as is_ours:
            if is_ours:
                self._run(job)
            return is_ours

    def _run(self, job: Job) -> None:
        """Run one job: an agenda, or an analysis or embeddings (then the auto-share rule)."""
        if isinstance(job, AgendaJob):
            refresh_agenda(self.session_factory, job.process_id)
            return
        if isinstance(job, EmbedJob):
            embed_conversation(self.session_factory, job.conversation_id, limit=EMBED_PER_JOB)
        else:
            refresh_analysis(
                self.session_factory,
                job,
                params=self.params,
                analyse=self.analyse,
                cache=self.votes,
            )
        found = format_of_conversation(self.session_factory, job.conversation_id)
        if found is not None:
            shared = auto_share(self.session_factory, found[0], conversation_id=job.conversation_id)
            if shared:
                logger.info("process %d: %d statement copies auto-shared", found[0], len(shared))


def refresh_everything(
    session_factory: SessionFactory, *, params: Params | None = None, max_rounds: int = 5
) -> int:
    """Run every pending job now, until none is left (the worker's work, in the caller).

    For the CLI, the demo and tests; returns the number of jobs run. Stops after
    ``max_rounds`` polls, as auto-shares made by one round can make more work.
    """
    jobs = DatabaseJobs(session_factory, params=params)
    n_run = 0
    for _ in range(max_rounds):
        n_round = sum(1 for job in jobs.pending() if jobs.run(job))
        if n_round == 0:
            break
        n_run += n_round
    return n_run
