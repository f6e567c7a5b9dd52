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

import dataclasses
import datetime as dt
import html
import json
import re
from collections.abc import Iterable, Mapping
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


#: A stale state (``State.stale``, when the model gives it) is faded and dotted.
STALE_FACTOR = 0.45


STALE_DASH = "1 4"


def province_style(status: str, confirmed: bool, stale: bool = False) -> dict:
    """Return the Leaflet path style of a province in ``status``.

    Returns
    -------
    dict
        ``fillColor``, ``fillOpacity``, ``color``, ``weight`` and ``dashArray``: an
        unconfirmed state is paler with a dashed outline; a confirmed one solid; a stale
        one (its latest report is old) faded further, with a dotted outline.
    """
    unconfirmed = not confirmed and status != "unknown"
    stale = stale and status != "unknown"
    opacity = UNCONFIRMED_OPACITY if unconfirmed else FILL_OPACITY
    dash = UNCONFIRMED_DASH if unconfirmed else None
    return {
        "fillColor": COLORS.get(status, COLORS["unknown"]),
        "fillOpacity": round(opacity * STALE_FACTOR, 3) if stale else opacity,
        "color": OUTLINE,
        "weight": 2 if unconfirmed or stale else 1,
        "dashArray": STALE_DASH if stale else dash,
    }


def state_style(state: State) -> dict:
    """Return the Leaflet style of a province's state (stale when the model says so)."""
    return province_style(state.status, state.confirmed, bool(getattr(state, "stale", False)))


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


def has_stale_states() -> bool:
    """Return True when the model marks old states (``State.stale`` exists)."""
    return "stale" in {f.name for f in dataclasses.fields(State)}


def legend_html() -> str:
    """Return the map legend as HTML (fixed text: no document content).

    Returns
    -------
    str
        For each status a solid swatch (confirmed) and a pale dashed one (unconfirmed:
        only the side that gains says so), a faded dotted one for stale states when the
        model has them, then the places, capitals, cities and neighbours.
    """
    stale = has_stale_states()
    head = ("<tr><th></th><th>confirmed</th><th>unconfirmed</th>"
            + ("<th>stale</th>" if stale else "") + "</tr>")

    def swatch(style: dict) -> str:
        border = "dashed" if style["dashArray"] == UNCONFIRMED_DASH else (
            "dotted" if style["dashArray"] else "solid")
        return (f'<td><i style="background:{style["fillColor"]};opacity:'
                f'{max(style["fillOpacity"], 0.15)};border-style:{border}"></i></td>')

    rows = []
    for s in STATUSES:
        cells = swatch(province_style(s, True))
        cells += swatch(province_style(s, False)) if s != "unknown" else "<td></td>"
        if stale:
            cells += swatch(province_style(s, True, stale=True)) if s != "unknown" else "<td></td>"
        rows.append(f"<tr><td>{html.escape(LABELS[s])}</td>{cells}</tr>")
    marks = [
        ('<div class="cm-legend-note">Unconfirmed: paler, dashed; only the side that gains '
        "says so.</div>"),
        *(['<div class="cm-legend-note">Stale: faded, dotted; the latest report is old.</div>']
          if stale else []),
        '<div><b class="cm-dot"></b>Place with claims</div>',
        '<div><b class="cm-cap cm-cap-national"></b>Kabul</div>',
        '<div><b class="cm-cap"></b>Provincial capital</div>',
        '<div><b class="cm-city"></b>City abroad</div>',
        '<div><i class="cm-country"></i>Neighbour country</div>',
    ]
    return ('<div class="cm-legend-title">Control</div><table class="cm-legend-table">'
            + head + "".join(rows) + "</table>" + marks[0] + "".join(marks[1:-5])
            + '<div class="cm-legend-marks">' + "".join(marks[-5:]) + "</div>")


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
    last_report = getattr(state, "last_report", None)
    if last_report is not None:
        stale = " (stale: nothing newer for weeks)" if getattr(state, "stale", False) else ""
        lines.append(html.escape(f"last report {last_report.isoformat()}{stale}"))
    if getattr(state, "note", ""):
        lines.append(html.escape(state.note))
    if state.status != "unknown":
        word = "confirmed" if state.confirmed else "unconfirmed: only the side that gains says so"
        lines.append(html.escape(f"{word} · confidence {state.confidence:.2f}"))
    lines.append("<i>click for the quotes</i>")
    return "<br>".join(lines)


# --------------------------------------------------------------------------- evidence


#: How each claim origin reads on the pages (the Claims page shows it for every claim).
ORIGIN_LABELS: dict[str, str] = {
    "extracted": "extracted from a report",
    "manual": "manual claim (an analyst's)",
    "baseline": "baseline (an analyst's starting assumption)",
}
#: How each origin is marked in the evidence: only an analyst's claims are (reports are not).
ORIGIN_MARKS: dict[str, str] = {
    origin: "" if origin == "extracted" else label[:1].upper() + label[1:]
    for origin, label in ORIGIN_LABELS.items()
}


#: The one-line explanation of a confidence, shown as the help of every figure.
CONFIDENCE_HELP = (
    "Confidence 0-1: how sure the reading is that the sentence makes this claim (hedges "
    "such as 'reportedly' and a claimant who gains from it lower it); a state's confidence "
    "is that of its strongest supporting claim."
)


def evidence_rows(state: State, documents: Mapping[str, Mapping] | None = None) -> list[dict]:
    """Return the evidence of a state: its supporting claims, then the losing ones.

    One sentence naming several places of a province gives several claims; it is shown
    once (rows are keyed by document and quote span), naming every place it was read for.

    Parameters
    ----------
    state
        A province's or place's state.
    documents
        Document name to its stored row (``url``, ``outlet``, ``title``, ``published``;
        see :func:`geo.store.load_documents`), for the "outlet · date · headline" line.

    Returns
    -------
    list of dict
        One row per sentence with ``role`` (``supporting`` or ``contrary``), ``quote``,
        ``date``, ``place`` (every place read in the sentence), ``actor``, ``kind``,
        ``claimant``, ``source`` (a label: outlet · published · headline, or the file name,
        never a path), ``link`` (an http(s) URL or None), ``origin`` and ``origin_mark``
        (empty for an extracted claim), ``confidence``, ``claim_id`` and ``why`` (what
        decided an extracted claim, or an analyst's note). The texts are raw: escape them
        where they are shown.
    """
    rows: list[dict] = []
    seen: dict[tuple, dict] = {}
    for role, claims in (("supporting", state.evidence), ("contrary", state.contrary)):
        for claim in claims:
            key = (role, claim.document, claim.start, claim.end, claim.quote)
            if key in seen:
                row = seen[key]
                if claim.place not in row["places"]:
                    row["places"].append(claim.place)
                    row["place"] = ", ".join(row["places"])
                continue
            row = _evidence_row(claim, role, (documents or {}).get(claim.document))
            seen[key] = row
            rows.append(row)
    return rows


def _evidence_row(claim: Claim, role: str, document: Mapping | None) -> dict:
    return {
        "role": role,
        "quote": claim.quote,
        "date": claim.event_date.isoformat(),
        "place": claim.place,
        "places": [claim.place],
        "actor": claim.actor,
        "kind": claim.kind,
        "claimant": claim.claimant,
        "source": source_label(claim, document),
        "link": source_link((document or {}).get("url") or "") or source_link(claim.source),
        "origin": claim.origin,
        "origin_mark": ORIGIN_MARKS.get(claim.origin, claim.origin),
        "confidence": claim.confidence,
        "claim_id": claim.claim_id,
        "why": claim.note,
    }


# --------------------------------------------------------------------------- per-day data


def source_label(claim: Claim, document: Mapping | None = None) -> str:
    """Return where a claim comes from as a reader wants it: ``outlet · date · headline``.

    The outlet is the document's, else its URL's host; a document without either is named
    by its file name only (never a server path). A manual claim without a document gives
    its source as typed, reduced the same way.
    """
    document = document or {}
    url = (document.get("url") or "") or (claim.source if source_link(claim.source) else "")
    outlet = (document.get("outlet") or "").strip() or _host(url)
    published = document.get("published")
    parts = [outlet] if outlet else []
    if published:
        parts.append(published.isoformat() if hasattr(published, "isoformat") else str(published))
    title = " ".join(str(document.get("title") or "").split())
    if title:
        parts.append(title)
    if outlet or title:
        return " · ".join(parts)
    # A report's source is its URL or file path: the path's last part is the file name.
    name = document.get("name") or claim.source or claim.document
    return _file_name(str(name or "unknown source"))


def _host(url: str) -> str:
    if not source_link(url):
        return ""
    return (urlparse(url.strip()).hostname or "").removeprefix("www.")


def _file_name(text: str) -> str:
    """Return the last part of a path (``/srv/data/demo/a.txt`` → ``a.txt``)."""
    text = text.strip()
    if source_link(text):
        return _host(text) or text
    return re.split(r"[\\/]", text.rstrip("/\\"))[-1] or text


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
        styles[iso] = state_style(state)
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
                 "style": state_style(state)}  # fmt: skip
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
                 "tooltip": tooltip_html(claim.place, f"{province} province", state),
                 "label": html.escape(claim.place)}  # fmt: skip
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
        entries += aged_changes(model, iso)
        changes[iso] = [
            [day.isoformat() if day else "",
             index(styles, state_style(state)),
             index(tips, tooltip_html(title, subtitle, state))]
            for day, state in entries
        ]  # fmt: skip
    return {"styles": styles, "tooltips": tips, "changes": changes}


def aged_changes(model: ControlModel, iso: str) -> list[tuple[dt.date, State]]:
    """Return a province's (day, state) changes as the map shows them: each state aged on
    its first day, plus an entry on the day it turns stale (no report for too long)."""
    timeline = model.timeline
    changes = timeline.provinces.get(iso, [])
    out: list[tuple[dt.date, State]] = []
    for i, (day, _) in enumerate(changes):
        state = timeline.province_state(iso, day)
        out.append((day, state))
        if state.last_report is None or state.stale:
            continue
        turns = state.last_report + dt.timedelta(days=timeline.stale_after_days + 1)
        if i + 1 == len(changes) or turns < changes[i + 1][0]:
            out.append((turns, timeline.province_state(iso, turns)))
    return out


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

