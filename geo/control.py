"""The control-state model: pure functions from dated claims to day-by-day states.

Rules (also in the README):

1. **Levels.** A claim about a province as a whole (``geo_precision`` 3) or about its
   capital as a whole (the capital, precision 1) is about the province's *seat*. Any other
   claim (a district, town, crossing, base, or only part of the capital: a police station,
   the outskirts) is about a *part*.
2. **Seat evidence decides.** On a day with seat claims, each direction (Taliban, government,
   another armed group, or *contested* for attacks, sieges and denied claims) scores the sum,
   over independent sources (stories: a document and its near-copies, see :mod:`geo.stories`,
   when ``story_of`` is given; else documents), of that source's most confident claim.
   The best score wins; if the runner-up between two sides
   scores at least 2/3 of it, the seat is ``contested``. Recaptures weigh exactly as much as
   captures. The winning direction becomes a status through the theatre's ``sides``
   (``data/theatre.json``): ``taliban``, ``government``, and ``resistance`` for the National
   Resistance Front and other anti-Taliban forces from ``resistance_from`` (15 August 2021;
   before it, or for an actor the theatre does not know, another group's hold is
   ``contested``); an attack or siege is ``contested``. ``holder`` keeps the actor.
3. **Parts make a province contested.** A district, town, base or part of the capital
   captured or attacked while the seat is held by the government (or unknown) makes the
   province ``contested``; so does a government recapture of a part of a Taliban province.
   A Taliban seat win and, the same day, the government still holding part → ``taliban``.
4. **States persist** until new evidence; days before any evidence are ``unknown``.
5. **Confirmation.** A state asserted only by the side that gains from it (a Taliban
   spokesman claiming a city; a ministry claiming a recapture) is ``confirmed=False`` until
   another claimant (the outlet's own reporting, residents, local officials, the other side)
   supports it; contested states need no confirmation.
6. **Evidence.** Each state keeps the claims that support it (since it began; the
   :data:`MAX_EVIDENCE` most confident) and the claims that lost on the days it was decided,
   so the losing evidence stays visible. ``last_report`` is the last day with supporting
   evidence.
7. **Places** below province level keep their own state from their own claims, with the
   same scoring (captured → holder's side; attacked → contested), **only while it is newer
   than their province's last change of hands**. A province *changes hands* on a day its
   status becomes a side (``taliban``, ``government``, ``resistance``) other than the last
   side it had (contested days in between do not count; the first side it ever has counts).
   When that happens after a place's last evidence, the place *follows the province*
   (even when it was already on that side, so that no place shows a state older than its
   province's last change of hands): it takes the province's status, holder and evidence from
   that day, with ``follows`` set to the province and a ``note`` saying why ("follows
   Kandahar province, Taliban since 2021-08-13"). Newer evidence about the place gives it
   its own state again (the same day's own evidence wins over the province's change).
8. **Staleness.** A state whose latest support (``last_report``) is more than
   ``stale_after_days`` (setting ``CONTROLMAP_STALE_DAYS``, default the theatre's 21) before
   the day asked is ``stale``: the lookups set it for that day, and :func:`age_label` says
   "last report 5 weeks ago". A place following its province ages with the province.
9. **Baselines.** A claim with ``origin="baseline"`` (an analyst's "the government holds
   every provincial capital on 1 July", :mod:`geo.baselines`) sets the state from its day
   and loses to any real evidence: on its own day it is applied first and the day's real
   claims decide on top of it, as on any later day; it never makes a state contested by
   itself (it only meets other baselines).

Manual claims and rejections are applied before the model runs (see :mod:`geo.store`).

Cost: linear in the number of claims (plus sorting by day). Membership is decided by
predicate, never by comparing claims; each state's evidence is kept incrementally (a bounded
sorted list of the most confident claims and a running best score per source), so a day
costs its own claims plus :data:`MAX_EVIDENCE`, not the evidence so far.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from geo.records import STATUSES, Claim, State
from geo.theatre import Theatre, load_theatre

CONTEST_RATIO = 2 / 3
MAX_EVIDENCE = 25
_SEAT_KINDS = ("province", "capital")
#: The two statuses that are not a side's hold.
CONTESTED, UNKNOWN = "contested", "unknown"
#: The sides whose holds rules 3 reads (the incumbent and the insurgent of this theatre).
GOVERNMENT, TALIBAN = "government", "taliban"
BASELINE_ORIGIN = "baseline"
assert {CONTESTED, UNKNOWN, GOVERNMENT, TALIBAN} <= set(STATUSES)


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
    return CONTESTED if claim.kind == "contested" else claim.actor


def is_seat_claim(claim: Claim) -> bool:
    """Return True when a claim is about a whole province or its whole capital."""
    if claim.place_kind == "province":
        return claim.geo_precision >= 3
    return claim.place_kind == "capital" and claim.geo_precision <= 1


def status_of(direction_: str, day: dt.date | None = None, theatre: Theatre | None = None) -> str:
    """Return the map status of a winning direction on ``day``, through the theatre's sides.

    ``contested`` stays ``contested``; an actor maps to its side's status (``nrf`` →
    ``resistance``), except that the resistance exists only from the theatre's
    ``resistance_from`` (before it, and for actors the theatre does not know, another
    group's hold is ``contested``).

    Examples
    --------
    >>> import datetime as dt
    >>> status_of("nrf", dt.date(2021, 8, 20)), status_of("nrf", dt.date(2021, 8, 1))
    ('resistance', 'contested')
    """
    if direction_ == CONTESTED:
        return CONTESTED
    theatre = theatre or load_theatre()
    status = theatre.sides.get(direction_)
    if status is None or status not in STATUSES:
        return CONTESTED
    if status == "resistance" and (day is None or day < theatre.resistance_from):
        return CONTESTED
    return status


def side_statuses(theatre: Theatre | None = None) -> frozenset[str]:
    """Return the statuses that are a side's hold (``taliban``, ``government``, ...)."""
    return frozenset((theatre or load_theatre()).sides.values()) & set(STATUSES)


def _source(claim: Claim, story_of: Mapping[str, str] | None) -> str:
    return story_of.get(claim.document, claim.document) if story_of else claim.document


def _score(claims: Iterable[Claim], story_of: Mapping[str, str] | None = None) -> dict[str, float]:
    """Return each direction's score: per source its best confidence, summed over sources."""
    best: dict[tuple[str, str], float] = {}
    for c in claims:
        key = (direction(c), _source(c, story_of))
        best[key] = max(best.get(key, 0.0), c.confidence)
    scores: dict[str, float] = defaultdict(float)
    for (d, _), conf in best.items():
        scores[d] += conf
    return scores


def decide(claims: Sequence[Claim], story_of: Mapping[str, str] | None = None) -> tuple[str, float]:
    """Return the winning direction of a day's claims and its score.

    Two sides close in score (the runner-up at least 2/3 of the winner) give
    ``contested``. ``story_of``: see :func:`build_timeline`.
    """
    scores = _score(claims, story_of)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    winner, top = ranked[0]
    sides = [(d, s) for d, s in ranked if d != CONTESTED]
    if len(sides) >= 2 and sides[1][1] >= CONTEST_RATIO * sides[0][1]:
        return CONTESTED, top
    return winner, top


class _TopK:
    """The :data:`MAX_EVIDENCE` most confident claims so far, first-come first on ties.

    Entries are ``(-confidence, seq, claim)``; ``seq`` is unique, so claims are never
    compared. Claims arrive in day order, so this is the order of a stable sort by
    (-confidence, event_date) over all of them.
    """

    __slots__ = ("_frozen", "items")

    def __init__(self) -> None:
        self.items: list[tuple[float, int, Claim]] = []
        self._frozen: tuple[Claim, ...] | None = ()

    def add(self, claim: Claim, seq: int) -> None:
        entry = (-claim.confidence, seq, claim)
        items = self.items
        if not items or entry > items[-1]:  # seq is unique: claims are never compared
            if len(items) >= MAX_EVIDENCE:
                return
            items.append(entry)
        else:
            bisect.insort(items, entry)
            if len(items) > MAX_EVIDENCE:
                items.pop()
        self._frozen = None

    def claims(self) -> tuple[Claim, ...]:
        if self._frozen is None:
            self._frozen = tuple(e[2] for e in self.items)
        return self._frozen


class _RunScore:
    """A run's evidence scores kept incrementally: per direction, per source its best.

    The totals are the same floats as :func:`_score` over all the run's evidence, which sums
    each direction's sources in first-seen order: each direction keeps its sources' best
    values in that order with their running (prefix) sums; a new source appends one sum, and
    a source whose best rises re-sums only from its position on (a source seen again is
    almost always a recent one, so this is short).
    """

    __slots__ = ("dirty_from", "position", "prefix", "values")

    def __init__(self) -> None:
        self.position: dict[str, dict[str, int]] = {}
        self.values: dict[str, list[float]] = {}
        self.prefix: dict[str, list[float]] = {}
        self.dirty_from: dict[str, int] = {}

    def add(self, d: str, source: str, confidence: float) -> None:
        position = self.position.get(d)
        if position is None:
            position = self.position[d] = {}
            self.values[d], self.prefix[d] = [], [0.0]
        i = position.get(source)
        values = self.values[d]
        if i is None:
            position[source] = len(values)
            values.append(max(0.0, confidence))
            if d not in self.dirty_from:
                prefix = self.prefix[d]
                prefix.append(prefix[-1] + values[-1])
        elif confidence > values[i]:
            values[i] = confidence
            self.dirty_from[d] = min(i, self.dirty_from.get(d, i))

    def confidence(self) -> float:
        for d, start in self.dirty_from.items():
            values, prefix = self.values[d], self.prefix[d]
            del prefix[start + 1:]
            total = prefix[start]
            for value in values[start:]:
                total += value
                prefix.append(total)
        self.dirty_from.clear()
        remaining = 1.0
        for d in self.values:
            remaining *= 1.0 - min(self.prefix[d][-1], 0.99)
        return round(min(0.99, 1.0 - remaining), 2)


@dataclass(slots=True)
class _Run:
    """The state being built for one key while walking its days."""

    status: str = UNKNOWN
    holder: str = ""
    since: dt.date | None = None
    evidence: _TopK = field(default_factory=_TopK)
    contrary: _TopK = field(default_factory=_TopK)
    score: _RunScore = field(default_factory=_RunScore)
    corroborated: bool = False
    last_report: dt.date | None = None
    seq: int = 0
    follows: str = ""

    def add(self, support: Iterable[Claim], losing: Iterable[Claim], day: dt.date,
            story_of: Mapping[str, str] | None) -> None:
        for c in support:
            self.seq += 1
            self.evidence.add(c, self.seq)
            self.score.add(direction(c), _source(c, story_of), c.confidence)
            if c.claimant != self.holder:
                self.corroborated = True
            self.last_report = day
        for c in losing:
            self.seq += 1
            self.contrary.add(c, self.seq)

    def confirmed(self) -> bool:
        if self.status in (CONTESTED, UNKNOWN) and self.holder in (CONTESTED, ""):
            return True
        return self.corroborated


def _split(claims: Iterable[Claim], keep) -> tuple[list[Claim], list[Claim]]:
    """Return (claims for which ``keep`` holds, the others), in order."""
    yes: list[Claim] = []
    no: list[Claim] = []
    for c in claims:
        (yes if keep(c) else no).append(c)
    return yes, no


Step = tuple[str, str, list[Claim], list[Claim]]


def _province_day(run: _Run, day: dt.date, day_claims: list[Claim],
                  story_of: Mapping[str, str] | None) -> Step:
    """Return (status, holder, supporting, losing) for one province-day."""
    seat, parts = _split(day_claims, is_seat_claim)
    if seat:
        winner, _ = decide(seat, story_of)
        status = status_of(winner, day)
        support, losing = _split(seat, lambda c: status == CONTESTED or direction(c) == winner)
        threats = [c for c in parts if direction(c) != GOVERNMENT]
        if status == GOVERNMENT and threats:
            return CONTESTED, GOVERNMENT, support + threats, losing
        return status, winner, support + [c for c in parts if direction(c) == winner], losing
    base = run.status
    if base in (GOVERNMENT, UNKNOWN):
        return CONTESTED, run.holder or GOVERNMENT, parts, []
    if base == TALIBAN:
        against, along = _split(parts, lambda c: direction(c) != TALIBAN)
        if against:
            return CONTESTED, TALIBAN, against, along
        return TALIBAN, TALIBAN, parts, []
    return base, run.holder, parts, []


def _place_day(run: _Run, day: dt.date, day_claims: list[Claim],
               story_of: Mapping[str, str] | None) -> Step:
    winner, _ = decide(day_claims, story_of)
    status = status_of(winner, day)
    support, losing = _split(day_claims,
                             lambda c: status == CONTESTED or direction(c) == winner)
    return status, winner, support, losing


def _apply(run: _Run, step: Step, day: dt.date, story_of: Mapping[str, str] | None) -> _Run:
    """Return the run after one step: the same run extended, or a new one from ``day``."""
    status, holder, support, losing = step
    if status != run.status or holder != run.holder:
        run = _Run(status, holder, day)
    elif run.follows:  # own evidence again after following the province: keep ``since``
        run = _Run(status, holder, run.since)
    run.add(support, losing, day, story_of)
    return run


def _by_day(claims: Iterable[Claim]) -> dict[dt.date, list[Claim]]:
    by_day: dict[dt.date, list[Claim]] = defaultdict(list)
    for c in claims:
        by_day[c.event_date].append(c)
    return by_day


def _walk(claims: Iterable[Claim], key: str, level: str, step,
          story_of: Mapping[str, str] | None) -> list[tuple[dt.date, State]]:
    """Return (day, state) for each day with evidence about one key, in day order."""
    by_day = _by_day(claims)
    run, out = _Run(), []
    for day in sorted(by_day):
        claims_ = by_day[day]
        groups = [claims_]
        if any(c.origin == BASELINE_ORIGIN for c in claims_):
            groups = [g for g in _split(claims_, lambda c: c.origin == BASELINE_ORIGIN) if g]
        for group in groups:
            run = _apply(run, step(run, day, group, story_of), day, story_of)
        out.append((day, _freeze(run, key, level)))
    return out


def _freeze(run: _Run, key: str, level: str) -> State:
    return State(
        key=key,
        level=level,
        status=run.status,
        since=run.since,
        confidence=run.score.confidence(),
        confirmed=run.confirmed(),
        evidence=run.evidence.claims(),
        contrary=run.contrary.claims(),
        holder=run.holder,
        last_report=run.last_report,
    )


def province_states(claims: Iterable[Claim], iso: str,
                    story_of: Mapping[str, str] | None = None) -> list[tuple[dt.date, State]]:
    """Return the (day, state) entries of one province from its claims (rules 1-6, 9)."""
    return _walk(claims, iso, "province", _province_day, story_of)


def place_states(claims: Iterable[Claim], place_id: str,
                 story_of: Mapping[str, str] | None = None) -> list[tuple[dt.date, State]]:
    """Return the (day, state) entries of one place from its own claims alone (rule 7's
    own state, before following its province)."""
    return _walk(claims, place_id, "place", _place_day, story_of)


def changes_of_hands(entries: Sequence[tuple[dt.date, State]],
                     sides: frozenset[str] | None = None) -> list[tuple[dt.date, State]]:
    """Return the entries on which a province changed hands (rule 7): its status became a
    side other than the last side it had."""
    sides = side_statuses() if sides is None else sides
    out, last = [], None
    for day, state in entries:
        if state.status in sides and state.status != last:
            out.append((day, state))
            last = state.status
    return out


def follow_province(claims: Iterable[Claim], changes: Sequence[tuple[dt.date, State]],
                    place_id: str, province: str,
                    story_of: Mapping[str, str] | None = None) -> list[tuple[dt.date, State]]:
    """Return a place's entries with rule 7 applied: its own states, and after each change
    of hands of its province later than the place's last evidence, the province's.

    ``changes`` are :func:`changes_of_hands` of the province; ``province`` is its display
    name for the note. Without changes this is :func:`place_states`.
    """
    by_day = _by_day(claims)
    if not by_day:
        return []
    first = min(by_day)
    follow_days = {day: state for day, state in changes if day > first and day not in by_day}
    run: _Run = _Run()
    out: list[tuple[dt.date, State]] = []
    labels = load_theatre().labels
    for day in sorted(by_day.keys() | follow_days.keys()):
        if day in by_day:
            run = _apply(run, _place_day(run, day, by_day[day], story_of), day, story_of)
            out.append((day, _freeze(run, place_id, "place")))
            continue
        prov = follow_days[day]
        run = _Run(prov.status, prov.holder, day, follows=prov.key)
        label = labels.get(prov.status, prov.status)
        out.append((day, State(
            key=place_id, level="place", status=prov.status, since=day,
            confidence=prov.confidence, confirmed=prov.confirmed, evidence=prov.evidence,
            holder=prov.holder, last_report=prov.last_report, follows=prov.key,
            note=f"follows {province} province, {label} since {day.isoformat()}",
        )))  # fmt: skip
    return out


def age_label(state: State, day: dt.date) -> str:
    """Return how old a state's latest report is on ``day``: "last report 5 weeks ago".

    Examples
    --------
    >>> import datetime as dt
    >>> s = State("AF-KAN", "place", "contested", dt.date(2021, 7, 31), 0.5, True,
    ...           last_report=dt.date(2021, 7, 31))
    >>> age_label(s, dt.date(2021, 9, 6))
    'last report 5 weeks ago'
    """
    if state.last_report is None:
        return "no report"
    days = (day - state.last_report).days
    if days <= 0:
        return "last report today"
    if days == 1:
        return "last report yesterday"
    if days < 14:
        return f"last report {days} days ago"
    if days < 61:
        return f"last report {days // 7} weeks ago"
    return f"last report {days // 30} months ago"


def is_stale(last_report: dt.date | None, day: dt.date, stale_after_days: int) -> bool:
    """Return True when the latest report is more than ``stale_after_days`` before ``day``."""
    return last_report is not None and (day - last_report).days > stale_after_days


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every province's and place's states over time, ready for fast lookups by day.

    ``provinces[iso]`` and ``places[place_id]`` are lists of (day, State) sorted by day:
    the state holds from that day until the next entry. The lookups return the state with
    ``stale`` set for the day asked.
    """

    provinces: dict[str, list[tuple[dt.date, State]]]
    places: dict[str, list[tuple[dt.date, State]]]
    place_claims: dict[str, Claim]
    first_day: dt.date | None
    last_day: dt.date | None
    stale_after_days: int = 21

    def province_state(self, iso: str, day: dt.date) -> State:
        """Return the state of province ``iso`` on ``day`` (``unknown`` before evidence)."""
        return self._aged(_lookup(self.provinces.get(iso, []), day, iso, "province"), day)

    def place_state(self, place_id: str, day: dt.date) -> State:
        """Return the state of a place below province level on ``day``."""
        state = _lookup(self.places.get(place_id, []), day, place_id, "place")
        if state.follows:  # the province is the evidence: the place ages with it
            latest = _lookup(self.provinces.get(state.follows, []), day, state.follows,
                             "province").last_report
            if latest and (state.last_report is None or latest > state.last_report):
                state = dataclasses.replace(state, last_report=latest)
        return self._aged(state, day)

    def _aged(self, state: State, day: dt.date) -> State:
        stale = is_stale(state.last_report, day, self.stale_after_days)
        return dataclasses.replace(state, stale=True) if stale else state

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
        return State(key, level, UNKNOWN, None, 0.0, True)
    return changes[i - 1][1]


def stale_after_days() -> int:
    """Return the staleness threshold: ``CONTROLMAP_STALE_DAYS``, else the theatre's."""
    from geo import settings

    value = settings.STALE_DAYS.value().strip()
    return int(value) if value else load_theatre().stale_after_days


def build_timeline(
    claims: Iterable[Claim],
    story_of: Mapping[str, str] | None = None,
    *,
    province_names: Mapping[str, str] | None = None,
    stale_days: int | None = None,
) -> Timeline:
    """Return the :class:`Timeline` of every province and place from ``claims``.

    Claims without a province (places outside Afghanistan) are ignored. ``story_of`` maps a
    document to its story, so that copies of one story count as one source.
    ``province_names`` names the provinces in the notes of places that follow them.
    Cost grows linearly with the number of claims (plus sorting by day).

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
    by_province, by_place, place_claims, first, last = group_claims(claims)
    provinces = {iso: province_states(cs, iso, story_of) for iso, cs in by_province.items()}
    places = places_of(by_place, place_claims, provinces, story_of, province_names)
    stale = stale_after_days() if stale_days is None else stale_days
    return Timeline(provinces, places, place_claims, first, last, stale)


def group_claims(claims: Iterable[Claim]):
    """Return (claims by province, claims by place, first claim of each place, first day,
    last day) of the claims inside a province."""
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
    return by_province, by_place, place_claims, first, last


def places_of(by_place: Mapping[str, list[Claim]], place_claims: Mapping[str, Claim],
              provinces: Mapping[str, list[tuple[dt.date, State]]],
              story_of: Mapping[str, str] | None = None,
              province_names: Mapping[str, str] | None = None,
              ) -> dict[str, list[tuple[dt.date, State]]]:
    """Return each place's entries: its own states, following its province (rule 7)."""
    sides = side_statuses()
    changes = {iso: changes_of_hands(entries, sides) for iso, entries in provinces.items()}
    names = province_names or {}
    out = {}
    for pid, cs in by_place.items():
        iso = place_claims[pid].province_iso or ""
        out[pid] = follow_province(cs, changes.get(iso, []), pid, names.get(iso, iso), story_of)
    return out
