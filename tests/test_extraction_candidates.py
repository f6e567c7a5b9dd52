"""Candidates: every sentence paired with each Afghan province it names, with features."""

from __future__ import annotations

import datetime as dt

from geo.extraction.candidates import CueLexicon
from geo.records import Document

PUBLISHED = dt.date(2021, 8, 14)


def candidates(learned, text: str):
    _, cands = learned.candidates(Document("t.txt", text, PUBLISHED))
    return cands


def test_each_province_named_in_a_sentence_is_one_candidate(learned):
    cands = candidates(learned, "The Taliban seized Kandahar, capital of Kandahar province; "
                                "Herat, capital of Herat province; and Qalat.")
    assert {c.province_iso for c in cands} == {"AF-KAN", "AF-HER", "AF-ZAB"}
    assert all(c.start == 0 for c in cands)


def test_places_abroad_make_no_candidate(learned):
    cands = candidates(learned, "Refugees crossed from Spin Boldak into Chaman in Pakistan.")
    assert {c.province_iso for c in cands} == {"AF-KAN"}


def test_a_sentence_too_long_to_read_whole_makes_no_candidate_for_training_either(learned):
    # training and labelling read learned.candidates: they must see what extraction sees
    long_part = "the Taliban seized Herat on Friday, " * 80  # one run-on sentence
    cands = candidates(learned, f"The Taliban captured Zaranj on Friday. "
                                f"T{long_part[1:].rstrip(', ')}.")
    assert {c.province_iso for c in cands} == {"AF-NIM"}
    assert all(c.start == 0 for c in cands)


def test_list_mates_of_a_rule_claim_carry_its_polarity(learned):
    cands = candidates(learned, "The Taliban captured Farah; Zaranj, capital of Nimroz; "
                                "and Qala-i-Naw on Tuesday.")
    nimroz = next(c for c in cands if c.province_iso == "AF-NIM")
    assert nimroz.features.get("in_list") == 1.0
    assert any(k.startswith("gov_l:capture") for k in nimroz.features)


def test_a_wire_dateline_place_is_marked(learned):
    cands = candidates(learned, "KABUL - The Taliban captured Ghazni on Thursday.")
    kabul = next(c for c in cands if c.province_iso == "AF-KAB")
    assert kabul.features.get("dateline_place") == 1.0
    ghazni = next(c for c in cands if c.province_iso == "AF-GHA")
    assert "dateline_place" not in ghazni.features


def test_a_heading_scopes_the_list_items_under_it(learned):
    text = "Update\n\nCities under siege:\n- Herat\n- Kandahar\n"
    herat = next(c for c in candidates(learned, text) if c.province_iso == "AF-HER")
    assert herat.line_role == "item"
    assert herat.features.get("scope:contest") == 1.0


def test_the_cue_lexicon_finds_the_nearest_class():
    lex = CueLexicon.load()
    assert "capture" in lex.classes_in("the militants seized the town")
    assert lex.nearest("fighters attacked and then captured", ("contest", "capture"),
                       from_end=True) == "capture"
