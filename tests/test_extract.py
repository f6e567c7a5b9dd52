"""Claim extraction on real sentences with the real gazetteer."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.documents import parse_text
from geo.extract import split_sentences
from geo.extraction import ENGINES
from geo.extraction import extract as extract_with
from geo.records import Document

PUBLISHED = dt.date(2021, 8, 12)  # a Thursday


@pytest.fixture(params=ENGINES, autouse=True)
def engine(request, monkeypatch):
    """Every phrasing of this module holds for every engine behind the seam."""
    monkeypatch.setenv("CONTROLMAP_ENGINE", request.param)
    return request.param


def extract(doc):
    return extract_with(doc)


def claims_of(text: str, published: dt.date = PUBLISHED):
    return extract(Document("t.txt", text, published)).claims


def one(text: str, published: dt.date = PUBLISHED):
    claims = claims_of(text, published)
    assert len(claims) == 1, [(c.place, c.kind) for c in claims]
    return claims[0]


def test_seed_article_claims(seed_text):
    doc = parse_text(seed_text, "seed.txt")
    assert doc.published == PUBLISHED
    result = extract(doc)
    by_province = {(c.province_iso, c.actor, c.kind) for c in result.claims}
    assert ("AF-GHA", "taliban", "captured") in by_province
    assert ("AF-HEL", "taliban", "captured") in by_province
    assert ("AF-KAB", "government", "held") in by_province
    helmand = next(c for c in result.claims if c.province_iso == "AF-HEL")
    assert helmand.geo_precision == 2, "a police station is only part of Lashkar Gah"


def test_seed_article_executions_and_embassy_make_no_claims(seed_text):
    result = extract(Document("seed.txt", seed_text, PUBLISHED))
    quotes = " ".join(c.quote for c in result.claims)
    assert "executions" not in quotes
    assert "embassy" not in quotes
    assert not [c for c in result.claims if c.province_iso in ("AF-KAN", "AF-FYB")]


def test_seed_article_aggregate_is_a_count_not_a_claim(seed_text):
    result = extract(Document("seed.txt", seed_text, PUBLISHED))
    assert [(c.count, c.total, c.unit) for c in result.counts] == [(10, 34, "provincial capitals")]


def test_claimed_control_is_dated_by_weekday_and_hedged():
    claim = one("The Taliban claimed control of Ghazni city on Thursday morning.")
    assert (claim.province_iso, claim.actor, claim.kind) == ("AF-GHA", "taliban", "captured")
    assert claim.event_date == PUBLISHED
    assert claim.claimant == "taliban"
    plain = one("The Taliban captured Ghazni city on Thursday morning.")
    assert claim.confidence < plain.confidence


def test_passive_fall_takes_the_subject_not_the_qualifier():
    claim = one("Later on Tuesday, Puli Khumri, the capital of Baghlan province, fell to the "
                "Taliban, a lawmaker said.", dt.date(2021, 8, 10))
    assert (claim.place, claim.province_iso, claim.actor) == ("Pul-e Khumri", "AF-BGL", "taliban")
    assert claim.event_date == dt.date(2021, 8, 10)


def test_district_of_province_is_the_district():
    claim = one("Afghan forces re-captured the Kaldar district of Balkh province on Monday.",
                dt.date(2021, 7, 27))
    assert (claim.place, claim.province_iso) == ("Kaldar", "AF-BAL")
    assert (claim.actor, claim.kind) == ("government", "recaptured")
    assert claim.event_date == dt.date(2021, 7, 26)
    assert claim.geo_precision == 1


def test_list_of_districts_each_get_a_claim():
    claims = claims_of("Security forces retook Saighan and Kahmard districts in Bamiyan and "
                       "Chakhansur district in Nimroz.")
    assert {(c.place, c.province_iso) for c in claims} == {
        ("Sayghan", "AF-BAM"), ("Kahmard", "AF-BAM"), ("Chakhansur", "AF-NIM")}


def test_possessive_province_qualifies_the_districts():
    claims = claims_of("The Taliban has regained control over Parwan's Sorkh Parsa and "
                       "Sheikh Ali districts.")
    assert {c.province_iso for c in claims} == {"AF-PAR"}
    assert all(c.place_kind == "district" for c in claims)


def test_denied_taliban_claim_is_contested():
    claim = one("The Taliban claimed that they have captured the city of Sheberghan, whereas "
                "local officials said the attacks were pushed back.")
    assert claim.kind == "contested"
    assert claim.province_iso == "AF-JOW"


def test_intentions_and_threats_are_not_claims():
    assert claims_of("Commanders said they are ready to retake Kunduz soon.") == []
    assert claims_of("The Taliban will not be able to capture Kabul, the minister said.") == []


def test_historical_captures_are_not_claims():
    assert claims_of("The Taliban briefly overran Kunduz in 2015 and again in 2016.") == []


def test_non_control_mentions_make_no_claims():
    text = ("The US embassy in Kabul issued a statement. Taliban troops in Ghazni and Kandahar "
            "have executed soldiers. A video was published on July 14.")
    assert claims_of(text) == []


def test_bare_capital_is_kabul():
    claim = one("Officials said the government still controls the capital.")
    assert (claim.province_iso, claim.actor, claim.kind) == ("AF-KAB", "government", "held")


def test_resistance_front_is_its_own_actor():
    claim = one("The National Resistance Front said it still holds Panjshir.",
                dt.date(2021, 8, 23))
    assert claim.actor == "nrf"
    assert claim.province_iso == "AF-PAN"


def test_places_outside_afghanistan_make_no_claims():
    assert claims_of("The Taliban captured the border town of Chaman in Pakistan.") == []


def test_quote_and_span_point_at_the_sentence():
    text = "Fighting was heavy. The Taliban seized Zaranj, the capital of Nimroz, on Friday."
    claim = one(text, dt.date(2021, 8, 7))
    assert text[claim.start : claim.end] == claim.quote
    assert claim.event_date == dt.date(2021, 8, 6)


def test_split_sentences_keeps_abbreviations_together():
    text = "Gen. Ali spoke. The Taliban took Aybak on Aug. 9 after fighting."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Gen. Ali spoke.", "The Taliban took Aybak on Aug. 9 after fighting."]


CAPITALS = st.sampled_from(["Zaranj", "Kunduz", "Sheberghan", "Taloqan", "Ghazni", "Herat",
                            "Kandahar", "Lashkar Gah", "Mazar-i-Sharif", "Jalalabad"])
WHEN = st.sampled_from(["on Friday", "on Sunday morning", "yesterday", "on August 6",
                        "last week", "on 2 August", "in the past 24 hours", ""])
VERB = st.sampled_from(["captured", "seized", "took control of", "overran", "retook",
                        "besieged", "attacked"])


@settings(max_examples=150, deadline=None)
@given(CAPITALS, WHEN, VERB, st.dates(dt.date(2021, 7, 1), dt.date(2021, 9, 30)))
def test_claim_dates_are_never_after_publication(place, when, verb, published):
    text = f"The Taliban {verb} {place} {when}.".replace("  ", " ")
    for claim in claims_of(text, published):
        assert claim.event_date <= published
        assert claim.quote in text


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Kunduz and Taloqan are now in Taliban hands, residents said.",
         {("AF-KDZ", "taliban", "captured"), ("AF-TAK", "taliban", "captured")}),
        ("Herat city is under siege, with fighting on its outskirts.",
         {("AF-HER", "taliban", "contested")}),
        ("Kunduz falls to Taliban in major blow to government",
         {("AF-KDZ", "taliban", "captured")}),
        ("Kunduz city remains in government hands, the ministry said.",
         {("AF-KDZ", "government", "held")}),
        ("Government troops surrendered Nad Ali district to the Taliban on Tuesday.",
         {("AF-HEL", "taliban", "captured")}),
        ("The insurgents now control the border crossing at Islam Qala, officials said.",
         {("AF-HER", "taliban", "held")}),
        ("Mazar-i-Sharif, the largest city in the north, fell without a fight on Saturday.",
         {("AF-BAL", "taliban", "captured")}),
    ],
)
def test_press_phrasings(sentence, expected):
    assert {(c.province_iso, c.actor, c.kind) for c in claims_of(sentence)} == expected


def test_possessive_part_of_a_city_is_partial():
    claim = one("Afghan commandos pushed the militants out of Lashkar Gah's police headquarters.")
    assert (claim.actor, claim.kind, claim.geo_precision) == ("government", "recaptured", 2)


@pytest.mark.parametrize(
    "sentence",
    ["A suicide attack in Kabul killed ten people on Friday, officials said.",
     "Gunmen attacked a mosque in Kunduz city during Friday prayers.",
     "Rockets hit Kandahar airport overnight."],
)
def test_bombings_and_shootings_are_not_control_claims(sentence):
    assert claims_of(sentence) == []


def test_according_to_the_taliban_makes_the_taliban_the_claimant():
    claim = one("According to the Taliban, their fighters captured Khost on Sunday.")
    assert claim.claimant == "taliban"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A spokesperson for the interior ministry confirmed the fall of Ghazni.",
         {("AF-GHA", "taliban", "captured")}),
        ("The government retains control of Kabul and Mazar-i-Sharif.",
         {("AF-KAB", "government", "held"), ("AF-BAL", "government", "held")}),
        ("Afghan forces have withdrawn from Farah city, a lawmaker said.",
         {("AF-FRA", "taliban", "captured")}),
        ("Taliban fighters raised their flag over the governor's compound in Qala-i-Naw.",
         {("AF-BDG", "taliban", "captured")}),
        ("Thousands of families fled Kunduz as fighting neared.", set()),
        ("Officials denied that Maymana had fallen.", {("AF-FYB", "taliban", "contested")}),
    ],
)
def test_more_press_phrasings(sentence, expected):
    assert {(c.province_iso, c.actor, c.kind) for c in claims_of(sentence)} == expected


def test_a_place_outside_taliban_control_is_held_by_the_resistance_named_in_the_report():
    text = ("Residents said Panjshir remains outside Taliban control, with fighters of the "
            "National Resistance Front guarding the valley.")
    claim = one(text, dt.date(2021, 8, 16))
    assert (claim.province_iso, claim.actor, claim.kind) == ("AF-PAN", "nrf", "held")


def test_places_after_except_are_not_targets():
    text = "A Taliban spokesman said the group now controls every province except Panjshir."
    assert claims_of(text, dt.date(2021, 8, 16)) == []


def test_an_older_event_in_a_since_clause_is_not_a_claim():
    text = ("Qala-i-Naw fell to the Taliban on Friday, five weeks after government forces drove "
            "the insurgents out of the city.")
    assert {(c.actor, c.kind) for c in claims_of(text)} == {("taliban", "captured")}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Fighting continues in Shindand district of Herat.", {("AF-HER", "taliban", "contested")}),
        (("Afghan security forces on Thursday retook the Doshi district in Baghlan and the Bala "
         "Murghab district in Badghis, the defence ministry said."),
         {("AF-BGL", "government", "recaptured"), ("AF-BDG", "government", "recaptured")}),
        ("The district of Dawlat Abad in Balkh fell to the Taliban on Tuesday.",
         {("AF-BAL", "taliban", "captured")}),
    ],
)
def test_district_reports(sentence, expected):
    assert {(c.province_iso, c.actor, c.kind) for c in claims_of(sentence)} == expected


def test_taliban_held_city_is_held_by_the_taliban():
    claim = one("Thousands of people remain in Taliban-held Kunduz, aid groups said.")
    assert (claim.province_iso, claim.actor, claim.kind) == ("AF-KDZ", "taliban", "held")


def test_each_clause_of_a_sentence_claims_its_own_subject_and_date():
    claims = claims_of("Farah fell on Tuesday and Puli Khumri was captured on Wednesday.")
    assert sorted((c.province_iso, c.event_date.isoformat()) for c in claims) == [
        ("AF-BGL", "2021-08-11"), ("AF-FRA", "2021-08-10")]


def test_a_relative_clause_and_the_main_verb_both_claim_the_place_before_them():
    claims = claims_of("Kunduz, which fell on Sunday, was recaptured by government forces "
                       "on Monday.")
    assert sorted((c.place, c.actor, c.kind, c.event_date.isoformat()) for c in claims) == [
        ("Kunduz", "government", "recaptured", "2021-08-09"),
        ("Kunduz", "taliban", "captured", "2021-08-08")]


def test_a_relative_clause_with_a_passive_verb_claims_its_antecedent():
    claim = one("Taloqan, which was captured on Monday, lies in Takhar.")
    assert (claim.place, claim.kind, claim.event_date) == ("Taloqan", "captured",
                                                           dt.date(2021, 8, 9))


def test_a_relative_clause_after_an_object_does_not_lend_it_its_places():
    claim = one("The Taliban captured Kunduz, which borders Tajikistan, on Sunday.")
    assert (claim.place, claim.event_date) == ("Kunduz", dt.date(2021, 8, 8))


def test_capitals_in_a_list_after_a_verb_are_each_claimed():
    claims = claims_of("The Taliban captured Farah, Zaranj and Herat on Monday.")
    assert sorted(c.province_iso for c in claims) == ["AF-FRA", "AF-HER", "AF-NIM"]


def test_a_province_after_a_comma_that_contains_the_place_only_locates_it():
    claim = one("The Taliban captured Chakhansur, Nimroz on Monday.")
    assert (claim.place, claim.province_iso) == ("Chakhansur", "AF-NIM")


def test_the_latest_capital_to_fall_fell():
    claim = one("Sar-e Pul became the latest provincial capital to fall to the Taliban "
                "on Sunday.", dt.date(2021, 8, 15))
    assert (claim.province_iso, claim.kind, claim.event_date) == ("AF-SAR", "captured",
                                                                  dt.date(2021, 8, 15))


@pytest.mark.parametrize("text", ["Kabul could be the last city to fall to the Taliban.",
                                  "Officials fear Ghazni will be the next to fall.",
                                  "The Taliban are ready to capture Kandahar."])
def test_what_may_fall_has_not_fallen(text):
    assert claims_of(text) == []


def test_a_retaking_before_kabul_fell_is_the_governments_even_beside_a_resistance():
    text = ("Officials said the district of Yamgan had been retaken. Resistance forces "
            "fought beside the army.")
    assert [(c.place, c.actor) for c in claims_of(text, dt.date(2021, 8, 10))] == [
        ("Yamgan", "government")]
    assert [(c.place, c.actor) for c in claims_of(text, dt.date(2021, 8, 25))] == [
        ("Yamgan", "nrf")]


@pytest.mark.parametrize("text", ["Heavy fighting is under way in Kunduz.",
                                  "Fighting was ongoing in Kunduz on Monday.",
                                  "Clashes are going on near Kunduz."])
def test_fighting_under_way_contests_the_place(text):
    claim = one(text)
    assert (claim.province_iso, claim.kind) == ("AF-KDZ", "contested")


@pytest.mark.parametrize("text", [
    "The governor of Ghazni handed the city over to the Taliban on Thursday.",
    "Officials handed over Ghazni to the Taliban on Thursday.",
    "The governor handed over the city of Ghazni to the Taliban on Thursday.",
    "Ghazni was handed over to the Taliban on Thursday.",
])
def test_a_place_handed_over_to_the_taliban_is_captured(text):
    claim = one(text, dt.date(2021, 8, 15))
    assert (claim.province_iso, claim.actor, claim.kind, claim.event_date) == (
        "AF-GHA", "taliban", "captured", dt.date(2021, 8, 12))


@pytest.mark.parametrize("text", [
    "The Taliban handed over the bodies to the Red Cross in Kandahar.",
    "Government troops handed over their weapons to the Taliban in Kunduz.",
    "Kabul could be the last city to fall.",
    "Prices continued to fall in Kabul.",
])
def test_handing_over_things_and_guesses_about_falls_claim_nothing(text):
    assert claims_of(text) == []


def test_the_first_capital_to_fall_fell():
    claim = one("Zaranj was the first provincial capital to fall, on Friday.",
                dt.date(2021, 8, 15))
    assert (claim.province_iso, claim.kind, claim.event_date) == ("AF-NIM", "captured",
                                                                  dt.date(2021, 8, 13))


def test_a_victory_declared_in_a_place_is_a_capture_and_contested_when_rejected():
    published = dt.date(2021, 9, 7)
    claim = one("The Taliban claimed victory over Panjshir on Monday.", published)
    assert (claim.province_iso, claim.kind, claim.claimant) == ("AF-PAN", "captured", "taliban")
    claim = one("The Taliban declared victory in Panjshir on Monday, a claim rejected by the "
                "resistance.", published)
    assert (claim.province_iso, claim.kind, claim.event_date) == ("AF-PAN", "contested",
                                                                  dt.date(2021, 9, 6))


def test_a_relative_clause_after_a_list_claims_every_place_of_it():
    claims = claims_of("Lashkargah and Kandahar, which fell on Friday, were reported calm.",
                       dt.date(2021, 8, 14))
    assert sorted((c.province_iso, c.event_date.day) for c in claims) == [
        ("AF-HEL", 13), ("AF-KAN", 13)]


def test_the_side_a_place_is_handed_over_to_takes_it():
    claim = one("US forces handed over Bagram airfield to Afghan forces on July 2.")
    assert (claim.province_iso, claim.actor, claim.event_date) == ("AF-PAR", "government",
                                                                   dt.date(2021, 7, 2))


def test_a_victory_in_something_else_than_a_place_claims_nothing():
    assert claims_of("Ghani claimed victory in the elections held in Kabul.") == []


def test_a_denial_word_in_a_clause_about_the_past_denies_nothing(engine):
    claim = one("By 6 September the Taliban claimed control of the entire province of "
                "Panjshir, a region that had repelled several Soviet offensives.",
                dt.date(2021, 9, 17))
    assert (claim.province_iso, claim.actor, claim.kind) == ("AF-PAN", "taliban", "captured")


# --- long sentences ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Kunduz", "Lashkar Gah", "fell", "and", ",", ";", " - ",
                                 "the Taliban", "captured", "x" * 700, "  "]),
                min_size=1, max_size=60))
def test_a_long_sentence_is_read_in_pieces_that_keep_all_its_words(parts):
    from geo.extract import MAX_SENTENCE_CHARS, sentence_pieces

    text = " ".join(parts)  # no full stop, no line break: one sentence
    pieces = sentence_pieces(text)
    spans = [span for span, _ in pieces]
    assert all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # in order, disjoint
    covered = set().union(*(range(s, e) for s, e in spans)) if spans else set()
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())
    assert all((whole is None) == (len(spans) == 1) for _, whole in pieces)


def test_a_long_sentence_is_cut_at_a_clause_boundary_and_noted():
    from geo.extract import MAX_SENTENCE_CHARS
    from geo.extract import extract as extract_rules

    clause = "the Taliban captured Kunduz on Friday, "
    text = clause * (2 * MAX_SENTENCE_CHARS // len(clause))
    result = extract_rules(Document("long.txt", text, dt.date(2021, 8, 7)))
    assert {c.place for c in result.claims} == {"Kunduz"}
    assert all(len(c.quote) <= MAX_SENTENCE_CHARS for c in result.claims)
    assert all(c.quote.endswith(",") for c in result.claims[:-1])  # cut after a comma
    assert len(result.notes) == 1
    assert "read in pieces" in result.notes[0][1]
    assert result.notes[0][0] == (0, len(text.rstrip()))


def test_both_engines_carry_the_note_of_a_long_sentence():
    text = "the Taliban captured Kunduz on Friday, " * 120
    for engine in ENGINES:
        notes = extract_with(Document("long.txt", text, dt.date(2021, 8, 7)),
                             engine=engine).notes
        assert [span for span, _ in notes] == [(0, len(text.rstrip()))], engine


def test_the_learned_engine_leaves_a_sentence_too_long_to_read_whole_to_the_rules():
    from geo.extract import extract as extract_rules

    long_part = "the Taliban seized Herat on Friday, " * 80  # one run-on sentence
    text = f"The Taliban captured Zaranj on Friday. T{long_part[1:].rstrip(', ')}."
    doc = Document("mixed.txt", text, dt.date(2021, 8, 7))
    rules, learned = extract_rules(doc), extract_with(doc, engine="learned")
    in_long = lambda claims: {c.claim_id for c in claims if c.start >= 39}  # noqa: E731
    assert in_long(learned.claims) == in_long(rules.claims) != set()
    assert "Zaranj" in {c.place for c in learned.claims}  # the sentence is still arbitrated
    [(span, note)] = learned.notes
    assert span[0] == 39
    assert "the rule engine read it" in note


def test_a_sentence_under_the_cap_is_read_whole_and_has_no_note():
    from geo.extract import extract as extract_rules

    doc = Document("x.txt", "The Taliban captured Zaranj on Friday. " * 3, dt.date(2021, 8, 7))
    assert extract_rules(doc).notes == []
