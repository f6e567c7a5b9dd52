"""Exports: RFC 7946 snapshots traceable to stored sentences, the timeline, claims as CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from factories import make_claim
from shapely.geometry import shape

from geo import export, store
from geo.ingest import ingest_paths
from geo.model import load_model, model_from_claims
from geo.records import STATUSES, Claim

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
# Afghanistan's bounding box (lon 60.5-74.9 E, lat 29.4-38.5 N), with a little margin.
LON = (60.3, 75.1)
LAT = (29.2, 38.7)
PROPERTY_KEYS = {"iso_3166_2", "name", "status", "confirmed", "since", "confidence", "evidence"}
EVIDENCE_KEYS = {"date", "place", "actor", "kind", "claimant", "quote", "source"}
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
    """The stored documents' texts by source (the path each was read from)."""
    with closing(sqlite3.connect(demo_db)) as raw:
        return dict(raw.execute("SELECT source, text FROM documents"))


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


def test_snapshot_properties_and_evidence_entries_have_the_documented_keys(demo_model) -> None:
    features = snapshot(demo_model, dt.date(2021, 8, 13))["features"]

    for feature in features:
        props = feature["properties"]
        assert set(props) >= PROPERTY_KEYS
        assert props["status"] in STATUSES
        assert isinstance(props["confirmed"], bool)
        assert 0.0 <= props["confidence"] <= 1.0
        for entry in props["evidence"]:
            assert set(entry) >= EVIDENCE_KEYS
            dt.date.fromisoformat(entry["date"])
    names = {f["properties"]["iso_3166_2"]: f["properties"]["name"] for f in features}
    assert (names["AF-KDZ"], names["AF-NIM"]) == ("Kunduz", "Nimroz")


def test_snapshot_since_is_an_iso_day_not_after_the_snapshot(demo_model) -> None:
    day = dt.date(2021, 8, 13)
    for feature in snapshot(demo_model, day)["features"]:
        props = feature["properties"]
        if props["status"] == "unknown":
            assert props["evidence"] == []
        else:
            assert dt.date.fromisoformat(props["since"]) <= day


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_known_state_is_traceable_to_a_sentence_of_a_stored_document(
    demo_model, stored_texts: dict[str, str], day: dt.date
) -> None:
    known = 0
    for feature in snapshot(demo_model, day)["features"]:
        props = feature["properties"]
        if props["status"] == "unknown":
            continue
        known += 1
        assert props["evidence"], props["iso_3166_2"]
        for entry in props["evidence"]:
            assert entry["quote"].strip()
            assert entry["source"] in stored_texts, entry["source"]
            assert entry["quote"] in stored_texts[entry["source"]], entry
    assert known > 0


def test_the_snapshot_of_a_day_before_any_evidence_is_all_unknown(demo_model) -> None:
    first, _ = demo_model.days()
    features = snapshot(demo_model, first - dt.timedelta(days=1))["features"]

    assert len(features) == 34
    assert {f["properties"]["status"] for f in features} == {"unknown"}
    assert all(f["properties"]["evidence"] == [] for f in features)


def test_the_snapshot_of_an_empty_database_is_34_unknown_provinces(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    store.open_db(db)
    try:
        features = snapshot(load_model(db), dt.date(2021, 8, 15))["features"]
    finally:
        store.close_db(db)

    assert len(features) == 34
    assert {f["properties"]["status"] for f in features} == {"unknown"}


# --------------------------------------------------------------------------- timeline


def test_timeline_geojson_gives_each_province_a_status_for_every_day(demo_model) -> None:
    collection = strict_json(export.timeline_geojson(demo_model))
    first, last = demo_model.days()
    days = [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 34
    for feature in collection["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        statuses = feature["properties"]["statuses"]
        assert list(statuses) == days
        assert set(statuses.values()) <= set(STATUSES)


def test_timeline_geojson_statuses_agree_with_the_daily_snapshots(demo_model) -> None:
    statuses = {
        f["properties"]["iso_3166_2"]: f["properties"]["statuses"]
        for f in strict_json(export.timeline_geojson(demo_model))["features"]
    }

    for day in [*DAYS[:-1], demo_model.days()[1]]:
        for feature in snapshot(demo_model, day)["features"]:
            props = feature["properties"]
            assert statuses[props["iso_3166_2"]][day.isoformat()] == props["status"], (day, props)
    assert statuses["AF-KAB"]["2021-08-14"] != "taliban"
    assert statuses["AF-KAB"]["2021-08-15"] == "taliban"


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
    assert export.claims_csv([]) == ",".join(export.CLAIM_COLUMNS) + "\n"


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
