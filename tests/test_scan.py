"""The geocoder's scans (geo._scan) on small real inputs."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo._scan import (
    KeywordScanner,
    joiner_variants,
    scan_capitalised,
    scan_form,
)

NEXT = r"[ \t\-]{1,3}([A-Z][a-z]*)"


def scanner(verdict=lambda word: 0) -> KeywordScanner:
    return KeywordScanner(["Lashkar Gah", "Kabul", "Mazar-i-Sharif"], ["president"],
                          verdict, next_word=NEXT, need_next=frozenset({2}))


def found(scan: KeywordScanner, text: str) -> list[tuple[str, int]]:
    return [(scan.words[i], start) for i, start, _ in scan.find(scan_form(text))]


def test_joiner_variants_write_gaps_as_space_or_nothing():
    assert joiner_variants("Lashkar Gah") == {"lashkar gah", "lashkargah"}
    assert joiner_variants("Lashkar-Gah") == joiner_variants("lashkar  gah")


def test_joiner_variants_write_the_persian_connector_three_ways():
    variants = joiner_variants("Mazar-i-Sharif")
    assert {"mazar e sharif", "mazar i sharif", "mazar ye sharif", "mazarisharif"} <= variants


def test_scan_form_lowers_and_makes_hyphens_spaces_keeping_offsets():
    assert scan_form("Lashkar-Gah, KABUL") == "lashkar gah, kabul"
    assert len(scan_form("İstanbul")) == len("İstanbul")


def test_the_scan_finds_every_spelling_in_any_case_and_the_markers():
    text = "President Biden said LASHKARGAH and kabul and Mazar-e Sharif, Lashkar-gah."
    assert found(scanner(), text) == [("president", 0), ("lashkargah", 21), ("kabul", 36),
                                      ("mazar e sharif", 46), ("lashkar gah", 62)]


def test_the_scan_reports_the_longest_spelling_at_a_start():
    assert found(scanner(), "Lashkar Gah") == [("lashkar gah", 0)]


def test_markers_may_not_be_spellings():
    with pytest.raises(ValueError, match="kabul"):
        KeywordScanner(["Kabul"], ["kabul"], lambda w: 0, next_word=NEXT,
                       need_next=frozenset())


def test_unmatched_words_reports_suspects_only_where_nothing_is_taken():
    scan = scanner(lambda word: 1 if word == "Kunduzz" else 0)
    text = "Kunduzz fell. Then Kunduzz again, not Kunduzzi."
    assert [(at, verdict) for at, verdict, _, _ in scan.unmatched_words(text, set)] == [
        (0, 1), (19, 1)]
    assert [at for at, *_ in scan.unmatched_words(text, lambda: {0})] == [19]


def test_unmatched_words_that_need_a_next_word_report_it():
    scan = scanner(lambda word: 2 if word == "Khan" else 0)
    text = "Khan said so. Khan Abad fell."
    assert [(at, nxt) for at, _, _, nxt in scan.unmatched_words(text, set)] == [(14, "Abad")]


def test_suspects_found_in_a_text_are_located_in_that_text():
    suspects = {f"Qarya{chr(97 + k)}" for k in range(20)}
    scan = scanner(lambda word: 1 if word in suspects else 0)
    text = " ".join(sorted(suspects))
    first = scan.unmatched_words(text, set)  # judged now, located at once
    assert [text[at:end] for at, _, end, _ in first] == sorted(suspects)
    assert scan.unmatched_words(text, set) == first
    scan.forget_words()
    assert scan.verdicts == {}
    assert scan.suspects == set()


def test_words_that_are_spellings_are_never_suspects():
    scan = scanner(lambda word: 1)
    assert scan.unmatched_words("Kabul fell.", set) == []


CAPITALISED = r"[A-Z\u00c0-\u00de\u0100-\u017f\u0400-\u042f\u0600-\u06ff][^\W\d_]+"


def test_the_scan_lists_capitalised_words_and_where_suspects_stand():
    text = "Khan Abad and McKhan, Khan. iKhan 2Khan"
    words, where = scan_capitalised(text, {"Khan"})
    assert words == {"Khan", "Abad", "McKhan"}
    assert where == [(0, 4, "Khan"), (22, 26, "Khan"), (35, 39, "Khan")]


def test_the_scan_reads_dari_and_cyrillic_words_as_capitalised():
    words, where = scan_capitalised("در هرات و Кабул", {"هرات"})
    assert words == {"در", "هرات", "Кабул"}
    assert where == [(3, 7, "هرات")]


# Letters, capitals, digits, joiners and punctuation of the scripts the scan reads.
_ALPHABET = st.sampled_from([*"aAbKkhnZz ,.-'_2\n", *"ĀéÉ×Жжهرا²٣İ"])


@given(st.lists(_ALPHABET, max_size=60).map("".join), st.data())
def test_the_scan_lists_every_capitalised_word_and_only_suspects_that_stand_alone(text, data):
    words = set(re.findall(CAPITALISED, text))
    suspects = set(data.draw(st.lists(st.sampled_from(sorted(words)), max_size=3))
                   if words else ())
    found, where = scan_capitalised(text, suspects)
    assert found == words
    for start, end, word in where:
        assert word in suspects
        assert text[start:end] == word
        assert not (start and text[start - 1].isalpha())
    assert where == sorted(where)


# Words, signs that may open a word, digit-like letters and joiners, to meet often.
_PIECES = st.sampled_from(["Khan", "Abad", "Жук", "هرات", "×", "،", "٣", "²", "a", "i",
                           " ", ",", "-", "'", "2", "_", "\n"])
_SUSPECTS = st.sets(st.sampled_from(["Khan", "Abad", "Жук", "هرات", "×Khan", "Khanabad"]))


@given(st.lists(_PIECES, max_size=12).map("".join), _SUSPECTS)
def test_a_suspect_beside_signs_is_found_where_it_stands_as_a_word(text, suspects):
    _, where = scan_capitalised(text, suspects)
    for start, end, word in where:
        assert word in suspects
        assert text[start:end] == word
        assert not (start and text[start - 1].isalpha())
        assert not text[end:end + 1].isalpha()


@pytest.mark.parametrize("sign", ["×", "،", "٣"])
def test_a_suspect_after_a_sign_that_opens_a_word_stands_alone(sign):
    text = f"Khan {sign}Khan and {sign}Abad"
    words, where = scan_capitalised(text, {"Khan", "Abad"})
    assert words == {"Khan", f"{sign}Khan", f"{sign}Abad"}
    assert where == [(0, 4, "Khan"), (6, 10, "Khan"), (16, 20, "Abad")]
    assert scan_capitalised(text, {"Khan", "Abad"}) == (words, where)


def test_a_suspect_inside_a_word_after_a_digit_like_letter_is_no_occurrence():
    # "A²Khan" is one word to the scan; "²Khan" starts a word at "K"
    assert scan_capitalised("A²Khan ²Khan", {"Khan"})[1] == [(8, 12, "Khan")]
