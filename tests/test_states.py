"""Materialised state intervals: the same states as the model, rebuilt only where claims
changed."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from geo import export, states, store
from geo.model import load_materialised, load_model
from geo.records import Claim

FIRST = dt.date(2021, 7, 1)
ISOS = ("AF-KAN", "AF-HER", "AF-KAB", "AF-PAN", "AF-BAL")


def random_claims(gazetteer, n=600, seed=7) -> list[Claim]:
    rng = random.Random(seed)
    places = [p for p in gazetteer.places if p.province_iso in ISOS]
    out = []
    for i in range(n):
        p = rng.choice(places)
        actor = rng.choice(["taliban", "taliban", "government", "nrf"])
        out.append(Claim(
            document=f"d{i // 3}.txt", event_date=FIRST + dt.timedelta(days=rng.randrange(80)),
            place=p.name, place_id=p.place_id, place_kind=p.kind, province_iso=p.province_iso,
            actor=actor, kind=rng.choice(["captured", "recaptured", "contested", "held"]),
            claimant=rng.choice(["taliban", "government", "local", "media"]),
            geo_precision=3 if p.kind == "province" else rng.choice([1, 1, 2]),
            confidence=round(rng.uniform(0.4, 0.95), 2), quote=f"q{i}", start=i, end=i + 1,
            lat=p.lat, lon=p.lon,
        ).with_id())  # fmt: skip
    return out


@pytest.fixture
def db(gazetteer, tmp_path) -> str:
    path = str(tmp_path / "s.db")
    with store.open_db(path).begin() as conn:
        store.save_claims_bulk(conn, random_claims(gazetteer))
    yield path
    store.close_db(path)


def days():
    return [FIRST + dt.timedelta(days=d) for d in (-1, 0, 10, 33, 44, 60, 79, 120)]


def assert_same_as_the_model(db):
    full = load_model(db)
    for day in days():
        stored = load_materialised(db, day)
        assert export.snapshot_geojson(stored, day) == export.snapshot_geojson(full, day)
        for pid in full.timeline.place_claims:
            assert stored.timeline.place_state(pid, day) == full.timeline.place_state(pid, day)
    everything = load_materialised(db)
    assert export.timeline_csv(everything) == export.timeline_csv(full)
    assert export.timeline_geojson(everything) == export.timeline_geojson(full)


def test_stored_intervals_give_the_models_snapshot_places_and_timeline(db):
    assert_same_as_the_model(db)


def test_intervals_are_reused_while_the_data_is_unchanged(db):
    with store.open_db(db).begin() as conn:
        assert sorted(states.refresh(conn)) == sorted(ISOS)
        assert states.refresh(conn) == []
        assert states.is_current(conn)


def test_only_the_province_whose_claims_changed_is_rebuilt(db, gazetteer):
    engine = store.open_db(db)
    with engine.begin() as conn:
        states.refresh(conn)
        place = gazetteer.by_id["cap:AF-KAB"]
        store.add_manual_claim(conn, Claim(
            document="manual", event_date=dt.date(2021, 8, 15), place=place.name,
            place_id=place.place_id, place_kind=place.kind, province_iso="AF-KAB",
            actor="taliban", kind="captured", claimant="analyst", geo_precision=1,
            confidence=0.9, quote="Kabul fell.", start=0, end=11), author="ana", note="n")
        assert not states.is_current(conn)
        assert states.refresh(conn) == ["AF-KAB"]
    assert_same_as_the_model(db)
    with engine.begin() as conn:
        victim = next(c for c in store.load_claims(conn) if c.province_iso == "AF-HER")
        store.reject_claim(conn, victim.claim_id, author="ana", note="misread")
        assert states.refresh(conn) == ["AF-HER"]
    assert_same_as_the_model(db)


def test_an_empty_database_has_no_intervals_and_unknown_provinces(tmp_path):
    db = str(tmp_path / "empty.db")
    model = load_materialised(db, dt.date(2021, 8, 1))
    assert {s.status for s in model.states_on(dt.date(2021, 8, 1)).values()} == {"unknown"}
    assert model.days() is None
