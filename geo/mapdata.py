"""The map's pure per-day data, shared by the app (:mod:`geo.mapview`) and the HTML export.

Nothing here imports folium, altair or Streamlit: these are plain values, so the app's map
page and the self-contained HTML map (:mod:`geo.htmlmap`) draw from the same code:

* the palette and legend (:data:`COLORS`, :func:`legend_entries`, :func:`legend_html`) and
  the Leaflet styles of a province or place state (:func:`province_style`,
  :func:`place_style`);
* the per-day data of the provinces and places (:func:`province_layer_data`,
  :func:`province_features`, :func:`place_features`, :func:`place_states`) and every
  province's changes over the whole period (:func:`preview_data`);
* the evidence of a state, one row per claim (:func:`evidence_rows`), and the tooltips
  (:func:`tooltip_html`, every document string escaped with :func:`html.escape`);
* the provinces' geometry as script-safe JSON (:func:`script_json`, :func:`shapes_json`)
  and their label points (:func:`label_points`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, urlparse

from geo.boundaries import load_provinces_geojson
from geo.model import ControlModel
from geo.records import STATUSES, Claim, State
from geo.theatre import load_theatre

_THEATRE = load_theatre()
#: Fill colour of each status, from the theatre file: Paul Tol's high-contrast scheme (red,
#: yellow, blue) plus his green for the resistance, which stay apart for red-green
#: colour-blind readers, and a light grey.
COLORS: dict[str, str] = _THEATRE.colours
LABELS: dict[str, str] = _THEATRE.labels
OUTLINE = "#444444"
FILL_OPACITY = 0.8
UNCONFIRMED_OPACITY = 0.35
UNCONFIRMED_DASH = "6 4"
BACKGROUND = _THEATRE.background
#: South-west and north-east corners that frame the theatre.
BOUNDS: tuple[tuple[float, float], tuple[float, float]] = _THEATRE.bounds
TOTAL_PROVINCES = 34
_HTTP = ("http", "https")


# --------------------------------------------------------------------------- styles


def province_style(status: str, confirmed: bool) -> dict:
    """Return the Leaflet path style of a province in ``status``.

    Returns
    -------
    dict
        ``fillColor``, ``fillOpacity``, ``color``, ``weight`` and ``dashArray``: an
        unconfirmed state is paler with a dashed outline; a confirmed one solid.
    """
    unconfirmed = not confirmed and status != "unknown"
    return {
        "fillColor": COLORS.get(status, COLORS["unknown"]),
        "fillOpacity": UNCONFIRMED_OPACITY if unconfirmed else FILL_OPACITY,
        "color": OUTLINE,
        "weight": 2 if unconfirmed else 1,
        "dashArray": UNCONFIRMED_DASH if unconfirmed else None,
    }


def highlight_style() -> dict:
    """Return the style a province takes under the pointer (a thicker dark outline)."""
    return {"weight": 3, "color": "#000000"}


def place_style(status: str, confirmed: bool) -> dict:
    """Return the circle-marker style of a place below province level in ``status``.

    Returns
    -------
    dict
        Like :func:`province_style`, with a dark ring so a marker stands out from a
        province of the same colour (dotted when unconfirmed).
    """
    unconfirmed = not confirmed and status != "unknown"
    return {
        "fillColor": COLORS.get(status, COLORS["unknown"]),
        "fillOpacity": 0.55 if unconfirmed else 1.0,
        "color": "#111111",
        "weight": 1.5,
        "dashArray": "2 2" if unconfirmed else None,
    }


def legend_entries() -> list[dict]:
    """Return the legend as data: one entry per status, then the unconfirmed style.

    Returns
    -------
    list of dict
        ``{"id", "label", "colour", "opacity", "dashed"}`` in :data:`STATUSES` order (the
        colours and labels are the theatre's), then ``unconfirmed`` (a pale, dashed
        Taliban swatch). Fixed text: no document content.
    """
    entries = [{"id": s, "label": LABELS[s], "colour": COLORS[s], "opacity": FILL_OPACITY,
                "dashed": False} for s in STATUSES]
    entries.append({"id": "unconfirmed", "label": "Unconfirmed", "colour": COLORS["taliban"],
                    "opacity": UNCONFIRMED_OPACITY, "dashed": True})
    return entries


def legend_html() -> str:
    """Return the map legend as HTML (fixed text: no document content).

    Returns
    -------
    str
        One swatch per status, then the unconfirmed style and the place markers.
    """
    rows = [
        f'<div><i style="background:{COLORS[s]};opacity:{FILL_OPACITY}"></i>{LABELS[s]}</div>'
        for s in STATUSES
    ]
    rows.append(
        f'<div><i style="background:{COLORS["taliban"]};opacity:{UNCONFIRMED_OPACITY};'
        'border:2px dashed #444"></i>Unconfirmed</div>'
    )
    rows.append('<div><b class="cm-dot"></b>Place with claims</div>')
    return '<div class="cm-legend-title">Control</div>' + "".join(rows)


# --------------------------------------------------------------------------- text


def status_label(state: State) -> str:
    """Return how a state reads in a tooltip or heading (``Taliban (unconfirmed)``)."""
    label = LABELS.get(state.status, state.status)
    if not state.confirmed and state.status != "unknown":
        label += " (unconfirmed)"
    return label


def since_label(state: State) -> str:
    """Return since when a state holds, or a dash for a province without evidence yet."""
    return state.since.isoformat() if state.since else "no report yet"


def source_link(source: str) -> str | None:
    """Return ``source`` as a safe link target if it is an http(s) URL, else None.

    Returns
    -------
    str or None
        The URL with spaces, quotes, brackets and parentheses percent-encoded (so it
        cannot end a Markdown link early); None for a file name or any other scheme.
    """
    source = (source or "").strip()
    try:
        parsed = urlparse(source)
    except ValueError:
        return None
    if parsed.scheme.lower() not in _HTTP or not parsed.netloc:
        return None
    return quote(source, safe=":/?#@!$&*+,;=%~")


def tooltip_html(title: str, subtitle: str, state: State) -> str:
    """Return a tooltip's HTML: the place, its status, since when, whether confirmed.

    Every part is escaped with :func:`html.escape`; only the markup added here is HTML.
    """
    lines = [
        f"<b>{html.escape(title)}</b> <span class='cm-sub'>{html.escape(subtitle)}</span>",
        (f"<span class='cm-swatch' style='background:{COLORS.get(state.status, '#ccc')}'>"
         f"</span>{html.escape(status_label(state))}"),
    ]
    if state.since:
        lines.append(f"since {state.since.isoformat()}")
    if state.status != "unknown":
        word = "confirmed" if state.confirmed else "unconfirmed: only the side that gains says so"
        lines.append(html.escape(f"{word} · confidence {state.confidence:.2f}"))
    lines.append("<i>click for the quotes</i>")
    return "<br>".join(lines)


# --------------------------------------------------------------------------- evidence


def evidence_rows(state: State) -> list[dict]:
    """Return the evidence of a state: its supporting claims, then the losing ones.

    Returns
    -------
    list of dict
        One row per claim with ``role`` (``supporting`` or ``contrary``), ``quote``,
        ``date``, ``place``, ``actor``, ``kind``, ``claimant``, ``source``, ``link``
        (the source if it is an http(s) URL, else None), ``confidence``, ``claim_id`` and
        ``why`` (what decided an extracted claim: the arbiter's reason, or an analyst's
        note). The texts are raw: escape them where they are shown.
    """
    return [_evidence_row(c, "supporting") for c in state.evidence] + [
        _evidence_row(c, "contrary") for c in state.contrary
    ]


def _evidence_row(claim: Claim, role: str) -> dict:
    return {
        "role": role,
        "quote": claim.quote,
        "date": claim.event_date.isoformat(),
        "place": claim.place,
        "actor": claim.actor,
        "kind": claim.kind,
        "claimant": claim.claimant,
        "source": claim.source or claim.document,
        "link": source_link(claim.source),
        "confidence": claim.confidence,
        "claim_id": claim.claim_id,
        "why": claim.note,
    }


# --------------------------------------------------------------------------- per-day data


def province_layer_data(model: ControlModel, day: dt.date) -> dict:
    """Return what the province layer of ``day`` needs: a style and a tooltip per province.

    Returns
    -------
    dict
        ``{"styles": {iso: style}, "tooltips": {iso: html}}``; see :func:`province_style`.
        Tooltips are HTML with every name escaped. The geometry is not here: the static
        map holds it once (:func:`shapes_json`), so a day costs a few kilobytes.
    """
    styles, tooltips = {}, {}
    for iso, state in model.states_on(day).items():
        row = model.provinces[iso]
        styles[iso] = province_style(state.status, state.confirmed)
        tooltips[iso] = tooltip_html(f"{row['name']} province", f"capital {row['capital']}",
                                     state)  # fmt: skip
    return {"styles": styles, "tooltips": tooltips}


def province_features(model: ControlModel, day: dt.date) -> dict:
    """Return the 34 provinces on ``day`` as a GeoJSON FeatureCollection.

    Returns
    -------
    dict
        Each feature's properties: ``iso``, ``name``, ``status``, ``confirmed``,
        ``since`` (ISO date or None) and ``style`` (see :func:`province_style`).
        Geometries are shared with the cached boundary file (do not change them).
    """
    states = model.states_on(day)
    features = []
    for feature in load_provinces_geojson()["features"]:
        iso = feature["properties"]["iso_3166_2"]
        state = states[iso]
        props = {"iso": iso, "name": model.provinces[iso]["name"], "status": state.status,
                 "confirmed": state.confirmed,
                 "since": state.since.isoformat() if state.since else None,
                 "style": province_style(state.status, state.confirmed)}  # fmt: skip
        features.append({"type": "Feature", "id": iso, "properties": props,
                         "geometry": feature["geometry"]})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def place_features(model: ControlModel, day: dt.date) -> dict:
    """Return the places below province level that have claims, with their state on ``day``.

    Returns
    -------
    dict
        A FeatureCollection of points with properties ``place_id``, ``status``,
        ``confirmed``, ``style`` (see :func:`place_style`) and ``tooltip`` (escaped HTML).
        Places without coordinates, and places with no claim yet on ``day``, are left out.
    """
    features = []
    for place_id, claim, state in place_states(model, day):
        if claim.lat is None or claim.lon is None or state.since is None:
            continue
        iso = claim.province_iso or ""
        province = model.provinces.get(iso, {}).get("name", iso)
        props = {"place_id": place_id, "status": state.status, "confirmed": state.confirmed,
                 "style": place_style(state.status, state.confirmed),
                 "tooltip": tooltip_html(claim.place, f"{province} province", state)}  # fmt: skip
        geometry = {"type": "Point", "coordinates": [claim.lon, claim.lat]}
        features.append({"type": "Feature", "id": place_id, "properties": props,
                         "geometry": geometry})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def place_states(model: ControlModel, day: dt.date) -> Iterable[tuple[str, Claim, State]]:
    """Yield (place_id, first claim, state on ``day``) for every place with claims."""
    for place_id, claim in sorted(model.timeline.place_claims.items()):
        yield place_id, claim, model.timeline.place_state(place_id, day)


def preview_data(model: ControlModel) -> dict:
    """Return every province's style and tooltip changes over the whole period.

    This lets the map repaint the moment the date slider moves, before the page's rerun
    arrives (see :class:`DayPreview`).

    Returns
    -------
    dict
        ``styles`` and ``tooltips`` (lists of distinct values) and ``changes``:
        ``{iso: [[day, style index, tooltip index], ...]}`` in day order, the first entry
        (day ``""``) being the state before any evidence.
    """
    styles: list[dict] = []
    tips: list[str] = []

    def index(items: list, value: object) -> int:
        if value not in items:
            items.append(value)
        return items.index(value)

    changes = {}
    for iso in model.isos:
        row = model.provinces[iso]
        title, subtitle = f"{row['name']} province", f"capital {row['capital']}"
        entries: list[tuple[dt.date | None, State]] = [
            (None, model.timeline.province_state(iso, dt.date.min))]
        entries += model.timeline.provinces.get(iso, [])
        changes[iso] = [
            [day.isoformat() if day else "",
             index(styles, province_style(state.status, state.confirmed)),
             index(tips, tooltip_html(title, subtitle, state))]
            for day, state in entries
        ]  # fmt: skip
    return {"styles": styles, "tooltips": tips, "changes": changes}


# --------------------------------------------------------------------------- geometry


def script_json(value: object) -> str:
    """Return ``value`` as JSON that is safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so no text in the data can
    close the script or open a comment.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=4)
def shapes_json(path: str | None = None) -> str:
    """Return the provinces' geometry as script-safe GeoJSON, feature ids the ISO codes.

    Cached: the static map embeds it once; the day layers only restyle it.
    """
    features = [
        {"type": "Feature", "id": f["properties"]["iso_3166_2"],
         "properties": {"iso": f["properties"]["iso_3166_2"], "name": f["properties"]["name"]},
         "geometry": f["geometry"]}
        for f in load_provinces_geojson(path)["features"]
    ]  # fmt: skip
    return script_json({"type": "FeatureCollection", "features": features})


@lru_cache(maxsize=1)
def label_points() -> tuple[tuple[str, float, float], ...]:
    """Return (name, lat, lon) of a point inside each province, to place its label."""
    import shapely  # lazy: only the labels need geometry work

    out = []
    for feature in load_provinces_geojson()["features"]:
        point = shapely.geometry.shape(feature["geometry"]).representative_point()
        out.append((feature["properties"]["name"], point.y, point.x))
    return tuple(out)

