"""What the map page shows, as plain values and folium/altair objects (no Streamlit here).

The page (``app.py``) only arranges widgets; everything it draws comes from here:

* the palette and legend (:data:`COLORS`, :func:`legend_html`), the Leaflet styles of a
  province or place state (:func:`province_style`, :func:`place_style`);
* the per-day layers (:func:`province_features`, :func:`place_features`,
  :func:`day_layers`) and the static base map (:func:`base_map`), which holds no state, so
  a new day repaints only the dynamic layers;
* the summary (:func:`status_counts`, :func:`capitals_held`, :func:`capitals_line`), the
  chart of provinces by status over time (:func:`daily_counts`, :func:`status_chart`);
* the evidence of a state, one row per claim (:func:`evidence_rows`), with every document
  text escaped for where it is shown (:func:`escape_markdown`, :func:`source_link`);
* date handling for the slider, the URL and the step buttons (:func:`parse_day`,
  :func:`step_day`, :func:`next_change`, :func:`previous_change`).

Every string that comes from a document or the gazetteer is escaped with
:func:`html.escape` before it goes into folium HTML, since Leaflet tooltips and folium's
``GeoJsonTooltip`` insert their content as HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from urllib.parse import quote, urlparse

import altair as alt
import folium
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.boundaries import load_provinces_geojson
from geo.model import ControlModel
from geo.records import STATUSES, Claim, State
from geo.textsafe import escape_markdown  # re-exported: pages call mapview.escape_markdown

#: Fill colour of each status: Paul Tol's high-contrast scheme (red, yellow, blue), which
#: stays apart for red-green colour-blind readers and in greyscale, plus a light grey.
COLORS: dict[str, str] = {
    "taliban": "#BB5566",
    "contested": "#DDAA33",
    "government": "#004488",
    "unknown": "#E4E4E4",
}
LABELS: dict[str, str] = {
    "taliban": "Taliban",
    "contested": "Contested",
    "government": "Government",
    "unknown": "Unknown",
}
OUTLINE = "#444444"
FILL_OPACITY = 0.8
UNCONFIRMED_OPACITY = 0.35
UNCONFIRMED_DASH = "6 4"
BACKGROUND = "#F6F4EF"
#: South-west and north-east corners that frame Afghanistan.
BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((28.2, 60.4), (38.6, 75.4))
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


# --------------------------------------------------------------------------- summary


def status_counts(states: Mapping[str, State]) -> dict[str, int]:
    """Return the number of provinces in each status, in :data:`STATUSES` order."""
    counts = dict.fromkeys(STATUSES, 0)
    for state in states.values():
        counts[state.status] = counts.get(state.status, 0) + 1
    return counts


def capitals_held(states: Mapping[str, State]) -> int:
    """Return how many provincial capitals the Taliban hold: their province is ``taliban``."""
    return sum(1 for s in states.values() if s.status == "taliban")


def capitals_line(states: Mapping[str, State]) -> str:
    """Return the headline ``N of 34 provincial capitals held by the Taliban``."""
    return f"{capitals_held(states)} of {len(states)} provincial capitals held by the Taliban"


def unconfirmed_count(states: Mapping[str, State]) -> int:
    """Return how many provinces have a state that is not confirmed yet."""
    return sum(1 for s in states.values() if not s.confirmed and s.status != "unknown")


def daily_counts(model: ControlModel) -> list[dict]:
    """Return, for every day the data covers, the number of provinces in each status.

    Returns
    -------
    list of dict
        Rows ``{"date": date, "status": str, "provinces": int, "order": int}``, one per
        day and status; ``order`` stacks Taliban at the bottom.
    """
    span = model.days()
    if span is None:
        return []
    rows = []
    day = span[0]
    while day <= span[1]:
        counts = status_counts(model.states_on(day))
        rows += [
            {"date": day, "status": LABELS[s], "provinces": counts[s], "order": i}
            for i, s in enumerate(STATUSES)
        ]
        day += dt.timedelta(days=1)
    return rows


def status_chart(rows: Sequence[dict], day: dt.date, height: int = 220) -> alt.LayerChart:
    """Return a stacked-area chart of provinces by status with a rule at ``day``.

    Returns
    -------
    altair.LayerChart
        The areas (coloured as on the map) and a vertical rule at the chosen day.
    """
    scale = alt.Scale(domain=[LABELS[s] for s in STATUSES], range=[COLORS[s] for s in STATUSES])
    area = (
        alt.Chart(alt.NamedData(name="counts"))
        .mark_area(opacity=0.9, interpolate="step-after")
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0)),
            y=alt.Y("provinces:Q", stack="zero", title="provinces",
                    scale=alt.Scale(domain=[0, TOTAL_PROVINCES])),
            color=alt.Color("status:N", scale=scale,
                            legend=alt.Legend(orient="bottom", title=None, columns=2)),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), "status:N", "provinces:Q"],
        )
    )  # fmt: skip
    rule = (
        alt.Chart(alt.NamedData(name="chosen_day"))
        .mark_rule(color="#000000", strokeWidth=2)
        .encode(x="date:T")
    )
    chart = alt.layer(area, rule).properties(height=height)
    return chart.properties(datasets=chart_datasets(rows, day))  # type: ignore[return-value]


def chart_datasets(rows: Sequence[dict], day: dt.date) -> dict:
    """Return the named datasets of :func:`status_chart`: the counts and the chosen day."""
    counts = [{**r, "date": r["date"].isoformat()} for r in rows]
    return {"counts": counts, "chosen_day": [{"date": day.isoformat()}]}


def chart_spec_on(spec: Mapping, day: dt.date) -> dict:
    """Return a copy of a :func:`status_chart` spec (``.to_dict()``) with the rule at ``day``.

    Building and validating the chart costs ~70 ms; moving the rule on a cached spec
    costs nothing. Only the ``chosen_day`` dataset differs between days, so Streamlit
    updates the drawn chart's data in place instead of drawing it again.
    """
    datasets = {**spec["datasets"], "chosen_day": [{"date": day.isoformat()}]}
    return {**spec, "datasets": datasets}


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


def evidence_caption(row: Mapping) -> str:
    """Return one evidence row's details as Markdown-safe text (link markup excluded)."""
    parts = [row["date"], row["place"], f"{row['actor']} {row['kind']}",
             f"said by {row['claimant']}", f"confidence {row['confidence']:.2f}"]  # fmt: skip
    if row.get("why"):
        parts.append(f"why: {row['why']}")
    return escape_markdown(" · ".join(str(p) for p in parts))


def source_markdown(row: Mapping) -> str:
    """Return the source of an evidence row as Markdown: a link only for an http(s) URL."""
    label = escape_markdown(row["source"] or "unknown source")
    return f"Source: [{label}]({row['link']})" if row["link"] else f"Source: {label}"


# --------------------------------------------------------------------------- dates


def parse_day(value: str | None, span: tuple[dt.date, dt.date]) -> dt.date:
    """Return the day named by a ``?date=`` value, clamped to ``span``; the last day if unset.

    An unreadable value gives the last day, so a bad link still opens the map.
    """
    if value:
        try:
            day = dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            return span[1]
        return min(max(day, span[0]), span[1])
    return span[1]


def step_day(day: dt.date, days: int, span: tuple[dt.date, dt.date]) -> dt.date:
    """Return ``day`` moved by ``days``, kept within ``span``."""
    return min(max(day + dt.timedelta(days=days), span[0]), span[1])


def next_change(day: dt.date, changes: Sequence[dt.date]) -> dt.date | None:
    """Return the first change day after ``day``, or None when there is none."""
    return next((d for d in changes if d > day), None)


def previous_change(day: dt.date, changes: Sequence[dt.date]) -> dt.date | None:
    """Return the last change day before ``day``, or None when there is none."""
    return next((d for d in reversed(changes) if d < day), None)


# --------------------------------------------------------------------------- features


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


class DayPreview(MacroElement):
    """Repaint the provinces as soon as the page's date slider moves (static map part).

    The map is in an iframe of the same origin as the page; this script watches the
    ``aria-valuetext`` of the page's slider labelled ``slider_label`` and restyles the
    current :class:`ProvinceLayer` from :func:`preview_data`, without waiting for the
    rerun (which then draws the same day and the places). If the slider cannot be found
    the map still follows each rerun.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.data }};
            function at(iso, day) {
                var list = data.changes[iso] || [], pick = list[0];
                for (var i = 1; i < list.length && list[i][0] <= day; i++) { pick = list[i]; }
                return pick;
            }
            window.cmShowDay = function (day) {
                var layer = window.cmProvinces;
                var ok = /^\\d{4}-\\d{2}-\\d{2}$/.test(day);
                if (!layer || !ok || layer.cmShown === day) { return; }
                layer.cmShown = day;
                layer.eachLayer(function (l) {
                    var pick = at(l.feature.id, day);
                    if (!pick) { return; }
                    l.cmStyle = data.styles[pick[1]];
                    l.setStyle(l.cmStyle);
                    l.setTooltipContent(data.tooltips[pick[2]]);
                });
            };
            try {
                var doc = window.parent.document, label = {{ this.label }};
                new MutationObserver(function (records) {
                    records.forEach(function (r) {
                        var el = r.target;
                        if (el.getAttribute("aria-label") !== label) { return; }
                        window.cmSliderDay = (el.getAttribute("aria-valuetext") || "").slice(0, 10);
                        window.cmShowDay(window.cmSliderDay);
                    });
                }).observe(doc.body, {subtree: true, attributes: true,
                                      attributeFilter: ["aria-valuetext"]});
            } catch (err) { /* not same-origin: the map follows the reruns only */ }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping, slider_label: str = "Date") -> None:
        super().__init__()
        self._name = "DayPreview"
        self.data = script_json(data)
        self.label = script_json(slider_label)


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


class ProvinceLayer(MacroElement):
    """The provinces' colours and tooltips on one day, applied to the static map's shapes.

    The polygons themselves are drawn once by the static map (:class:`_Provinces`), so a
    new day only restyles them: no SVG is rebuilt on a rerun. The layer marks the day it
    shows (``cmDay``) and, if the slider has already moved on, shows the slider's day.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var styles = {{ this.styles }}, tips = {{ this.tooltips }}, day = {{ this.day }};
            var layer = window.cmProvinces;
            if (!layer) { return null; }
            layer.eachLayer(function (l) {
                var iso = l.feature.id;
                if (!styles[iso]) { return; }
                l.cmStyle = styles[iso];
                l.setStyle(l.cmStyle);
                l.setTooltipContent(tips[iso]);
            });
            layer.cmDay = day;
            layer.cmShown = day;
            if (window.cmShowDay && window.cmSliderDay && window.cmSliderDay !== day) {
                window.cmShowDay(window.cmSliderDay);
            }
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping, day: dt.date) -> None:
        super().__init__()
        self._name = "ProvinceLayer"
        self.styles = script_json(data["styles"])
        self.tooltips = script_json(data["tooltips"])
        self.day = script_json(day.isoformat())


class PlaceLayer(MacroElement):
    """Places below province level as circle markers, each styled by its own state."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data }}, {
            pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, Object.assign({radius: 6}, f.properties.style));
            },
            onEachFeature: function (f, l) {
                l.bindTooltip(f.properties.tooltip, {sticky: true, className: "cm-tooltip"});
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping) -> None:
        super().__init__()
        self._name = "PlaceLayer"
        self.data = script_json(data)


def day_layers(model: ControlModel, day: dt.date, places: bool = True) -> list[folium.FeatureGroup]:
    """Return the dynamic layers of ``day``: the province choropleth, then the places.

    These go to ``st_folium(feature_group_to_add=...)``: a new day replaces them in the
    browser without reloading the map, and carries only styles and tooltips (the
    geometry stays in the static map).

    Returns
    -------
    list of folium.FeatureGroup
        The provinces group, and the places group when ``places`` is true.
    """
    provinces = folium.FeatureGroup(name="Provinces")
    ProvinceLayer(province_layer_data(model, day), day).add_to(provinces)
    groups = [provinces]
    if places:
        group = folium.FeatureGroup(name="Places")
        PlaceLayer(place_features(model, day)).add_to(group)
        groups.append(group)
    return groups


# --------------------------------------------------------------------------- base map


class _Legend(MacroElement):
    """A Leaflet control in the bottom-right corner (over Pakistan) holding the legend."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .leaflet-container { background: {{ this.background }}; font: 13px/1.35 system-ui,
          -apple-system, "Segoe UI", Roboto, sans-serif; }
        .cm-legend { background: rgba(255,255,255,0.92); padding: 5px 8px; font-size: 12px;
          border-radius: 4px;
          box-shadow: 0 1px 4px rgba(0,0,0,0.3); color: #222; }
        .cm-legend-title { font-weight: 600; margin-bottom: 3px; }
        .cm-legend i { display: inline-block; width: 16px; height: 12px; margin-right: 6px;
          vertical-align: -1px; border: 1px solid #444; box-sizing: border-box; }
        .cm-legend .cm-dot { display: inline-block; width: 10px; height: 10px; margin: 0 9px 0 3px;
          border-radius: 50%; background: #888; border: 1.5px solid #111; }
        .cm-label { font-size: 11px; color: #111; white-space: nowrap; text-align: center;
          transform: translate(-50%, -50%); pointer-events: none;
          text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
        .leaflet-marker-icon.cm-label-icon { pointer-events: none; }
        .cm-tooltip { font-size: 12.5px; line-height: 1.4; }
        .cm-tooltip .cm-sub { color: #555; }
        .cm-tooltip .cm-swatch { display: inline-block; width: 10px; height: 10px;
          margin-right: 5px; border: 1px solid #444; vertical-align: -1px; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "cm-legend");
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend: str, background: str = BACKGROUND) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = legend
        self.background = background


class _Shapes(MacroElement):
    """The provinces' geometry, defined once as ``window.cmShapes`` for the day layers."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmShapes = {{ this.data }};
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Shapes"
        self.data = shapes_json()


class _Provinces(MacroElement):
    """The 34 province polygons, drawn once (unknown until a day's layer styles them).

    They belong to the static map, so streamlit-folium never redraws them: a new day is a
    restyle (:class:`ProvinceLayer`, :class:`DayPreview`). Each keeps its ISO code as the
    feature id, which a click returns as ``last_active_drawing``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmProvinces = L.geoJson(window.cmShapes, {
            style: function () { return {{ this.style }}; },
            onEachFeature: function (f, l) {
                l.cmStyle = {{ this.style }};
                l.bindTooltip("", {sticky: true, className: "cm-tooltip"});
                l.on("mouseover", function () { l.setStyle({{ this.highlight }}); });
                l.on("mouseout", function () { l.setStyle(l.cmStyle); });
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Provinces"
        self.style = script_json(province_style("unknown", True))
        self.highlight = script_json(highlight_style())


class _Labels(MacroElement):
    """Each province's name at a point inside it (not clickable: clicks reach the shape)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.data }}.forEach(function (p) {
            L.marker([p[1], p[2]], {interactive: false, keyboard: false,
                icon: L.divIcon({className: "cm-label-icon", iconSize: [0, 0],
                                 html: "<div class='cm-label'>" + p[0] + "</div>"})
            }).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Labels"
        self.data = script_json([[html.escape(n), lat, lon] for n, lat, lon in label_points()])


@lru_cache(maxsize=1)
def label_points() -> tuple[tuple[str, float, float], ...]:
    """Return (name, lat, lon) of a point inside each province, to place its label."""
    out = []
    for feature in load_provinces_geojson()["features"]:
        point = shapely.geometry.shape(feature["geometry"]).representative_point()
        out.append((feature["properties"]["name"], point.y, point.x))
    return tuple(out)


def asset_urls(base_path: str = "") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (js, css) links of the map, served by the app from ``static/leaflet``.

    ``base_path`` is Streamlit's ``server.baseUrlPath`` (empty at the root).
    """
    prefix = "/" + "/".join(p for p in (base_path.strip("/"), "app/static/leaflet") if p)
    return [("leaflet", f"{prefix}/leaflet.js")], [("leaflet_css", f"{prefix}/leaflet.css")]


def base_map(tiles: str = "", base_path: str = "", labels: bool = True,
             preview: Mapping | None = None) -> folium.Map:
    """Return the static map: Afghanistan's frame, the legend, province labels, no state.

    Parameters
    ----------
    tiles : str
        A tile URL template for a base map; empty for none (the default: the map works
        offline on a light background).
    base_path : str
        Streamlit's ``server.baseUrlPath``, for the links to the bundled Leaflet.
    labels : bool
        Whether to write each province's name on the map.
    preview : dict, optional
        :func:`preview_data` of the model, to repaint as soon as the date slider moves.

    Returns
    -------
    folium.Map
        A map that loads only the bundled Leaflet (no CDN) and is the same on every
        rerun, so streamlit-folium keeps it mounted and only swaps the day's layers.
    """
    js, css = asset_urls(base_path)
    fmap = folium.Map(location=[34.0, 66.5], zoom_start=6, tiles=None, control_scale=True,
                      zoom_snap=0.25, min_zoom=4, max_zoom=12, prefer_canvas=False)  # fmt: skip
    fmap.default_js, fmap.default_css = js, css
    if tiles:
        folium.TileLayer(tiles=tiles, attr="Base map: " + html.escape(tiles), name="Base map",
                         max_zoom=12).add_to(fmap)  # fmt: skip
    fmap.fit_bounds([list(BOUNDS[0]), list(BOUNDS[1])])
    _Legend(legend_html()).add_to(fmap)
    _Shapes().add_to(fmap)
    _Provinces().add_to(fmap)
    if labels:
        _Labels().add_to(fmap)
    if preview is not None:
        DayPreview(preview).add_to(fmap)
    return fmap


# --------------------------------------------------------------------------- clicks


def clicked_feature(returned: Mapping | None) -> tuple[str, str] | None:
    """Return what the last click on the map selected: ("province", iso) or ("place", id).

    ``returned`` is what ``st_folium`` returned (``last_active_drawing`` is the GeoJSON of
    the clicked feature).
    """
    drawing = (returned or {}).get("last_active_drawing") or {}
    props = drawing.get("properties") or {}
    if props.get("iso"):
        return "province", str(props["iso"])
    if props.get("place_id"):
        return "place", str(props["place_id"])
    return None


def click_count(returned: Mapping | None) -> int:
    """Return how many times a map feature has been clicked (0 before the first click)."""
    return int((returned or {}).get("last_object_clicked_count") or 0)


def province_options(model: ControlModel) -> list[str]:
    """Return the provinces' ISO codes sorted by name, for the evidence picker."""
    return sorted(model.isos, key=lambda iso: model.provinces[iso]["name"])


def place_states(model: ControlModel, day: dt.date) -> Iterable[tuple[str, Claim, State]]:
    """Yield (place_id, first claim, state on ``day``) for every place with claims."""
    for place_id, claim in sorted(model.timeline.place_claims.items()):
        yield place_id, claim, model.timeline.place_state(place_id, day)
