"""The control model of a database: its claims, counts and timeline, loaded once.

This is the edge where the store meets the pure model: :func:`load_model` reads the
effective claims (extracted and manual, minus rejected) and builds the timeline; the CLI,
the exports and the app all work from the returned :class:`ControlModel`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from geo import store
from geo.boundaries import load_province_table
from geo.control import Timeline, build_timeline
from geo.records import Claim, CountStatement, State


@dataclass(frozen=True)
class ControlModel:
    """A database's claims and the timeline built from them, with the 34 provinces."""

    claims: list[Claim]
    counts: list[CountStatement]
    timeline: Timeline
    provinces: dict[str, dict]
    version: str = ""

    @property
    def isos(self) -> list[str]:
        """Return the 34 provinces' ISO codes, sorted."""
        return sorted(self.provinces)

    def states_on(self, day: dt.date) -> dict[str, State]:
        """Return each province's state on ``day``."""
        return {iso: self.timeline.province_state(iso, day) for iso in self.isos}

    def days(self) -> tuple[dt.date, dt.date] | None:
        """Return the first and last day with evidence, or None for an empty database."""
        if self.timeline.first_day is None or self.timeline.last_day is None:
            return None
        return self.timeline.first_day, self.timeline.last_day


def model_from_claims(claims: list[Claim], counts: list[CountStatement] | None = None,
                      version: str = "",
                      story_of: Mapping[str, str] | None = None) -> ControlModel:
    """Return the model of an in-memory list of claims (pure: no database).

    ``story_of`` maps a document name to its story key, so near-copies of one story count
    as one source (see :func:`geo.control.build_timeline`).
    """
    provinces = {row["iso_3166_2"]: row for row in load_province_table()}
    names = {iso: row["name"] for iso, row in provinces.items()}
    timeline = build_timeline(claims, story_of, province_names=names)
    return ControlModel(claims, counts or [], timeline, provinces, version)


def load_model(db: str | None = None) -> ControlModel:
    """Return the model of the database ``db`` (default: settings.DB).

    Sources are counted by story: the stored near-copies of one article count once.
    """
    from geo.stories import story_of_documents

    engine = store.open_db(db)
    with engine.connect() as conn:
        version = store.data_version(conn)
        claims = store.load_claims(conn)
        counts = store.load_counts(conn)
        story_of = story_of_documents(conn)
    return model_from_claims(claims, counts, version, story_of)


def load_materialised(db: str | None = None, day: dt.date | None = None,
                      *, places: bool = True) -> ControlModel:
    """Return the model of ``db`` read from its materialised state intervals
    (:mod:`geo.states`), brought up to date first (only the provinces whose claims changed
    are rebuilt).

    With ``day`` the timeline holds only the intervals covering that day (what a snapshot
    needs); without it every province's intervals (and the places' when ``places``). The
    returned model has no ``claims`` or ``counts``: it is for exports of states.
    """
    from geo import states

    provinces = {row["iso_3166_2"]: row for row in load_province_table()}
    engine = store.open_db(db)
    with engine.begin() as conn:
        states.refresh(conn, {iso: row["name"] for iso, row in provinces.items()})
        version = store.data_version(conn)
        if day is None:
            timeline = states.load_all(conn, places=places)
        else:
            timeline = states.load_day(conn, day, places=places)
    return ControlModel([], [], timeline, provinces, version)
