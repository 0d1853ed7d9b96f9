"""The brief: its HTML and its PDF carry the same items and numbers as the agenda document."""

from __future__ import annotations

import html as html_module
import io
import re

import pytest
from pypdf import PdfReader
from tests.support.processes import new_process

from parley.db.engine import SessionFactory
from parley.services import participants, statements
from parley.services.agenda import read_agenda, refresh_agenda
from parley.services.agenda_document import listed_under
from parley.services.brief import brief_of, render_brief_html, render_brief_pdf
from parley.services.rounds import close_round
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote
from parley.web.i18n import translator


def _words(text: str) -> str:
    """Collapse white space and drop the direction isolates (U+2066 to U+2069)."""
    return re.sub(r"\s+", " ", re.sub("[\u2066-\u2069]", "", text)).strip()


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return _words(" ".join(page.extract_text() or "" for page in reader.pages))


def _html_text(html: str) -> str:
    body = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return _words(html_module.unescape(re.sub(r"<[^>]+>", " ", body)))


def _north_and_south(
    sf: SessionFactory, name: str, *, members: int
) -> tuple[int, tuple[int, list[int]], tuple[int, list[int]]]:
    """A process of two formats (North, South; min_votes 2), each with ``members`` members:
    its id, then each format's conversation and members."""
    pid, formats = new_process(sf, ["North", "South"], name=name, min_votes=2)
    out = []
    for fmt in formats:
        cid = fmt.conversation_id
        out.append((cid, [participants.join_conversation(sf, cid)[0] for _ in range(members)]))
    return pid, out[0], out[1]


@pytest.fixture
def process(session_factory: SessionFactory) -> int:
    sf = session_factory
    pid, (a, in_a), (b, in_b) = _north_and_south(sf, "Brief <test>", members=4)
    plan = [
        ("Clean water for every village", [1, 1, 1, 1], [1, 1, 1, -1]),
        ("Foreign troops leave within a year", [1, 1, 1, 0], [-1, -1, -1, -1]),
        ("Reopen the schools", [1, 1, 0, 1], [1, 1]),  # two South voters: withheld
    ]
    for text, votes_a, votes_b in plan:
        s = statements.add_statement(sf, a, text, is_seed=True)
        (copy,) = share_statement(sf, s.id)
        for m, v in zip(in_a, votes_a, strict=False):
            cast_vote(sf, m, s.id, v)
        for m, v in zip(in_b, votes_b, strict=False):
            cast_vote(sf, m, copy, v)
    statements.add_statement(sf, b, "Waiting for votes in the North", is_seed=True)
    refresh_agenda(sf, pid)
    close_round(sf, pid)
    return pid


def test_the_brief_html_and_pdf_carry_the_agenda_items_and_numbers(
    session_factory: SessionFactory, process: int
) -> None:
    sf = session_factory
    document = read_agenda(sf, process).document
    brief = brief_of(sf, process, 1)
    assert brief.round_number == 1 and brief.min_group_size == 3
    html = render_brief_html(brief, translator("en"), language="en", direction="ltr")
    pdf = render_brief_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert "<test>" not in html and "Brief &lt;test&gt;" in html  # user text escaped
    html_text, pdf_text = _html_text(html), _pdf_text(pdf)
    kinds = [s.group for item in document.items for s in item.statements]
    headings = [listed_under(s) for item in document.items for s in item.statements]
    waiting_items = sum(
        1 for i in document.items if all(listed_under(s) == "waiting" for s in i.statements)
    )
    expected = [
        "Brief: Brief <test>",
        "Round 1",
        f"Common ground {kinds.count('common')}",
        f"Waiting for votes {waiting_items} {headings.count('waiting')}",
        "fewer than 3 voters: withheld",
        "No earlier round to compare with.",
    ]
    for item in document.items:
        expected.append(f"{item.rank}. {item.label}")
        for s in item.statements:
            assert s.text is not None
            expected.append(s.text)
            if s.common_ground is not None:
                expected.append(f"common ground {s.common_ground:.2f}")
            for name, counts in s.by_format.items():
                if sum(counts.values()) and name not in s.withheld:
                    expected.append(
                        f"{counts['agree']} agree, {counts['disagree']} disagree, "
                        f"{counts['pass']} pass"
                    )
    for text in expected:
        assert text in html_text, text
        assert text in pdf_text, text
    # two South voters are too few to show their stance, so too few to rank on it (min_votes 2
    # is raised to the group size 3): waiting, not "common ground", which would tell their votes
    assert sorted(kinds) == ["common", "contested", "one-sided", "waiting"]
    (schools,) = [s for i in document.items for s in i.statements if s.text == "Reopen the schools"]
    assert schools.kind == "waiting" and schools.waiting_for == ["South"]
    assert schools.withheld == ["South"] and schools.common_ground is None
    assert document.process.min_votes == 3


def test_the_brief_of_now_shows_what_moved_since_the_last_round_in_arabic(
    session_factory: SessionFactory, process: int
) -> None:
    brief = brief_of(session_factory, process, None)
    assert brief.round_number is None and brief.since_round == 1
    assert brief.changes is not None and brief.changes.is_empty
    html = render_brief_html(brief, translator("ar"), language="ar", direction="rtl")
    assert 'dir="rtl"' in html and "منذ الجولة 1" in html
    assert "Clean water for every village" in _pdf_text(render_brief_pdf(html))
    # an English statement is a left-to-right paragraph of its own in the Arabic brief, so
    # that its full stop stays at its end when it wraps (WeasyPrint loses inline isolates)
    said = re.findall(r'<p class="said" dir="(\w+)"[^>]*>.*?</span> ([^<]*)</p>', html)
    assert ("ltr", "Clean water for every village") in said
    assert all(direction == "ltr" for direction, _ in said)


def test_the_brief_summary_counts_every_statement_it_lists_as_waiting_for_votes(
    session_factory: SessionFactory,
) -> None:
    """Statements in several formats short of votes and one-sided ones: both are listed
    under "Waiting for votes" and both are counted, in the brief and in the rounds."""
    sf = session_factory
    pid, (a, in_a), (b, in_b) = _north_and_south(sf, "Waiting", members=3)
    for text in ("Shared, one South vote", "Shared, no South vote"):
        s = statements.add_statement(sf, a, text, is_seed=True)
        (copy,) = share_statement(sf, s.id)
        for m in in_a:
            cast_vote(sf, m, s.id, 1)
        if text.startswith("Shared, one"):
            cast_vote(sf, in_b[0], copy, 1)  # held by both formats, short of votes in South
    statements.add_statement(sf, b, "Only in the South", is_seed=True)  # one-sided
    refresh_agenda(sf, pid)
    kinds = sorted(s.kind for item in read_agenda(sf, pid).document.items for s in item.statements)
    assert kinds == ["one-sided", "waiting", "waiting"]
    closed = close_round(sf, pid)
    brief = brief_of(sf, pid, 1)
    html = render_brief_html(brief, translator("en"), language="en", direction="ltr")
    listed = len(re.findall(r'class="statement mark waiting"', html))
    shown = re.search(r'<td id="sum-waiting">(\d+)</td>', html)
    assert shown is not None
    assert listed == int(shown.group(1)) == brief.summary["waiting"] == 3
    assert closed.n_waiting == 3  # the rounds list counts the same


@pytest.mark.parametrize("lang", ["en", "de", "fr", "ru", "tr", "ar", "fa", "es", "zh"])
def test_the_brief_legend_uses_the_words_of_its_counts(
    session_factory: SessionFactory, process: int, lang: str
) -> None:
    """The colour key under the summary names agree, disagree and pass as the counts do."""
    t = translator(lang)
    brief = brief_of(session_factory, process, 1)
    html = render_brief_html(brief, t, language=lang, direction="ltr")
    legend = re.search(r'<p class="legend">(.*?)</p>', html, flags=re.S)
    assert legend is not None
    words = [w.strip() for w in re.findall(r"</span>([^<]+)</span>", legend.group(1))]
    st = brief.items[0].common[0].stances[0]
    counts = t("agenda.counts", agree=st.agree, disagree=st.disagree, passed=st.passed)
    assert len(words) == 3 and counts in html_module.unescape(html)
    for word in words:
        assert html_module.unescape(word).casefold() in counts.casefold(), (word, counts)


def test_a_brief_rendered_again_comes_from_the_kept_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    from parley.services import brief as brief_module

    made: list[str] = []
    real = weasyprint.HTML

    def counted(*args: object, **kwargs: object) -> object:
        made.append(str(kwargs.get("string")))
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", counted)
    brief_module._pdf_of.cache_clear()
    first = "<html><body><p>Round 1</p></body></html>"
    pdf = render_brief_pdf(first)
    assert render_brief_pdf(first) is pdf and made == [first]  # rendered once
    other = first.replace("Round 1", "Round 2")  # any change in what it shows: a new PDF
    assert "Round 2" in _pdf_text(render_brief_pdf(other)) and made == [first, other]
    for n in range(brief_module.PDF_CACHE_SIZE):  # at most PDF_CACHE_SIZE are kept
        render_brief_pdf(first.replace("Round 1", f"Round {n + 3}"))
    render_brief_pdf(first)
    assert made.count(first) == 2
    brief_module._pdf_of.cache_clear()
