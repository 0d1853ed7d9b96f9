"""The demo process: two negotiating formats on Syria, in six languages, with simulated votes.

The content (``parley.data.syria_demo``) is fictional and modelled on a public report on a
coordination mechanism between the Astana group and the Small Group. Each delegation's
members join their format's conversation; statements are written in the delegation's
language, with language and embedding stored, and carry translations into the delegations'
languages (``syria/translations.json``), as do the process's name and format names, so each
delegation reads the agenda in its own language; statements marked shared are shared with
the other format; the seeded simulated votes are recorded; every format's analysis, the
agenda items and their labels are computed before this returns. The votes arrive in three
parts: rounds 1 and 2 are closed after the first two (half of the shared statements reach
the other format only in round 2), the last part is the current round.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.data.syria_demo import DemoProcess, load_demo_process, simulate_votes
from parley.data.syria_translations import load_demo_translations
from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Process, Statement
from parley.db.tokens import new_participant_token
from parley.db.translation_models import StatementTranslation, TextTranslation

from .agenda import refresh_agenda
from .embeddings import embed_texts, encode_vector, model_name
from .processes import ProcessInfo, create_process, process_info
from .refresh import refresh_everything
from .rounds import close_round
from .rules import AutoShare, ModerationState, ProcessSettings
from .sessions import read_session
from .sharing import share_statement
from .translations import TranslationSource
from .votes import VoteRequest, record_votes

__all__ = ["DEMO_PROCESS", "demo_process_id", "load_demo_process_into"]

DEMO_PROCESS = "syria"
DEMO_MIN_VOTES = 3
DEMO_SEED = 7
VOTE_BATCH = 500
#: the share of the simulated votes cast by the end of round 1, of round 2, and now
ROUND_ENDS = (0.45, 0.75, 1.0)
ROUND_NOTES = ("First session", "Second session")


def demo_process_id(session_factory: SessionFactory, facilitator_id: int) -> int | None:
    """Return the id of the facilitator's demo process, or None when not loaded yet."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Process.id, Process.settings)
            .where(Process.facilitator_id == facilitator_id)
            .order_by(Process.id)
        ).all()
    for process_id, settings in rows:
        if ProcessSettings.from_json(settings).demo == DEMO_PROCESS:
            return int(process_id)
    return None


def _languages(spec: DemoProcess, format_key: str) -> list[str]:
    fmt = next(f for f in spec.formats if f.key == format_key)
    tags = [m.language for m in fmt.members]
    tags += [s.language for s in spec.statements if s.format == format_key]
    return list(dict.fromkeys(tags))


def _add_translations(
    session: Session,
    spec: DemoProcess,
    process_id: int,
    statement_ids: dict[str, int],
    info: ProcessInfo,
) -> None:
    """Store the demo's translations: statements (a facilitator's), name, formats."""
    texts = load_demo_translations(spec)
    for key, by_language in texts.statements.items():
        for language, text in by_language.items():
            session.add(
                StatementTranslation(
                    statement_id=statement_ids[key],
                    language=language,
                    text=text,
                    source=TranslationSource.FACILITATOR.value,
                    moderation_state=int(ModerationState.ACCEPTED),
                    created_by="demo",
                )
            )
    rows = [("name", 0, texts.name), ("description", 0, texts.description)]
    for fmt in spec.formats:
        rows.append(("format", info.format_named(fmt.name).id, texts.formats.get(fmt.key, {})))
    for kind, ref_id, by_language in rows:
        for language, text in by_language.items():
            session.add(
                TextTranslation(
                    process_id=process_id, kind=kind, ref_id=ref_id, language=language, text=text
                )
            )


def load_demo_process_into(session_factory: SessionFactory, facilitator_id: int) -> int:
    """Create the demo process for a facilitator, with members, statements and votes."""
    spec = load_demo_process()
    process_id = create_process(
        session_factory,
        facilitator_id=facilitator_id,
        name=spec.name,
        description=spec.description,
        formats=[f.name for f in spec.formats],
        settings=ProcessSettings(
            min_votes=DEMO_MIN_VOTES, auto_share=AutoShare(min_votes=8, min_agree=0.8)
        ),
    )
    info = process_info(session_factory, process_id)
    conversation_of = {f.key: info.format_named(f.name).conversation_id for f in spec.formats}
    vectors = embed_texts([s.text for s in spec.statements])
    model = model_name()
    member_ids: dict[str, int] = {}
    statement_ids: dict[str, int] = {}
    with session_factory.begin() as session:
        for fmt in spec.formats:
            for member in fmt.members:
                _, token_hash = new_participant_token()
                row = Participant(
                    conversation_id=conversation_of[fmt.key], token_hash=token_hash, xid=member.key
                )
                session.add(row)
                session.flush()
                member_ids[member.key] = row.id
        for fmt in spec.formats:
            conversation = session.get_one(Conversation, conversation_of[fmt.key])
            conversation.languages = _languages(spec, fmt.key)
        authors: dict[tuple[str, str], int] = {}
        for fmt in spec.formats:
            for member in fmt.members:
                authors.setdefault((fmt.key, member.delegation), member_ids[member.key])
        for statement, vector in zip(spec.statements, vectors, strict=True):
            written = Statement(
                conversation_id=conversation_of[statement.format],
                text=statement.text,
                language=statement.language,
                language_source="author",
                embedding=encode_vector(vector),
                embedding_model=model,
                author_id=authors[(statement.format, statement.delegation)],
                moderation_state=int(ModerationState.ACCEPTED),
                moderated_by="demo",
            )
            session.add(written)
            session.flush()
            statement_ids[statement.key] = written.id
        _add_translations(session, spec, process_id, statement_ids, info)
    shared = [st for st in spec.statements if st.shared]
    late = {st.key for st in shared[1::2]}  # every other shared statement: after round 1
    copies: dict[tuple[str, str], int] = {}

    def share(keys: set[str]) -> None:
        for statement in spec.statements:
            if statement.key not in keys:
                continue
            for target in spec.formats:
                if target.key != statement.format:
                    (copy,) = share_statement(
                        session_factory,
                        statement_ids[statement.key],
                        format_ids=[info.format_named(target.name).id],
                        actor="demo",
                    )
                    copies[(statement.key, target.key)] = copy

    share({st.key for st in shared} - late)
    format_of = {m.key: f.key for f in spec.formats for m in f.members}
    origin_of = {s.key: s.format for s in spec.statements}
    phases: list[list[tuple[str, str, int]]] = [[], [], []]
    votes = simulate_votes(spec, seed=DEMO_SEED)
    for n, vote in enumerate(votes):
        phase = next(i for i, end in enumerate(ROUND_ENDS) if n < end * len(votes))
        on_copy = origin_of[vote.statement] != format_of[vote.member]
        if on_copy and vote.statement in late:
            phase = max(phase, 1)  # its copy arrives with round 2
        phases[phase].append((vote.member, vote.statement, vote.value))
    for phase, phase_votes in enumerate(phases):
        if phase == 1:
            share(late)
        requests: list[VoteRequest] = []
        for member_key, statement_key, value in phase_votes:
            home = format_of[member_key]
            voted = (
                statement_ids[statement_key]
                if origin_of[statement_key] == home
                else copies[(statement_key, home)]
            )
            requests.append(VoteRequest(member_ids[member_key], voted, value))
        for start in range(0, len(requests), VOTE_BATCH):
            record_votes(session_factory, requests[start : start + VOTE_BATCH])
        if phase < len(phases) - 1:  # rounds 1 and 2 close on the agenda as it stood then
            refresh_agenda(session_factory, process_id)
            close_round(session_factory, process_id, note=ROUND_NOTES[phase])
    with session_factory.begin() as session:  # marked complete last: a failed load is not reused
        process = session.get_one(Process, process_id)
        settings = ProcessSettings.from_json(process.settings)
        process.settings = replace(settings, demo=DEMO_PROCESS).to_json()
    refresh_everything(session_factory)  # analyses and the joint agenda, as the worker would
    return process_id
