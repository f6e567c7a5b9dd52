"""Tests of geo.dates: finding date expressions and resolving them against publication."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.dates import (
    MONTHS,
    WEEKDAYS,
    find_date_expressions,
    resolve_event_date,
    sentence_event_date,
)

THURSDAY_12_AUG = dt.date(2021, 8, 12)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Thursday", dt.date(2021, 8, 12)),
        ("on Thursday", dt.date(2021, 8, 12)),
        ("On Thursday", dt.date(2021, 8, 12)),
        ("Thursday morning", dt.date(2021, 8, 12)),
        ("late Thursday", dt.date(2021, 8, 12)),
        ("Wednesday", dt.date(2021, 8, 11)),
        ("Friday", dt.date(2021, 8, 6)),
        ("last Thursday", dt.date(2021, 8, 5)),
        ("Sunday night", dt.date(2021, 8, 8)),
        ("June 16", dt.date(2021, 6, 16)),
        ("on June 16", dt.date(2021, 6, 16)),
        ("July 14", dt.date(2021, 7, 14)),
        ("July 14th", dt.date(2021, 7, 14)),
        ("16 June", dt.date(2021, 6, 16)),
        ("the 16th of June", dt.date(2021, 6, 16)),
        ("Aug. 6", dt.date(2021, 8, 6)),
        ("Sept. 3", dt.date(2020, 9, 3)),
        ("6 August 2021", dt.date(2021, 8, 6)),
        ("August 6, 2021", dt.date(2021, 8, 6)),
        ("2021-08-06", dt.date(2021, 8, 6)),
        ("yesterday", dt.date(2021, 8, 11)),
        ("today", dt.date(2021, 8, 12)),
        ("this morning", dt.date(2021, 8, 12)),
        ("tonight", dt.date(2021, 8, 12)),
        ("earlier today", dt.date(2021, 8, 12)),
        ("last night", dt.date(2021, 8, 11)),
        ("last week", dt.date(2021, 8, 5)),
        ("past 24 hours", dt.date(2021, 8, 11)),
        ("the last 24 hours", dt.date(2021, 8, 11)),
        ("two days ago", dt.date(2021, 8, 10)),
        ("3 days ago", dt.date(2021, 8, 9)),
        ("earlier this week", dt.date(2021, 8, 11)),
    ],
)
def test_resolve_event_date_from_a_thursday_12_august_2021_piece(
    expression: str, expected: dt.date
) -> None:
    assert resolve_event_date(expression, THURSDAY_12_AUG) == expected


@pytest.mark.parametrize("expression", ["a day earlier", "a day later", "the next day", ""])
def test_resolve_event_date_returns_none_for_unanchored_expressions(expression: str) -> None:
    assert resolve_event_date(expression, THURSDAY_12_AUG) is None


def test_weekday_named_on_its_own_day_is_the_publication_day() -> None:
    sunday = dt.date(2021, 8, 15)
    assert resolve_event_date("Sunday", sunday) == sunday


def test_december_date_in_a_january_piece_is_in_the_previous_year() -> None:
    assert resolve_event_date("December 30", dt.date(2021, 1, 5)) == dt.date(2020, 12, 30)


def test_explicit_date_after_publication_is_not_an_event_date() -> None:
    assert resolve_event_date("6 August 2021", dt.date(2021, 1, 1)) is None


def test_impossible_calendar_date_does_not_resolve() -> None:
    assert resolve_event_date("June 31", THURSDAY_12_AUG) is None


def test_seed_sentences_find_on_july_14_and_on_june_16() -> None:
    sentence = (
        "A video was published on July 14. The executions took occurred on June 16 "
        "in the town of Dawlat Abad."
    )
    found = [text for _start, _end, text in find_date_expressions(sentence)]
    assert found == ["on July 14", "on June 16"]


def test_find_date_expressions_spans_index_the_sentence() -> None:
    sentence = "Kunduz fell on Sunday and Sheberghan on Aug. 6, officials said yesterday."
    for start, end, text in find_date_expressions(sentence):
        assert sentence[start:end] == text


def test_find_date_expressions_prefers_the_longest_overlapping_expression() -> None:
    found = find_date_expressions("Fighting resumed Thursday morning near Lashkar Gah.")
    assert [text for _s, _e, text in found] == ["Thursday morning"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials may resign in March.",
        "The Taliban march on Kabul.",
        "Forces may 5 times have retreated.",
        "In May the offensive began.",
        "Janet 5 arrived.",
        "Date palms grow in Kandahar.",
    ],
)
def test_find_date_expressions_ignores_ordinary_words(sentence: str) -> None:
    assert find_date_expressions(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("They took Zaranj on 6 August.", "on 6 August"),
        ("They took Zaranj on May 6.", "on May 6"),
        ("March 3rd, 2021 was quiet.", "March 3rd, 2021"),
        ("Within the past 24 hours, two districts fell.", "the past 24 hours"),
        ("The post fell 3 days ago.", "3 days ago"),
        ("See 2021-08-06 for details.", "2021-08-06"),
    ],
)
def test_find_date_expressions_finds_month_days_and_relative_forms(
    sentence: str, expected: str
) -> None:
    assert [text for _s, _e, text in find_date_expressions(sentence)] == [expected]


def test_full_stop_after_a_full_month_name_stays_out_of_the_expression() -> None:
    assert find_date_expressions("Zaranj fell on 6 August.")[0][2] == "on 6 August"


def test_sentence_event_date_reports_the_expression_used() -> None:
    sentence = "On Thursday, the embassy issued a statement on Twitter."
    assert sentence_event_date(sentence, THURSDAY_12_AUG) == (
        dt.date(2021, 8, 12),
        "expression 'On Thursday'",
    )


def test_sentence_event_date_takes_the_first_expression_that_resolves() -> None:
    sentence = "A day later, on Tuesday, the district centre fell."
    assert sentence_event_date(sentence, THURSDAY_12_AUG) == (
        dt.date(2021, 8, 10),
        "expression 'on Tuesday'",
    )


def test_undated_sentence_takes_the_publication_date() -> None:
    assert sentence_event_date("Kunduz has fallen.", THURSDAY_12_AUG) == (
        THURSDAY_12_AUG,
        "publication date",
    )


PUBLISHED = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
MONTH_NAMES = sorted(MONTHS, key=str)


@st.composite
def weekday_or_month_day(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        prefix = draw(st.sampled_from(["", "on ", "late ", "last "]))
        part = draw(st.sampled_from(["", " morning", " night"]))
        return f"{prefix}{draw(st.sampled_from(WEEKDAYS))}{part}"
    month = draw(st.sampled_from(MONTH_NAMES)).capitalize()
    day = draw(st.integers(1, 31))
    year = draw(st.sampled_from(["", ", 2021", " 2020", " 2031"]))
    if draw(st.booleans()):
        return f"{month} {day}{year}"
    return f"{day} {month}{year}"


@given(expression=weekday_or_month_day(), published=PUBLISHED)
def test_resolved_event_date_is_never_after_publication(
    expression: str, published: dt.date
) -> None:
    resolved = resolve_event_date(expression, published)
    assert resolved is None or resolved <= published


@given(expression=weekday_or_month_day(), published=PUBLISHED)
def test_generated_expressions_are_found_whole(expression: str, published: dt.date) -> None:
    sentence = f"Fighting broke out {expression} near Kunduz."
    found = [text for _s, _e, text in find_date_expressions(sentence)]
    assert found == [expression]


@given(st.text())
def test_find_date_expressions_on_random_text_never_raises(text: str) -> None:
    for start, end, found in find_date_expressions(text):
        assert text[start:end] == found
