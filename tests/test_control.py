"""The control-state model's rules, on hand-made claims and as properties."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.control import build_timeline, decide, is_seat_claim
from geo.records import Claim

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


def test_other_group_holding_the_seat_is_contested():
    state = status([claim(iso="AF-PAN", actor="nrf", kind="held")], iso="AF-PAN")
    assert state.status == "contested"


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
        assert state.status in ("taliban", "government", "contested", "unknown")
        if state.status != "unknown":
            assert state.evidence, "a coloured province must have evidence"
            assert {c.claim_id for c in state.evidence} <= ids
            assert all(c.event_date <= day for c in state.evidence)
            assert state.since <= day
        else:
            assert not [c for c in claims if c.province_iso == iso and c.event_date <= day]
