"""The demo process on Syria: its packaged content, its validation and the vote simulator."""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import pytest

from parley.data.syria_demo import (
    MAX_TEXT_LENGTH,
    STATEMENTS_RESOURCE,
    DemoProcess,
    DemoStatement,
    SimulatedVote,
    load_demo_process,
    parse_demo_process,
    simulate_votes,
)
from parley.errors import InputError
from parley.text.language import detect_language

LANGUAGES = {"de", "en", "fr", "ru", "tr", "ar"}


@pytest.fixture(scope="module")
def process() -> DemoProcess:
    return load_demo_process()


def raw_content() -> dict[str, Any]:
    text = files("parley.data").joinpath(*STATEMENTS_RESOURCE.split("/")).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def other_format(process: DemoProcess, key: str) -> str:
    return next(fmt.key for fmt in process.formats if fmt.key != key)


def is_common(statement: DemoStatement) -> bool:
    return statement.shared and all(agree >= 0.75 for agree, _ in statement.stance.values())


def contested_sides(statement: DemoStatement) -> tuple[str, str] | None:
    """(the format that agrees, the one that disagrees) for a planted contested statement."""
    if not statement.shared:
        return None
    high = [fmt for fmt, (agree, _) in statement.stance.items() if agree >= 0.65]
    low = [fmt for fmt, (agree, against) in statement.stance.items() if agree <= 0.25]
    if len(high) == 1 and len(low) == 1:
        return high[0], low[0]
    return None


def agree_shares(process: DemoProcess, seeds: range) -> dict[tuple[str, str], float]:
    """Share of agree votes per (statement, format), pooled over several seeds."""
    fmt_of = {member.key: fmt.key for fmt in process.formats for member in fmt.members}
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for seed in seeds:
        for vote in simulate_votes(process, seed=seed):
            cell = counts[(vote.statement, fmt_of[vote.member])]
            cell[0] += vote.value == 1
            cell[1] += 1
    return {key: agree / total for key, (agree, total) in counts.items()}


# --- the content ----------------------------------------------------------------------


def test_the_packaged_content_loads(process: DemoProcess) -> None:
    assert process.name and process.description
    assert [fmt.key for fmt in process.formats] == ["astana", "small"]
    assert process.observers >= 1
    assert 35 <= len(process.statements) <= 45
    assert len({s.key for s in process.statements}) == len(process.statements)
    assert all(0 < len(s.text) <= MAX_TEXT_LENGTH for s in process.statements)


def test_members_are_named_by_format_and_delegation(process: DemoProcess) -> None:
    astana = process.formats[0]
    assert astana.members[0].key == "astana-russia-1"
    assert set(astana.delegations) == {"Russia", "Iran", "Turkey"}
    small = process.formats[1]
    assert {"USA", "UK", "France", "Germany", "Saudi Arabia", "Jordan", "Egypt"} == set(
        small.delegations
    )
    keys = [member.key for member in process.members]
    assert len(keys) == len(set(keys))
    assert process.format_of("small-saudi-arabia-1") == "small"


def test_the_small_group_is_larger_than_the_astana_group(process: DemoProcess) -> None:
    astana, small = (len(fmt.members) for fmt in process.formats)
    assert 1.3 * astana <= small <= 2.2 * astana


def test_all_six_languages_appear_at_least_four_times(process: DemoProcess) -> None:
    counts = Counter(s.language for s in process.statements)
    assert set(counts) == LANGUAGES
    assert min(counts.values()) >= 4


def test_each_format_writes_in_its_own_languages(process: DemoProcess) -> None:
    by_format = defaultdict(set)
    for statement in process.statements:
        by_format[statement.format].add(statement.language)
    assert {"ru", "tr"} <= by_format["astana"]
    assert {"en", "fr", "de", "ar"} <= by_format["small"]
    assert not {"ru", "tr"} & by_format["small"]


def test_equivalents_pair_the_two_formats_in_different_languages(
    process: DemoProcess,
) -> None:
    groups: dict[str, list[DemoStatement]] = defaultdict(list)
    for statement in process.statements:
        if statement.equivalent is not None:
            groups[statement.equivalent].append(statement)
    assert 6 <= len(groups) <= 10
    for pair in groups.values():
        assert len(pair) == 2
        first, second = pair
        assert first.format != second.format
        assert first.language != second.language
        assert first.topic == second.topic


def test_opposites_pair_two_statements_that_split_the_formats(process: DemoProcess) -> None:
    groups: dict[str, list[DemoStatement]] = defaultdict(list)
    for statement in process.statements:
        if statement.opposite is not None:
            groups[statement.opposite].append(statement)
    assert 2 <= len(groups) <= 3
    for first, second in groups.values():
        assert first.language == second.language
        sides = contested_sides(first), contested_sides(second)
        assert None not in sides
        assert sides[0] == tuple(reversed(sides[1]))  # type: ignore[arg-type]


def test_the_planted_kinds(process: DemoProcess) -> None:
    statements = process.statements
    common = [s for s in statements if is_common(s)]
    contested = [s for s in statements if contested_sides(s) is not None]
    rejected = [s for s in statements if all(a <= 0.2 and d >= 0.6 for a, d in s.stance.values())]
    one_sided = [s for s in statements if not s.shared]
    assert 10 <= len(common) <= 15
    assert 10 <= len(contested) <= 15
    assert 2 <= len(rejected) <= 6
    assert 5 <= len(one_sided) <= 8
    assert {s.format for s in one_sided} == {"astana", "small"}
    assert {"humanitarian", "ceasefire", "constitution", "detainees"} <= {s.topic for s in common}
    assert {"sanctions", "foreign_forces", "reconstruction", "elections"} <= {
        s.topic for s in contested
    }


def test_texts_are_in_their_declared_language(process: DemoProcess) -> None:
    texts = [s.text for s in process.statements]
    guesses = detect_language(texts)
    matches = sum(
        guess.tag == statement.language
        for guess, statement in zip(guesses, process.statements, strict=True)
    )
    assert matches >= 0.9 * len(texts)


def test_texts_use_their_script(process: DemoProcess) -> None:
    for statement in process.statements:
        letters = [c for c in statement.text if c.isalpha()]
        cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters)
        arabic = sum("\u0600" <= c <= "\u06ff" for c in letters)
        expected = {"ru": (len(letters), 0), "ar": (0, len(letters))}.get(
            statement.language, (0, 0)
        )
        assert (cyrillic, arabic) == expected, statement.key


# --- the simulator --------------------------------------------------------------------


def test_votes_are_deterministic_per_seed(process: DemoProcess) -> None:
    first = simulate_votes(process, seed=3)
    assert first == simulate_votes(process, seed=3)
    assert first != simulate_votes(process, seed=4)
    assert simulate_votes(process) == simulate_votes(process, seed=7)


def test_votes_are_on_visible_statements_only(process: DemoProcess) -> None:
    statements = {s.key: s for s in process.statements}
    votes = simulate_votes(process)
    assert votes and all(isinstance(vote, SimulatedVote) for vote in votes)
    assert {vote.value for vote in votes} == {-1, 0, 1}
    for vote in votes:
        assert statements[vote.statement].visible_to(process.format_of(vote.member))
    pairs = [(vote.member, vote.statement) for vote in votes]
    assert len(pairs) == len(set(pairs))
    unshared = {s.key: s.format for s in process.statements if not s.shared}
    voted_unshared = {(process.format_of(v.member), v.statement) for v in votes} & {
        (fmt, key) for key, fmt in unshared.items()
    }
    assert voted_unshared  # a format does vote on its own one-sided statements


def test_turnout_sets_how_many_visible_statements_get_a_vote(process: DemoProcess) -> None:
    visible = sum(
        statement.visible_to(fmt.key)
        for fmt in process.formats
        for _ in fmt.members
        for statement in process.statements
    )
    assert len(simulate_votes(process, turnout=1.0)) == visible
    share = len(simulate_votes(process, turnout=0.5)) / visible
    assert 0.42 < share < 0.58


@pytest.mark.parametrize("turnout", [0.0, -0.1, 1.5])
def test_a_bad_turnout_is_refused(process: DemoProcess, turnout: float) -> None:
    with pytest.raises(InputError, match="turnout"):
        simulate_votes(process, turnout=turnout)


def test_votes_follow_the_planted_stances(process: DemoProcess) -> None:
    shares = agree_shares(process, range(10))
    common = [s for s in process.statements if is_common(s)]
    assert common
    for statement in common:
        for fmt in process.formats:
            assert shares[(statement.key, fmt.key)] > 0.6, (statement.key, fmt.key)
    contested = [s for s in process.statements if contested_sides(s) is not None]
    assert contested
    for statement in contested:
        agreeing, disagreeing = contested_sides(statement)  # type: ignore[misc]
        assert shares[(statement.key, agreeing)] > 0.6, statement.key
        assert shares[(statement.key, disagreeing)] < 0.4, statement.key


def test_members_vote_more_like_their_own_format(process: DemoProcess) -> None:
    shared = [s.key for s in process.statements if s.shared]
    votes = {(v.member, v.statement): v.value for v in simulate_votes(process, turnout=1.0)}
    members = [member.key for member in process.members]

    def agreement(first: str, second: str) -> float:
        return sum(votes[(first, key)] == votes[(second, key)] for key in shared) / len(shared)

    within: list[float] = []
    across: list[float] = []
    for i, first in enumerate(members):
        for second in members[i + 1 :]:
            same = process.format_of(first) == process.format_of(second)
            (within if same else across).append(agreement(first, second))
    assert sum(within) / len(within) > sum(across) / len(across) + 0.1


# --- validation -----------------------------------------------------------------------


SPOILED = 5  # s06: a statement without an equivalent


def _set_stance(data: dict[str, Any]) -> None:
    data["statements"][SPOILED]["stance"]["small"] = [0.8, 0.3]


def _unknown_format(data: dict[str, Any]) -> None:
    data["statements"][SPOILED]["format"] = "geneva"


def _duplicate_key(data: dict[str, Any]) -> None:
    data["statements"][SPOILED + 1]["key"] = data["statements"][SPOILED]["key"]


def _wrong_delegation(data: dict[str, Any]) -> None:
    statement = data["statements"][SPOILED]
    statement["delegation"] = "France" if statement["format"] == "astana" else "Russia"


def _missing_stance(data: dict[str, Any]) -> None:
    del data["statements"][SPOILED]["stance"]["astana"]


def _long_text(data: dict[str, Any]) -> None:
    data["statements"][SPOILED]["text"] = "word " * 60


def _lonely_equivalent(data: dict[str, Any]) -> None:
    data["statements"][SPOILED]["equivalent"] = "e99"


def _shared_not_bool(data: dict[str, Any]) -> None:
    data["statements"][SPOILED]["shared"] = "yes"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_set_stance, "more than 1"),
        (_unknown_format, "unknown format"),
        (_duplicate_key, "used twice"),
        (_wrong_delegation, "not part of format"),
        (_missing_stance, "stance names formats"),
        (_long_text, "characters"),
        (_lonely_equivalent, "expected 2"),
        (_shared_not_bool, "shared"),
    ],
)
def test_bad_content_names_the_statement(
    spoil: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = copy.deepcopy(raw_content())
    key = data["statements"][SPOILED]["key"]
    assert data["statements"][SPOILED]["equivalent"] is None
    spoil(data)
    with pytest.raises(InputError, match=message) as caught:
        parse_demo_process(data)
    assert repr(key) in str(caught.value)


def test_equivalents_of_one_format_are_refused() -> None:
    data = copy.deepcopy(raw_content())
    first, second = (s for s in data["statements"] if s["equivalent"] == "e01")
    second.update(format=first["format"], delegation=first["delegation"])
    with pytest.raises(InputError, match="other format"):
        parse_demo_process(data)


def test_bad_formats_and_observers_are_refused() -> None:
    data = copy.deepcopy(raw_content())
    data["formats"][1]["delegations"][0]["members"] = 0
    with pytest.raises(InputError, match="members"):
        parse_demo_process(data)
    data = copy.deepcopy(raw_content())
    data["observers"] = -1
    with pytest.raises(InputError, match="observers"):
        parse_demo_process(data)


def test_the_parsed_content_matches_the_file() -> None:
    data = raw_content()
    process = parse_demo_process(data)
    assert [s.key for s in process.statements] == [s["key"] for s in data["statements"]]
    assert process.statements[0].stance == {
        fmt: tuple(pair) for fmt, pair in data["statements"][0]["stance"].items()
    }
    assert sum(len(fmt.members) for fmt in process.formats) == sum(
        d["members"] for f in data["formats"] for d in f["delegations"]
    )
