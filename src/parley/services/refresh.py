"""Keep stored results current: re-analyse changed conversations, recompute changed agendas.

A conversation carries ``votes_version`` (bumped by every batch of votes) and
``moderation_version`` (bumped by every moderation change); each stored analysis records the
versions it reflects. A newer ``votes_version`` means a warm update from the stored state; a
newer ``moderation_version`` (or no analysis yet) a full recompute. The snapshot is read in
one read transaction, the computation holds no transaction, and the result is written in
one short one. A process whose fingerprint (``agenda.fingerprints``) differs from its stored
agenda's gets its joint agenda recomputed, after the analyses of the same poll.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import aliased

from parley.compute.analysis import AnalysisInput, AnalysisOutput, run_analysis
from parley.compute.worker import AgendaJob, AnalysisJob, Job
from parley.core.pipeline import Params
from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult, Conversation, Statement, Vote
from parley.db.queries import current_votes, newest_analysis
from parley.errors import NotFoundError

from .agenda import fingerprints, refresh_agenda
from .embeddings import embed_conversation
from .processes import format_of_conversation
from .sessions import read_session
from .sharing import auto_share

logger = logging.getLogger(__name__)

__all__ = [
    "DatabaseJobs",
    "pending_agendas",
    "pending_analyses",
    "refresh_analysis",
    "refresh_everything",
]

#: analyses kept per conversation (the newest ones); older ones are deleted
KEEP_ANALYSES = 2


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


def _snapshot(
    session_factory: SessionFactory, job: AnalysisJob, params: Params
) -> tuple[AnalysisInput, int, int]:
    """Read what one analysis needs in one read transaction; also the versions it reflects."""
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
        pids, sids, values = current_votes(session.connection(), job.conversation_id)
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
    )
    return snapshot, int(versions[0]), int(versions[1])


def refresh_analysis(
    session_factory: SessionFactory, job: AnalysisJob, *, params: Params | None = None
) -> AnalysisOutput | None:
    """Analyse one conversation and store the result; None when it has no votes yet."""
    snapshot, votes_version, moderation_version = _snapshot(
        session_factory, job, params or Params()
    )
    if len(snapshot.values) == 0:
        return None
    output = run_analysis(snapshot)
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
    """The worker's JobSource over a database (``parley.compute.worker.JobSource``)."""

    def __init__(self, session_factory: SessionFactory, *, params: Params | None = None) -> None:
        self.session_factory = session_factory
        self.params = params or Params()

    def pending(self) -> Sequence[Job]:
        """Return the out-of-date analyses, then the out-of-date joint agendas."""
        return [*pending_analyses(self.session_factory), *pending_agendas(self.session_factory)]

    def run(self, job: Job) -> None:
        """Bring one conversation's analysis, or one process's joint agenda, up to date.

        After an analysis, statements without an embedding (an import, say) are embedded a
        batch at a time and the process's auto-share rule is applied.
        """
        if isinstance(job, AgendaJob):
            refresh_agenda(self.session_factory, job.process_id)
            return
        refresh_analysis(self.session_factory, job, params=self.params)
        embed_conversation(self.session_factory, job.conversation_id)
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
        pending = jobs.pending()
        if not pending:
            break
        for job in pending:
            jobs.run(job)
            n_run += 1
    return n_run
