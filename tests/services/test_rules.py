"""The domain rules: visibility, moderation states and modes, copies, process settings."""

from __future__ import annotations

import pytest

from parley.errors import InputError
from parley.services.rules import (
    DEFAULT_MIN_VOTES,
    AutoShare,
    ModerationMode,
    ModerationState,
    ProcessSettings,
    agenda_min_votes,
    copy_state,
    is_visible,
    moderation_mode,
    moderation_state,
    statement_status,
)

ACCEPTED, PENDING, REJECTED = (
    ModerationState.ACCEPTED,
    ModerationState.PENDING,
    ModerationState.REJECTED,
)


@pytest.mark.parametrize(
    ("state", "mode", "visible", "status"),
    [
        (ACCEPTED, "open", True, "accepted"),
        (ACCEPTED, "strict", True, "accepted"),
        (PENDING, "open", True, "shown"),
        (PENDING, "strict", False, "held"),
        (REJECTED, "open", False, "rejected"),
        (REJECTED, "strict", False, "rejected"),
    ],
)
def test_who_sees_a_statement(state: int, mode: str, visible: bool, status: str) -> None:
    assert is_visible(state, mode) is visible
    assert statement_status(state, mode) == status


def test_states_and_modes_are_parsed_with_the_field_named() -> None:
    assert moderation_state("-1") is REJECTED and moderation_state(1) is ACCEPTED
    with pytest.raises(InputError, match=r"to_state=2 should be -1 \(rejected\)"):
        moderation_state(2, name="to_state")
    assert moderation_mode("strict") is ModerationMode.STRICT
    with pytest.raises(InputError, match="moderation_mode='lax' should be one of 'open', 'strict'"):
        moderation_mode("lax")


def test_a_copy_is_accepted_when_a_facilitator_shares_it() -> None:
    assert copy_state(PENDING, by_facilitator=True) is ACCEPTED
    assert copy_state(PENDING, by_facilitator=False) is PENDING
    assert copy_state(ACCEPTED, by_facilitator=False) is ACCEPTED


def test_process_settings_have_their_defaults_in_one_place() -> None:
    assert ProcessSettings.from_json(None) == ProcessSettings() == ProcessSettings.from_json({})
    assert ProcessSettings().min_votes == DEFAULT_MIN_VOTES and ProcessSettings().auto_share is None
    settings = ProcessSettings(min_votes=3, auto_share=AutoShare(4, 0.6), demo="syria")
    assert ProcessSettings.from_json(settings.to_json()) == settings
    assert settings.to_json() == {
        "min_votes": 3,
        "auto_share": {"min_votes": 4, "min_agree": 0.6},
        "demo": "syria",
        "min_group_size": 3,  # the default, written out
    }
    with pytest.raises(InputError, match=r"min_votes=0 should be in 1\.\.10000"):
        ProcessSettings(min_votes=0)
    with pytest.raises(InputError, match=r"min_agree=1.5 should be in \(0, 1\]"):
        AutoShare(5, 1.5)


def test_the_agenda_never_counts_a_format_on_fewer_voters_than_the_smallest_group() -> None:
    assert agenda_min_votes(1) == agenda_min_votes(3) == 3 and agenda_min_votes(7) == 7
    assert agenda_min_votes(1, 2) == 2 and agenda_min_votes(5, 10) == 10
    assert ProcessSettings(min_votes=1).agenda_min_votes == 3
    assert ProcessSettings(min_votes=2, min_group_size=2).agenda_min_votes == 2
    assert ProcessSettings(min_votes=4, min_group_size=6).agenda_min_votes == 6
    assert ProcessSettings(min_votes=1).to_json()["min_votes"] == 1  # the setting stays as set


def test_the_auto_share_rule_counts_the_share_of_agree_votes() -> None:
    rule = AutoShare(min_votes=10, min_agree=0.7)
    assert rule.is_met(10, 7) and not rule.is_met(10, 6) and not rule.is_met(9, 9)


def test_who_may_read_a_conversation() -> None:
    from parley.services.rules import Reader, may_read

    anybody, stranger = Reader(), Reader(facilitator_id=9)
    assert may_read("public", 1, anybody) and may_read("public", 1, stranger)
    assert not may_read("members", 1, anybody) and not may_read("members", 1, stranger)
    assert may_read("members", 1, Reader(is_member=True))
    assert may_read("members", 1, Reader(holds_join_key=True))
    assert may_read("members", 1, Reader(facilitator_id=1))  # its owner
    assert may_read("members", None, stranger)  # no owner (an import): every facilitator
