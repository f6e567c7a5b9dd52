"""Every setting in one place, each with its default, its environment variable and help text."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from geo.resources import data_path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The checkout holding the package (meaningful in a checkout only; an install has none).
PROJECT_DIR = PACKAGE_DIR.parent
#: The shipped data (``data/`` in the repository; package data in a wheel). New code asks
#: :func:`geo.resources.data_path` for a file instead.
DATA_DIR = data_path()


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default and what it is for."""

    env: str
    default: str
    help: str

    def value(self) -> str:
        """Return the environment's value of the setting, else its default."""
        return os.environ.get(self.env, self.default)


DB = Setting(
    "CONTROLMAP_DB",
    "controlmap.db",
    "Database: a SQLite file path or a SQLAlchemy URL (sqlite:///..., postgresql://...).",
)
DATABASES = Setting(
    "CONTROLMAP_DATABASES",
    "",
    "Databases the app offers, as `name=path-or-URL;name=path-or-URL` (the first is the "
    "default); empty means CONTROLMAP_DB alone. Visitors pick a name, never type a path.",
)
READ_ONLY = Setting(
    "CONTROLMAP_READ_ONLY",
    "",
    "`1` makes the app read-only: no Ingest page, no reject/restore/add on the Claims page, "
    "and the app's write actions refuse.",
)
MAX_DOCUMENT_BYTES = Setting(
    "CONTROLMAP_MAX_DOCUMENT_BYTES",
    str(2 * 1024 * 1024),
    "Largest document accepted by ingest, in bytes (default 2 MiB; a long news article is ~50 KB).",
)
MAX_UPLOAD_MB = Setting(
    "CONTROLMAP_MAX_UPLOAD_MB",
    "10",
    "Largest upload accepted by the Ingest page, in megabytes.",
)
EDITOR = Setting(
    "CONTROLMAP_USER",
    os.environ.get("USER", "analyst"),
    "Name recorded with manual claims and review edits.",
)
TILES = Setting(
    "CONTROLMAP_TILES",
    "",
    "Optional base-map tile URL template (e.g. a local tile server); empty means no base map.",
)
PROVINCES_PATH = Setting(
    "CONTROLMAP_PROVINCES",
    str(DATA_DIR / "provinces.geojson"),
    "GeoJSON of the 34 provinces (built by scripts/build_provinces.py).",
)
DEMO_DIR = Setting(
    "CONTROLMAP_DEMO_DIR",
    str(DATA_DIR / "demo"),
    "Folder of the demo corpus that `controlmap demo` and the app's first start ingest.",
)

ENGINE = Setting(
    "CONTROLMAP_ENGINE",
    "learned",
    "Claim extraction engine: `learned` (rule readings and candidates decided by the trained "
    "arbiter in data/models/arbiter.json) or `rules` (the regular-expression extractor alone).",
)

STALE_DAYS = Setting(
    "CONTROLMAP_STALE_DAYS",
    "",
    "Days after its latest report that a state is drawn as stale (empty: the theatre's "
    "`stale_after_days` in data/theatre.json, 21).",
)

ALL_SETTINGS = (DB, DATABASES, READ_ONLY, MAX_DOCUMENT_BYTES, MAX_UPLOAD_MB, EDITOR, TILES,
                PROVINCES_PATH, DEMO_DIR, ENGINE, STALE_DAYS)


def max_document_bytes() -> int:
    """Return the ingest size limit in bytes."""
    return int(MAX_DOCUMENT_BYTES.value())


def read_only() -> bool:
    """Return True when the app runs read-only (``CONTROLMAP_READ_ONLY`` is 1, true or yes)."""
    return READ_ONLY.value().strip().lower() in ("1", "true", "yes", "on")
