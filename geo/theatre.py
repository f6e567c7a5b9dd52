"""The theatre: what is specific to one war (sides, statuses and colours, key dates, map frame).

Everything here is read from ``data/theatre.json``, so the next theatre is a new data file,
not edits spread through modules. :func:`load_theatre` returns one :class:`Theatre`; the
loaded object is kept by a :class:`TheatreCache` so tests can load another file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from geo.errors import LexiconError
from geo.resources import data_path

THEATRE_FILE = data_path("theatre.json")


@dataclass(frozen=True, slots=True)
class StatusStyle:
    """One map status: its id, legend label and fill colour."""

    id: str
    label: str
    colour: str


@dataclass(frozen=True, slots=True)
class Theatre:
    """The facts of one theatre that the model, the map and the exports read."""

    name: str
    country: str
    statuses: tuple[StatusStyle, ...]
    #: actor id -> status its hold gives a place (``nrf`` -> ``resistance``).
    sides: dict[str, str]
    resistance_from: dt.date
    government_fell: dt.date
    baseline: dict = field(default_factory=dict)
    stale_after_days: int = 21
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.0), (0.0, 0.0))
    background: str = "#FFFFFF"

    @property
    def colours(self) -> dict[str, str]:
        """Return status id -> fill colour."""
        return {s.id: s.colour for s in self.statuses}

    @property
    def labels(self) -> dict[str, str]:
        """Return status id -> legend label."""
        return {s.id: s.label for s in self.statuses}

    @property
    def status_ids(self) -> tuple[str, ...]:
        """Return the status ids in legend order."""
        return tuple(s.id for s in self.statuses)


def _parse(raw: dict, path: Path) -> Theatre:
    try:
        bounds = raw["map"]["bounds"]
        return Theatre(
            name=str(raw["name"]),
            country=str(raw["country"]),
            statuses=tuple(StatusStyle(str(s["id"]), str(s["label"]), str(s["colour"]))
                           for s in raw["statuses"]),
            sides={str(k): str(v) for k, v in raw["sides"].items()},
            resistance_from=dt.date.fromisoformat(raw["resistance_from"]),
            government_fell=dt.date.fromisoformat(raw["government_fell"]),
            baseline=dict(raw.get("baseline", {})),
            stale_after_days=int(raw.get("stale_after_days", 21)),
            bounds=((float(bounds[0][0]), float(bounds[0][1])),
                    (float(bounds[1][0]), float(bounds[1][1]))),
            background=str(raw["map"].get("background", "#FFFFFF")),
        )
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise LexiconError(
            f"{path}: not a valid theatre file ({type(err).__name__}: {err}).",
            hint="Compare it with data/theatre.json in the repository.",
        ) from err


class TheatreCache:
    """Owns the loaded theatre files, one :class:`Theatre` per path."""

    def __init__(self) -> None:
        self._loaded: dict[Path, Theatre] = {}

    def load(self, path: Path = THEATRE_FILE) -> Theatre:
        """Return the theatre read from ``path`` (read once per path)."""
        if path not in self._loaded:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise LexiconError(f"Cannot read the theatre file {str(path)!r}: {err}.",
                                   hint="Restore data/theatre.json from the repository.") from err
            self._loaded[path] = _parse(raw, path)
        return self._loaded[path]


_CACHE = TheatreCache()


def load_theatre(path: Path = THEATRE_FILE) -> Theatre:
    """Return the :class:`Theatre` of ``path`` (default: ``data/theatre.json``)."""
    return _CACHE.load(path)
