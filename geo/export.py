"""Exports: claims as CSV/JSON/ACLED CSV, a day's GeoJSON snapshot, the timeline as CSV/GeoJSON.

All functions are pure: they take claims or a :class:`geo.model.ControlModel` and return
text. GeoJSON follows RFC 7946 (WGS84 lon/lat, right-hand rings) and reads with
``geopandas.read_file`` and in QGIS:

* the **snapshot** of a day has one feature per province with flat properties
  (:data:`SNAPSHOT_PROPERTIES`: ``status``, ``holder``, ``confirmed`` (null for
  ``unknown``), ``since``, ``last_report``, ``n_sources``, ``top_quote``, ``top_source``
  ...), optionally followed by the places below province level as Point features
  (``level`` ``place``); the full evidence of every state is a companion CSV
  (:func:`evidence_csv`, one row per claim with the feature's ``key``);
* the **timeline** GeoJSON has one feature per province and state interval with ``start``
  and ``end`` (ISO days, ``end`` exclusive, null while the state still holds), which QGIS's
  temporal controller reads as "start and end fields";
* the **ACLED** CSV of claims uses ACLED's column names where they mean the same thing.

Every CSV goes through :func:`write_csv`, which writes a cell that a spreadsheet would read
as a formula (one beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
as text, prefixed with ``'``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

from geo.boundaries import load_provinces_geojson
from geo.model import ControlModel
from geo.records import Claim, State

#: What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CLAIM_COLUMNS = (
    "document", "event_date", "place", "province_iso", "actor", "kind", "claimant",
    "geo_precision", "confidence", "quote", "source", "claim_id", "origin",
)  # fmt: skip


# --------------------------------------------------------------------------- CSV


def csv_cell(value: object) -> object:
    """Return ``value`` as a CSV cell that no spreadsheet runs as a formula.

    A string beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'`` (which spreadsheets read as "this is text"); numbers, None and every
    other string are returned unchanged.

    Examples
    --------
    >>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("-0.5"), csv_cell(-0.5)
    ('\\'=HYPERLINK("http://x")', "'-0.5", -0.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Iterable[Mapping], columns: Sequence[str]) -> str:
    """Return ``rows`` as CSV text with a header of ``columns``, every cell made safe.

    This is the one CSV writer of the project's exports (claims, timeline, evidence,
    ACLED; the CLI and the app): each cell goes through :func:`csv_cell`.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a lone \r is then quoted too
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c, "")) for c in columns])
    return out.getvalue()


# --------------------------------------------------------------------------- claims


def claim_record(claim: Claim) -> dict:
    """Return a claim as a flat dict of :data:`CLAIM_COLUMNS` (dates as ISO strings)."""
    return {
        "document": claim.document, "event_date": claim.event_date.isoformat(),
        "place": claim.place, "province_iso": claim.province_iso or "", "actor": claim.actor,
        "kind": claim.kind, "claimant": claim.claimant, "geo_precision": claim.geo_precision,
        "confidence": claim.confidence, "quote": claim.quote, "source": claim.source,
        "claim_id": claim.claim_id, "origin": claim.origin,
    }  # fmt: skip


def claims_csv(claims: Iterable[Claim]) -> str:
    """Return the claims as CSV text with a header row."""
    return write_csv((claim_record(c) for c in claims), CLAIM_COLUMNS)


def claims_json(claims: Iterable[Claim]) -> str:
    """Return the claims as a JSON array of objects."""
    return json.dumps([claim_record(c) for c in claims], ensure_ascii=False, indent=1)


#: ACLED's names (``event_date`` ... ``notes``), then ours for what ACLED has no column for.
ACLED_COLUMNS = (
    "event_date", "admin1", "location", "latitude", "longitude", "geo_precision", "actor1",
    "source", "notes",
    "province_iso", "place_id", "place_kind", "kind", "claimant", "confidence", "origin",
    "document", "claim_id",
)  # fmt: skip


def acled_record(claim: Claim, provinces: Mapping[str, Mapping]) -> dict:
    """Return a claim as a row of :data:`ACLED_COLUMNS`.

    ``admin1`` is the province's name, ``location`` the place, ``actor1`` our actor id
    (``taliban``, ``government``, ``nrf``...), ``notes`` the quote; ``latitude`` and
    ``longitude`` are empty for a place without coordinates.
    """
    iso = claim.province_iso or ""
    return {
        "event_date": claim.event_date.isoformat(),
        "admin1": provinces.get(iso, {}).get("name", ""), "location": claim.place,
        "latitude": "" if claim.lat is None else claim.lat,
        "longitude": "" if claim.lon is None else claim.lon,
        "geo_precision": claim.geo_precision, "actor1": claim.actor,
        "source": public_source(claim),
        "notes": claim.quote, "province_iso": iso, "place_id": claim.place_id,
        "place_kind": claim.place_kind, "kind": claim.kind, "claimant": claim.claimant,
        "confidence": claim.confidence, "origin": claim.origin, "document": claim.document,
        "claim_id": claim.claim_id,
    }  # fmt: skip


def acled_csv(claims: Iterable[Claim], provinces: Mapping[str, Mapping]) -> str:
    """Return the claims as CSV in ACLED's column names (see :data:`ACLED_COLUMNS`)."""
    return write_csv((acled_record(c, provinces) for c in claims), ACLED_COLUMNS)


# --------------------------------------------------------------------------- states


def public_source(claim: Claim) -> str:
    """Return where a claim comes from, fit to share: its http(s) URL, else the document name.

    A server's file path (the ``source`` of a document read from disk) is not shown: the
    document's name is.
    """
    source = (claim.source or "").strip()
    if source.lower().startswith(("http://", "https://")):
        return source
    return claim.document


def last_report(state: State) -> dt.date | None:
    """Return the day of the latest claim supporting ``state`` (None without evidence)."""
    return max((c.event_date for c in state.evidence), default=None)


def holder(state: State) -> str | None:
    """Return the actor id holding a place in ``state``, or None (contested or unknown).

    It is the actor most of the supporting claims name (``taliban``, ``government``,
    ``nrf``...), ties to the first of them.
    """
    if state.status in ("contested", "unknown") or not state.evidence:
        return None
    actors = Counter(c.actor for c in state.evidence if c.kind != "contested")
    return actors.most_common(1)[0][0] if actors else None


def confirmed_value(state: State) -> bool | None:
    """Return whether ``state`` is confirmed, None for ``unknown`` (nothing to confirm)."""
    return None if state.status == "unknown" else state.confirmed


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def state_summary(state: State) -> dict:
    """Return the flat description of a state shared by the snapshot and timeline exports.

    Returns
    -------
    dict
        ``status``, ``holder``, ``confirmed`` (None for unknown), ``since``,
        ``last_report`` (ISO days or None), ``confidence``, ``n_sources`` (distinct
        documents behind the state), ``n_claims``, ``n_contrary``, ``top_quote`` and
        ``top_source`` (of the strongest supporting claim; empty without evidence).
    """
    top = state.evidence[0] if state.evidence else None
    return {
        "status": state.status, "holder": holder(state), "confirmed": confirmed_value(state),
        "since": _iso(state.since), "last_report": _iso(last_report(state)),
        "confidence": state.confidence,
        "n_sources": len({c.document for c in state.evidence}),
        "n_claims": len(state.evidence), "n_contrary": len(state.contrary),
        "top_quote": top.quote if top else "", "top_source": public_source(top) if top else "",
    }  # fmt: skip


#: The snapshot's per-feature properties, in order.
SNAPSHOT_PROPERTIES = (
    "key", "level", "iso_3166_2", "name", "status", "holder", "confirmed", "since",
    "last_report", "confidence", "n_sources", "n_claims", "n_contrary", "top_quote",
    "top_source",
)  # fmt: skip


def state_properties(state: State, province: dict) -> dict:
    """Return the flat GeoJSON properties of a province's state (:data:`SNAPSHOT_PROPERTIES`)."""
    iso = province["iso_3166_2"]
    return {"key": iso, "level": "province", "iso_3166_2": iso, "name": province["name"],
            **state_summary(state)}  # fmt: skip


def place_properties(place_id: str, claim: Claim, state: State, provinces: Mapping) -> dict:
    """Return the flat properties of a place below province level (``level`` ``place``)."""
    iso = claim.province_iso or ""
    return {"key": place_id, "level": "place", "iso_3166_2": iso, "name": claim.place,
            **state_summary(state), "place_kind": claim.place_kind,
            "province": provinces.get(iso, {}).get("name", "")}  # fmt: skip


def place_snapshot(model: ControlModel, day: dt.date) -> Iterator[tuple[str, Claim, State]]:
    """Yield (place_id, first claim, state) of every place with coordinates known on ``day``."""
    for place_id, claim in sorted(model.timeline.place_claims.items()):
        state = model.timeline.place_state(place_id, day)
        if claim.lat is not None and claim.lon is not None and state.since is not None:
            yield place_id, claim, state


def snapshot_features(model: ControlModel, day: dt.date, places: bool = False) -> dict:
    """Return the FeatureCollection (a dict) of the 34 provinces' states on ``day``.

    With ``places``, the places below province level known on that day follow as Point
    features (``level`` ``place``).
    """
    geo = load_provinces_geojson()
    states = model.states_on(day)
    features = []
    for feature in geo["features"]:
        iso = feature["properties"]["iso_3166_2"]
        props = state_properties(states[iso], model.provinces[iso])
        features.append({"type": "Feature", "properties": props, "geometry": feature["geometry"]})
    if places:
        for place_id, claim, state in place_snapshot(model, day):
            props = place_properties(place_id, claim, state, model.provinces)
            point = {"type": "Point", "coordinates": [claim.lon, claim.lat]}
            features.append({"type": "Feature", "properties": props, "geometry": point})
    return {"type": "FeatureCollection", "date": day.isoformat(), "features": features}


def snapshot_geojson(model: ControlModel, day: dt.date, places: bool = False) -> str:
    """Return the GeoJSON text of the snapshot on ``day`` (see :func:`snapshot_features`)."""
    return json.dumps(snapshot_features(model, day, places), ensure_ascii=False)


EVIDENCE_COLUMNS = (
    "key", "level", "iso_3166_2", "status", "role", "date", "place", "actor", "kind",
    "claimant", "confidence", "quote", "source", "document", "claim_id", "origin",
)  # fmt: skip


def evidence_record(claim: Claim) -> dict:
    """Return the evidence entry of a claim: date, place, actor, kind, claimant, quote, source."""
    return {
        "date": claim.event_date.isoformat(), "place": claim.place, "actor": claim.actor,
        "kind": claim.kind, "claimant": claim.claimant, "quote": claim.quote,
        "source": public_source(claim), "confidence": claim.confidence,
        "claim_id": claim.claim_id, "document": claim.document, "origin": claim.origin,
    }  # fmt: skip


def _evidence_rows(key: str, level: str, iso: str, state: State) -> Iterator[dict]:
    head = {"key": key, "level": level, "iso_3166_2": iso, "status": state.status}
    for role, claims in (("supporting", state.evidence), ("contrary", state.contrary)):
        for claim in claims:
            yield {**head, "role": role, **evidence_record(claim)}


def evidence_rows(model: ControlModel, day: dt.date, places: bool = False) -> list[dict]:
    """Return the full evidence of the snapshot on ``day``: one row per state and claim.

    ``key`` joins a row to its snapshot feature (the province's ISO code or the place id);
    ``role`` is ``supporting`` or ``contrary`` (a claim that lost on the deciding day).
    """
    rows: list[dict] = []
    for iso, state in model.states_on(day).items():
        rows += _evidence_rows(iso, "province", iso, state)
    if places:
        for place_id, claim, state in place_snapshot(model, day):
            rows += _evidence_rows(place_id, "place", claim.province_iso or "", state)
    return rows


def evidence_csv(model: ControlModel, day: dt.date, places: bool = False) -> str:
    """Return the snapshot's companion evidence CSV (see :func:`evidence_rows`)."""
    return write_csv(evidence_rows(model, day, places), EVIDENCE_COLUMNS)


# --------------------------------------------------------------------------- timeline


def timeline_rows(model: ControlModel) -> list[dict]:
    """Return one row per province and change of status (or of confirmation)."""
    rows = []
    for iso in model.isos:
        previous: tuple | None = None
        for day, state in model.timeline.provinces.get(iso, []):
            key = (state.status, state.confirmed)
            if key == previous:
                continue
            previous = key
            top = state.evidence[0] if state.evidence else None
            rows.append({
                "province_iso": iso, "province": model.provinces[iso]["name"],
                "date": day.isoformat(), "status": state.status,
                "confirmed": state.confirmed, "confidence": state.confidence,
                "evidence_count": len(state.evidence),
                "quote": top.quote if top else "", "source": top.source if top else "",
            })  # fmt: skip
    rows.sort(key=lambda r: (r["date"], r["province_iso"]))
    return rows


TIMELINE_COLUMNS = (
    "province_iso", "province", "date", "status", "confirmed", "confidence",
    "evidence_count", "quote", "source",
)  # fmt: skip


def timeline_csv(model: ControlModel) -> str:
    """Return the timeline (see :func:`timeline_rows`) as CSV text."""
    return write_csv(timeline_rows(model), TIMELINE_COLUMNS)


def state_intervals(model: ControlModel, iso: str) -> list[tuple[dt.date, dt.date | None, State]]:
    """Return a province's states as (start, end, state) intervals, ``end`` exclusive.

    Consecutive days with the same status and confirmation are one interval, described by
    the state that opened it; the last interval's ``end`` is None (it still holds). A
    province whose first evidence comes after the first day of the data starts with an
    ``unknown`` interval from that day; a province with no evidence is one ``unknown``
    interval. An empty database gives no intervals.
    """
    span = model.days()
    if span is None:
        return []
    opened: list[tuple[dt.date, State]] = []
    first = model.timeline.province_state(iso, span[0] - dt.timedelta(days=1))
    for day, state in [(span[0], first), *model.timeline.provinces.get(iso, [])]:
        if opened and (opened[-1][1].status, opened[-1][1].confirmed) == (
                state.status, state.confirmed):
            continue
        if opened and opened[-1][0] == day:
            opened[-1] = (day, state)  # the unknown lead-in is empty: evidence on day one
            continue
        opened.append((day, state))
    ends: list[dt.date | None] = [day for day, _ in opened[1:]] + [None]
    return [(start, end, state) for (start, state), end in zip(opened, ends, strict=True)]


#: The timeline GeoJSON's per-feature properties, in order.
TIMELINE_PROPERTIES = ("iso_3166_2", "name", "start", "end", *SNAPSHOT_PROPERTIES[4:])


def timeline_features(model: ControlModel) -> dict:
    """Return the timeline as a FeatureCollection: one feature per province and interval.

    Each feature's properties are :data:`TIMELINE_PROPERTIES`: ``start`` and ``end`` (ISO
    days, ``end`` exclusive, null for the interval that still holds) and the state as in
    the snapshot. A day's map is the features with ``start <= day < end`` (or no end).
    """
    features = []
    for feature in load_provinces_geojson()["features"]:
        iso = feature["properties"]["iso_3166_2"]
        for start, end, state in state_intervals(model, iso):
            props = {"iso_3166_2": iso, "name": model.provinces[iso]["name"],
                     "start": start.isoformat(), "end": _iso(end), **state_summary(state)}
            features.append({"type": "Feature", "properties": props,
                             "geometry": feature["geometry"]})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def timeline_geojson(model: ControlModel) -> str:
    """Return the GeoJSON text of :func:`timeline_features`."""
    return json.dumps(timeline_features(model), ensure_ascii=False)
