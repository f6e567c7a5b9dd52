"""The geocoder on real text with the real gazetteer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wordfreq import top_n_list

from geo.geocode import _insert_apart, _Match, geocode


def resolved(text: str) -> dict[str, str | None]:
    return {m.text: m.province_iso for m in geocode(text)}


def test_seed_article_places_resolve_to_their_provinces(seed_text):
    found = resolved(seed_text)
    assert found["Ghazni"] == "AF-GHA"
    assert found["Kandahar"] == "AF-KAN"
    assert found["Faryab"] == "AF-FYB"
    assert found["Dawlat Abad"] == "AF-FYB"
    assert found["Lashkar Gah"] == "AF-HEL"
    assert found["Kabul"] == "AF-KAB"


def test_seed_article_reports_nothing_else_as_afghan(seed_text):
    afghan = {m.text.removesuffix(" city") for m in geocode(seed_text) if m.province_iso}
    assert afghan == {"Ghazni", "Kandahar", "Faryab", "Dawlat Abad", "Lashkar Gah", "Kabul"}


def test_seed_article_recognises_turkmenistan_outside_afghanistan(seed_text):
    turkmenistan = [m for m in geocode(seed_text) if m.text == "Turkmenistan"]
    assert turkmenistan, "Turkmenistan not recognised"
    assert turkmenistan[0].province_iso is None
    assert turkmenistan[0].country == "TM"


def test_dawlat_abad_in_faryab_is_the_faryab_town_not_balkhs():
    mention = geocode("The town of Dawlat Abad in Faryab region fell.")[0]
    assert mention.province_iso == "AF-FYB"
    assert "AF-FYB" in mention.reason


def test_dawlatabad_with_balkh_context_is_balkhs():
    mention = geocode("Fighting in Dawlatabad district of Balkh province.")[0]
    assert mention.province_iso == "AF-BAL"


def test_kandahar_is_city_and_province_alike():
    mention = geocode("Kandahar was besieged.")[0]
    assert mention.province_iso == "AF-KAN"
    assert "alike" in mention.reason


def test_mention_spans_point_at_the_surface_text():
    text = "Clashes near Puli Khumri and in Mazar-e Sharif."
    for m in geocode(text):
        assert text[m.start : m.end] == m.text


@pytest.mark.parametrize(
    ("spelling", "iso"),
    [
        ("Lashkargah", "AF-HEL"),
        ("Mazar-i-Sharif", "AF-BAL"),
        ("Mazari Sharif", "AF-BAL"),
        ("Sheberghan", "AF-JOW"),
        ("Shiberghan", "AF-JOW"),
        ("Taluqan", "AF-TAK"),
        ("Faizabad", "AF-BDS"),
        ("Qala-e-Naw", "AF-BDG"),
        ("Pol-e Khomri", "AF-BGL"),
        ("Tarin Kowt", "AF-URU"),
        ("Mihtarlam", "AF-LAG"),
        ("Maidan Shahr", "AF-WAR"),
        ("KUNDUZ", "AF-KDZ"),
        ("lashkar-gah", "AF-HEL"),
    ],
)
def test_capital_variant_spellings_resolve(spelling, iso):
    mentions = geocode(f"Fighting was reported in {spelling} on Monday.")
    assert [m.province_iso for m in mentions] == [iso]


def test_places_outside_afghanistan_have_no_province():
    mentions = geocode("Refugees crossed from Spin Boldak to Chaman in Pakistan.")
    by_text = {m.text: m for m in mentions}
    assert by_text["Pakistan"].province_iso is None
    assert by_text["Pakistan"].country == "PK"
    assert by_text["Chaman"].province_iso is None


def test_person_names_after_titles_are_not_places():
    assert not [m for m in geocode("President Ashraf Ghani spoke.") if m.province_iso]


# Ordinary English: the 3,000 most frequent English words (wordfreq), which include words
# that are also Afghan place names ("reg", "bar", "now", "khan") and the place cues.
ORDINARY = st.sampled_from([w for w in top_n_list("en", 3000) if w.isalpha()])


@settings(max_examples=200, deadline=None)
@given(st.lists(ORDINARY, min_size=3, max_size=25))
def test_ordinary_english_sentences_yield_no_afghan_places(words):
    sentence = " ".join(words).capitalize() + "."
    assert [m for m in geocode(sentence) if m.province_iso] == []


@pytest.mark.parametrize("sentence", ["Kabul fell.", "Farah was taken.", "Khost is quiet."])
def test_capitals_open_sentences(sentence):
    assert [m.kind for m in geocode(sentence)] == ["capital"]


@pytest.mark.parametrize("sentence", ["Best of all, nothing happened.", "Host cities agreed.",
                                      "Back then we left.", "Wish them well."])
def test_english_words_that_key_like_places_are_not_places(sentence):
    assert geocode(sentence) == []


def test_list_of_districts_with_misspellings_and_short_names():
    text = "The group controls four districts including Chankhansur, Kang, Kashrood and Delaram."
    assert [(m.place, m.province_iso) for m in geocode(text)] == [
        ("Chakhansur", "AF-NIM"), ("Kang", "AF-NIM"), ("Khash Rod", "AF-NIM"),
        ("Delaram", "AF-NIM")]


def test_minor_place_inside_a_persons_name_is_not_a_place():
    assert geocode("Mohammad Noor Rahmani, a council member, spoke.") == []


@pytest.mark.parametrize(
    ("name", "iso"),
    [("غزنی", "AF-GHA"), ("هرات", "AF-HER"), ("قندهار", "AF-KAN"), ("کابل", "AF-KAB"),
     ("Hilmand", "AF-HEL"), ("Nimruz", "AF-NIM"), ("Paktya", "AF-PIA"), ("Oruzgan", "AF-URU")],
)
def test_province_names_in_dari_and_variants(name, iso):
    assert {m.province_iso for m in geocode(f"Reports from {name} province.")} == {iso}


def _spellings():
    from geo.boundaries import load_province_table

    for row in load_province_table():
        iso = row["iso_3166_2"]
        for name in [row["name"], *row["aliases"], row["name_fa"], row["name_ps"]]:
            yield pytest.param(name, iso, id=f"{iso}-province-{name}")
        for name in [row["capital"], *row["capital_aliases"], row["capital_fa"]]:
            yield pytest.param(name, iso, id=f"{iso}-capital-{name}")


@pytest.mark.parametrize(("name", "iso"), list(_spellings()))
def test_every_province_and_capital_spelling_resolves(name, iso):
    mentions = geocode(f"Reports came from {name} on Monday.")
    assert [(m.text, m.province_iso) for m in mentions] == [(name, iso)]


def test_every_province_and_capital_has_three_spellings_with_dari():
    from geo.boundaries import load_province_table

    for row in load_province_table():
        assert len({row["name"], *row["aliases"]}) >= 2, row["name"]
        assert row["name_fa"], row["name"]
        assert len({row["capital"], *row["capital_aliases"]}) >= 2
        assert row["capital_fa"]


def test_zabul_is_the_province_unless_the_sentence_names_iran():
    assert geocode("Fighting in Zabul.")[0].province_iso == "AF-ZAB"
    assert geocode("Refugees reached Zabol in Iran.")[0].country == "IR"


# The fast path (compiled scan, memoised readings) must read text as the careful path does.


def test_a_name_running_into_a_longer_word_is_still_found():
    mentions = geocode("Security forces retook Saighan and Kahmard districts in Bamiyan.")
    assert [(m.text, m.province_iso) for m in mentions] == [
        ("Saighan", "AF-BAM"), ("Kahmard", "AF-BAM"), ("Bamiyan", "AF-BAM")]


def test_an_all_capital_dateline_is_the_city_alone():
    mentions = geocode("KABUL - A suicide bomber struck crowds at the airport.")
    assert [(m.text, m.place_id) for m in mentions] == [("KABUL", "cap:AF-KAB")]


def test_lower_case_names_are_found():
    assert [m.province_iso for m in geocode("fighting reached kunduz city")] == ["AF-KDZ"]


@pytest.mark.parametrize("variant", ["Konduz", "Qunduz", "Kondoz"])
def test_spellings_no_table_lists_are_found_by_their_key(variant):
    assert [m.province_iso for m in geocode(f"The Taliban entered {variant} on Sunday.")] == [
        "AF-KDZ"]


def test_typographic_quotes_keep_spans_and_surface_text():
    text = "“The Taliban’s flag flies over Kunduz,” he said. ‘Herat’ – next."
    mentions = geocode(text)
    assert [m.text for m in mentions] == ["Kunduz", "Herat"]
    assert all(text[m.start : m.end] == m.text for m in mentions)
    ascii_text = text.translate(str.maketrans("“”’‘–", "\"\"''-"))
    assert [(m.start, m.end) for m in geocode(ascii_text)] == [
        (m.start, m.end) for m in mentions]


def test_a_letter_whose_lower_case_is_longer_does_not_shift_spans():
    text = "Talks in İstanbul ended; KABUL fell on Sunday."
    mentions = geocode(text)
    assert [(text[m.start : m.end], m.province_iso) for m in mentions] == [("KABUL", "AF-KAB")]


def test_a_place_cue_after_a_memoised_name_still_decides_its_kind():
    assert geocode("Kandahar was besieged.")[0].kind == "capital"
    assert geocode("Kandahar province was besieged.")[0].kind == "province"
    assert geocode("Kandahar city was besieged.")[0].kind == "capital"
    assert "alike" in geocode("Kandahar was besieged.")[0].reason


def test_readings_that_depend_on_the_text_are_not_memoised():
    faryab = "The town of Dawlat Abad in Faryab region fell."
    balkh = "Fighting in Dawlatabad district of Balkh province."
    first = [geocode(faryab)[0].province_iso, geocode(balkh)[0].province_iso]
    again = [geocode(faryab)[0].province_iso, geocode(balkh)[0].province_iso]
    assert first == again == ["AF-FYB", "AF-BAL"]


def test_a_title_before_a_name_on_the_fast_path_makes_it_a_person():
    assert geocode("Marshal Farah spoke; later Farah fell.")[0].start > 20


def test_a_long_name_is_found_whole_with_hyphens_or_spaces():
    for text in ("Fighting near Darah-ye-Suf-e-Bala district.",
                 "Fighting near Darah ye Suf e Bala district."):
        [mention] = geocode(text)
        assert mention.text == text[14:33]
        assert (mention.kind, mention.province_iso) == ("district", "AF-SAM")


def _match(start: int, end: int) -> _Match:
    return _Match(start, end, "x" * (end - start), [], False)


def test_careful_matches_are_inserted_in_place_unless_one_overlaps():
    first = [_match(0, 5), _match(20, 25)]
    matches, mentions = _insert_apart(first, ["a", "b"], [_match(10, 15), _match(30, 33)])
    assert [m.start for m in matches] == [0, 10, 20, 30]
    assert mentions == ["a", None, "b", None]
    assert first == [_match(0, 5), _match(20, 25)]  # the first pass's list is kept
    assert _insert_apart(first, ["a", "b"], [_match(3, 8)]) is None
    assert _insert_apart(first, ["a", "b"], [_match(15, 21)]) is None


@pytest.mark.parametrize("spelling", ["Qal'eh-ye Now", "Qal‘eh-ye Now", "Qalʼeh-ye Now",
                                      "Qaleh-ye Now", "Qal`eh-ye Now"])
def test_an_apostrophe_of_any_kind_or_none_reads_alike(spelling):
    [mention] = geocode(f"The Taliban entered {spelling} on Friday.")
    assert (mention.text, mention.province_iso) == (spelling, "AF-BDG")


@pytest.mark.parametrize(("text", "province"), [
    ("The Taliban captured Arghandab district of Zabul province.", "AF-ZAB"),
    ("The Taliban captured Arghandab district on Monday.", "AF-KAN"),
    ("Fighting in Baharak district in Takhar.", "AF-TAK"),
    ("Fighting in Baharak district, Badakhshan.", "AF-BDS"),
])
def test_a_name_with_its_cue_follows_the_province_the_text_names_after_it(text, province):
    for _ in range(2):  # the first reading must not be memoised for the second
        assert geocode(text)[0].province_iso == province


@pytest.mark.parametrize("between", [", the capital of", ", capital of", " in northeastern",
                                     ", the provincial capital of",
                                     ", the capital of neighbouring"])
def test_the_province_an_appositive_names_places_a_shared_name(between):
    # Faizabad is Badakhshan's capital and a district of Jowzjan; Jowzjan is named more
    text = (f"Sheberghan, the capital of Jowzjan, fell. Faizabad{between} Badakhshan, "
            "held out.")
    faizabad = next(m for m in geocode(text) if m.text == "Faizabad")
    assert faizabad.province_iso == "AF-BDS"


def test_without_context_or_population_the_more_recorded_district_is_chosen():
    [mention] = geocode("The Taliban captured Khogyani district.")
    assert mention.province_iso == "AF-NAN"
    assert mention.reason.endswith("chose the district with the most recorded names")
    assert mention.confidence == 0.6
