"""Baselines: analysts' attributed claims that hold from a date until evidence says otherwise."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo import store
from geo.baselines import build_baseline, save_baseline
from geo.cli import app
from geo.control import build_timeline, is_seat_claim
from geo.errors import ClaimError
from geo.model import load_model
from geo.records import Claim

JULY_1 = dt.date(2021, 7, 1)
ROOT = Path(__file__).resolve().parent.parent


def capitals_baseline(gazetteer, status="government"):
    return build_baseline(gazetteer, JULY_1, status, "capitals",
                          note="The government held every provincial capital.", author="ana")


def report(gazetteer, place_id, day, actor="taliban", kind="captured", precision=1):
    place = gazetteer.by_id[place_id]
    return Claim(document="r.txt", event_date=day, place=place.name, place_id=place_id,
                 place_kind=place.kind, province_iso=place.province_iso, actor=actor,
                 kind=kind, claimant="media", geo_precision=precision, confidence=0.7,
                 quote="q", start=0, end=1).with_id()


def test_a_capitals_baseline_is_one_attributed_seat_claim_per_province(gazetteer):
    claims = capitals_baseline(gazetteer)
    assert len({c.province_iso for c in claims}) == len(claims) == 34
    assert all(is_seat_claim(c) and c.origin == "baseline" and c.author == "ana"
               and c.actor == "government" and c.claimant == "analyst" for c in claims)
    assert all(c.place_kind == "capital" for c in claims)


def test_a_baseline_on_listed_provinces_covers_those_provinces(gazetteer):
    claims = build_baseline(gazetteer, JULY_1, "resistance", ["AF-PAN"], note="n", author="a")
    assert [(c.place_id, c.actor, c.geo_precision) for c in claims] == [
        ("prov:AF-PAN", "nrf", 3)]


@pytest.mark.parametrize(("status", "places", "note", "bad"), [
    ("contested", "capitals", "n", "'contested'"), ("governmnet", "capitals", "n", "governmnet"),
    ("government", "towns", "n", "'towns'"), ("government", ["AF-XXX"], "n", "AF-XXX"),
    ("government", "capitals", " ", "note")])
def test_a_bad_baseline_is_refused_naming_the_value(gazetteer, status, places, note, bad):
    with pytest.raises(ClaimError, match=bad):
        build_baseline(gazetteer, JULY_1, status, places, note=note, author="a")


def test_a_baseline_sets_the_state_from_its_day_until_real_evidence(gazetteer):
    claims = [*capitals_baseline(gazetteer),
              report(gazetteer, "cap:AF-GHA", dt.date(2021, 8, 12))]
    timeline = build_timeline(claims)
    assert timeline.province_state("AF-GHA", dt.date(2021, 6, 30)).status == "unknown"
    before = timeline.province_state("AF-GHA", dt.date(2021, 8, 11))
    assert (before.status, before.since, before.from_baseline) == ("government", JULY_1, True)
    after = timeline.province_state("AF-GHA", dt.date(2021, 8, 12))
    assert (after.status, after.from_baseline) == ("taliban", False)
    assert [c.origin for c in after.evidence] == ["extracted"]


def test_real_evidence_on_the_baselines_day_wins_and_is_not_contested(gazetteer):
    claims = [*capitals_baseline(gazetteer), report(gazetteer, "cap:AF-GHA", JULY_1)]
    state = build_timeline(claims).province_state("AF-GHA", JULY_1)
    assert (state.status, state.since) == ("taliban", JULY_1)


def test_a_district_attacked_after_a_baseline_contests_the_government_hold(gazetteer):
    district = next(p for p in gazetteer.places
                    if p.province_iso == "AF-GHA" and p.kind == "district")
    claims = [*capitals_baseline(gazetteer),
              report(gazetteer, district.place_id, dt.date(2021, 7, 10), kind="contested")]
    state = build_timeline(claims).province_state("AF-GHA", dt.date(2021, 7, 10))
    assert (state.status, state.holder) == ("contested", "government")


def test_saving_a_baseline_twice_stores_it_once_and_reject_removes_it(gazetteer, tmp_path):
    db = str(tmp_path / "b.db")
    claims = capitals_baseline(gazetteer)
    with store.open_db(db).begin() as conn:
        assert save_baseline(conn, claims) == 34
        assert save_baseline(conn, claims) == 0
        assert {e["action"] for e in store.load_edits(conn)} == {"add"}
        store.reject_claim(conn, claims[0].claim_id, author="ana", note="wrong")
    model = load_model(db)
    assert model.states_on(dt.date(2021, 7, 2))[claims[0].province_iso].status == "unknown"
    assert model.states_on(dt.date(2021, 7, 2))[claims[1].province_iso].status == "government"


def test_baseline_command_stores_the_claims_and_refuses_a_bad_status(tmp_path):
    db = str(tmp_path / "c.db")
    result = CliRunner().invoke(app, ["baseline", "--date", "2021-07-01", "--status",
                                      "government", "--provinces", "AF-KAB", "AF-BAL",
                                      "--note", "analyst's reading", "--db", db])
    assert result.exit_code == 0, result.output
    with store.open_db(db).connect() as conn:
        claims = store.load_claims(conn)
    assert sorted(c.place_id for c in claims) == ["prov:AF-BAL", "prov:AF-KAB"]
    assert {c.origin for c in claims} == {"baseline"}
    bad = CliRunner().invoke(app, ["baseline", "--date", "2021-07-01", "--status", "nobody",
                                   "--note", "x", "--db", db])
    assert bad.exit_code == 1
    assert "nobody" in bad.output
    assert "Traceback" not in bad.output


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("demo") / "x.db")
    controlmap = str(Path(sys.executable).parent / "controlmap")
    subprocess.run([controlmap, "demo", "--db", db], check=True, capture_output=True,
                   cwd=ROOT, timeout=300)
    return db


def test_the_demo_ships_the_theatres_baseline_so_unknown_means_no_evidence(demo_db):
    model = load_model(demo_db)
    aug13 = model.states_on(dt.date(2021, 8, 13))
    assert (aug13["AF-KAB"].status, aug13["AF-KAB"].from_baseline) == ("government", True)
    assert aug13["AF-BAL"].status != "unknown"  # contested from 9 August's reports
    assert [iso for iso, s in aug13.items() if s.status == "unknown"] == []
    assert model.states_on(dt.date(2021, 6, 30))["AF-KAB"].status == "unknown"


def test_panjshir_held_by_the_resistance_on_20_august_in_the_demo(demo_db):
    state = load_model(demo_db).states_on(dt.date(2021, 8, 20))["AF-PAN"]
    assert (state.status, state.holder) == ("resistance", "nrf")


def test_no_demo_place_on_6_september_is_older_than_its_provinces_last_change(demo_db):
    from geo.control import changes_of_hands

    model, day = load_model(demo_db), dt.date(2021, 9, 6)
    for pid, claim in model.timeline.place_claims.items():
        state = model.timeline.place_state(pid, day)
        changes = [d for d, _ in changes_of_hands(model.timeline.provinces[claim.province_iso])
                   if d <= day]
        if changes:
            assert state.since >= changes[-1], (claim.place, state)
