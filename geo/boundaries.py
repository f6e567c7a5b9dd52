"""The 34 provinces of Afghanistan: their polygons, names and capitals.

The polygons come from ``data/provinces.geojson`` (built by
``scripts/build_provinces.py``), the names from ``data/gazetteer/provinces.csv``. Both
files are read once and cached; :func:`province_of_point` answers from an STRtree so the
gazetteer build can call it thousands of times.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import GazetteerError
from geo.resources import data_path
from geo.settings import PROVINCES_PATH

PROVINCE_TABLE_PATH = data_path("gazetteer", "provinces.csv")
BUILD_HINT = "Run `.venv/bin/python scripts/build_provinces.py` to build it."
_LIST_COLUMNS = ("aliases", "capital_aliases")
_FLOAT_COLUMNS = ("capital_lat", "capital_lon")

if TYPE_CHECKING:  # geopandas and shapely load only where geometry work happens (~0.4 s)
    import geopandas as gpd
    import shapely


def load_provinces(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Return the provinces as a GeoDataFrame in EPSG:4326, one row per province.

    Parameters
    ----------
    path : str or Path, optional
        A provinces GeoJSON; defaults to the ``CONTROLMAP_PROVINCES`` setting.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``iso_3166_2``, ``name``, ``name_fa``, ``aliases`` (list), ``capital``,
        ``wikidata`` and ``geometry``. The frame is cached per path: copy it before
        changing it.

    Raises
    ------
    GazetteerError
        If the file does not exist or cannot be read.
    """
    resolved = Path(path if path is not None else PROVINCES_PATH.value()).resolve()
    return _read_provinces(resolved)


@lru_cache(maxsize=8)
def _read_provinces(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not path.is_file():
        raise GazetteerError(f"The provinces file {path} does not exist.", hint=BUILD_HINT)
    try:
        frame = gpd.read_file(path)
    except Exception as err:  # pyogrio raises several types for a damaged file
        message = f"The provinces file {path} cannot be read: {err}"
        raise GazetteerError(message, BUILD_HINT) from err
    if "iso_3166_2" not in frame.columns:
        raise GazetteerError(f"The provinces file {path} has no iso_3166_2 column.", BUILD_HINT)
    # GDAL reads a JSON array property as a list or as its JSON text, by version.
    if "aliases" in frame.columns:
        frame["aliases"] = [_as_list(value) for value in frame["aliases"]]
    return frame.sort_values("iso_3166_2", ignore_index=True)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return list(json.loads(value)) if value.startswith("[") else value.split(";")
    return [str(item) for item in value] if value is not None else []


@lru_cache(maxsize=1)
def load_province_table() -> list[dict]:
    """Return the rows of ``data/gazetteer/provinces.csv``, sorted by ISO code.

    Returns
    -------
    list of dict
        One dict per province with the CSV's columns; ``aliases`` and
        ``capital_aliases`` are lists, ``capital_lat`` and ``capital_lon`` floats.
        The list is cached: do not change it.

    Raises
    ------
    GazetteerError
        If the file does not exist.
    """
    if not PROVINCE_TABLE_PATH.is_file():
        raise GazetteerError(
            f"The province table {PROVINCE_TABLE_PATH} does not exist.",
            hint="Restore data/gazetteer/provinces.csv from the repository.",
        )
    with PROVINCE_TABLE_PATH.open(encoding="utf-8", newline="") as handle:
        rows = [_parse_row(row) for row in csv.DictReader(handle)]
    return sorted(rows, key=lambda row: row["iso_3166_2"])


def _parse_row(row: dict[str, str]) -> dict:
    parsed: dict = dict(row)
    for column in _LIST_COLUMNS:
        parsed[column] = [name.strip() for name in row[column].split(";") if name.strip()]
    for column in _FLOAT_COLUMNS:
        parsed[column] = float(row[column])
    return parsed


@lru_cache(maxsize=8)
def _province_index(path: Path) -> tuple[shapely.STRtree, tuple[str, ...]]:
    import shapely

    frame = _read_provinces(path)
    # Copies, prepared once: the cached frame's geometries stay untouched.
    geometries = shapely.from_wkb(shapely.to_wkb(frame.geometry.values))
    shapely.prepare(geometries)
    return shapely.STRtree(geometries), tuple(frame["iso_3166_2"])


def province_of_point(lat: float, lon: float) -> str | None:
    """Return the ISO 3166-2 code of the province containing a point.

    Parameters
    ----------
    lat, lon : float
        WGS84 latitude and longitude in degrees.

    Returns
    -------
    str or None
        The code (``"AF-HEL"``), or None for a point outside Afghanistan. A point on a
        shared border goes to the province that comes first by ISO code.
    """
    import shapely

    tree, codes = _province_index(Path(PROVINCES_PATH.value()).resolve())
    # The tree tests only the polygons whose boxes hold the point, each prepared.
    hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
    return codes[int(hits.min())] if hits.size else None


def province_names() -> dict[str, str]:
    """Return a dict of ISO 3166-2 code to common English name (``"AF-HEL": "Helmand"``)."""
    return {row["iso_3166_2"]: row["name"] for row in load_province_table()}


def capitals() -> dict[str, str]:
    """Return a dict of ISO 3166-2 code to provincial capital (``"AF-HEL": "Lashkar Gah"``)."""
    return {row["iso_3166_2"]: row["capital"] for row in load_province_table()}


@lru_cache(maxsize=4)
def load_provinces_geojson(path: str | Path | None = None) -> dict:
    """Return the provinces file as a parsed GeoJSON dict (no geopandas: fast for exports)."""
    resolved = Path(path or PROVINCES_PATH.value())
    try:
        return json.loads(resolved.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise GazetteerError(f"The provinces file {resolved} cannot be read: {err}",
                             BUILD_HINT) from err
