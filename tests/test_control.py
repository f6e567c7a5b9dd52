"""The control-state model's rules, on hand-made claims and as properties."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.control import (
    CONTEST_RATIO,
    MAX_EVIDENCE,
    age_label,
    build_timeline,
    decide,
    direction,
    is_seat_claim,
    place_states,
    status_of,
)
from geo.records import STATUSES, Claim, State

D = dt.date(2021, 8, 1)


def claim(place_kind="capital", iso="AF-GHA", actor="taliban", kind="captured", day=0,
          claimant="media", precision=1, confidence=0.8, document="a.txt", place_id=None):
    return Claim(
        document=document, event_date=D + dt.timedelta(days=day), place="P",
        place_id=place_id or f"{place_kind}:{iso}", place_kind=place_kind, province_iso=iso,
        actor=actor, kind=kind, claimant=claimant, geo_precision=precision,
        confidence=confidence, quote=f"quote {document} {day}", start=0, end=1,
    ).with_id()


def status(claims, day=0, iso="AF-GHA"):
    return build_timeline(claims).province_state(iso, D + dt.timedelta(days=day))


def test_capital_captured_makes_the_province_taliban():
    state = status([claim()])
    assert (state.status, state.since) == ("taliban", D)
    assert state.evidence


def test_days_before_any_evidence_are_unknown():
    assert status([claim(day=3)], day=2).status == "unknown"


def test_state_persists_until_new_evidence():
    claims = [claim(day=0), claim(actor="government", kind="recaptured", day=5)]
    assert status(claims, day=4).status == "taliban"
    assert status(claims, day=5).status == "government"
    assert status(claims, day=40).status == "government"


def test_district_captured_while_capital_holds_is_contested():
    claims = [claim(actor="government", kind="held"),
              claim(place_kind="district", place_id="d:1", day=2)]
    assert status(claims, day=1).status == "government"
    assert status(claims, day=2).status == "contested"


def test_part_of_capital_taken_is_contested_not_taliban():
    assert status([claim(precision=2)]).status == "contested"


def test_government_recapture_of_a_district_in_a_taliban_province_is_contested():
    claims = [claim(), claim(place_kind="district", place_id="d:1", actor="government",
                             kind="recaptured", day=1)]
    assert status(claims, day=1).status == "contested"


def test_recapture_weighs_as_much_as_capture():
    capture = claim(document="a.txt", confidence=0.8)
    recapture = claim(document="b.txt", actor="government", kind="recaptured", confidence=0.8)
    assert decide([capture, recapture])[0] == "contested"


def test_more_independent_sources_win_a_conflicting_day():
    claims = [claim(document=f"{i}.txt") for i in range(3)]
    claims.append(claim(document="x.txt", actor="government", kind="held"))
    state = status(claims)
    assert state.status == "taliban"
    assert len(state.contrary) == 1, "the losing evidence stays visible"


def test_one_document_repeating_itself_is_one_source():
    repeated = [claim(document="a.txt", confidence=0.5) for _ in range(5)]
    other = claim(document="b.txt", actor="government", kind="held", confidence=0.9)
    assert decide([*repeated, other])[0] == "government"


def test_claim_only_by_the_gaining_side_is_unconfirmed_until_corroborated():
    spokesman = claim(claimant="taliban")
    assert status([spokesman]).confirmed is False
    corroborated = [spokesman, claim(claimant="local", document="b.txt", day=1)]
    assert status(corroborated, day=0).confirmed is False
    assert status(corroborated, day=1).confirmed is True


def test_ministry_recapture_alone_is_unconfirmed():
    state = status([claim(actor="government", kind="recaptured", claimant="government")])
    assert (state.status, state.confirmed) == ("government", False)


def test_other_group_holding_the_seat_before_the_resistance_date_is_contested():
    state = status([claim(iso="AF-PAN", actor="nrf", kind="held")], iso="AF-PAN")
    assert (state.status, state.holder) == ("contested", "nrf")


def test_resistance_holding_panjshir_after_15_august_is_resistance_not_contested():
    held = claim(iso="AF-PAN", actor="nrf", kind="held", day=19, claimant="local")
    state = status([held], day=19, iso="AF-PAN")
    assert (state.status, state.holder, state.confirmed) == ("resistance", "nrf", True)


def test_status_of_maps_every_theatre_side_and_nothing_else():
    from geo.theatre import load_theatre

    after = load_theatre().resistance_from
    assert {status_of(actor, after) for actor in load_theatre().sides} == {
        "taliban", "government", "resistance"}
    assert status_of("contested", after) == "contested"
    assert status_of("some-militia", after) == "contested"


def test_places_keep_their_own_state():
    timeline = build_timeline([claim(place_kind="district", place_id="d:1"),
                               claim(place_kind="district", place_id="d:1", day=3,
                                     actor="government", kind="recaptured")])
    assert timeline.place_state("d:1", D).status == "taliban"
    assert timeline.place_state("d:1", D + dt.timedelta(days=3)).status == "government"


def test_seat_claims_are_province_or_whole_capital():
    assert is_seat_claim(claim(place_kind="province", precision=3))
    assert is_seat_claim(claim(place_kind="capital", precision=1))
    assert not is_seat_claim(claim(place_kind="capital", precision=2))
    assert not is_seat_claim(claim(place_kind="district", precision=1))


CLAIMS = st.builds(
    claim,
    place_kind=st.sampled_from(["capital", "province", "district", "town"]),
    iso=st.sampled_from(["AF-GHA", "AF-HEL", "AF-KAB"]),
    actor=st.sampled_from(["taliban", "government", "nrf"]),
    kind=st.sampled_from(["captured", "recaptured", "contested", "held"]),
    day=st.integers(0, 30),
    claimant=st.sampled_from(["taliban", "government", "local", "media"]),
    precision=st.sampled_from([1, 2, 3]),
    confidence=st.floats(0.1, 1.0),
    document=st.sampled_from(["a.txt", "b.txt", "c.txt"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CLAIMS, max_size=40), st.integers(-5, 40))
def test_every_known_state_is_traceable_to_claims_up_to_that_day(claims, offset):
    day = D + dt.timedelta(days=offset)
    timeline = build_timeline(claims)
    ids = {c.claim_id for c in claims}
    for iso in ("AF-GHA", "AF-HEL", "AF-KAB"):
        state = timeline.province_state(iso, day)
        assert state.status in STATUSES
        if state.status != "unknown":
            assert state.evidence, "a coloured province must have evidence"
            assert {c.claim_id for c in state.evidence} <= ids
            assert all(c.event_date <= day for c in state.evidence)
            assert state.since <= day
        else:
            assert not [c for c in claims if c.province_iso == iso and c.event_date <= day]


# --- the model before it was made linear, kept as a slow reference -------------------------
# The same rules as geo.control at the commit before the linear rewrite (membership by
# ``in`` on lists, every day's evidence re-sorted and re-scored), with the status mapping
# of today (the theatre's sides). The linear model must give exactly the same states.


def _ref_score(claims):
    best = {}
    for c in claims:
        key = (direction(c), c.document)
        best[key] = max(best.get(key, 0.0), c.confidence)
    scores = defaultdict(float)
    for (d, _), conf in best.items():
        scores[d] += conf
    return scores


def _ref_decide(claims):
    scores = _ref_score(claims)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    winner, top = ranked[0]
    sides = [(d, s) for d, s in ranked if d != "contested"]
    if len(sides) >= 2 and sides[1][1] >= CONTEST_RATIO * sides[0][1]:
        return "contested", top
    return winner, top


def _ref_confirmed(status, holder, evidence):
    if status in ("contested", "unknown") and holder in ("contested", ""):
        return True
    return any(c.claimant != holder for c in evidence)


def _ref_confidence(evidence):
    remaining = 1.0
    for score in _ref_score(evidence).values():
        remaining *= 1.0 - min(score, 0.99)
    return round(min(0.99, 1.0 - remaining), 2)


@dataclass
class _RefRun:
    status: str = "unknown"
    holder: str = ""
    since: dt.date | None = None
    evidence: list = field(default_factory=list)
    contrary: list = field(default_factory=list)


def _ref_province_day(run, day, day_claims):
    seat = [c for c in day_claims if is_seat_claim(c)]
    parts = [c for c in day_claims if not is_seat_claim(c)]
    if seat:
        winner, _ = _ref_decide(seat)
        status = status_of(winner, day)
        support = [c for c in seat if status == "contested" or direction(c) == winner]
        losing = [c for c in seat if c not in support]
        threats = [c for c in parts if direction(c) != "government"]
        if status == "government" and threats:
            return "contested", "government", support + threats, losing
        return status, winner, support + [c for c in parts if direction(c) == winner], losing
    base = run.status
    if base in ("government", "unknown"):
        return "contested", run.holder or "government", parts, []
    if base == "taliban":
        against = [c for c in parts if direction(c) != "taliban"]
        if against:
            return "contested", "taliban", against, [c for c in parts if c not in against]
        return "taliban", "taliban", parts, []
    return base, run.holder, parts, []


def _ref_place_day(run, day, day_claims):
    winner, _ = _ref_decide(day_claims)
    status = status_of(winner, day)
    support = [c for c in day_claims if status == "contested" or direction(c) == winner]
    return status, winner, support, [c for c in day_claims if c not in support]


def _ref_walk(claims, key, level, step):
    by_day = defaultdict(list)
    for c in claims:
        by_day[c.event_date].append(c)
    run, out = _RefRun(), []
    for day in sorted(by_day):
        status, holder, support, losing = step(run, day, by_day[day])
        if status != run.status or holder != run.holder:
            run = _RefRun(status, holder, day, list(support), list(losing))
        else:
            run.evidence.extend(support)
            run.contrary.extend(losing)
        evidence = sorted(run.evidence, key=lambda c: (-c.confidence, c.event_date))
        out.append((day, (key, level, run.status, run.since, _ref_confidence(run.evidence),
                          _ref_confirmed(run.status, run.holder, run.evidence),
                          tuple(evidence[:MAX_EVIDENCE]),
                          tuple(sorted(run.contrary, key=lambda c: -c.confidence)[:MAX_EVIDENCE]),
                          run.holder)))
    return out


def _as_ref(entries):
    return [(day, (s.key, s.level, s.status, s.since, s.confidence, s.confirmed, s.evidence,
                   s.contrary, s.holder)) for day, s in entries]


MANY = st.builds(
    claim,
    place_kind=st.sampled_from(["capital", "province", "district", "town"]),
    iso=st.sampled_from(["AF-GHA", "AF-PAN"]),
    actor=st.sampled_from(["taliban", "government", "nrf"]),
    kind=st.sampled_from(["captured", "recaptured", "contested", "held"]),
    day=st.integers(0, 25),
    claimant=st.sampled_from(["taliban", "government", "local", "media", "nrf"]),
    precision=st.sampled_from([1, 2, 3]),
    confidence=st.sampled_from([0.1, 0.2, 0.3, 0.35, 0.5, 0.55, 0.7, 0.8, 0.9, 1.0])
    | st.floats(0.05, 1.0),
    document=st.sampled_from([f"{i}.txt" for i in range(8)]),
    place_id=st.sampled_from([None, "d:1", "d:2"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(MANY, max_size=120))
def test_linear_model_gives_exactly_the_reference_states(claims):
    by_province, by_place = defaultdict(list), defaultdict(list)
    for c in claims:
        by_province[c.province_iso].append(c)
        if c.place_kind not in ("province", "capital") or c.geo_precision == 2:
            by_place[c.place_id].append(c)
    timeline = build_timeline(claims)
    for iso, cs in by_province.items():
        assert _as_ref(timeline.provinces[iso]) == _ref_walk(cs, iso, "province",
                                                             _ref_province_day)
    for pid, cs in by_place.items():
        assert _as_ref(place_states(cs, pid)) == _ref_walk(cs, pid, "place", _ref_place_day)


def test_more_than_max_evidence_keeps_the_most_confident_first_come():
    claims = [claim(document=f"{i}.txt", confidence=0.5 + (i % 7) / 20, day=i % 3)
              for i in range(80)]
    state = build_timeline(claims).provinces["AF-GHA"][-1][1]
    assert _as_ref([(D, state)])[0][1] == _ref_walk(claims, "AF-GHA", "province",
                                                    _ref_province_day)[-1][1]
    assert len(state.evidence) == MAX_EVIDENCE


# --- consistent states: places follow their province (rule 7), staleness (rule 8) ---------


def on(gazetteer, place_id, day, actor="taliban", kind="captured", claimant="media",
       precision=None, document="r.txt", confidence=0.8):
    """Return a claim about a real gazetteer place on ``day`` (a date)."""
    place = next(p for p in gazetteer.places if p.place_id == place_id)
    if precision is None:
        precision = 3 if place.kind == "province" else 1
    return Claim(
        document=document, event_date=day, place=place.name, place_id=place.place_id,
        place_kind=place.kind, province_iso=place.province_iso, actor=actor, kind=kind,
        claimant=claimant, geo_precision=precision, confidence=confidence,
        quote=f"{actor} {kind} {place.name}", start=0, end=10,
    ).with_id()


def test_herat_place_follows_herat_province_after_it_falls(gazetteer):
    claims = [
        on(gazetteer, "place:AF-HER:islamkala", dt.date(2021, 7, 24), actor="government",
           kind="recaptured", claimant="government"),
        on(gazetteer, "cap:AF-HER", dt.date(2021, 8, 12), document="h.txt"),
    ]
    timeline = build_timeline(claims, province_names={"AF-HER": "Herat"})
    before = timeline.place_state("place:AF-HER:islamkala", dt.date(2021, 8, 1))
    assert (before.status, before.confirmed) == ("government", False)
    after = timeline.place_state("place:AF-HER:islamkala", dt.date(2021, 9, 6))
    assert (after.status, after.since, after.follows) == ("taliban", dt.date(2021, 8, 12),
                                                         "AF-HER")
    assert after.note == "follows Herat province, Taliban since 2021-08-12"
    assert {c.place_id for c in after.evidence} == {"cap:AF-HER"}


def test_kandahar_airfield_attack_five_weeks_old_follows_the_fall_of_kandahar(gazetteer):
    claims = [
        on(gazetteer, "place:AF-KAN:kandaharirfild", dt.date(2021, 7, 31), kind="contested"),
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 8, 13), document="k.txt"),
    ]
    state = build_timeline(claims).place_state("place:AF-KAN:kandaharirfild",
                                               dt.date(2021, 9, 6))
    assert (state.status, state.since, state.follows) == ("taliban", dt.date(2021, 8, 13),
                                                         "AF-KAN")


def test_kandahar_city_marker_agrees_with_kandahar_province_on_13_august(gazetteer):
    claims = [
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 8, 1), kind="contested", precision=2),
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 8, 13), document="k.txt"),
    ]
    timeline = build_timeline(claims, province_names={"AF-KAN": "Kandahar"})
    day = dt.date(2021, 8, 13)
    city, province = timeline.place_state("cap:AF-KAN", day), timeline.province_state("AF-KAN", day)
    assert (province.status, province.since) == ("taliban", day)
    assert (city.status, city.since) == ("taliban", day)
    assert city.note == "follows Kandahar province, Taliban since 2021-08-13"
    assert timeline.place_state("cap:AF-KAN", dt.date(2021, 8, 12)).status == "contested"


def test_newer_evidence_about_a_place_overrides_its_province(gazetteer):
    claims = [
        on(gazetteer, "place:AF-KAN:spinbuldaktun", dt.date(2021, 7, 14)),
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 7, 20), actor="government", kind="held",
           document="g.txt"),
        on(gazetteer, "place:AF-KAN:spinbuldaktun", dt.date(2021, 7, 25), document="t.txt"),
    ]
    timeline = build_timeline(claims)
    assert timeline.place_state("place:AF-KAN:spinbuldaktun", dt.date(2021, 7, 22)).follows
    state = timeline.place_state("place:AF-KAN:spinbuldaktun", dt.date(2021, 7, 26))
    assert (state.status, state.follows, state.note) == ("taliban", "", "")


def test_a_place_already_on_its_provinces_side_still_dates_from_the_change(gazetteer):
    claims = [on(gazetteer, "place:AF-KAN:spinbuldaktun", dt.date(2021, 7, 14)),
              on(gazetteer, "cap:AF-KAN", dt.date(2021, 8, 13), document="k.txt")]
    timeline = build_timeline(claims)
    state = timeline.place_state("place:AF-KAN:spinbuldaktun", dt.date(2021, 8, 20))
    assert (state.status, state.since, state.follows) == ("taliban", dt.date(2021, 8, 13),
                                                         "AF-KAN")
    own = timeline.place_state("place:AF-KAN:spinbuldaktun", dt.date(2021, 8, 12))
    assert (own.status, own.since, own.follows) == ("taliban", dt.date(2021, 7, 14), "")


def test_a_contested_day_of_the_province_is_not_a_change_of_hands(gazetteer):
    claims = [
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 7, 1), actor="government", kind="held"),
        on(gazetteer, "place:AF-KAN:spinbuldaktun", dt.date(2021, 7, 14), document="t.txt"),
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 7, 20), kind="contested", document="c.txt"),
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 7, 25), actor="government", kind="held",
           document="g.txt"),
    ]
    state = build_timeline(claims).place_state("place:AF-KAN:spinbuldaktun",
                                               dt.date(2021, 7, 30))
    assert (state.status, state.follows) == ("taliban", "")


def test_a_state_whose_last_report_is_five_weeks_old_is_stale(gazetteer):
    claims = [
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 7, 20)),
        on(gazetteer, "place:AF-KAN:kandaharirfild", dt.date(2021, 7, 31), kind="contested",
           document="k.txt"),
    ]
    timeline = build_timeline(claims, stale_days=21)
    fresh = timeline.place_state("place:AF-KAN:kandaharirfild", dt.date(2021, 8, 21))
    old = timeline.place_state("place:AF-KAN:kandaharirfild", dt.date(2021, 9, 6))
    assert (fresh.status, fresh.stale) == ("contested", False)
    assert (old.status, old.stale, old.last_report) == ("contested", True, dt.date(2021, 7, 31))
    assert age_label(old, dt.date(2021, 9, 6)) == "last report 5 weeks ago"
    assert timeline.province_state("AF-KAN", dt.date(2021, 8, 21)).stale is False
    assert timeline.province_state("AF-KAN", dt.date(2021, 8, 22)).stale is True


def test_a_place_following_its_province_ages_with_the_province(gazetteer):
    claims = [
        on(gazetteer, "place:AF-KAN:kandaharirfild", dt.date(2021, 7, 31), kind="contested"),
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 8, 13), document="k.txt"),
        on(gazetteer, "cap:AF-KAN", dt.date(2021, 9, 1), actor="taliban", kind="held",
           document="h.txt"),
    ]
    state = build_timeline(claims, stale_days=21).place_state(
        "place:AF-KAN:kandaharirfild", dt.date(2021, 9, 10))
    assert (state.follows, state.last_report, state.stale) == ("AF-KAN", dt.date(2021, 9, 1),
                                                               False)


def test_stale_days_setting_overrides_the_theatre(monkeypatch):
    from geo.control import stale_after_days
    from geo.theatre import load_theatre

    monkeypatch.delenv("CONTROLMAP_STALE_DAYS", raising=False)
    assert stale_after_days() == load_theatre().stale_after_days == 21
    monkeypatch.setenv("CONTROLMAP_STALE_DAYS", "7")
    assert stale_after_days() == 7
    assert build_timeline([]).stale_after_days == 7


@pytest.mark.parametrize(("days", "label"), [
    (0, "last report today"), (1, "last report yesterday"), (9, "last report 9 days ago"),
    (14, "last report 2 weeks ago"), (38, "last report 5 weeks ago"),
    (95, "last report 3 months ago")])
def test_age_label_reads_the_age_of_the_latest_report(days, label):
    state = State("AF-KAN", "province", "taliban", D, 0.9, True, last_report=D)
    assert age_label(state, D + dt.timedelta(days=days)) == label
    assert age_label(State("AF-KAN", "province", "unknown", None, 0.0, True), D) == "no report"
