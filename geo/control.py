"""The control-state model: pure functions from dated claims to day-by-day states.

Rules (also in the README):

1. **Levels.** A claim about a province as a whole (``geo_precision`` 3) or about its
   capital as a whole (the capital, precision 1) is about the province's *seat*. Any other
   claim (a district, town, crossing, base, or only part of the capital: a police station,
   the outskirts) is about a *part*.
2. **Seat evidence decides.** On a day with seat claims, each direction (Taliban, government,
   another armed group, or *contested* for attacks, sieges and denied claims) scores the sum,
   over independent sources (stories: a document and its near-copies, see
   :mod:`geo.stories`), of that source's most confident claim.
   The best score wins; if the runner-up between two sides scores at least 2/3 of it, the
   seat is ``contested``. Recaptures weigh exactly as much as captures.
   A Taliban capture → ``taliban``; a government recapture or hold → ``government``; an
   attack or siege → ``contested``; another group holding the seat (the National Resistance
   Front in Panjshir) → ``contested`` with that group as ``holder``.
3. **Parts make a province contested.** A district, town, base or part of the capital
   captured or attacked while the seat is held by the government (or unknown) makes the
   province ``contested``; so does a government recapture of a part of a Taliban province.
   A Taliban seat win and, the same day, the government still holding part → ``taliban``.
4. **States persist** until new evidence; days before any evidence are ``unknown``.
5. **Confirmation.** A state asserted only by the side that gains from it (a Taliban
   spokesman claiming a city; a ministry claiming a recapture) is ``confirmed=False`` until
   another claimant (the outlet's own reporting, residents, local officials, the other side)
   supports it; contested states need no confirmation.
6. **Evidence.** Each state keeps the claims that support it (since it began) and the claims
   that lost on the day it was decided, so the losing evidence stays visible.
7. **Places** below province level keep their own state from their own claims, with the
   same scoring (captured → holder's side; attacked → contested).

Manual claims and rejections are applied before the model runs (see :mod:`geo.store`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from geo.records import Claim, State

CONTEST_RATIO = 2 / 3
MAX_EVIDENCE = 25
_SEAT_KINDS = ("province", "capital")


def direction(claim: Claim) -> str:
    """Return the direction a claim pushes its place: an actor id or ``contested``.

    Examples
    --------
    >>> from geo.records import Claim
    >>> import datetime as dt
    >>> c = Claim("d", dt.date(2021, 8, 6), "Zaranj", "cap:AF-NIM", "capital", "AF-NIM",
    ...           "taliban", "captured", "media", 1, 0.9, "q", 0, 1)
    >>> direction(c)
    'taliban'
    """
    return "contested" if claim.kind == "contested" else claim.actor


def is_seat_claim(claim: Claim) -> bool:
    """Return True when a claim is about a whole province or its whole capital."""
    if claim.place_kind == "province":
        return claim.geo_precision >= 3
    return claim.place_kind == "capital" and claim.geo_precision <= 1


def status_of(direction_: str) -> str:
    """Return the map status for a winning direction (another group's hold is contested)."""
    return direction_ if direction_ in ("taliban", "government", "contested") else "contested"


def _score(claims: Iterable[Claim],
           story_of: Mapping[str, str] | None = None) -> dict[str, float]:
    """Return each direction's score: per source its best confidence, summed over sources.

    A source is a story: ``story_of`` maps a document name to its story key, so the copies
    of one wire story count once; a document it does not name is its own story.
    """
    stories = story_of or {}
    best: dict[tuple[str, str], float] = {}
    for c in claims:
        key = (direction(c), stories.get(c.document, c.document))
        best[key] = max(best.get(key, 0.0), c.confidence)
    scores: dict[str, float] = defaultdict(float)
    for (d, _), conf in best.items():
        scores[d] += conf
    return scores


def decide(claims: Sequence[Claim],
           story_of: Mapping[str, str] | None = None) -> tuple[str, float]:
    """Return the winning direction of a day's claims and its score.

    Two sides close in score (the runner-up at least 2/3 of the winner) give
    ``contested``. ``story_of``: see :func:`build_timeline`.
    """
    scores = _score(claims, story_of)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    winner, top = ranked[0]
    sides = [(d, s) for d, s in ranked if d != "contested"]
    if len(sides) >= 2 and sides[1][1] >= CONTEST_RATIO * sides[0][1]:
        return "contested", top
    return winner, top


def _confirmed(status: str, holder: str, evidence: Sequence[Claim]) -> bool:
    if status in ("contested", "unknown") and holder in ("contested", ""):
        return True
    return any(c.claimant != holder for c in evidence)


def _confidence(evidence: Sequence[Claim], story_of: Mapping[str, str] | None = None) -> float:
    remaining = 1.0
    for score in _score(evidence, story_of).values():
        remaining *= 1.0 - min(score, 0.99)
    return round(min(0.99, 1.0 - remaining), 2)


@dataclass(slots=True)
class _Run:
    """The state being built for one key while walking its days."""

    status: str = "unknown"
    holder: str = ""
    since: dt.date | None = None
    evidence: list[Claim] = field(default_factory=list)
    contrary: list[Claim] = field(default_factory=list)


def _province_day(run: _Run, day_claims: list[Claim],
                  story_of: Mapping[str, str] | None = None) -> tuple[str, str, list, list]:
    """Return (status, holder, supporting, losing) for one province-day."""
    seat = [c for c in day_claims if is_seat_claim(c)]
    parts = [c for c in day_claims if not is_seat_claim(c)]
    if seat:
        winner, _ = decide(seat, story_of)
        status = status_of(winner)
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


def _place_day(run: _Run, day_claims: list[Claim],
               story_of: Mapping[str, str] | None = None) -> tuple[str, str, list, list]:
    winner, _ = decide(day_claims, story_of)
    status = status_of(winner)
    support = [c for c in day_claims if status == "contested" or direction(c) == winner]
    return status, winner, support, [c for c in day_claims if c not in support]


def _walk(claims: list[Claim], key: str, level: str, step,
          story_of: Mapping[str, str] | None = None) -> list[tuple[dt.date, State]]:
    """Return (day, state) for each day with evidence about one key, in day order."""
    by_day: dict[dt.date, list[Claim]] = defaultdict(list)
    for c in claims:
        by_day[c.event_date].append(c)
    run, out = _Run(), []
    for day in sorted(by_day):
        status, holder, support, losing = step(run, by_day[day], story_of)
        if status != run.status or holder != run.holder:
            run = _Run(status, holder, day, list(support), list(losing))
        else:
            run.evidence.extend(support)
            run.contrary.extend(losing)
        out.append((day, _freeze(run, key, level, story_of)))
    return out


def _freeze(run: _Run, key: str, level: str,
            story_of: Mapping[str, str] | None = None) -> State:
    evidence = sorted(run.evidence, key=lambda c: (-c.confidence, c.event_date))
    return State(
        key=key,
        level=level,
        status=run.status,
        since=run.since,
        confidence=_confidence(run.evidence, story_of),
        confirmed=_confirmed(run.status, run.holder, run.evidence),
        evidence=tuple(evidence[:MAX_EVIDENCE]),
        contrary=tuple(sorted(run.contrary, key=lambda c: -c.confidence)[:MAX_EVIDENCE]),
    )


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every province's and place's states over time, ready for fast lookups by day.

    ``provinces[iso]`` and ``places[place_id]`` are lists of (day, State) sorted by day:
    the state holds from that day until the next entry.
    """

    provinces: dict[str, list[tuple[dt.date, State]]]
    places: dict[str, list[tuple[dt.date, State]]]
    place_claims: dict[str, Claim]
    first_day: dt.date | None
    last_day: dt.date | None

    def province_state(self, iso: str, day: dt.date) -> State:
        """Return the state of province ``iso`` on ``day`` (``unknown`` before evidence)."""
        return _lookup(self.provinces.get(iso, []), day, iso, "province")

    def place_state(self, place_id: str, day: dt.date) -> State:
        """Return the state of a place below province level on ``day``."""
        return _lookup(self.places.get(place_id, []), day, place_id, "place")

    def change_days(self) -> list[dt.date]:
        """Return the sorted days on which some province's status changed."""
        days = set()
        for changes in self.provinces.values():
            previous = None
            for day, state in changes:
                if state.status != previous:
                    days.add(day)
                previous = state.status
        return sorted(days)


def _lookup(changes: list[tuple[dt.date, State]], day: dt.date, key: str, level: str) -> State:
    i = bisect.bisect_right(changes, day, key=lambda t: t[0])
    if i == 0:
        return State(key, level, "unknown", None, 0.0, True)
    return changes[i - 1][1]


def build_timeline(claims: Iterable[Claim],
                   story_of: Mapping[str, str] | None = None) -> Timeline:
    """Return the :class:`Timeline` of every province and place from ``claims``.

    Claims without a province (places outside Afghanistan) are ignored. Cost grows
    linearly with the number of claims (plus sorting by day). ``story_of`` maps a document
    name (``Claim.document``) to its story key (:func:`geo.stories.story_of_documents`):
    the copies of one story count as one source; without it each document is a source.

    Examples
    --------
    >>> import datetime as dt
    >>> from geo.records import Claim
    >>> c = Claim("d", dt.date(2021, 8, 12), "Ghazni", "cap:AF-GHA", "capital", "AF-GHA",
    ...           "taliban", "captured", "media", 1, 0.9, "q", 0, 1)
    >>> tl = build_timeline([c])
    >>> tl.province_state("AF-GHA", dt.date(2021, 8, 12)).status
    'taliban'
    >>> tl.province_state("AF-GHA", dt.date(2021, 8, 11)).status
    'unknown'
    """
    by_province: dict[str, list[Claim]] = defaultdict(list)
    by_place: dict[str, list[Claim]] = defaultdict(list)
    place_claims: dict[str, Claim] = {}
    first = last = None
    for c in claims:
        if not c.province_iso:
            continue
        by_province[c.province_iso].append(c)
        if c.place_kind not in _SEAT_KINDS or c.geo_precision == 2:
            by_place[c.place_id].append(c)
            place_claims.setdefault(c.place_id, c)
        first = c.event_date if first is None or c.event_date < first else first
        last = c.event_date if last is None or c.event_date > last else last
    provinces = {iso: _walk(cs, iso, "province", _province_day, story_of)
                 for iso, cs in by_province.items()}
    places = {pid: _walk(cs, pid, "place", _place_day, story_of) for pid, cs in by_place.items()}
    return Timeline(provinces, places, place_claims, first, last)
