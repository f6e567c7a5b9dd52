"""The map as one self-contained HTML file: Leaflet inlined, a date slider, play, evidence.

``controlmap html -o map.html`` (and the app's Export page) write a file that opens offline
in any browser, from disk or as an e-mail attachment: it loads nothing from the network
(a Content-Security-Policy forbids it). It holds

* Leaflet's script and style sheet (``static/leaflet``, vendored by
  ``scripts/vendor_assets.py``), the 34 province polygons and their label points;
* the legend, the styles and the labels of the theatre's statuses (:mod:`geo.mapdata`,
  the same code the app's map draws from);
* each province's and each place's states as a list of intervals (``[first day, style,
  state]``), every distinct state once, and every claim behind them once (deduplicated by
  claim id), so the file grows with the changes and the claims, not with days × provinces.

Safety: all data sits in one ``<script type="application/json">`` block written by
:func:`geo.mapdata.script_json` (``<``, ``>`` and ``&`` as ``\\u`` escapes, so no
document text can close the block), and the page builds every element that shows
document text with ``textContent``, never ``innerHTML``; links are kept only for
http(s) URLs.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from geo import mapdata
from geo.boundaries import load_provinces_geojson
from geo.errors import ControlmapError, DateError
from geo.export import public_source
from geo.model import ControlModel
from geo.records import Claim, State
from geo.resources import app_path
from geo.theatre import load_theatre

TEMPLATE = Path(__file__).resolve().with_name("htmlmap.html")
LEAFLET_DIR = app_path("static", "leaflet")
_VENDOR_HINT = "Run scripts/vendor_assets.py to restore static/leaflet."
_SLOT = re.compile(r"\{\{(\w+)\}\}")
# Leaflet's style sheet points at marker and layer-control images we never show; the file
# would try to load them from disk next to itself.
_CSS_IMAGE = re.compile(r"url\(images/[^)]*\)")


def map_span(model: ControlModel, start: dt.date | None = None,
             end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Return the slider's first and last day: the given days, else the data's span.

    Raises
    ------
    ControlmapError
        If the database holds no claims and no days are given, or ``start`` is after ``end``.
    """
    span = model.days()
    if span is None and (start is None or end is None):
        raise ControlmapError("The database holds no claims, so there is no map to write.",
                              hint="Ingest reports first (controlmap ingest), or give "
                                   "--from and --to.")  # fmt: skip
    first = start or (span[0] if span else end) or dt.date.min
    last = end or (span[1] if span else start) or dt.date.max
    if first > last:
        raise DateError(f"--from {first.isoformat()} is after --to {last.isoformat()}",
                        hint="give the earlier day first")  # fmt: skip
    return first, last


def claim_entry(claim: Claim) -> dict:
    """Return what the page shows of a claim (raw text: the page sets it as textContent)."""
    return {
        "id": claim.claim_id, "quote": claim.quote, "date": claim.event_date.isoformat(),
        "place": claim.place, "actor": claim.actor, "kind": claim.kind,
        "claimant": claim.claimant, "source": public_source(claim),
        "link": mapdata.source_link(claim.source), "confidence": round(claim.confidence, 3),
        "why": claim.note,
    }  # fmt: skip


class _Interner:
    """Give each distinct value one index in a list (styles, states, claims)."""

    def __init__(self) -> None:
        self.items: list = []
        self._index: dict[object, int] = {}

    def add(self, key: object, value: object) -> int:
        """Return the index of ``key``, appending ``value`` the first time it is seen."""
        if key not in self._index:
            self._index[key] = len(self.items)
            self.items.append(value)
        return self._index[key]


def province_intervals(model: ControlModel, iso: str, first: dt.date,
                       last: dt.date) -> list[tuple[dt.date, State]]:
    """Return (first day, state) of each state of ``iso`` shown between ``first`` and ``last``
    (aged: a state that turns stale has an entry on the day it does)."""
    entries = [(first, model.timeline.province_state(iso, first))]
    entries += [(day, s) for day, s in mapdata.aged_changes(model, iso) if first < day <= last]
    return entries


def place_intervals(model: ControlModel, place_id: str, first: dt.date,
                    last: dt.date) -> list[tuple[dt.date, State]]:
    """Return (first day, state) of each state of a place below province level in the span."""
    entries = [(first, model.timeline.place_state(place_id, first))]
    changes = model.timeline.places.get(place_id, [])
    entries += [(day, s) for day, s in changes if first < day <= last]
    return entries


def map_data(model: ControlModel, first: dt.date, last: dt.date) -> dict:
    """Return everything the page draws, as one JSON-ready dict.

    Returns
    -------
    dict
        ``first``, ``last`` (ISO days), ``bounds``, ``legend``, ``labels``, ``colours``,
        ``styles``, ``shapes`` (GeoJSON, feature ids the ISO codes), ``labelPoints``,
        ``provinces`` (``{iso: {name, capital, states: [[day, style, state], ...]}}``),
        ``places`` (places below province level with coordinates: ``{place_id: {name,
        province, lat, lon, states}}``, a place hidden while its state has no ``since``),
        ``states`` (each distinct state once, its claims as indexes) and ``claims``
        (each claim once).
    """
    styles, states, claims = _Interner(), _Interner(), _Interner()

    def claim_index(claim: Claim) -> int:
        return claims.add(claim.claim_id or id(claim), claim_entry(claim))

    def state_index(state: State) -> int:
        evidence = [claim_index(c) for c in state.evidence]
        contrary = [claim_index(c) for c in state.contrary]
        since = state.since.isoformat() if state.since else None
        confidence = round(state.confidence, 3)
        value = {"status": state.status, "confirmed": state.confirmed, "since": since,
                 "confidence": confidence, "evidence": evidence, "contrary": contrary}
        key = (state.status, state.confirmed, since, confidence, tuple(evidence),
               tuple(contrary))
        return states.add(key, value)

    provinces = {}
    for iso in model.isos:
        row = model.provinces[iso]
        intervals = []
        for day, state in province_intervals(model, iso, first, last):
            style = mapdata.state_style(state)  # faded and dotted once stale
            style_index = styles.add(tuple(sorted(style.items())), style)
            intervals.append([day.isoformat(), style_index, state_index(state)])
        provinces[iso] = {"name": row["name"], "capital": row["capital"], "states": intervals}
    places = {}
    for place_id, claim in sorted(model.timeline.place_claims.items()):
        if claim.lat is None or claim.lon is None:
            continue
        intervals = []
        for day, state in place_intervals(model, place_id, first, last):
            style = mapdata.place_style(state.status, state.confirmed)
            style_index = styles.add(tuple(sorted(style.items())), style)
            intervals.append([day.isoformat(), style_index, state_index(state)])
        province = model.provinces.get(claim.province_iso or "", {}).get("name", "")
        places[place_id] = {"name": claim.place, "province": province, "lat": claim.lat,
                            "lon": claim.lon, "states": intervals}  # fmt: skip
    return {
        "first": first.isoformat(), "last": last.isoformat(),
        "bounds": [list(mapdata.BOUNDS[0]), list(mapdata.BOUNDS[1])],
        "legend": mapdata.legend_entries(), "labels": mapdata.LABELS,
        "colours": mapdata.COLORS, "styles": styles.items, "shapes": _shapes(),
        "labelPoints": [list(p) for p in mapdata.label_points()],
        "provinces": provinces, "places": places, "states": states.items,
        "claims": claims.items,
    }  # fmt: skip


def _shapes() -> dict:
    """Return the provinces' geometry with ISO ids and coordinates rounded to ~10 m."""
    features = []
    for feature in load_provinces_geojson()["features"]:
        iso = feature["properties"]["iso_3166_2"]
        geometry = {"type": feature["geometry"]["type"],
                    "coordinates": _round(feature["geometry"]["coordinates"])}
        features.append({"type": "Feature", "id": iso, "properties": {"iso": iso},
                         "geometry": geometry})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def _round(coords: object) -> object:
    if isinstance(coords, list):
        return [_round(c) for c in coords]
    return round(coords, 4) if isinstance(coords, float) else coords


def leaflet_assets() -> tuple[str, str, str]:
    """Return Leaflet's script, its style sheet (image links removed) and its licence.

    Raises
    ------
    ControlmapError
        If the vendored files are missing, or the script could end its ``<script>`` block.
    """
    try:
        js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
        css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
        licence = (LEAFLET_DIR / "LICENSE.txt").read_text(encoding="utf-8")
    except OSError as err:
        raise ControlmapError(f"Cannot read Leaflet from {LEAFLET_DIR}: {err.strerror}.",
                              hint=_VENDOR_HINT) from err
    if "</script" in js.lower() or "</style" in css.lower():
        raise ControlmapError(f"{LEAFLET_DIR} holds a file that cannot be inlined.",
                              hint=_VENDOR_HINT)
    return js, _CSS_IMAGE.sub("none", css), licence


def map_html(model: ControlModel, start: dt.date | None = None,
             end: dt.date | None = None) -> str:
    """Return the self-contained HTML map of ``model`` from ``start`` to ``end``.

    The days default to the data's first and last day; the slider opens on the last day
    (or on the day in the URL's fragment, ``map.html#2021-08-13``).
    """
    first, last = map_span(model, start, end)
    js, css, licence = leaflet_assets()
    theatre = load_theatre()
    title = f"{theatre.name}: who controls each province, {first.isoformat()} to {last.isoformat()}"
    footer = (f"Made with controlmap from {len(model.claims)} claims. Boundaries: Natural Earth "
              "(public domain). Map library: Leaflet (BSD-2-Clause).")
    values = {
        "title": html.escape(title), "footer": html.escape(footer),
        "background": html.escape(mapdata.BACKGROUND), "leaflet_css": css, "leaflet_js": js,
        "licence": html.escape(licence).replace("--", "- -"),
        "data": mapdata.script_json(map_data(model, first, last)),
    }
    # One pass over the template: text inserted into a slot is never read for slots again.
    return _SLOT.sub(lambda m: values[m.group(1)], TEMPLATE.read_text(encoding="utf-8"))
