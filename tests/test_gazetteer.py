"""The compiled gazetteer: up to date with its sources, and its lookups."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from geo._normalize import name_key
from geo.gazetteer import GAZETTEER_PATH, load_gazetteer

ROOT = Path(__file__).resolve().parent.parent


def test_committed_gazetteer_equals_a_fresh_build(tmp_path):
    spec = importlib.util.spec_from_file_location("build_gazetteer",
                                                  ROOT / "scripts" / "build_gazetteer.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = tmp_path / "gazetteer.json"
    build.main(fresh)
    assert json.loads(fresh.read_text("utf-8")) == json.loads(GAZETTEER_PATH.read_text("utf-8")), (
        "data/gazetteer/gazetteer.json is stale: run scripts/build_gazetteer.py")


def test_every_afghan_place_has_a_province_and_foreign_places_none(gazetteer):
    for place in gazetteer.places:
        if place.country == "AF" and place.kind != "country":
            assert place.province_iso, place
        else:
            assert place.province_iso is None, place


def test_search_ranks_the_exact_spelling_first(gazetteer):
    place, score, spelling = gazetteer.search("Lashkargah")[0]
    assert (place.province_iso, score, spelling) == ("AF-HEL", 100.0, "Lashkargah")


def test_search_finds_near_spellings(gazetteer):
    assert gazetteer.search("Mazar Sharif")[0][0].province_iso == "AF-BAL"


def test_gazetteer_is_cached():
    assert load_gazetteer() is load_gazetteer()


def test_clearing_the_memos_forgets_words_but_not_readings(gazetteer):
    from geo.geocode import geocode

    text = "Fighting in Konduz and Dawlat Abad in Faryab; Kandahar province fell."
    before = geocode(text, gazetteer)
    assert gazetteer.resolutions
    gazetteer.clear_memos()
    assert not gazetteer.resolutions
    assert not gazetteer.pattern_rules
    assert not gazetteer.scanner.verdicts
    assert geocode(text, gazetteer) == before


@given(st.text(alphabet="abdegiklmnoqrsuyzhw", min_size=3, max_size=12))
@settings(max_examples=300, deadline=None)
def test_a_near_first_word_is_found_among_the_keys_of_a_reachable_length(key):
    # the length band is a bound of fuzz.ratio, so the answer is the unfiltered search's
    gazetteer = load_gazetteer()
    unfiltered = process.extractOne(key, gazetteer.first_word_keys.get(key[0], ()),
                                    scorer=fuzz.ratio, score_cutoff=85.0)
    assert gazetteer.fuzzy_first_word(key) == (unfiltered[0] if unfiltered else None)


# The key rules as plain regexes, in order: name_key applies them by faster means.
_KEY_RULES = [(r"(?<=[a-z])(?:eh|ah)$", "a"), (r"ph", "f"), (r"gh", "g"), (r"ck|q", "k"),
              (r"[ey]", "i"), (r"o", "u"), (r"aw|au|uw|uu", "u"), (r"ai|ii", "i"),
              (r"(.)\1+", r"\1")]


@given(st.text(alphabet="aeiouyqckphgwsnt -'’", max_size=14))
@settings(max_examples=500)
def test_name_keys_follow_the_transliteration_rules(name):
    expected = re.sub(r"[^0-9a-z\u0600-\u06ff]+", "",
                      name.lower().replace("’", "").replace("'", ""))
    for pattern, repl in _KEY_RULES:
        expected = re.sub(pattern, repl, expected)
    assert name_key(name) == expected
