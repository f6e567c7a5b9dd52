"""Small real records for tests: a Kunduz claim that each test changes as it needs."""

from __future__ import annotations

import dataclasses
import datetime as dt

from geo.records import Claim


def make_claim(**changes: object) -> Claim:
    """Return a claim that the Taliban captured Kunduz city on 8 Aug 2021, with ``changes``."""
    base = Claim(
        document="kunduz.txt",
        event_date=dt.date(2021, 8, 8),
        place="Kunduz",
        place_id="prov:AF-KDZ",
        place_kind="capital",
        province_iso="AF-KDZ",
        actor="taliban",
        kind="captured",
        claimant="local",
        geo_precision=1,
        confidence=0.75,
        quote="The Taliban captured Kunduz city on Sunday, residents said.",
        start=10,
        end=70,
        source="https://example.org/kunduz",
        lat=36.73,
        lon=68.86,
    )
    return dataclasses.replace(base, **changes)
