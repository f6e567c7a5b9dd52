"""The compiled gazetteer: up to date with its sources, and its lookups."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

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
