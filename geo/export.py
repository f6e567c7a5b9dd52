"""Exports: claims as CSV/JSON, a day's GeoJSON snapshot, the timeline as CSV/GeoJSON.

All functions are pure: they take claims or a :class:`geo.model.ControlModel` and return
text. GeoJSON follows RFC 7946 (WGS84 lon/lat, right-hand rings) and reads with
``geopandas.read_file``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence

from geo.boundaries import load_provinces_geojson
from geo.model import ControlModel
from geo.records import Claim, State

CLAIM_COLUMNS = (
    "document", "event_date", "place", "province_iso", "actor", "kind", "claimant",
    "geo_precision", "confidence", "quote", "source", "claim_id", "origin",
)  # fmt: skip


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
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CLAIM_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(claim_record(c) for c in claims)
    return out.getvalue()


def claims_json(claims: Iterable[Claim]) -> str:
    """Return the claims as a JSON array of objects."""
    return json.dumps([claim_record(c) for c in claims], ensure_ascii=False, indent=1)


def evidence_record(claim: Claim) -> dict:
    """Return the evidence entry of a claim: date, place, actor, kind, claimant, quote, source."""
    return {
        "date": claim.event_date.isoformat(), "place": claim.place, "actor": claim.actor,
        "kind": claim.kind, "claimant": claim.claimant, "quote": claim.quote,
        "source": claim.source, "confidence": claim.confidence, "claim_id": claim.claim_id,
    }  # fmt: skip


def state_properties(state: State, province: dict) -> dict:
    """Return the GeoJSON properties of a province's state."""
    return {
        "iso_3166_2": province["iso_3166_2"],
        "name": province["name"],
        "status": state.status,
        "confirmed": state.confirmed,
        "since": state.since.isoformat() if state.since else None,
        "confidence": state.confidence,
        "evidence": [evidence_record(c) for c in state.evidence],
        "contrary": [evidence_record(c) for c in state.contrary],
    }


def snapshot_features(model: ControlModel, day: dt.date) -> dict:
    """Return the FeatureCollection (a dict) of the 34 provinces' states on ``day``."""
    geo = load_provinces_geojson()
    states = model.states_on(day)
    features = []
    for feature in geo["features"]:
        iso = feature["properties"]["iso_3166_2"]
        props = state_properties(states[iso], model.provinces[iso])
        features.append({"type": "Feature", "properties": props, "geometry": feature["geometry"]})
    return {"type": "FeatureCollection", "date": day.isoformat(), "features": features}


def snapshot_geojson(model: ControlModel, day: dt.date) -> str:
    """Return the GeoJSON text of the snapshot on ``day``."""
    return json.dumps(snapshot_features(model, day), ensure_ascii=False)


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
    rows = timeline_rows(model)
    fields: Sequence[str] = TIMELINE_COLUMNS
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def timeline_geojson(model: ControlModel) -> str:
    """Return the provinces as GeoJSON with a per-day ``statuses`` mapping each."""
    geo = load_provinces_geojson()
    span = model.days()
    days: list[dt.date] = []
    if span:
        day = span[0]
        while day <= span[1]:
            days.append(day)
            day += dt.timedelta(days=1)
    features = []
    for feature in geo["features"]:
        iso = feature["properties"]["iso_3166_2"]
        statuses = {d.isoformat(): model.timeline.province_state(iso, d).status for d in days}
        props = {"iso_3166_2": iso, "name": model.provinces[iso]["name"], "statuses": statuses}
        features.append({"type": "Feature", "properties": props, "geometry": feature["geometry"]})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
