"""Translations: a statement's texts in other languages, a process's texts, machine runs.

``POST .../statements/{sid}/translations``: with a facilitator's key stored at once, with a
participant's token as the format's moderation mode says; ``GET`` lists the shown ones (a
managing facilitator sees every one). Facilitators edit, moderate and remove translations,
set the process's translated name, description and format names, and start machine
translation runs. The rules live in ``services.translations``. An agenda item's label in a
language is the item's own: ``PUT /processes/{pid}/items/{item_id}`` (``routes.processes``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from parley.db.storable import MAX_ID
from parley.errors import ForbiddenError, InputError, NotFoundError, UnavailableError
from parley.services.accounts import facilitator_info
from parley.services.conversations import ensure_can_manage
from parley.services.machine_translation import machine_translator, translate_process
from parley.services.process_texts import (
    ITEM_LABELS_MOVED,
    TextKind,
    TextTranslationInfo,
    list_text_translations,
    set_text_translation,
)
from parley.services.translation_store import (
    add_translation,
    delete_translation,
    list_translations,
    update_translation,
)
from parley.services.translations import TranslationInfo

from ..costly import limit_facilitator_work
from ..deps import (
    AuthorDep,
    FacilitatorDep,
    ManagedConversationDep,
    ManagedProcessDep,
    OptionalFacilitatorDep,
    ReadableConversationDep,
    SessionFactoryDep,
    SettingsDep,
)
from ..schemas import (
    STRICT,
    LanguageTag,
    TranslationCreate,
    TranslationOut,
    TranslationUpdate,
)

router = APIRouter(tags=["translations"])

_ONE = "/conversations/{conversation_id}/statements/{statement_id}/translations"


class ProcessTextIn(BaseModel):
    """A process's text in another language; an empty ``text`` removes the translation."""

    model_config = STRICT
    kind: TextKind
    ref_id: int = Field(default=0, ge=0, le=MAX_ID, description="the format's id; 0 otherwise")
    language: LanguageTag
    text: str = Field(max_length=50_000)

    @field_validator("kind", mode="before")
    @classmethod
    def _not_an_item(cls, value: Any) -> Any:
        """Send item labels to the agenda item's rename (the one place they live)."""
        if value == "item":
            raise ValueError(ITEM_LABELS_MOVED)
        return value


class ProcessTextOut(BaseModel):
    """A stored translation of a process's text."""

    kind: str
    ref_id: int
    language: str
    text: str


class MachineRunIn(BaseModel):
    """Which languages to machine-translate into (default: every format's languages)."""

    model_config = STRICT
    languages: list[LanguageTag] = Field(default_factory=list, max_length=20)


class MachineRunOut(BaseModel):
    """What a machine translation run did; ``error`` says why it stopped early."""

    n_translated: int
    n_failed: int
    error: str | None


def _out(info: TranslationInfo) -> TranslationOut:
    return TranslationOut.model_validate(info, from_attributes=True)


def _text_out(info: TextTranslationInfo) -> ProcessTextOut:
    return ProcessTextOut(
        kind=info.kind, ref_id=info.ref_id, language=info.language, text=info.text
    )


@router.post(_ONE, status_code=status.HTTP_201_CREATED, response_model=TranslationOut)
async def create(
    conversation_id: int,
    statement_id: int,
    body: TranslationCreate,
    author: AuthorDep,
    sf: SessionFactoryDep,
) -> TranslationOut:
    """Add a translation: a facilitator's is shown at once, a participant's is moderated."""

    def write() -> TranslationInfo:
        actor = (
            None
            if author.facilitator_id is None
            else facilitator_info(sf, author.facilitator_id).name
        )
        return add_translation(
            sf,
            conversation_id,
            statement_id,
            body.language,
            body.text,
            participant_id=author.participant_id,
            actor=actor,
        )

    return _out(await run_in_threadpool(write))


@router.get(_ONE, response_model=list[TranslationOut])
async def list_all(
    conversation_id: ReadableConversationDep,
    statement_id: int,
    facilitator_id: OptionalFacilitatorDep,
    sf: SessionFactoryDep,
) -> list[TranslationOut]:
    """List a statement's translations: those shown, or all of them for its facilitator.

    Only whoever may read the conversation may (``rules.may_read``; else 404).
    """

    def read() -> list[TranslationInfo]:
        everything = False
        if facilitator_id is not None:
            try:
                ensure_can_manage(sf, facilitator_id, conversation_id)
                everything = True
            except (ForbiddenError, NotFoundError):
                everything = False
        return list_translations(sf, conversation_id, statement_id, everything=everything)

    return [_out(info) for info in await run_in_threadpool(read)]


@router.patch(f"{_ONE}/{{translation_id}}", response_model=TranslationOut)
async def edit(
    conversation_id: ManagedConversationDep,
    statement_id: int,
    translation_id: int,
    body: TranslationUpdate,
    facilitator_id: FacilitatorDep,
    sf: SessionFactoryDep,
) -> TranslationOut:
    """Edit a translation's text or moderate it (1 accept, -1 reject, 0 back to pending)."""
    if body.text is None and body.moderation_state is None:
        raise InputError("send text, moderation_state or both")

    def write() -> TranslationInfo:
        return update_translation(
            sf,
            conversation_id,
            statement_id,
            translation_id,
            text=body.text,
            moderation_state=body.moderation_state,
            actor=facilitator_info(sf, facilitator_id).name,
        )

    return _out(await run_in_threadpool(write))


@router.delete(f"{_ONE}/{{translation_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def remove(
    conversation_id: ManagedConversationDep,
    statement_id: int,
    translation_id: int,
    sf: SessionFactoryDep,
) -> Response:
    """Remove a translation."""
    await run_in_threadpool(delete_translation, sf, conversation_id, statement_id, translation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/processes/{process_id}/texts", response_model=list[ProcessTextOut])
async def process_texts(info: ManagedProcessDep, sf: SessionFactoryDep) -> list[ProcessTextOut]:
    """List the process's translated name, description, format names and item labels."""
    return [_text_out(t) for t in await run_in_threadpool(list_text_translations, sf, info.id)]


@router.put("/processes/{process_id}/texts", response_model=list[ProcessTextOut])
async def set_process_text(
    info: ManagedProcessDep, body: ProcessTextIn, sf: SessionFactoryDep
) -> list[ProcessTextOut]:
    """Set one translated text of the process (empty text removes it); returns them all."""

    def write() -> list[TextTranslationInfo]:
        set_text_translation(sf, info.id, body.kind, body.ref_id, body.language, body.text)
        return list_text_translations(sf, info.id)

    return [_text_out(t) for t in await run_in_threadpool(write)]


@router.post("/processes/{process_id}/machine-translations", response_model=MachineRunOut)
async def machine_translate(
    request: Request,
    info: ManagedProcessDep,
    facilitator_id: FacilitatorDep,
    body: MachineRunIn,
    sf: SessionFactoryDep,
    settings: SettingsDep,
) -> MachineRunOut:
    """Machine-translate the process's statements that lack a translation (when configured).

    Each call to the service has a timeout; a service that is down ends the run with
    ``error`` set (never a 5xx), as does a translator that is off.
    """
    limit_facilitator_work(request, facilitator_id, what="look-alike listings and reclusterings")

    def run() -> MachineRunOut:
        try:
            translator = machine_translator(settings)
        except (InputError, UnavailableError) as problem:  # a backend that cannot start
            return MachineRunOut(n_translated=0, n_failed=1, error=str(problem))
        if translator is None:
            return MachineRunOut(
                n_translated=0, n_failed=0, error="machine translation is off (PARLEY_TRANSLATOR)"
            )
        done = translate_process(sf, info.id, translator, languages=body.languages)
        return MachineRunOut(
            n_translated=done.n_translated, n_failed=done.n_failed, error=done.error
        )

    return await run_in_threadpool(run)
