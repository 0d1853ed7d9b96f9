"""The demo: a demo facilitator, the bundled real conversation and the demo process, loaded once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from parley.data import DEMO_CONVERSATION, bundled_conversation
from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Facilitator

from .accounts import create_facilitator, new_api_key, set_password
from .demo_process import demo_process_id, load_demo_process_into
from .polis_exchange import import_polis_export
from .refresh import refresh_everything
from .sessions import read_session

__all__ = ["DEMO_FACILITATOR", "DemoAccess", "prepare_demo"]

DEMO_FACILITATOR = "demo"


@dataclass(frozen=True)
class DemoAccess:
    """What ``parley demo`` prints: the conversation and fresh credentials for it."""

    conversation_id: int
    facilitator_name: str
    api_key: str
    password: str
    is_new: bool  # imported just now
    process_id: int  # the multilingual demo process (parley.services.demo_process)


def _demo_conversation(session_factory: SessionFactory, facilitator_id: int) -> int | None:
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Conversation.id, Conversation.settings)
            .where(Conversation.facilitator_id == facilitator_id)
            .order_by(Conversation.id)
        ).all()
    for conversation_id, settings in rows:
        if (settings or {}).get("demo") == DEMO_CONVERSATION:
            return int(conversation_id)
    return None


def prepare_demo(session_factory: SessionFactory) -> DemoAccess:
    """Import the bundled conversation unless done before; give the demo facilitator new keys.

    The password and API key are new at every call (only their hashes are stored, so old
    ones cannot be shown again). The first analysis is computed before this returns.
    """
    password = secrets.token_urlsafe(9)
    with read_session(session_factory) as session:
        facilitator_id = session.scalar(
            select(Facilitator.id).where(Facilitator.name == DEMO_FACILITATOR)
        )
    if facilitator_id is None:
        facilitator_id, api_key = create_facilitator(
            session_factory, DEMO_FACILITATOR, password=password
        )
    else:
        api_key = new_api_key(session_factory, DEMO_FACILITATOR)
        set_password(session_factory, DEMO_FACILITATOR, password)
    conversation_id = _demo_conversation(session_factory, facilitator_id)
    is_new = conversation_id is None
    if conversation_id is None:
        conversation_id = import_polis_export(session_factory, bundled_conversation())
        with session_factory.begin() as session:
            session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(facilitator_id=facilitator_id, settings={"demo": DEMO_CONVERSATION})
            )
    process_id = demo_process_id(session_factory, facilitator_id)
    if process_id is None:
        process_id = load_demo_process_into(session_factory, facilitator_id)
    refresh_everything(session_factory)  # every result stored before the app serves it
    return DemoAccess(conversation_id, DEMO_FACILITATOR, api_key, password, is_new, process_id)
