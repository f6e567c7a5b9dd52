"""Baselines an analyst sets: attributed claims that hold from a date until evidence says
otherwise ("the government holds every provincial capital on 2021-07-01").

A baseline is a set of manual claims with ``origin="baseline"``, one per capital or
province, claimant ``analyst``, kind ``held``, the note as the quote. The model
(:mod:`geo.control`, rule 9) lets them set a state from their day and lose to any real
evidence; they show as baselines in the evidence and are rejected like any manual claim
(``controlmap reject ID``). :func:`build_baseline` is pure; :func:`save_baseline` stores
the claims with an ``add`` edit each, skipping those already stored (so re-running the
demo build or the same command is a no-op).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from geo.control import BASELINE_ORIGIN
from geo.errors import ClaimError
from geo.gazetteer import Gazetteer
from geo.records import Claim
from geo.theatre import Theatre, load_theatre

BASELINE_DOCUMENT = "baseline"
#: A baseline is an analyst's reading of the record, not a report: it decides only days
#: without real evidence, so its weight matters only for the state's confidence.
BASELINE_CONFIDENCE = 0.6
PLACE_SETS = ("capitals", "provinces")


def actor_for(status: str, theatre: Theatre | None = None) -> str:
    """Return the actor whose hold gives ``status`` (``resistance`` → ``nrf``).

    Raises
    ------
    ClaimError
        If no side of the theatre holds places with that status (``contested``,
        ``unknown`` or a typo).
    """
    theatre = theatre or load_theatre()
    for actor, side in theatre.sides.items():
        if side == status:
            return actor
    sides = ", ".join(sorted(set(theatre.sides.values())))
    raise ClaimError(f"A baseline cannot set the status {status!r}.",
                     hint=f"Use a side's status: {sides}.")


def build_baseline(
    gazetteer: Gazetteer,
    date: dt.date,
    status: str,
    places: str | Sequence[str] = "capitals",
    note: str = "",
    author: str = "",
) -> list[Claim]:
    """Return the baseline claims that ``status`` holds ``places`` from ``date``.

    Parameters
    ----------
    places
        ``"capitals"`` (every provincial capital), ``"provinces"`` (every province as a
        whole) or a list of province ISO codes (those provinces as a whole).
    note
        Why the analyst sets it (kept as the claims' note and quote; required).
    author
        Who sets it (required).

    Raises
    ------
    ClaimError
        Naming the bad value: a status no side holds, an unknown place set or ISO code, an
        empty note or author.
    """
    actor = actor_for(status)
    note, author = note.strip(), author.strip()
    if not note:
        raise ClaimError("The baseline's note is empty.",
                         hint="Say what the baseline rests on (a source, a date).")
    if not author:
        raise ClaimError("The baseline's author is empty.", hint="Set CONTROLMAP_USER.")
    targets = _targets(gazetteer, places)
    return [Claim(
        document=BASELINE_DOCUMENT, event_date=date, place=p.name, place_id=p.place_id,
        place_kind=p.kind, province_iso=p.province_iso, actor=actor, kind="held",
        claimant="analyst", geo_precision=3 if p.kind == "province" else 1,
        confidence=BASELINE_CONFIDENCE, quote=note, start=0, end=len(note), lat=p.lat,
        lon=p.lon, origin=BASELINE_ORIGIN, note=note, author=author,
    ).with_id() for p in targets]  # fmt: skip


def _targets(gazetteer: Gazetteer, places: str | Sequence[str]):
    provinces = sorted((p for p in gazetteer.places if p.kind == "province"),
                       key=lambda p: p.province_iso or "")
    if places == "provinces":
        return provinces
    if places == "capitals":
        capitals = {p.province_iso: p for p in gazetteer.places if p.kind == "capital"}
        return [capitals[p.province_iso] for p in provinces if p.province_iso in capitals]
    if isinstance(places, str):
        raise ClaimError(f"Unknown place set {places!r} for a baseline.",
                         hint=f"Use one of {', '.join(PLACE_SETS)} or a list of ISO codes.")
    by_iso = {p.province_iso: p for p in provinces}
    out = []
    for iso in places:
        if iso.strip().upper() not in by_iso:
            raise ClaimError(f"Unknown province {iso!r} for a baseline.",
                             hint="Use ISO 3166-2 codes like AF-KAB.")
        out.append(by_iso[iso.strip().upper()])
    return out


def save_baseline(conn: sa.Connection, claims: Sequence[Claim]) -> int:
    """Store baseline claims (each with an ``add`` edit by its author); return how many
    were new (claims already stored are skipped)."""
    from geo import store

    ids = [c.claim_id for c in claims]
    stored = set(conn.execute(sa.select(store.claims.c.claim_id)
                              .where(store.claims.c.claim_id.in_(ids))).scalars()) if ids else set()
    fresh = [c for c in claims if c.claim_id not in stored]
    if not fresh:
        return 0
    rows = [{**{name: getattr(c, name) for name in store.CLAIM_FIELDS}, "doc_id": None}
            for c in fresh]
    conn.execute(sa.insert(store.claims), rows)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn.execute(sa.insert(store.edits), [
        {"claim_id": c.claim_id, "action": "add", "author": c.author, "note": c.note,
         "created_at": now} for c in fresh])
    return len(fresh)


def add_theatre_baseline(engine: sa.Engine, author: str = "controlmap demo") -> int:
    """Store the theatre file's baseline (``data/theatre.json``) in a database; return how
    many claims were new. Does nothing for a theatre without a baseline."""
    from geo.gazetteer import load_gazetteer

    spec = load_theatre().baseline
    if not spec:
        return 0
    claims = build_baseline(load_gazetteer(), dt.date.fromisoformat(spec["date"]),
                            spec["status"], spec.get("places", "capitals"),
                            note=spec.get("note", ""), author=author)
    with engine.begin() as conn:
        return save_baseline(conn, claims)


def is_baseline(claim: Claim) -> bool:
    """Return True for a baseline claim."""
    return claim.origin == BASELINE_ORIGIN


