"""Processes: formats with their own conversations, sharing, merging, the stored joint agenda."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Statement, Vote, VoteEvent
from parley.errors import ConflictError, InputError, NotFoundError
from parley.services import conversations, joint, participants, statements
from parley.services.agenda import AgendaView, compute_agenda
from parley.services.agenda_items import refresh_agenda_items, rename_item
from parley.services.duplicates import duplicate_pairs
from parley.services.merging import merge_statements
from parley.services.processes import (
    create_process,
    format_of_conversation,
    process_for_observer,
    process_info,
)
from parley.services.rules import AutoShare, ProcessSettings
from parley.services.sharing import auto_share, origins_of, share_statement
from parley.services.votes import cast_vote


def _items(view: AgendaView) -> list[dict[str, Any]]:
    """The agenda's items as plain data, best first."""
    return [item.model_dump() for item in view.document.items]


def _counted(sf: SessionFactory, pid: int, statement_id: int, position: int) -> dict[str, int]:
    """The votes one format cast on a joint statement, as the agenda counts them.

    The agenda document withholds a format's counts below the minimum group size (3), so
    these tests of vote accounting with one or two voters read the votes it is built from.
    """
    votes = joint.process_votes(sf, pid)
    mine = votes.values[(votes.statements == statement_id) & (votes.formats == position)]
    return {
        "agree": int((mine == 1).sum()),
        "disagree": int((mine == -1).sum()),
        "pass": int((mine == 0).sum()),
    }


def _process(sf: SessionFactory, **kwargs: Any) -> tuple[int, int, int]:
    pid = create_process(
        sf, facilitator_id=None, name="Syria", formats=["Astana group", "Small Group"], **kwargs
    )
    info = process_info(sf, pid)
    return pid, info.formats[0].conversation_id, info.formats[1].conversation_id


def _members(sf: SessionFactory, conversation_id: int, n: int) -> list[int]:
    return [participants.join_conversation(sf, conversation_id)[0] for _ in range(n)]


def test_a_process_gives_each_format_a_conversation(session_factory: SessionFactory) -> None:
    pid, a, b = _process(session_factory)
    info = process_info(session_factory, pid)
    assert [f.name for f in info.formats] == ["Astana group", "Small Group"]
    assert a != b
    assert format_of_conversation(session_factory, b)[2] == "Small Group"  # type: ignore[index]
    assert process_for_observer(session_factory, info.observer_key) == pid
    with pytest.raises(NotFoundError, match="no process has this observer key"):
        process_for_observer(session_factory, "nope")
    with pytest.raises(InputError, match="differ"):
        create_process(session_factory, facilitator_id=None, name="x", formats=["A", "A"])


def test_sharing_copies_into_the_other_queue_with_its_origin(
    session_factory: SessionFactory,
) -> None:
    pid, a, b = _process(session_factory)
    s = statements.add_statement(
        session_factory, a, "Прекращение огня", is_seed=True, language="ru"
    )
    (copy,) = share_statement(session_factory, s.id)
    assert share_statement(session_factory, s.id) == []  # once per format
    assert [x.id for x in statements.visible_statements(session_factory, b)] == [copy]
    assert origins_of(session_factory, [copy, s.id]) == {copy: ("Astana group", "ru")}
    # a vote on the copy stays in the voter's format and counts for the joint statement
    (member,) = _members(session_factory, b, 1)
    cast_vote(session_factory, member, copy, 1)
    agenda = compute_agenda(session_factory, pid, bridging=False, refresh_items=False)
    (item,) = _items(agenda)
    (entry,) = item["statements"]
    assert entry["id"] == s.id
    assert _counted(session_factory, pid, s.id, 1) == {"agree": 1, "disagree": 0, "pass": 0}
    assert entry["withheld"] == ["Small Group"]  # one vote: fewer than the minimum group size
    assert entry["by_format"]["Small Group"] == {"agree": 0, "disagree": 0, "pass": 0}
    assert entry["by_format"]["Astana group"] == {"agree": 0, "disagree": 0, "pass": 0}
    assert entry["language"] == "ru" and entry["format"] == "Astana group"


def test_share_refuses_statements_outside_a_process(session_factory: SessionFactory) -> None:
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="t")
    s = statements.add_statement(session_factory, cid, "hello", is_seed=True)
    with pytest.raises(InputError, match="not in a process"):
        share_statement(session_factory, s.id)
    with pytest.raises(NotFoundError):
        share_statement(session_factory, 999_999)


def _vote_all(sf: SessionFactory, members: list[int], statement: int, values: list[int]) -> None:
    for member, value in zip(members, values, strict=False):
        cast_vote(sf, member, statement, value)


def test_the_agenda_ranks_planted_kinds_and_weighs_formats_equally(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, b = _process(sf, settings=ProcessSettings(min_votes=3))
    small, big = _members(sf, a, 4), _members(sf, b, 8)  # one format twice the other's size
    common = statements.add_statement(sf, a, "Humanitarian access for all", is_seed=True)
    contested = statements.add_statement(sf, a, "Sanctions must stay", is_seed=True)
    one_sided = statements.add_statement(sf, a, "A question only for us", is_seed=True)
    copies = {s.id: share_statement(sf, s.id)[0] for s in (common, contested)}
    _vote_all(sf, small, common.id, [1, 1, 1, 1])
    _vote_all(sf, big, copies[common.id], [1, 1, 1, 1, 1, 1, 1, -1])
    # contested: the big format agrees unanimously, the small one disagrees
    _vote_all(sf, small, contested.id, [-1, -1, -1, -1])
    _vote_all(sf, big, copies[contested.id], [1] * 8)
    _vote_all(sf, small, one_sided.id, [1, 1, 1, 1])
    waiting = statements.add_statement(sf, a, "Shared, voted on here only", is_seed=True)
    share_statement(sf, waiting.id)
    _vote_all(sf, small, waiting.id, [1, 1, 1, 1])
    agenda = compute_agenda(sf, pid, refresh_items=False)
    kinds = {s["id"]: s["kind"] for item in _items(agenda) for s in item["statements"]}
    assert kinds == {
        common.id: "common",
        contested.id: "contested",
        one_sided.id: "one-sided",  # in one format only
        waiting.id: "waiting",  # in both, voted on in one: it waits for the other's votes
    }
    entries = {s["id"]: s for item in _items(agenda) for s in item["statements"]}
    assert entries[waiting.id]["waiting_for"] == ["Small Group"]
    assert entries[one_sided.id]["share_with"] == ["Small Group"]
    # no bridging score without votes from more than one format: no evidence across them
    assert entries[one_sided.id]["bridging"] is None and entries[waiting.id]["bridging"] is None
    assert entries[common.id]["bridging"] is not None
    first = _items(agenda)[0]["statements"][0]
    assert first["id"] == common.id
    by_id = {s["id"]: s for item in _items(agenda) for s in item["statements"]}
    # the big format's unanimous agreement does not outweigh the small format's rejection
    assert by_id[contested.id]["common_ground"] < 0.5 < by_id[common.id]["common_ground"]
    assert by_id[one_sided.id]["share_with"] == ["Small Group"]
    csv_text = agenda.document.to_csv()
    assert csv_text.splitlines()[0].startswith("rank,item,label,statement,number,kind")
    assert "Small Group agree" in csv_text.splitlines()[0]
    markdown = agenda.document.to_markdown()
    assert "### Common ground" in markdown and "Humanitarian access for all" in markdown


def test_merge_in_one_format_keeps_the_last_vote_per_person(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    _, a, _ = _process(sf)
    first, second, only_dup = _members(sf, a, 3)
    keep = statements.add_statement(sf, a, "Troops should leave", is_seed=True)
    drop = statements.add_statement(sf, a, "Foreign troops must leave", is_seed=True)
    cast_vote(sf, first, keep.id, 1)
    cast_vote(sf, first, drop.id, -1)  # later: wins
    cast_vote(sf, second, drop.id, 0)
    cast_vote(sf, second, keep.id, 1)  # later: wins
    cast_vote(sf, only_dup, drop.id, -1)
    merge_statements(sf, keep.id, drop.id, actor="fac")
    with sf() as session:
        votes = dict(
            session.execute(
                select(Vote.participant_id, Vote.value).where(Vote.statement_id == keep.id)
            ).all()
        )
        assert votes == {first: -1, second: 1, only_dup: -1}
        assert not session.scalars(select(Vote).where(Vote.statement_id == drop.id)).all()
        assert not session.scalars(select(VoteEvent).where(VoteEvent.statement_id == drop.id)).all()
        dropped = session.get(Statement, drop.id)
        assert dropped is not None
        assert dropped.moderation_state == -1 and dropped.merged_into_id == keep.id
    with pytest.raises(ConflictError):
        merge_statements(sf, keep.id, drop.id)


def test_merge_across_formats_joins_the_joint_statement(session_factory: SessionFactory) -> None:
    sf = session_factory
    pid, a, b = _process(sf, settings=ProcessSettings(min_votes=1))
    x = statements.add_statement(sf, a, "Ceasefire now", is_seed=True, language="en")
    y = statements.add_statement(sf, b, "Cessez-le-feu maintenant", is_seed=True, language="fr")
    (member_b,) = _members(sf, b, 1)
    cast_vote(sf, member_b, y.id, 1)
    merge_statements(sf, x.id, y.id)
    agenda = compute_agenda(sf, pid, bridging=False, refresh_items=False)
    entries = [s for item in _items(agenda) for s in item["statements"]]
    assert [e["id"] for e in entries] == [x.id]
    assert _counted(sf, pid, x.id, 1)["agree"] == 1
    # sharing x now finds the Small Group has it (y is its copy)
    assert share_statement(sf, x.id) == []


def test_auto_share_follows_the_process_setting(session_factory: SessionFactory) -> None:
    sf = session_factory
    pid, a, b = _process(
        sf, settings=ProcessSettings(auto_share=AutoShare(min_votes=3, min_agree=0.6))
    )
    members = _members(sf, a, 3)
    liked = statements.add_statement(sf, a, "liked", is_seed=True)
    disliked = statements.add_statement(sf, a, "disliked", is_seed=True)
    _vote_all(sf, members, liked.id, [1, 1, -1])
    _vote_all(sf, members, disliked.id, [1, -1, -1])
    created = auto_share(sf, pid)
    assert len(created) == 1
    assert [s.text for s in statements.visible_statements(sf, b)] == ["liked"]
    assert auto_share(sf, pid) == []


@pytest.mark.slow
def test_items_cluster_translations_and_keep_renamed_labels(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, b = _process(sf)
    texts_a = [
        ("en", "Humanitarian aid must reach every region without obstruction."),
        ("en", "All sanctions on the civilian economy should be lifted."),
        ("en", "Refugees must be able to return home safely."),
        ("de", "Die humanitäre Hilfe muss alle Regionen ungehindert erreichen."),
        ("de", "Alle Sanktionen gegen die zivile Wirtschaft sollten aufgehoben werden."),
        ("de", "Flüchtlinge müssen sicher nach Hause zurückkehren können."),
    ]
    texts_b = [
        ("fr", "L'aide humanitaire doit atteindre toutes les régions sans entrave."),
        ("fr", "Toutes les sanctions contre l'économie civile doivent être levées."),
        ("fr", "Les réfugiés doivent pouvoir rentrer chez eux en sécurité."),
    ]
    ids_a = [statements.add_statement(sf, a, t, is_seed=True, language=lg).id for lg, t in texts_a]
    ids_b = [statements.add_statement(sf, b, t, is_seed=True, language=lg).id for lg, t in texts_b]
    assert refresh_agenda_items(sf, pid) == 3
    agenda = compute_agenda(sf, pid, bridging=False)
    groups = sorted(sorted(s["id"] for s in item["statements"]) for item in _items(agenda))
    assert groups == sorted(sorted([ids_a[k], ids_a[k + 3], ids_b[k]]) for k in range(3))
    item = next(i for i in _items(agenda) if ids_a[0] in [s["id"] for s in i["statements"]])
    rename_item(sf, pid, item["item"], "Humanitarian access")
    statements.add_statement(
        sf, b, "Les réfugiés ont le droit de revenir.", is_seed=True, language="fr"
    )
    refresh_agenda_items(sf, pid, force=True)
    labels = {i["label"] for i in _items(compute_agenda(sf, pid, bridging=False))}
    assert "Humanitarian access" in labels
    pairs = duplicate_pairs(sf, pid)
    assert any({p.a.id, p.b.id} == {ids_a[0], ids_b[0]} for p in pairs)
    assert all(p.votes is None for p in pairs)  # nobody voted yet
    assert np.isfinite([p.score for p in pairs]).all()


def test_the_analysis_worker_applies_auto_share(session_factory: SessionFactory) -> None:
    from parley.services.refresh import DatabaseJobs

    sf = session_factory
    pid, a, b = _process(
        sf, settings=ProcessSettings(auto_share=AutoShare(min_votes=2, min_agree=0.5))
    )
    members = _members(sf, a, 2)
    liked = statements.add_statement(sf, a, "liked by its format", is_seed=True)
    _vote_all(sf, members, liked.id, [1, 1])
    jobs = DatabaseJobs(sf)
    for job in jobs.pending():
        jobs.run(job)
    assert [s.text for s in statements.visible_statements(sf, b)] == ["liked by its format"]
    info = process_info(sf, pid)
    assert info.formats[1].n_statements == 1
    assert info.n_joint_statements == 1  # the copy is the same joint statement


def test_the_worker_embeds_statements_that_lack_an_embedding(
    session_factory: SessionFactory,
) -> None:
    from parley.services.refresh import DatabaseJobs

    sf = session_factory
    cid = conversations.create_conversation(sf, facilitator_id=None, topic="imported")
    s = statements.add_statement(sf, cid, "Parks need more trees", is_seed=True)
    (member,) = _members(sf, cid, 1)
    with sf.begin() as session:  # as an import leaves it
        row = session.get(Statement, s.id)
        assert row is not None
        row.embedding = None
    cast_vote(sf, member, s.id, 1)
    jobs = DatabaseJobs(sf)
    for job in jobs.pending():
        jobs.run(job)
    with sf() as session:
        row = session.get(Statement, s.id)
        assert row is not None and row.embedding is not None and len(row.embedding) == 4 * 384


def test_a_process_that_cannot_be_created_leaves_nothing(session_factory: SessionFactory) -> None:
    from parley.db.models import Conversation, Process

    with pytest.raises(InputError, match="language"):
        create_process(
            session_factory, facilitator_id=None, name="x", formats=["A", "B"], languages=["?!"]
        )
    with session_factory() as session:
        assert session.scalars(select(Process)).all() == []
        assert session.scalars(select(Conversation)).all() == []


def test_the_joint_map_places_every_format_on_the_joint_statements(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, b = _process(sf)
    members_a, members_b = _members(sf, a, 6), _members(sf, b, 6)
    quiet = _members(sf, b, 1)  # votes too little to be placed
    roots = [statements.add_statement(sf, a, f"claim {i}", is_seed=True).id for i in range(8)]
    copies = [share_statement(sf, r)[0] for r in roots]
    rng = np.random.default_rng(3)
    for i, (root, copy) in enumerate(zip(roots, copies, strict=True)):
        split = i % 2 == 0  # contested: the formats disagree; else both agree
        for m in members_a:
            cast_vote(sf, m, root, 1 if rng.random() < 0.9 else 0)
        for m in members_b:
            cast_vote(sf, m, copy, -1 if split else 1)
    cast_vote(sf, quiet[0], copies[0], 1)
    found = compute_agenda(sf, pid, bridging=False, refresh_items=False).joint_map.chart_data()
    assert [g["label"] for g in found["groups"]] == ["Astana group", "Small Group"]
    points = found["participants"]
    assert len(points) == 12  # the quiet member is off the map
    xs = {g: [p["x"] for p in points if p["group"] == g] for g in (0, 1)}
    assert np.sign(np.mean(xs[0])) != np.sign(np.mean(xs[1]))
    assert max(xs[0]) < min(xs[1]) or max(xs[1]) < min(xs[0])  # the split shows on PC 1


def test_merging_a_shared_statement_merges_its_copies_format_by_format(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, b = _process(sf, settings=ProcessSettings(min_votes=1))
    drop = statements.add_statement(sf, a, "Withdraw all foreign forces", is_seed=True)
    (drop_copy,) = share_statement(sf, drop.id)  # now in the Small Group too
    keep = statements.add_statement(sf, b, "All foreign forces should leave", is_seed=True)
    (member_a,) = _members(sf, a, 1)
    first_b, second_b = _members(sf, b, 2)
    cast_vote(sf, member_a, drop.id, 1)
    cast_vote(sf, first_b, keep.id, -1)
    cast_vote(sf, first_b, drop_copy, 1)  # later: wins after the merge
    cast_vote(sf, second_b, drop_copy, 0)
    with pytest.raises(InputError, match="is a copy shared from"):
        merge_statements(sf, keep.id, drop_copy)
    merge_statements(sf, keep.id, drop.id)
    agenda = compute_agenda(sf, pid, bridging=False, refresh_items=False)
    (entry,) = [s for item in _items(agenda) for s in item["statements"]]
    assert entry["id"] == keep.id
    assert _counted(sf, pid, keep.id, 0) == {"agree": 1, "disagree": 0, "pass": 0}
    assert _counted(sf, pid, keep.id, 1) == {"agree": 1, "disagree": 0, "pass": 1}
    assert entry["withheld"] == ["Astana group", "Small Group"]
    with sf() as session:
        assert session.get_one(Statement, drop.id).origin_id == keep.id  # stays, as a copy
        gone = session.get_one(Statement, drop_copy)
        assert (gone.moderation_state, gone.merged_into_id) == (-1, keep.id)
    assert [s.id for s in statements.visible_statements(sf, b)] == [keep.id]


def test_an_existing_conversation_becomes_a_format(session_factory: SessionFactory) -> None:
    from parley.errors import ForbiddenError
    from parley.services.accounts import create_facilitator
    from parley.services.formats import attach_conversation, free_conversations

    sf = session_factory
    owner, _ = create_facilitator(sf, "owner")
    other, _ = create_facilitator(sf, "other")
    pid = create_process(sf, facilitator_id=owner, name="p", formats=["Online"])
    imported = conversations.create_conversation(sf, facilitator_id=owner, topic="Panel, imported")
    foreign = conversations.create_conversation(sf, facilitator_id=other, topic="not mine")
    mine = [cid for cid, _ in free_conversations(sf, owner)]
    assert imported in mine and foreign not in mine  # formats are not offered either
    assert process_info(sf, pid).formats[0].conversation_id not in mine
    voter = _members(sf, imported, 1)[0]
    s = statements.add_statement(sf, imported, "Hold the talks in Geneva", is_seed=True)
    cast_vote(sf, voter, s.id, 1)
    with pytest.raises(ForbiddenError):
        attach_conversation(sf, pid, foreign, "Theirs", facilitator_id=owner)
    with pytest.raises(ConflictError, match="has a format 'Online'"):
        attach_conversation(sf, pid, imported, "Online", facilitator_id=owner)
    with sf.begin() as session:  # as an import leaves it: no embedding yet
        session.get_one(Statement, s.id).embedding = None
    added = attach_conversation(sf, pid, imported, "Panel", facilitator_id=owner)
    assert (added.name, added.position) == ("Panel", 1)
    with sf() as session:  # embedded on attaching, for look-alikes across formats
        assert session.get_one(Statement, s.id).embedding is not None
    with pytest.raises(ConflictError, match="is a format of process"):
        attach_conversation(sf, pid, imported, "Again", facilitator_id=owner)
    agenda = compute_agenda(sf, pid, bridging=False, refresh_items=False)
    (entry,) = [e for item in _items(agenda) for e in item["statements"]]
    assert entry["id"] == s.id and _counted(sf, pid, s.id, 1)["agree"] == 1


def test_scores_are_withheld_with_the_counts_they_are_built_from(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, b = _process(sf, settings=ProcessSettings(min_votes=1))
    s = statements.add_statement(sf, a, "Humanitarian access everywhere", is_seed=True)
    (copy,) = share_statement(sf, s.id)
    voters_a, voters_b = _members(sf, a, 3), _members(sf, b, 3)
    for member in voters_a:
        cast_vote(sf, member, s.id, 1)
    cast_vote(sf, voters_b[0], copy, 1)  # one member of the Small Group: withheld

    def entry() -> dict[str, Any]:
        agenda = compute_agenda(sf, pid, bridging=True, refresh_items=False)
        (found,) = [e for item in _items(agenda) for e in item["statements"]]
        return found

    shown = entry()
    # min_votes 1 is raised to the group size: one vote neither counts nor shows
    assert shown["kind"] == "waiting" and shown["waiting_for"] == ["Small Group"]
    assert shown["withheld"] == ["Small Group"]
    # the scores come from the withheld vote too, so they would tell it
    assert shown["common_ground"] is None and shown["bridging"] is None
    for member in voters_b[1:]:
        cast_vote(sf, member, copy, 1)
    shown = entry()
    assert shown["withheld"] == [] and shown["kind"] == "common"
    assert shown["common_ground"] is not None and shown["common_ground"] > 0.5
    assert shown["by_format"]["Small Group"] == {"agree": 3, "disagree": 0, "pass": 0}
