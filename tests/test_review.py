"""geo.review: escaped highlighting, upload reading, claim filters, manual claims, exports."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser

import pytest

from geo import review
from geo.errors import ClaimError, DocumentError
from geo.extraction import extract
from geo.geocode import geocode
from geo.records import Claim, Document, Mention, Place

NAMES = {"AF-NIM": "Nimroz", "AF-PAN": "Panjshir", "AF-HEL": "Helmand"}


class _Collector(HTMLParser):
    """Collect the tags, attributes and text of an HTML fragment as a browser parses it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(fragment: str) -> _Collector:
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return collector


def mention(text: str, start: int, place: str = "Bazarak", reason: str = "capital") -> Mention:
    return Mention(text[start:start + len(place)], start, start + len(place), place, "gn:1",
                   "capital", "AF-PAN", "AF", 35.3, 69.5, 0.9, reason)  # fmt: skip


HOSTILE = (
    "The Taliban captured Bazarak, the capital of Panjshir province, on Friday. "
    "<script>alert(1)</script> <img src=x onerror=alert(1)> & \"quotes\""
)


def test_highlight_escapes_script_and_img_in_document_text(gazetteer) -> None:
    doc = Document("x.txt", HOSTILE, dt.date(2021, 8, 20))
    extraction = extract(doc, gazetteer)
    out = review.highlight_html(doc.text, extraction.mentions, extraction.claims, NAMES)
    parsed = parse(out)
    assert {tag for tag, _ in parsed.tags} == {"div", "mark"}
    assert "".join(parsed.text) == HOSTILE
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out


def test_highlight_escapes_place_names_reasons_and_mention_text() -> None:
    text = "Fighting near Bazarak."
    evil = Mention("Bazarak", 14, 21, '"><img src=x onerror=alert(1)>', "gn:1", "capital",
                   "AF-PAN", "AF", 35.3, 69.5, 0.9, "<script>alert(2)</script>")  # fmt: skip
    parsed = parse(review.highlight_html(text, [evil], province_names=NAMES))
    assert [tag for tag, _ in parsed.tags] == ["div", "mark"]
    title = parsed.tags[1][1]["title"]
    assert title.startswith('"><img src=x onerror=alert(1)> → Panjshir (AF-PAN)')
    assert title.endswith("<script>alert(2)</script>")
    assert "".join(parsed.text) == text


def test_highlight_marks_claim_targets_apart_from_other_mentions(gazetteer) -> None:
    text = "The Taliban captured Zaranj, the capital of Nimroz province, on Friday."
    doc = Document("z.txt", text, dt.date(2021, 8, 7))
    extraction = extract(doc, gazetteer)
    parsed = parse(review.highlight_html(text, extraction.mentions, extraction.claims, NAMES))
    marks = [attrs for tag, attrs in parsed.tags if tag == "mark"]
    classes = [attrs["class"] for attrs in marks]
    assert classes.count("cm-claim") == 1
    assert "cm-mention" in classes  # Nimroz qualifies Zaranj; it is not a target
    claim_mark = marks[classes.index("cm-claim")]
    assert "Zaranj → Nimroz (AF-NIM)" in claim_mark["title"]


def test_highlight_skips_overlapping_and_out_of_range_spans() -> None:
    text = "Bazarak fell."
    spans = [mention(text, 0), mention(text, 3), Mention("x", 10, 40, "x", "gn:2", "town",
             "AF-PAN", "AF", 0, 0, 0.5, "r")]  # fmt: skip
    parsed = parse(review.highlight_html(text, spans))
    assert [tag for tag, _ in parsed.tags] == ["div", "mark"]
    assert "".join(parsed.text) == text


def test_read_upload_reads_each_format_and_refuses_bad_files() -> None:
    day = dt.date(2021, 8, 6)
    [txt] = review.read_upload("a.txt", b"The Taliban captured Zaranj.", default_date=day)
    assert isinstance(txt, Document)
    assert (txt.published, txt.source) == (day, "a.txt")
    lines = [{"text": "Kunduz fell.", "date": "2021-08-08"}, {"text": "Undated."}, "bad"]
    raw = "\n".join(json.dumps(x) for x in lines).encode()
    items = review.read_upload("batch.jsonl", raw)
    assert [type(i).__name__ for i in items] == ["Document", "DocumentError", "DocumentError"]
    assert items[0].source == "batch.jsonl"
    [refused] = review.read_upload("x.pdf", b"%PDF")
    assert isinstance(refused, DocumentError)
    assert "unsupported" in str(refused)
    [big] = review.read_upload("big.txt", b"x" * 101, default_date=day, max_bytes=100)
    assert isinstance(big, DocumentError)
    assert "upload limit" in str(big)


def test_read_pasted_needs_a_date_and_refuses_the_future() -> None:
    with pytest.raises(DocumentError, match="no publication date"):
        review.read_pasted("The Taliban captured Zaranj.")
    with pytest.raises(DocumentError, match="future"):
        review.read_pasted("x", default_date=dt.date.today() + dt.timedelta(days=1))
    doc = review.read_pasted("date 2021-08-06\n\nKunduz fell.", "  ")
    assert (doc.name, doc.published) == ("pasted.txt", dt.date(2021, 8, 6))
    assert doc.text == "Kunduz fell."


def row(**changes: object) -> dict:
    base = {"claim_id": "c1", "event_date": dt.date(2021, 8, 6), "province_iso": "AF-NIM",
            "place": "Zaranj", "actor": "taliban", "kind": "captured", "status": "active",
            "quote": "The Taliban captured Zaranj.", "source": "zaranj.txt",
            "document": "zaranj.txt", "note": "", "claimant": "media", "author": "",
            "confidence": 0.9, "origin": "extracted", "document_name": "zaranj.txt"}  # fmt: skip
    return {**base, **changes}


ROWS = [
    row(),
    row(claim_id="c2", event_date=dt.date(2021, 8, 15), province_iso="AF-KAB", place="Kabul",
        quote="Kabul fell.", status="rejected"),
    row(claim_id="c3", event_date=dt.date(2021, 9, 6), province_iso="AF-PAN", place="Bazarak",
        actor="nrf", kind="held", quote="The NRF still holds Bazarak."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (review.ClaimFilter(), ["c1", "c2", "c3"]),
        (review.ClaimFilter(provinces=frozenset({"AF-PAN", "AF-KAB"})), ["c2", "c3"]),
        (review.ClaimFilter(start=dt.date(2021, 8, 10)), ["c2", "c3"]),
        (review.ClaimFilter(end=dt.date(2021, 8, 15)), ["c1", "c2"]),
        (review.ClaimFilter(kinds=frozenset({"held"})), ["c3"]),
        (review.ClaimFilter(actors=frozenset({"taliban"})), ["c1", "c2"]),
        (review.ClaimFilter(statuses=frozenset({"rejected"})), ["c2"]),
        (review.ClaimFilter(text="  still   HOLDS "), ["c3"]),
        (review.ClaimFilter(text="zaranj.txt", statuses=frozenset({"active"})), ["c1", "c3"]),
        (review.ClaimFilter(kinds=frozenset({"held"}), actors=frozenset({"taliban"})), []),
    ],
)
def test_filter_claim_rows(flt: review.ClaimFilter, expected: list[str]) -> None:
    assert [r["claim_id"] for r in review.filter_claim_rows(ROWS, flt)] == expected


def test_date_span_reads_every_date_input_shape() -> None:
    a, b = dt.date(2021, 8, 1), dt.date(2021, 8, 9)
    assert review.date_span((a, b)) == (a, b)
    assert review.date_span((a,)) == (a, None)
    assert review.date_span(()) == (None, None)
    assert review.date_span(a) == (a, a)


def test_claim_table_and_label_show_status_and_source() -> None:
    [table] = review.claim_table_rows([ROWS[1]], {"AF-KAB": "Kabul"})
    assert (table["province"], table["status"], table["date"]) == (
        "Kabul (AF-KAB)", "rejected", "2021-08-15")
    assert review.claim_label(ROWS[1]).endswith("[rejected]")
    assert "…" in review.claim_label(row(quote="word " * 40))


def test_edit_rows_name_the_claim_and_author() -> None:
    edits = [{"edit_id": 1, "claim_id": "c1", "action": "reject", "author": "ana",
              "note": "dup", "created_at": dt.datetime(2021, 8, 7, 9, 30)}]  # fmt: skip
    [out] = review.edit_rows(edits, {"c1": ROWS[0]})
    assert out["time (UTC)"] == "2021-08-07 09:30:00"
    assert (out["author"], out["action"], out["note"]) == ("ana", "reject", "dup")
    assert out["claim"].startswith("c1 · 2021-08-06 · Zaranj")


def test_places_in_province_lists_the_province_then_its_capital(gazetteer) -> None:
    places = review.places_in_province(gazetteer, "AF-HEL")
    assert places[0].place_id == "prov:AF-HEL"
    assert places[1].kind == "capital"
    assert all(p.province_iso == "AF-HEL" for p in places)
    assert len(places) > 5
    found = review.places_in_province(gazetteer, "AF-HEL", "Lashkargah")
    assert found[0].place_id == "prov:AF-HEL"
    assert found[1].name == places[1].name
    with pytest.raises(ClaimError, match="Unknown province"):
        review.places_in_province(gazetteer, "AF-XXX")


def test_build_manual_claim_fills_the_place_and_checks_fields(gazetteer) -> None:
    province = gazetteer.provinces["AF-PAN"]
    args = {"event_date": dt.date(2021, 9, 6), "actor": "Taliban", "kind": "captured",
            "claimant": "media", "confidence": 0.7, "quote": " Panjshir fell. ",
            "note": "wire report"}  # fmt: skip
    claim = review.build_manual_claim(province, **args)
    assert isinstance(claim, Claim)
    assert (claim.province_iso, claim.geo_precision, claim.actor, claim.quote) == (
        "AF-PAN", 3, "taliban", "Panjshir fell.")
    assert (claim.origin, claim.note) == ("manual", "wire report")
    town = gazetteer.capitals["AF-PAN"]
    assert review.build_manual_claim(town, **args).geo_precision == 1
    foreign = Place("country:IR", "Iran", "country", None, "IR", 32.0, 53.0)
    bad = [
        ({"place": foreign}, "outside Afghanistan"),
        ({"event_date": dt.date.today() + dt.timedelta(days=1)}, "future"),
        ({"kind": "won"}, "Unknown kind"),
        ({"actor": " "}, "actor is empty"),
        ({"confidence": 1.5}, "confidence"),
        ({"quote": "  "}, "quote is empty"),
        ({"note": ""}, "note is empty"),
    ]
    for change, message in bad:
        kwargs = {**args, "place": province, **change}
        place = kwargs.pop("place")
        with pytest.raises(ClaimError, match=message):
            review.build_manual_claim(place, **kwargs)


def test_export_day_and_file_names() -> None:
    span = (dt.date(2021, 7, 4), dt.date(2021, 9, 6))
    assert review.export_day("2021-08-15", span) == dt.date(2021, 8, 15)
    assert review.export_day(None, span) == span[1]
    assert review.export_day("garbage", span) == span[1]
    assert review.export_day("2020-01-01", span) == span[0]
    assert review.export_day("2021-08-15", None) == dt.date(2021, 8, 15)
    names = review.export_file_names(dt.date(2021, 8, 15), span)
    assert names == {
        "snapshot": "controlmap-snapshot-2021-08-15.geojson",
        "timeline_csv": "controlmap-timeline-2021-07-04_2021-09-06.csv",
        "timeline_geojson": "controlmap-timeline-2021-07-04_2021-09-06.geojson",
        "claims_csv": "controlmap-claims-2021-09-06.csv",
    }


def test_tables_of_mentions_and_candidates(gazetteer) -> None:
    mentions = geocode("Fighting around Lashkargah.", gazetteer)
    [m] = review.mention_rows(mentions, NAMES)
    assert m["province"] == "Helmand (AF-HEL)"
    assert m["reason"]
    rows = review.candidate_rows(gazetteer.search("Lashkargah", limit=5), NAMES)
    assert rows[0]["province_iso"] == "AF-HEL"
    assert rows[0]["score"] == 100.0
    assert {"place", "kind", "province", "country", "matched spelling", "lat", "lon"} <= set(
        rows[0])


def test_points_chart_spec_has_outlines_and_points() -> None:
    from geo.boundaries import load_provinces_geojson

    chart = review.points_chart(
        [{"place": "<b>x</b>", "lat": 31.6, "lon": 64.4, "kind": "capital"}],
        load_provinces_geojson(),
    )
    spec = chart.to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["geoshape", "circle"]
    assert [len(layer["data"]["values"]) for layer in spec["layer"]] == [34, 1]
    assert spec["layer"][1]["data"]["values"][0]["place"] == "<b>x</b>"  # vega shows text


def test_d3_winding_reverses_every_ring() -> None:
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[0.2, 0.2], [0.2, 0.4], [0.4, 0.4], [0.2, 0.2]]
    poly = review.d3_winding({"type": "Polygon", "coordinates": [square, hole]})
    assert poly["coordinates"] == [square[::-1], hole[::-1]]
    multi = review.d3_winding({"type": "MultiPolygon", "coordinates": [[square]]})
    assert multi["coordinates"] == [[square[::-1]]]
    point = {"type": "Point", "coordinates": [1, 2]}
    assert review.d3_winding(point) == point
