"""The demo *process*: two negotiating formats on Syria, their statements and simulated votes.

The content is fictional, written for parley and modelled on the public description of a
"coordination mechanism" between two formats (see syria/ATTRIBUTION.md): the **Astana
group** (Russia, Iran, Turkey) and the **Small Group** (USA, UK, France, Germany, Saudi
Arabia, Jordan, Egypt), plus observers who read but do not vote.

The packaged file ``syria/statements.json`` has this shape::

    {"process": {"name": "...", "description": "..."},
     "formats": [{"key": "astana", "name": "Astana group",
                  "delegations": [{"name": "Russia", "language": "ru", "members": 4}, ...]},
                 {"key": "small", "name": "Small Group", "delegations": [...]}],
     "observers": 3,
     "statements": [{"key": "s01", "format": "astana", "delegation": "Turkey",
                     "language": "tr", "text": "...", "topic": "ceasefire",
                     "equivalent": "e02" | null, "opposite": "o01" | null, "shared": true,
                     "stance": {"astana": [0.85, 0.05], "small": [0.8, 0.1]}}, ...]}

* ``format`` and ``delegation``: who wrote the statement; the delegation belongs to the format.
* ``language``: the ISO 639-1 tag of ``text`` (one sentence, at most 200 characters).
* ``equivalent``: statements sharing this key make the same claim, written independently by
  both formats in different languages (always exactly two, of different formats).
* ``opposite`` (optional): the two statements sharing this key say the opposite with mostly
  the same words.
* ``shared``: whether the statement is shown to the other format at the start of the demo;
  a format always sees its own statements.
* ``stance``: for every format, the planted ``[p_agree, p_disagree]`` of its members
  (the rest passes); both in [0, 1] and their sum at most 1.

Members are named ``<format>-<delegation>-<n>`` in lower case, such as ``astana-russia-1``.
This module reads only the packaged JSON; it needs no database and no network.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib.resources import files
from json import JSONDecodeError, loads
from typing import Any

import numpy as np

from parley.errors import InputError

__all__ = [
    "MAX_TEXT_LENGTH",
    "STATEMENTS_RESOURCE",
    "DemoFormat",
    "DemoMember",
    "DemoProcess",
    "DemoStatement",
    "SimulatedVote",
    "load_demo_process",
    "parse_demo_process",
    "simulate_votes",
]

STATEMENTS_RESOURCE = "syria/statements.json"
"""The demo content, relative to the package ``parley.data``."""

MAX_TEXT_LENGTH = 200
"""The longest statement text the demo content may hold, in characters."""

_LEAN_SD = 0.06
"""Standard deviation of a member's overall lean towards agreeing (shared by all topics)."""

_TOPIC_LEAN_SD = 0.05
"""Standard deviation of a member's extra lean on one topic."""

_LANGUAGE_TAG = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class DemoMember:
    """One voting member of a format: ``key`` such as ``astana-russia-1``."""

    key: str
    delegation: str
    language: str


@dataclass(frozen=True)
class DemoFormat:
    """A negotiating format (``astana`` or ``small``) and its voting members."""

    key: str
    name: str
    members: tuple[DemoMember, ...]

    @property
    def delegations(self) -> tuple[str, ...]:
        """The format's delegations in the order of the content file."""
        return tuple(dict.fromkeys(member.delegation for member in self.members))


@dataclass(frozen=True)
class DemoStatement:
    """One statement, who wrote it, and the planted stance of each format."""

    key: str
    format: str
    delegation: str
    language: str
    text: str
    topic: str
    equivalent: str | None
    shared: bool
    stance: dict[str, tuple[float, float]] = field(hash=False)
    opposite: str | None = None

    def visible_to(self, format_key: str) -> bool:
        """Whether members of ``format_key`` see (and vote on) this statement."""
        return self.format == format_key or self.shared


@dataclass(frozen=True)
class DemoProcess:
    """The demo process: its formats, the number of observers, and the statements."""

    name: str
    description: str
    formats: tuple[DemoFormat, ...]
    observers: int
    statements: tuple[DemoStatement, ...]

    @property
    def members(self) -> tuple[DemoMember, ...]:
        """Every voting member, format by format."""
        return tuple(member for fmt in self.formats for member in fmt.members)

    def format_of(self, member_key: str) -> str:
        """The key of the format whose member is ``member_key``."""
        for fmt in self.formats:
            if any(member.key == member_key for member in fmt.members):
                return fmt.key
        raise InputError(f"no member {member_key!r} in the demo process")


@dataclass(frozen=True)
class SimulatedVote:
    """A vote by ``member`` on ``statement``: +1 agree, -1 disagree, 0 pass."""

    member: str
    statement: str
    value: int


def load_demo_process() -> DemoProcess:
    """Read and validate the demo content packaged with parley."""
    resource = files("parley.data").joinpath(*STATEMENTS_RESOURCE.split("/"))
    try:
        data = loads(resource.read_text(encoding="utf-8"))
    except JSONDecodeError as error:
        raise InputError(f"{STATEMENTS_RESOURCE} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise InputError(f"{STATEMENTS_RESOURCE} should hold a JSON object")
    return parse_demo_process(data)


def parse_demo_process(data: dict[str, Any]) -> DemoProcess:
    """Build a DemoProcess from decoded JSON; InputError names the faulty part or statement."""
    if not isinstance(data, dict):
        raise InputError("the demo content should be a JSON object")
    process = _mapping(data.get("process"), "process")
    name = _text(process.get("name"), "process name")
    description = _text(process.get("description"), "process description")
    formats, delegations = _parse_formats(data.get("formats"))
    observers = data.get("observers", 0)
    if isinstance(observers, bool) or not isinstance(observers, int) or observers < 0:
        raise InputError(f"observers={observers!r} should be a whole number >= 0")
    raw_statements = data.get("statements")
    if not isinstance(raw_statements, list) or not raw_statements:
        raise InputError("statements should be a non-empty list")
    format_keys = tuple(fmt.key for fmt in formats)
    statements: list[DemoStatement] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_statements):
        statement = _parse_statement(raw, index, format_keys, delegations)
        if statement.key in seen:
            raise InputError(f"statement {statement.key!r}: the key is used twice")
        seen.add(statement.key)
        statements.append(statement)
    _check_links(statements)
    return DemoProcess(name, description, formats, observers, tuple(statements))


def simulate_votes(
    process: DemoProcess, *, seed: int = 7, turnout: float = 0.9
) -> list[SimulatedVote]:
    """Draw every member's votes from the planted stances; the same seed gives the same votes.

    A member votes on the statements visible to their format (their own format's, and the
    other's when shared), each with probability ``turnout``. Each member has a small lean
    towards agreeing or disagreeing, overall and per topic, so members of one format vote
    alike but not identically. The votes come in a seeded, interleaved order, as they would
    arrive from many members voting at once.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed={seed!r} should be a whole number")
    if not (isinstance(turnout, int | float) and 0.0 < turnout <= 1.0):
        raise InputError(f"turnout={turnout!r} should be in (0, 1]")
    rng = np.random.default_rng(seed)
    topics = sorted({statement.topic for statement in process.statements})
    votes: list[SimulatedVote] = []
    for fmt in process.formats:
        for member in fmt.members:
            lean = float(rng.normal(0.0, _LEAN_SD))
            topic_lean = dict(
                zip(topics, rng.normal(0.0, _TOPIC_LEAN_SD, size=len(topics)), strict=True)
            )
            for statement in process.statements:
                if not statement.visible_to(fmt.key):
                    continue
                takes_part, draw = rng.random(2)
                if takes_part >= turnout:
                    continue
                p_agree, p_disagree = _leaned(
                    statement.stance[fmt.key], lean + float(topic_lean[statement.topic])
                )
                value = 1 if draw < p_agree else -1 if draw < p_agree + p_disagree else 0
                votes.append(SimulatedVote(member.key, statement.key, value))
    order = np.argsort(rng.random(len(votes)), kind="stable")
    return [votes[int(i)] for i in order]


def _leaned(stance: tuple[float, float], shift: float) -> tuple[float, float]:
    """Move probability ``shift`` from disagreeing to agreeing, keeping both in [0, 1]."""
    p_agree = min(max(stance[0] + shift, 0.0), 1.0)
    p_disagree = min(max(stance[1] - shift, 0.0), 1.0)
    total = p_agree + p_disagree
    if total > 1.0:
        p_agree, p_disagree = p_agree / total, p_disagree / total
    return p_agree, p_disagree


def _mapping(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{what} should be a JSON object")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} should be a non-empty string")
    return value


def _language(value: object, what: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE_TAG.match(value):
        raise InputError(f"{what}: language={value!r} should be an ISO 639-1 tag such as 'de'")
    return value


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _parse_formats(raw: object) -> tuple[tuple[DemoFormat, ...], dict[str, str]]:
    """The formats with their members, and which format each delegation belongs to."""
    if not isinstance(raw, list) or len(raw) < 2:
        raise InputError("formats should be a list of at least two formats")
    formats: list[DemoFormat] = []
    delegation_format: dict[str, str] = {}
    for index, raw_format in enumerate(raw):
        spec = _mapping(raw_format, f"formats[{index}]")
        key = _text(spec.get("key"), f"formats[{index}] key")
        if any(fmt.key == key for fmt in formats):
            raise InputError(f"format {key!r}: the key is used twice")
        name = _text(spec.get("name"), f"format {key!r} name")
        raw_delegations = spec.get("delegations")
        if not isinstance(raw_delegations, list) or not raw_delegations:
            raise InputError(f"format {key!r}: delegations should be a non-empty list")
        members: list[DemoMember] = []
        for position, raw_delegation in enumerate(raw_delegations):
            delegation = _mapping(raw_delegation, f"format {key!r} delegations[{position}]")
            dname = _text(delegation.get("name"), f"format {key!r} delegation name")
            if dname in delegation_format:
                raise InputError(f"format {key!r}: delegation {dname!r} is listed twice")
            delegation_format[dname] = key
            language = _language(delegation.get("language"), f"delegation {dname!r}")
            count = delegation.get("members")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise InputError(f"delegation {dname!r}: members={count!r} should be >= 1")
            members.extend(
                DemoMember(f"{_slug(key)}-{_slug(dname)}-{n}", dname, language)
                for n in range(1, count + 1)
            )
        formats.append(DemoFormat(key, name, tuple(members)))
    return tuple(formats), delegation_format


def _parse_statement(
    raw: object, index: int, format_keys: tuple[str, ...], delegations: dict[str, str]
) -> DemoStatement:
    if not isinstance(raw, dict):
        raise InputError(f"statements[{index}] should be a JSON object")
    key = _text(raw.get("key"), f"statements[{index}] key")
    where = f"statement {key!r}"
    fmt = raw.get("format")
    if fmt not in format_keys:
        raise InputError(f"{where}: unknown format {fmt!r}; known: {list(format_keys)}")
    delegation = raw.get("delegation")
    if not isinstance(delegation, str) or delegations.get(delegation) != fmt:
        raise InputError(f"{where}: delegation {delegation!r} is not part of format {fmt!r}")
    language = _language(raw.get("language"), where)
    text = _text(raw.get("text"), f"{where} text")
    if len(text) > MAX_TEXT_LENGTH:
        raise InputError(f"{where}: the text has {len(text)} characters, over {MAX_TEXT_LENGTH}")
    topic = _text(raw.get("topic"), f"{where} topic")
    links: list[str | None] = []
    for link in ("equivalent", "opposite"):
        value = raw.get(link)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InputError(f"{where}: {link}={value!r} should be a key or null")
        links.append(value)
    shared = raw.get("shared", True)
    if not isinstance(shared, bool):
        raise InputError(f"{where}: shared={shared!r} should be true or false")
    stance = _parse_stance(raw.get("stance"), where, format_keys)
    return DemoStatement(
        key=key,
        format=fmt,
        delegation=delegation,
        language=language,
        text=text,
        topic=topic,
        equivalent=links[0],
        shared=shared,
        stance=stance,
        opposite=links[1],
    )


def _parse_stance(
    raw: object, where: str, format_keys: tuple[str, ...]
) -> dict[str, tuple[float, float]]:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: stance should map each format to [p_agree, p_disagree]")
    if set(raw) != set(format_keys):
        raise InputError(
            f"{where}: stance names formats {sorted(raw)}, expected {sorted(format_keys)}"
        )
    stance: dict[str, tuple[float, float]] = {}
    for fmt in format_keys:
        pair = raw[fmt]
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(
                isinstance(p, int | float) and not isinstance(p, bool) and math.isfinite(p)
                for p in pair
            )
        ):
            raise InputError(f"{where}: stance of {fmt!r} should be [p_agree, p_disagree]")
        p_agree, p_disagree = float(pair[0]), float(pair[1])
        if not (0.0 <= p_agree <= 1.0 and 0.0 <= p_disagree <= 1.0):
            raise InputError(f"{where}: stance of {fmt!r} has a probability outside [0, 1]")
        if p_agree + p_disagree > 1.0 + 1e-9:
            raise InputError(f"{where}: stance of {fmt!r} adds up to more than 1")
        stance[fmt] = (p_agree, p_disagree)
    return stance


def _check_links(statements: list[DemoStatement]) -> None:
    """Equivalents pair two statements of different formats and languages; opposites pair two."""
    equivalents = Counter(s.equivalent for s in statements if s.equivalent is not None)
    opposites = Counter(s.opposite for s in statements if s.opposite is not None)
    for statement in statements:
        if statement.equivalent is not None:
            link = statement.equivalent
            if equivalents[link] != 2:
                raise InputError(
                    f"statement {statement.key!r}: equivalent {link!r} links "
                    f"{equivalents[link]} statements, expected 2"
                )
            other = next(s for s in statements if s.equivalent == link and s.key != statement.key)
            if other.format == statement.format or other.language == statement.language:
                raise InputError(
                    f"statement {statement.key!r}: its equivalent {other.key!r} should come "
                    "from the other format in another language"
                )
        if statement.opposite is not None and opposites[statement.opposite] != 2:
            raise InputError(
                f"statement {statement.key!r}: opposite {statement.opposite!r} links "
                f"{opposites[statement.opposite]} statements, expected 2"
            )
