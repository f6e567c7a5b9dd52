"""The theatre file: sides, statuses and dates read from data, bad files named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from geo.errors import LexiconError
from geo.theatre import THEATRE_FILE, TheatreCache, load_theatre


def test_the_afghan_theatre_maps_the_nrf_to_the_resistance_from_the_fall_of_kabul() -> None:
    theatre = load_theatre()
    assert theatre.sides["nrf"] == "resistance"
    assert theatre.resistance_from == dt.date(2021, 8, 15)
    assert len(set(theatre.colours.values())) == len(theatre.statuses)


def test_a_theatre_file_missing_a_field_is_an_error_naming_the_file(tmp_path: Path) -> None:
    raw = json.loads(THEATRE_FILE.read_text(encoding="utf-8"))
    del raw["sides"]
    bad = tmp_path / "theatre.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"theatre\.json"):
        TheatreCache().load(bad)


def test_an_unreadable_theatre_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match=r"nothing\.json"):
        TheatreCache().load(tmp_path / "nothing.json")
