"""Document structure: titles, headings and their scope, list items, captions, datelines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from geo.extraction.structure import layout


def test_first_line_is_the_title_and_a_colon_line_scopes_the_items_under_it():
    text = "Taliban take Kunduz\n\nCities under siege:\n- Herat\n- Kandahar\n\nBody text follows."
    lines = layout(text)
    assert lines.at(0).role == "title"
    assert lines.at(text.index("Herat")).role == "item"
    assert lines.scope(text.index("Kandahar")).text == "Cities under siege:"


def test_a_long_body_paragraph_ends_a_headings_scope():
    body = "The Taliban said on Friday that fighting went on. " * 5
    text = f"Title\n\nCaptured so far:\n{body}\n- Herat\n"
    lines = layout(text)
    assert lines.scope(text.index("Herat")) is None


def test_timeline_entries_carry_their_date_prefix():
    text = "Timeline\nAug. 13: Herat falls.\nAugust 8 – Kunduz falls.\n12 Aug — Ghazni: taken."
    lines = layout(text)
    prefixes = [lines.at(text.index(w)).date_prefix for w in ("Herat", "Kunduz", "Ghazni")]
    assert prefixes == ["Aug. 13", "August 8", "12 Aug"]


def test_photo_captions_and_wire_datelines_are_recognised():
    text = ("Title\n\nTaliban fighters patrol in Herat on Friday. | Photo: AFP\n\n"
            "KABUL, Aug 12 (Reuters) - The Taliban took Ghazni.")
    lines = layout(text)
    assert lines.at(text.index("patrol")).role == "caption"
    assert lines.at(text.index("KABUL")).role == "dateline"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_every_offset_falls_on_the_line_that_holds_it(text):
    lines = layout(text)
    for offset in range(0, len(text), max(1, len(text) // 20)):
        line = lines.at(offset)
        assert line.start <= offset <= line.end
        assert text[line.start : line.end] == line.text
