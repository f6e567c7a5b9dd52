"""Materialised control states: the model's state intervals per province and place, stored.

``controlmap snapshot --date D`` reads the intervals that cover day D instead of loading
every claim and rebuilding the model. :func:`refresh` keeps the tables current: when the
store's :func:`geo.store.data_version` and :data:`MODEL_VERSION` match the last build it does
nothing (one query); otherwise it compares a fingerprint per province (number of claims,
largest claim id, number and largest id of the edits of its claims) with the stored one
and rebuilds only the provinces whose claims changed, with the places inside them (a
place's state depends on its own claims and its province's, rule 7 of
:mod:`geo.control`).

Tables (defined in :mod:`geo.store`; revision 0004 creates them, and a database behind it
is refused by :func:`geo.store.open_db`):

``state_intervals``
    One row per province or place and day with evidence (a state holds from ``start``
    until ``end``, exclusive; ``end`` null = open): ``level`` (``province``/``place``),
    ``key`` (ISO code or place id), ``province_iso``, ``start``, ``end``, ``status``,
    ``holder``, ``confirmed``, ``confidence``, ``since``, ``last_report``, ``follows``,
    ``note``, ``evidence`` and ``contrary`` (JSON arrays of claim ids, best first),
    ``anchor`` (a claim about the place, for its name and coordinates) and
    ``data_version`` (the store's version when the row was built).
``state_builds``
    One row per province (``province_iso``, ``fingerprint``, ``data_version``,
    ``model_version``, ``first_day``, ``last_day``), plus the row ``*`` that marks the
    version of the last complete refresh.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa

from geo import store
from geo.control import Timeline, group_claims, places_of, province_states, stale_after_days
from geo.records import Claim, State
from geo.stories import story_of_documents

#: Bump when the model's rules change, so stored intervals are rebuilt.
MODEL_VERSION = "4"
_ALL = "*"
_PER_PROVINCE_LOAD = 4  # rebuilding more provinces than this loads every claim at once

# The tables are defined in geo.store (one metadata, one migration history).
state_intervals = store.state_intervals
state_builds = store.state_builds


def is_current(conn: sa.Connection, version: str | None = None) -> bool:
    """Return True when the stored intervals were built from the data as it is now."""
    version = store.data_version(conn) if version is None else version
    row = conn.execute(sa.select(state_builds.c.data_version, state_builds.c.model_version)
                       .where(state_builds.c.province_iso == _ALL)).first()
    return row is not None and tuple(row) == (version, MODEL_VERSION)


def fingerprints(conn: sa.Connection) -> dict[str, str]:
    """Return each province's fingerprint: its claims' count and largest id, and the count
    and largest id of the edits of its claims (rows are only added, so these identify its
    effective claims)."""
    c, e = store.claims, store.edits
    out = {iso: f"c{n}.{top}" for iso, n, top in conn.execute(
        sa.select(c.c.province_iso, sa.func.count(), sa.func.max(c.c.claim_id))
        .where(c.c.province_iso.is_not(None)).group_by(c.c.province_iso))}
    edits = sa.select(c.c.province_iso, sa.func.count(), sa.func.max(e.c.edit_id)).select_from(
        e.join(c, c.c.claim_id == e.c.claim_id)).where(c.c.province_iso.is_not(None)).group_by(
        c.c.province_iso)
    for iso, n, top in conn.execute(edits):
        out[iso] = f"{out.get(iso, 'c0.')}-e{n}.{top}"
    return out


def refresh(conn: sa.Connection, province_names: Mapping[str, str] | None = None) -> list[str]:
    """Bring the stored intervals up to date; return the provinces rebuilt (none when
    current). ``province_names`` name provinces in the notes of places that follow them
    (default: the province table). Call inside a transaction (``engine.begin()``)."""
    version = store.data_version(conn)
    if is_current(conn, version):
        return []
    if province_names is None:
        from geo.boundaries import province_names as names

        province_names = names()
    current = fingerprints(conn)
    stored = {iso: (fp, mv) for iso, fp, mv in conn.execute(
        sa.select(state_builds.c.province_iso, state_builds.c.fingerprint,
                  state_builds.c.model_version).where(state_builds.c.province_iso != _ALL))}
    changed = sorted(iso for iso, fp in current.items() if stored.get(iso) != (fp, MODEL_VERSION))
    gone = sorted(set(stored) - set(current))
    if changed or gone:
        _rebuild(conn, changed, gone, current, version, province_names)
    _mark(conn, _ALL, "", version)
    return changed + gone


def _rebuild(conn: sa.Connection, changed: list[str], gone: list[str], current: dict[str, str],
             version: str, province_names: Mapping[str, str] | None) -> None:
    if len(changed) > _PER_PROVINCE_LOAD:
        wanted = set(changed)
        claims = [c for c in store.load_claims(conn) if c.province_iso in wanted]
    else:
        claims = [c for iso in changed for c in store.load_claims(conn, province_iso=iso)]
    story_of = story_of_documents(conn)  # near-copies of one story count as one source
    by_province, by_place, place_claims, _, _ = group_claims(claims)
    provinces = {iso: province_states(cs, iso, story_of) for iso, cs in by_province.items()}
    places = places_of(by_place, place_claims, provinces, story_of, province_names)
    for chunk in _chunks(changed + gone, 500):
        conn.execute(sa.delete(state_intervals).where(state_intervals.c.province_iso.in_(chunk)))
        conn.execute(sa.delete(state_builds).where(state_builds.c.province_iso.in_(chunk)))
    rows = [*_rows("province", provinces, lambda iso: iso, {}, version),
            *_rows("place", places, lambda pid: place_claims[pid].province_iso or "",
                   place_claims, version)]
    for chunk in _chunks(rows, 2_000):
        conn.execute(sa.insert(state_intervals), chunk)
    for iso in changed:
        cs = by_province.get(iso, [])
        days = [c.event_date for c in cs]
        conn.execute(sa.insert(state_builds).values(
            province_iso=iso, fingerprint=current[iso], data_version=version,
            model_version=MODEL_VERSION, first_day=min(days, default=None),
            last_day=max(days, default=None)))


def _mark(conn: sa.Connection, iso: str, fingerprint: str, version: str) -> None:
    conn.execute(sa.delete(state_builds).where(state_builds.c.province_iso == iso))
    conn.execute(sa.insert(state_builds).values(province_iso=iso, fingerprint=fingerprint,
                                                data_version=version,
                                                model_version=MODEL_VERSION))


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rows(level: str, entries: Mapping[str, list[tuple[dt.date, State]]], province_of,
          anchors: Mapping[str, Claim], version: str) -> Iterable[dict]:
    for key, states in entries.items():
        for i, (day, state) in enumerate(states):
            end = states[i + 1][0] if i + 1 < len(states) else None
            yield {
                "level": level, "key": key, "province_iso": province_of(key), "start": day,
                "end": end, "status": state.status, "holder": state.holder,
                "confirmed": state.confirmed, "confidence": state.confidence,
                "since": state.since, "last_report": state.last_report,
                "follows": state.follows, "note": state.note,
                "evidence": json.dumps([c.claim_id for c in state.evidence]),
                "contrary": json.dumps([c.claim_id for c in state.contrary]),
                "anchor": anchors[key].claim_id if key in anchors else "",
                "data_version": version,
            }  # fmt: skip


def load_day(conn: sa.Connection, day: dt.date, *, places: bool = True) -> Timeline:
    """Return a :class:`Timeline` holding only the stored intervals that cover ``day``
    (call :func:`refresh` first): its lookups on ``day`` give the full model's states."""
    levels = ("province", "place") if places else ("province",)
    t = state_intervals
    query = sa.select(t).where(t.c.level.in_(levels), t.c.start <= day,
                               sa.or_(t.c.end.is_(None), t.c.end > day))
    rows = [row._mapping for row in conn.execute(query)]
    return _timeline(conn, rows)


def load_all(conn: sa.Connection, *, places: bool = False) -> Timeline:
    """Return the :class:`Timeline` of every stored interval (provinces; places too when
    asked), as :func:`geo.control.build_timeline` gives it (call :func:`refresh` first)."""
    levels = ("province", "place") if places else ("province",)
    t = state_intervals
    query = sa.select(t).where(t.c.level.in_(levels)).order_by(t.c.level, t.c.key, t.c.start)
    return _timeline(conn, [row._mapping for row in conn.execute(query)])


def _timeline(conn: sa.Connection, rows: Sequence[Mapping]) -> Timeline:
    ids: set[str] = set()
    for row in rows:
        ids.update(json.loads(row["evidence"]))
        ids.update(json.loads(row["contrary"]))
        if row["anchor"]:
            ids.add(row["anchor"])
    claims = _claims_by_id(conn, ids)
    out: dict[str, dict[str, list[tuple[dt.date, State]]]] = {"province": {}, "place": {}}
    place_claims: dict[str, Claim] = {}
    for row in rows:
        state = State(
            key=row["key"], level=row["level"], status=row["status"], since=row["since"],
            confidence=row["confidence"], confirmed=bool(row["confirmed"]),
            evidence=tuple(claims[i] for i in json.loads(row["evidence"]) if i in claims),
            contrary=tuple(claims[i] for i in json.loads(row["contrary"]) if i in claims),
            holder=row["holder"], last_report=row["last_report"], follows=row["follows"],
            note=row["note"],
        )  # fmt: skip
        out[row["level"]].setdefault(row["key"], []).append((row["start"], state))
        if row["anchor"] in claims:
            place_claims.setdefault(row["key"], claims[row["anchor"]])
    first, last = conn.execute(sa.select(sa.func.min(state_builds.c.first_day),
                                         sa.func.max(state_builds.c.last_day))).one()
    return Timeline(out["province"], out["place"], place_claims, first, last,
                    stale_after_days())


def _claims_by_id(conn: sa.Connection, ids: set[str]) -> dict[str, Claim]:
    cols = [store.claims.c[name] for name in store.CLAIM_FIELDS]
    out: dict[str, Claim] = {}
    ordered = sorted(ids)
    for chunk in _chunks(ordered, 500):
        for row in conn.execute(sa.select(*cols).where(store.claims.c.claim_id.in_(chunk))):
            claim = Claim(*row)
            out[claim.claim_id] = claim
    return out
