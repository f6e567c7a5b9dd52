"""Validate the hand-made gazetteer tables in ``data/gazetteer/``.

Checks ``districts.csv``, ``places.csv`` and ``foreign.csv``:

* the required columns are present (and no unexpected ones);
* no empty names, no stray whitespace, no empty or duplicated aliases;
* Afghan rows carry a valid ISO 3166-2 province code (``pycountry``, country AF);
* foreign rows carry a valid ISO 3166-1 alpha-2 country code other than AF;
* coordinates parse; Afghan rows fall inside Afghanistan's bounding box
  (29.3-38.5 N, 60.5-75.0 E) and foreign ``foreign_city`` rows fall outside it or at
  least are not tagged AF;
* no duplicate (name, province) / (name, country) pairs within a file;
* ``kind`` values come from a known set.

Warnings (do not fail the run):

* a point lies outside its own province polygon in ``data/provinces.geojson`` (when
  that file exists) -- the gazetteer falls back to the province for such rows;
* a name or alias is shared by rows in different provinces / files (ambiguous);
* a district name that is also a common English word.

Prints the district count per province. Exit status 1 on any error.

Run from the project root::

    .venv/bin/python scripts/check_gazetteer_data.py [--quiet]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
GAZ = ROOT / "data" / "gazetteer"
PROVINCES_GEOJSON = ROOT / "data" / "provinces.geojson"

COLUMNS = {
    "districts.csv": ["name", "province_iso", "aliases", "lat", "lon", "name_fa"],
    "places.csv": ["name", "kind", "province_iso", "aliases", "lat", "lon", "name_fa"],
    "foreign.csv": ["name", "kind", "country", "aliases", "lat", "lon"],
}
PLACE_KINDS = {"crossing", "base", "valley", "area", "dam", "town"}
FOREIGN_KINDS = {"country", "foreign_city"}
AF_BBOX = (29.3, 38.5, 60.5, 75.0)  # lat_min, lat_max, lon_min, lon_max
#: Short district names that collide with English words or other names.
_RISKY = (
    "reg nawa giro obe chak nesh kang zari balkh bak kot dara chal tani kama wama "
    "bangi spera shamal farsi daman dand kiti khash argo nari jaji azra achin mizan "
    "charkh salang kakar bagram kohistan pato naka omna gayan dila"
)
RISKY_WORDS = frozenset(_RISKY.split())

VALID_AF = {s.code for s in pycountry.subdivisions.get(country_code="AF")}
VALID_CC = {c.alpha_2 for c in pycountry.countries}


def _in_bbox(lat: float, lon: float) -> bool:
    return AF_BBOX[0] <= lat <= AF_BBOX[1] and AF_BBOX[2] <= lon <= AF_BBOX[3]


def _load_polygons():
    """Province ISO -> shapely geometry, or None when unavailable."""
    if not PROVINCES_GEOJSON.exists():
        return None
    try:
        from shapely.geometry import shape
    except ImportError:  # pragma: no cover
        return None
    data = json.loads(PROVINCES_GEOJSON.read_text(encoding="utf-8"))
    return {f["properties"]["iso_3166_2"]: shape(f["geometry"]) for f in data["features"]}


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, msg: str) -> None:
        self.errors.append(msg)

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)


def _read(fname: str, rep: Report) -> list[dict[str, str]]:
    path = GAZ / fname
    if not path.exists():
        rep.error(f"{fname}: missing")
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if header != COLUMNS[fname]:
            rep.error(f"{fname}: columns {header} != {COLUMNS[fname]}")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                rep.error(f"{fname}:{lineno}: wrong number of fields")
                continue
            row["_line"] = str(lineno)
            rows.append(row)
    return rows


def _split_aliases(raw: str) -> list[str]:
    return raw.split(";") if raw else []


def _check_common(fname: str, row: dict[str, str], rep: Report) -> tuple[float, float] | None:
    where = f"{fname}:{row['_line']}"
    for col in COLUMNS[fname]:
        if row[col] != row[col].strip():
            rep.error(f"{where}: stray whitespace in {col!r}")
    name = row["name"].strip()
    if not name:
        rep.error(f"{where}: empty name")
    aliases = _split_aliases(row["aliases"])
    seen = set()
    for a in aliases:
        if not a.strip():
            rep.error(f"{where}: empty alias in {row['aliases']!r}")
        elif a != a.strip():
            rep.error(f"{where}: alias with stray whitespace {a!r}")
        elif a.casefold() == name.casefold():
            rep.error(f"{where}: alias {a!r} repeats the name")
        elif a.casefold() in seen:
            rep.error(f"{where}: duplicate alias {a!r}")
        seen.add(a.strip().casefold())
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
    except ValueError:
        rep.error(f"{where}: bad lat/lon {row['lat']!r},{row['lon']!r}")
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        rep.error(f"{where}: lat/lon out of range")
        return None
    return lat, lon


def check(quiet: bool = False) -> int:
    rep = Report()
    polygons = _load_polygons()
    names_by_key: dict[str, set[str]] = defaultdict(set)  # casefolded name -> {"file:prov"}
    per_province: Counter[str] = Counter()
    counts: dict[str, int] = {}

    for fname in ("districts.csv", "places.csv"):
        rows = _read(fname, rep)
        counts[fname] = len(rows)
        pairs: Counter[tuple[str, str]] = Counter()
        for row in rows:
            where = f"{fname}:{row['_line']}"
            point = _check_common(fname, row, rep)
            iso = row["province_iso"]
            if iso not in VALID_AF:
                rep.error(f"{where}: invalid province_iso {iso!r}")
            if fname == "places.csv" and row["kind"] not in PLACE_KINDS:
                rep.error(f"{where}: unknown kind {row['kind']!r}")
            if point:
                lat, lon = point
                if not _in_bbox(lat, lon):
                    rep.error(f"{where}: {row['name']} ({lat},{lon}) outside Afghanistan's bbox")
                elif polygons and iso in polygons:
                    from shapely.geometry import Point

                    if not polygons[iso].covers(Point(lon, lat)):
                        inside = [k for k, g in polygons.items() if g.covers(Point(lon, lat))]
                        rep.warn(
                            f"{where}: {row['name']} ({lat},{lon}) not inside {iso}"
                            f" (falls in {inside[0] if inside else 'no province'})"
                        )
            pairs[(row["name"].casefold(), iso)] += 1
            if fname == "districts.csv":
                per_province[iso] += 1
                if row["name"].casefold() in RISKY_WORDS:
                    rep.warn(f"{where}: district name {row['name']!r} is short/common-word-like")
            for n in [row["name"], *_split_aliases(row["aliases"])]:
                if n.strip():
                    names_by_key[n.casefold()].add(f"{fname[:-4]}:{iso}")
        for (name, iso), k in pairs.items():
            if k > 1:
                rep.error(f"{fname}: duplicate (name, province) pair ({name}, {iso}) x{k}")

    rows = _read("foreign.csv", rep)
    counts["foreign.csv"] = len(rows)
    pairs = Counter()
    for row in rows:
        where = f"foreign.csv:{row['_line']}"
        point = _check_common("foreign.csv", row, rep)
        if row["kind"] not in FOREIGN_KINDS:
            rep.error(f"{where}: unknown kind {row['kind']!r}")
        cc = row["country"]
        if cc not in VALID_CC or cc == "AF":
            rep.error(f"{where}: invalid country {cc!r}")
        if point and row["kind"] == "foreign_city" and polygons:
            from shapely.geometry import Point

            inside = [k for k, g in polygons.items() if g.covers(Point(point[1], point[0]))]
            if inside:
                rep.error(f"{where}: foreign city {row['name']} lies inside {inside[0]}")
        pairs[(row["name"].casefold(), cc)] += 1
        for n in [row["name"], *_split_aliases(row["aliases"])]:
            if n.strip():
                names_by_key[n.casefold()].add(f"foreign:{cc}")
    for (name, cc), k in pairs.items():
        if k > 1:
            rep.error(f"foreign.csv: duplicate (name, country) pair ({name}, {cc}) x{k}")

    for key, where in sorted(names_by_key.items()):
        provs = {w.split(":", 1)[1] for w in where}
        if len(provs) > 1:
            rep.warn(f"ambiguous name {key!r}: {sorted(where)}")

    missing = sorted(VALID_AF - set(per_province))
    if missing:
        rep.error(f"districts.csv: provinces without districts: {missing}")

    print("Districts per province:")
    for iso in sorted(VALID_AF):
        name = pycountry.subdivisions.get(code=iso).name
        print(f"  {iso:7s} {name:14s} {per_province.get(iso, 0):3d}")
    print("Rows: " + ", ".join(f"{f}={n}" for f, n in counts.items()))
    if not quiet:
        for w in rep.warnings:
            print("WARNING", w)
    print(f"{len(rep.warnings)} warning(s), {len(rep.errors)} error(s)")
    for e in rep.errors:
        print("ERROR", e)
    return 1 if rep.errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="do not list warnings")
    args = parser.parse_args()
    sys.exit(check(quiet=args.quiet))


if __name__ == "__main__":
    main()
