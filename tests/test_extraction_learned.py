"""The learned engine end to end: holding statements, datelines, structure, the seam."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import ControlmapError
from geo.extraction import ENGINES, Extractor, check_engine, extract
from geo.extraction.learned import government_holding
from geo.records import Document

PUBLISHED = dt.date(2021, 8, 13)

HOLDING = [
    "{a} and {b} are still held by government forces.",
    "Only {a} is not yet under Taliban control.",
    "The government retains {a} and {b}, officials said.",
    "{a} remains in government hands, a ministry spokesman said on Thursday.",
    "Security forces still control {a}, the governor said.",
    "{a} and {b} are still in the hands of the Afghan army.",
    "The army still holds {a}, while {b} is outside Taliban control.",
]
CITIES = ["Mazar-i-Sharif", "Jalalabad", "Kabul", "Herat", "Kandahar", "Lashkar Gah",
          "Maimana", "Faizabad", "Gardez", "Khost", "Asadabad", "Bamyan"]


def claims(text: str, published: dt.date = PUBLISHED, engine: str = "learned"):
    return extract(Document("t.txt", text, published), engine=engine).claims


@pytest.mark.parametrize("template", HOLDING)
@pytest.mark.parametrize("engine", ENGINES)
def test_a_holding_statement_never_yields_a_taliban_capture(template, engine):
    text = template.format(a="Mazar-i-Sharif", b="Jalalabad")
    assert not [c for c in claims(text, engine=engine) if c.actor == "taliban"
                and c.kind != "contested"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HOLDING), st.sampled_from(CITIES), st.sampled_from(CITIES),
       st.sampled_from(["", "On Friday, ", "Officials said that "]))
def test_no_holding_phrasing_of_any_places_is_read_as_a_taliban_capture(template, a, b, lead):
    text = lead + template.format(a=a, b=b)
    text = text[0].upper() + text[1:]
    assert government_holding(text)
    assert not [c for c in claims(text) if c.actor == "taliban" and c.kind != "contested"]


def test_a_capture_beside_a_holding_statement_is_still_a_capture():
    found = claims("The Taliban captured Kunduz on Sunday, while Mazar-i-Sharif remains in "
                   "government hands.")
    assert ("AF-KDZ", "taliban") in {(c.province_iso, c.actor) for c in found}
    assert ("AF-BAL", "taliban") not in {(c.province_iso, c.actor) for c in found}


def test_a_wire_dateline_is_not_a_claim():
    found = claims("KABUL - The Taliban captured Ghazni, the capital of Ghazni province, on "
                   "Thursday.")
    assert {c.province_iso for c in found} == {"AF-GHA"}


def test_a_list_the_rules_read_only_in_part_is_claimed_whole():
    text = ("Aug. 13: The Taliban said they had seized Kandahar, capital of Kandahar province; "
            "Herat, capital of Herat province; and Qalat, capital of Zabul province.")
    found = {(c.province_iso, c.actor) for c in claims(text)}
    assert {("AF-KAN", "taliban"), ("AF-HER", "taliban"), ("AF-ZAB", "taliban")} <= found


def test_every_claim_keeps_its_quote_span_and_a_reason():
    doc = Document("t.txt", "Headline\n\nThe Taliban seized Farah and Zaranj on Tuesday.",
                   dt.date(2021, 8, 11))
    for c in extract(doc, engine="learned").claims:
        assert doc.text[c.start : c.end] == c.quote
        assert c.note.startswith(("arbiter ", "heading "))
        assert 0 < c.confidence <= 1


def test_mentions_and_counts_are_those_of_the_rules():
    doc = Document("t.txt", "The Taliban now hold 10 of Afghanistan's 34 provincial capitals, "
                            "including Kunduz.", PUBLISHED)
    learned, rules = extract(doc, engine="learned"), extract(doc, engine="rules")
    assert learned.mentions == rules.mentions
    assert learned.counts == rules.counts


def test_the_engine_is_a_checked_setting(monkeypatch):
    with pytest.raises(ControlmapError, match="unknown extraction engine 'regex'"):
        check_engine("regex")
    monkeypatch.setenv("CONTROLMAP_ENGINE", "rules")
    assert Extractor.for_engine().name == "rules"
    monkeypatch.setenv("CONTROLMAP_ENGINE", "bogus")
    with pytest.raises(ControlmapError, match="bogus"):
        Extractor.for_engine()


def test_no_holding_sentence_of_the_dev_corpus_yields_a_taliban_capture(dev_corpus, learned):
    from geo.evaluate import corpus_documents

    for doc in corpus_documents(dev_corpus):
        for c in learned.extract(doc).claims:
            if c.actor == "taliban" and c.kind != "contested":
                assert not government_holding(c.quote), (doc.name, c.quote[:80])


def test_claim_ids_do_not_move_with_the_arbiters_probabilities():
    doc = Document("t.txt", "The Taliban captured Zaranj on Friday.", dt.date(2021, 8, 7))
    rules = {c.claim_id for c in extract(doc, engine="rules").claims}
    learned = extract(doc, engine="learned").claims
    assert {c.claim_id for c in learned} == rules
    assert all(c.note.startswith("arbiter ") for c in learned)


@pytest.mark.parametrize("text", [
    "The Taliban entered Kabul on Sunday as US troops held the airport.",
    "Kunduz was captured by the Taliban on Sunday, but troops still hold the airport.",
    "Taliban fighters stormed Kunduz, while Mazar-i-Sharif remains in government hands.",
])
def test_a_holding_clause_does_not_undo_a_capture_in_another_clause(text):
    rules = {(c.province_iso, c.actor) for c in claims(text, engine="rules")
             if c.actor == "taliban"}
    assert rules
    assert rules <= {(c.province_iso, c.actor) for c in claims(text)}


@pytest.mark.parametrize(("heading", "expected"), [
    ("Cities under siege:", ("taliban", "contested")),
    ("Captured by the Taliban so far:", ("taliban", "captured")),
    ("Retaken by government forces:", ("government", "recaptured")),
])
def test_list_items_under_a_heading_take_its_predicate(heading, expected):
    text = f"Latest\n\n{heading}\n- Herat\n- Kandahar\n- Lashkar Gah\n"
    found = {(c.province_iso, c.actor, c.kind) for c in claims(text, dt.date(2021, 8, 9))}
    assert {(iso, *expected) for iso in ("AF-HER", "AF-KAN", "AF-HEL")} <= found


@pytest.mark.parametrize("heading", ["What we know:", "Cities that may fall next:",
                                     "Aid delivered to:"])
def test_a_heading_that_claims_nothing_gives_its_items_nothing(heading):
    assert claims(f"Latest\n\n{heading}\n- Herat\n- Kandahar\n", dt.date(2021, 8, 9)) == []
