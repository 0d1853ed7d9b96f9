"""Pages per language: the html element's language and direction, labels, the switch."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest

from parley.web.i18n import LANGUAGE_NAMES, translator

TR_AGREE, TR_DISAGREE = "Katılıyorum", "Katılmıyorum"  # noqa: RUF001 (Turkish dotless i)
_HTML = re.compile(r"<html\b[^>]*>")
_VOTE_BUTTON = re.compile(r'data-vote="(agree|disagree|pass)">([^<]+)</button>')
_RAW_KEY = re.compile(
    r"\b(?:nav|vote|add|progress|tab|stats|count|error|moderation|results|chart)\.[a-z_]+\b"
)


def _html_tag(html: str) -> str:
    found = _HTML.search(html)
    assert found, "no <html> element"
    return found.group(0)


def _vote_labels(html: str) -> dict[str, str]:
    return dict(_VOTE_BUTTON.findall(html))


def test_arabic_pages_are_right_to_left_with_arabic_buttons(pages_env: Any) -> None:
    html = pages_env.client.get(f"/c/{pages_env.open_id}?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in html
    assert _vote_labels(html) == {"agree": "أوافق", "disagree": "لا أوافق", "pass": "تخطي"}
    assert "إضافة عبارة" in html  # the "add a statement" heading
    assert 'class="statement-text"' in html and 'dir="auto"' in html  # statements keep their own


def test_turkish_pages_are_left_to_right_with_turkish_buttons(pages_env: Any) -> None:
    html = pages_env.client.get(f"/c/{pages_env.open_id}?lang=tr").text
    tag = _html_tag(html)
    assert 'lang="tr"' in tag and 'dir="rtl"' not in tag  # ltr, the default direction
    labels = _vote_labels(html)
    assert labels == {"agree": TR_AGREE, "disagree": TR_DISAGREE, "pass": "Geç"}


@pytest.mark.parametrize(
    ("header", "lang", "agree"),
    [
        ("ar-SA", "ar", "أوافق"),
        ("ar-EG,ar;q=0.9,en;q=0.8", "ar", "أوافق"),
        ("tr-TR,tr;q=0.9", "tr", TR_AGREE),
    ],
)
def test_accept_language_negotiates_turkish_and_arabic(
    pages_env: Any, header: str, lang: str, agree: str
) -> None:
    html = pages_env.client.get(f"/c/{pages_env.open_id}", headers={"accept-language": header}).text
    assert f'lang="{lang}"' in _html_tag(html)
    assert ('dir="rtl"' in _html_tag(html)) == (lang == "ar")
    assert _vote_labels(html)["agree"] == agree


def test_the_arabic_choice_is_remembered_and_left_again(pages_env: Any) -> None:
    client, cid = pages_env.client, pages_env.open_id
    response = client.get(f"/c/{cid}?lang=ar")
    assert "parley_lang=ar" in response.headers["set-cookie"]
    assert 'dir="rtl"' in _html_tag(client.get(f"/c/{cid}").text)
    back = client.get(f"/c/{cid}?lang=en").text
    assert _html_tag(back) == '<html lang="en">'


@pytest.mark.parametrize("lang", ["en", "ar", "tr", "fa", "zh"])
def test_the_language_switch_lists_all_nine_languages(pages_env: Any, lang: str) -> None:
    html = pages_env.client.get(f"/c/{pages_env.open_id}?lang={lang}").text
    switch = html[html.index('<nav class="langs"') :]
    switch = switch[: switch.index("</nav>")]
    assert len(LANGUAGE_NAMES) == 9
    for code, name in LANGUAGE_NAMES.items():
        assert f'hreflang="{code}" lang="{code}"' in switch, code
        assert f">{name}</a>" in switch, code
    assert switch.count("aria-current") == 1
    assert re.search(rf'hreflang="{lang}" lang="{lang}" aria-current="true"', switch)


@pytest.mark.parametrize("lang", ["ar", "tr", "fa", "es", "zh"])
def test_facilitator_pages_in_every_new_language_show_no_raw_keys(
    pages_env: Any, lang: str
) -> None:
    pages_env.log_in()
    cid = pages_env.open_id
    for path in ("/f", f"/f/c/{cid}", f"/f/c/{cid}/moderation", f"/f/c/{cid}/results"):
        html = pages_env.client.get(path, params={"lang": lang}).text
        assert f'lang="{lang}"' in _html_tag(html), path
        assert ('dir="rtl"' in _html_tag(html)) == (lang in ("ar", "fa")), path
        assert not _RAW_KEY.findall(html.split("</head>", 1)[1]), path


def test_the_stylesheet_uses_logical_sides_only() -> None:
    """Margins, paddings, borders and alignment follow the text direction, so RTL mirrors."""
    css = resources.files("parley.web").joinpath("static", "parley.css").read_text("utf-8")
    physical = re.findall(
        r"\b(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)|"
        r"\bfloat:\s*(?:left|right)|(?<![-\w])(?:left|right):",
        css,
    )
    assert not physical


def test_arabic_chart_legends_keep_their_reading_order() -> None:
    """Plotly draws text left to right; an RTL isolate keeps "المجموعة A (5)" in order."""
    for t in (translator("ar"), translator("fa")):
        for label in (t("chart.group", letter="A", n=5), t("chart.not_grouped", n=2)):
            assert label.startswith("\u2067") and label.endswith("\u2069"), label
    assert "\u2067" not in translator("en")("chart.group", letter="A", n=5)


def test_back_arrows_point_the_reading_way(pages_env: Any) -> None:
    cid = pages_env.open_id
    assert "→ " in pages_env.client.get(f"/c/{cid}/votes?lang=ar").text.split("<main", 1)[1]
    assert "← " in pages_env.client.get(f"/c/{cid}/votes?lang=en").text.split("<main", 1)[1]


def test_what_moved_between_rounds_points_the_reading_way(pages_env: Any) -> None:
    from tests.support.processes import new_process

    from parley.services.agenda import refresh_agenda
    from parley.services.rounds import close_round

    env = pages_env
    pid, _ = new_process(env.session_factory, ["North", "South"], facilitator_id=env.facilitator_id)
    refresh_agenda(env.session_factory, pid)
    close_round(env.session_factory, pid)
    env.log_in()
    for lang, arrow in (("ar", "←"), ("fa", "←"), ("en", "→")):
        t = translator(lang)
        page = env.client.get(f"/f/p/{pid}/rounds?lang={lang}").text
        assert f"{t('rounds.round_n', n=1)} {arrow} {t('rounds.now')}" in page, lang


def test_persian_pages_are_right_to_left_with_persian_text(pages_env: Any) -> None:
    html = pages_env.client.get(f"/c/{pages_env.open_id}?lang=fa").text
    assert '<html lang="fa" dir="rtl">' in html
    assert _vote_labels(html) == {"agree": "موافقم", "disagree": "مخالفم", "pass": "عبور"}
    assert "افزودن گزاره" in html  # the "add a statement" heading
    assert "→ " in pages_env.client.get(f"/c/{pages_env.open_id}/votes?lang=fa").text


@pytest.mark.parametrize(
    ("lang", "agree", "add"),
    [("zh", "同意", "添加陈述"), ("es", "De acuerdo", "Añadir una afirmación")],
)
def test_chinese_and_spanish_pages_render_left_to_right(
    pages_env: Any, lang: str, agree: str, add: str
) -> None:
    html = pages_env.client.get(f"/c/{pages_env.open_id}?lang={lang}").text
    assert _html_tag(html) == f'<html lang="{lang}">'
    assert _vote_labels(html)["agree"] == agree and add in html
    assert not _RAW_KEY.findall(html.split("</head>", 1)[1])


def test_counts_on_pages_take_the_plural_of_their_number(pages_env: Any) -> None:
    pages_env.log_in()
    cid = pages_env.open_id
    html = pages_env.client.get(f"/f/c/{cid}", params={"lang": "ru"}).text
    stats = re.findall(r"<div><b>([^<]+)</b>([^<]+)</div>", html)
    assert stats, "no counts on the conversation page"
    t = translator("ru")
    for number, label in stats[:3]:
        n = int(number.replace("\u00a0", "").replace(" ", ""))
        assert label in {
            t(k, n=n) for k in ("count.participants", "count.statements", "count.votes")
        }
