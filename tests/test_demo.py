"""The demo corpus reproduces the public record of capitals falling in August 2021."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from geo import store
from geo.ingest import ingest_paths
from geo.model import load_model

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    report = ingest_paths(store.open_db(db), [DATA / "demo"])
    assert report.refused == []
    assert 20 <= report.documents <= 40
    return load_model(db)


def capital_falls() -> dict[str, dt.date]:
    with (DATA / "capital_falls.csv").open(encoding="utf-8") as f:
        return {r["province_iso"]: dt.date.fromisoformat(r["fell_on"]) for r in csv.DictReader(f)}


def test_capital_falls_table_covers_the_34_provinces():
    assert len(capital_falls()) == 34


@pytest.mark.parametrize("day", range(6, 16))
def test_provinces_whose_capitals_fell_are_taliban_each_day(demo_model, day):
    date = dt.date(2021, 8, day)
    fallen = {iso for iso, fell in capital_falls().items() if fell <= date}
    taliban = {iso for iso, s in demo_model.states_on(date).items() if s.status == "taliban"}
    missing, extra = sorted(fallen - taliban), sorted(taliban - fallen)
    assert taliban == fallen, f"missing {missing}, extra {extra}"


def test_no_province_is_taliban_before_zaranj(demo_model):
    states = demo_model.states_on(dt.date(2021, 8, 5))
    assert not [iso for iso, s in states.items() if s.status == "taliban"]


def test_every_demo_state_is_traceable_to_a_sentence(demo_model):
    for day in (dt.date(2021, 7, 20), dt.date(2021, 8, 13), dt.date(2021, 9, 6)):
        for state in demo_model.states_on(day).values():
            if state.status != "unknown":
                assert state.evidence
                assert all(c.quote for c in state.evidence)
