"""What the map page shows, as plain values, HTML and folium objects (no Streamlit here).

The page (``app.py``) only arranges widgets; everything it draws comes from here:

* the palette and legend (:data:`COLORS`, :func:`legend_html`), the Leaflet styles of a
  province or place state (:func:`province_style`, :func:`place_style`);
* the per-day layers (:func:`province_features`, :func:`place_features`,
  :func:`day_layers`) and the static base map (:func:`base_map`: neighbours, capitals,
  cities and labels placed without collisions, :func:`map_labels`), which holds no state,
  so a new day repaints only the dynamic layers; in the app its data are cached scripts
  (:func:`base_data_script`, :func:`preview_script`, :class:`MapAssets`);
* the summary (:func:`status_counts`, :func:`capitals_held`, :func:`capitals_line`), the
  chart of provinces by status over time (:func:`daily_counts`, :func:`status_chart_svg`);
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
import math
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import folium
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.boundaries import load_provinces_geojson
from geo.mapdata import (  # noqa: F401 (the pure per-day data; kept importable from here)
    _HTTP,
    _THEATRE,
    BACKGROUND,
    BOUNDS,
    COLORS,
    CONFIDENCE_HELP,
    FILL_OPACITY,
    LABELS,
    ORIGIN_MARKS,
    OUTLINE,
    STALE_DASH,
    STALE_FACTOR,
    TOTAL_PROVINCES,
    UNCONFIRMED_DASH,
    UNCONFIRMED_OPACITY,
    _evidence_row,
    evidence_rows,
    has_stale_states,
    highlight_style,
    label_points,
    legend_entries,
    legend_html,
    place_features,
    place_states,
    place_style,
    preview_data,
    province_features,
    province_layer_data,
    province_style,
    script_json,
    shapes_json,
    since_label,
    source_label,
    source_link,
    state_style,
    status_label,
    tooltip_html,
)
from geo.model import ControlModel
from geo.records import STATUSES, State
from geo.resources import app_path, data_path
from geo.textsafe import escape_markdown  # re-exported: pages call mapview.escape_markdown

#: From this zoom on, places below province level are labelled (hover always works).
PLACE_LABEL_ZOOM = 8
#: The zoom levels the label placement considers (the map opens at about 5.5).
LABEL_ZOOMS = range(5, 11)
BASEMAP_PATH = data_path("basemap.geojson")


# --------------------------------------------------------------------------- text




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


def counts_html(counts: Mapping[str, int], unconfirmed: int = 0) -> str:
    """Return the provinces-by-status summary as a small HTML list (fixed text only).

    A wrapped list of swatch, full label and count: unlike metric tiles, no label is cut
    short in a narrow column.
    """
    items = "".join(
        f'<li><i style="background:{COLORS.get(s, "#ccc")}"></i>'
        f"<span>{html.escape(LABELS.get(s, s))}</span> <b>{int(n)}</b></li>"
        for s, n in counts.items()
    )
    note = (f'<p class="cm-counts-note">{int(unconfirmed)} of these rest on one side\'s word '
            "only (paler on the map).</p>" if unconfirmed else "")  # fmt: skip
    style = (
        "<style>.cm-counts{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;"
        "gap:4px 14px;font-size:0.95rem}.cm-counts li{white-space:nowrap}"
        ".cm-counts i{display:inline-block;width:12px;height:12px;margin-right:5px;"
        "border:1px solid #444;vertical-align:-1px}.cm-counts-note{font-size:0.85rem;"
        "color:#555;margin:4px 0 0}</style>"
    )
    return f'{style}<ul class="cm-counts" aria-label="Provinces by status">{items}</ul>{note}'


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


#: The chart's drawing box (SVG user units; the SVG scales to the page's width).
_CHART_W, _CHART_H = 1000, 200
_CHART_LEFT, _CHART_RIGHT, _CHART_TOP, _CHART_BOTTOM = 34, 8, 8, 22
_Scale = Callable[[float], float]


def status_chart_svg(rows: Sequence[dict], day: dt.date) -> str:
    """Return an SVG stacked-area chart of provinces by status (coloured as on the map), a
    rule at ``day``, and one hover title per day, with its legend under it.

    Drawn on the server: the page then loads no charting library (Vega's ~1 MB of scripts,
    parsed during the first render) and the chart is the same markup on every step but the
    rule.
    Every label is escaped.

    Returns
    -------
    str
        A ``<figure>`` with the ``<svg>`` and a legend; empty when ``rows`` is.
    """
    days = sorted({r["date"] for r in rows})
    if not days:
        return ""
    by_day: dict[dt.date, dict[str, int]] = {}
    for r in rows:
        by_day.setdefault(r["date"], {})[r["status"]] = r["provinces"]
    order = [LABELS[s] for s in STATUSES]
    colour = {LABELS[s]: COLORS[s] for s in STATUSES}
    plot_w = _CHART_W - _CHART_LEFT - _CHART_RIGHT
    plot_h = _CHART_H - _CHART_TOP - _CHART_BOTTOM
    n = len(days)

    def x(i: float) -> float:
        return round(_CHART_LEFT + plot_w * i / n, 1)

    def y(provinces: float) -> float:
        return round(_CHART_TOP + plot_h * (1 - provinces / TOTAL_PROVINCES), 1)

    parts = [_chart_grid(y, x(0), x(n))]
    below = [0] * n
    for label in order:
        above = [below[i] + by_day[d].get(label, 0) for i, d in enumerate(days)]
        if any(a != b for a, b in zip(above, below, strict=True)):
            parts.append(_band_path(x, y, below, above, colour[label]))
        below = above
    parts += _chart_axis(days, x, y)
    parts += [_day_title(days[i], by_day[days[i]], order, x(i), x(i + 1)) for i in range(n)]
    if days[0] <= day <= days[-1]:
        i = (day - days[0]).days + 0.5
        parts.append(f'<line class="cm-chart-day" x1="{x(i)}" x2="{x(i)}" y1="{_CHART_TOP}" '
                     f'y2="{_CHART_TOP + plot_h}" stroke="#000" stroke-width="2"/>')
    span = f"{days[0]:%d %b %Y} to {days[-1]:%d %b %Y}"
    svg = (f'<svg class="cm-chart" viewBox="0 0 {_CHART_W} {_CHART_H}" width="100%" '
           f'role="img" aria-label="{html.escape(f"Provinces by status, {span}")}" '
           f'font-family="sans-serif" font-size="11">{"".join(parts)}</svg>')
    legend = "".join(
        f'<li><span style="background:{html.escape(colour[label])}"></span>'
        f"{html.escape(label)}</li>" for label in order)
    style = ("<style>.cm-chart-legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;"
             "margin:2px 0 0 34px;padding:0;font-size:0.85rem}.cm-chart-legend span{display:"
             "inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}"
             ".cm-chart rect.cm-chart-hover{fill:transparent}.cm-chart rect.cm-chart-hover:"
             "hover{fill:rgba(0,0,0,0.08)}</style>")
    return (f'{style}<figure class="cm-chart-figure" style="margin:0">{svg}'
            f'<ul class="cm-chart-legend">{legend}</ul></figure>')


def _band_path(x: _Scale, y: _Scale, below: Sequence[int], above: Sequence[int],
               fill: str) -> str:
    """Return the step-shaped band between two stacked lines (a corner where a day's
    count changes, none where it stays)."""
    n = len(above)
    top = _steps(x, y, above, range(n))
    bottom = _steps(x, y, below, range(n - 1, -1, -1))
    return (f'<path d="M{top[1:]}{bottom}Z" fill="{html.escape(fill)}" fill-opacity="0.9" '
            'stroke="none"/>')


def _steps(x: _Scale, y: _Scale, values: Sequence[int], days: range) -> str:
    """Return the path of a step line through ``values`` over ``days`` (either way)."""
    forward = days.step > 0
    out, last = [], None
    for i in days:
        v = values[i]
        if v != last:
            edge = x(i) if forward else x(i + 1)
            if last is not None:
                out.append(f"L{edge},{y(last)}")
            out.append(f"L{edge},{y(v)}")
            last = v
    end = x(days[-1] + 1) if forward else x(days[-1])
    out.append(f"L{end},{y(last or 0)}")
    return "".join(out)


def _chart_grid(y: _Scale, left: float, right: float) -> str:
    """Return the horizontal grid lines and the province counts of the y axis."""
    out = []
    for v in (0, TOTAL_PROVINCES // 2, TOTAL_PROVINCES):
        out.append(f'<line x1="{left}" x2="{right}" y1="{y(v)}" y2="{y(v)}" stroke="#ddd"/>'
                   f'<text x="{left - 4}" y="{y(v) + 4}" text-anchor="end" fill="#555">{v}'
                   "</text>")
    return "".join(out)


def _chart_axis(days: Sequence[dt.date], x: _Scale, y: _Scale) -> list[str]:
    """Return the date labels under the plot: the 1st and 15th of each month."""
    base = y(0)
    out = []
    for i, d in enumerate(days):
        if d.day in (1, 15):
            out.append(f'<line x1="{x(i)}" x2="{x(i)}" y1="{base}" y2="{base + 4}" '
                       f'stroke="#888"/><text x="{x(i)}" y="{base + 15}" text-anchor="middle" '
                       f'fill="#555">{d:%d %b}</text>')
    return out


def _day_title(day: dt.date, counts: Mapping[str, int], order: Sequence[str], left: float,
               right: float) -> str:
    """Return the transparent column of one day whose hover title gives its counts."""
    text = f"{day.isoformat()}: " + ", ".join(f"{label} {counts.get(label, 0)}"
                                              for label in order)
    return (f'<rect class="cm-chart-hover" x="{left}" y="{_CHART_TOP}" '
            f'width="{round(right - left, 1)}" height="{_CHART_H - _CHART_TOP - _CHART_BOTTOM}">'
            f"<title>{html.escape(text)}</title></rect>")


# --------------------------------------------------------------------------- evidence


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


def day_problem(value: str | None, span: tuple[dt.date, dt.date]) -> str | None:
    """Return what is wrong with a ``?date=`` value (and the day shown instead), or None.

    Examples
    --------
    >>> span = (dt.date(2021, 7, 1), dt.date(2021, 9, 6))
    >>> day_problem("2021-13-40", span)
    "The date '2021-13-40' in the link is not a YYYY-MM-DD date: showing 2021-09-06."
    >>> day_problem("2021-08-13", span) is None
    True
    """
    if not value:
        return None
    text = str(value).strip()
    shown = parse_day(value, span).isoformat()
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return f"The date {text[:40]!r} in the link is not a YYYY-MM-DD date: showing {shown}."
    if len(text) > 10 and text[10:].strip():
        return f"The date {text[:40]!r} in the link is not a YYYY-MM-DD date: showing {shown}."
    if not span[0] <= day <= span[1]:
        return (f"The date {text!r} in the link is outside the reports ({span[0].isoformat()} to "
                f"{span[1].isoformat()}): showing the nearest day, {shown}.")
    return None


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
            var data = window.cmPreviewData;
            if (!data) { return; }
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

    def __init__(self, slider_label: str = "Date") -> None:
        super().__init__()
        self._name = "DayPreview"
        self.label = script_json(slider_label)


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
                if (!f.properties.label) { return; }
                // The name beside the dot from close zoom on (CSS hides it further out).
                L.marker(l.getLatLng(), {interactive: false, keyboard: false,
                    icon: L.divIcon({className: "cm-label-icon cm-minz-{{ this.label_zoom }}",
                        iconSize: [0, 0],
                        html: "<div class='cm-place-label'>" + f.properties.label + "</div>"})
                }).addTo({{ this._parent.get_name() }});
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping) -> None:
        super().__init__()
        self._name = "PlaceLayer"
        self.data = script_json(data)
        self.label_zoom = PLACE_LABEL_ZOOM


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
        .cm-legend { background: rgba(255,255,255,0.9); padding: 4px 7px; font-size: 11px;
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
        .cm-legend-marks { display: grid; grid-template-columns: auto auto; gap: 0 8px; }
        .cm-legend-note { font-size: 11px; color: #444; max-width: 190px; margin: 0 0 3px; }
        .cm-legend-table { border-collapse: collapse; margin-bottom: 3px; }
        .cm-legend-table th { font-weight: 400; font-size: 10.5px; color: #555; padding: 0 2px; }
        .cm-legend-table td { padding: 1px 2px; }
        .cm-legend-table td i { margin: 0; }
        .cm-legend .cm-cap, .cm-legend .cm-city { display: inline-block; margin: 0 9px 0 4px; }
        .cm-cap { width: 7px; height: 7px; border-radius: 50%; background: #fff;
          border: 2px solid #222; box-sizing: border-box; }
        .cm-cap-national { width: 10px; height: 10px; background: #222; border-radius: 1px; }
        .cm-city { width: 6px; height: 6px; border-radius: 50%; background: #777; }
        .cm-legend i.cm-country { background: #e9e6df; border: 1px solid #9a968c; }
        .cm-country-label { font-size: 12px; font-style: italic; color: #7b776d;
          letter-spacing: 0.08em; text-transform: uppercase; white-space: nowrap;
          transform: translate(-50%, -50%); pointer-events: none; }
        .cm-cap-label, .cm-city-label, .cm-place-label { font-size: 10.5px; color: #222;
          white-space: nowrap; pointer-events: none; transform: translate(6px, -50%);
          text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 2px #fff; }
        .cm-city-label { color: #666; }
        .cm-cap-label.cm-national { font-weight: 700; font-size: 12px; }
        .cm-place-label { font-size: 10px; color: #333; transform: translate(8px, -50%); }
        /* No focus rectangle around a clicked province (the evidence shows what is chosen). */
        .leaflet-container path.leaflet-interactive, .leaflet-container path:focus,
        .leaflet-container .leaflet-interactive:focus, .leaflet-container svg:focus {
          outline: none; }
        {{ this.zoom_css }}
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
        (function (map) {
            // Mark the container with the zoom level: labels carry the zoom from which
            // they show (cm-minz-N), so nothing overlaps at any zoom.
            function mark() {
                var el = map.getContainer(), z = Math.round(map.getZoom());
                el.className = el.className.replace(/\\bcm-z\\d+\\b/g, "") + " cm-z" + z;
            }
            map.on("zoomend", mark);
            map.whenReady(mark);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend: str, background: str = BACKGROUND) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = legend
        self.background = background
        self.zoom_css = zoom_css()


class _Inline(MacroElement):
    """A script written into the map itself (for a map used without the app's assets)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code }}
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Inline"
        self.code = code


def base_data_script() -> str:
    """Return the script that defines the static map's data once: the provinces' shapes
    (``window.cmShapes``), the neighbours' outlines and every label (``window.cmBase``).

    It does not change with the database, so the app serves it as a file the browser
    caches (:class:`MapAssets`); a rerun then sends none of it.
    """
    countries = [{"type": "Feature", "properties": {}, "geometry": f["geometry"]}
                 for f in load_basemap()["features"]
                 if f["properties"]["layer"] == "country"]  # fmt: skip
    base = {"countries": {"type": "FeatureCollection", "features": countries},
            "labels": map_labels()}  # fmt: skip
    return f"window.cmShapes = {shapes_json()};\nwindow.cmBase = {script_json(base)};\n"


def preview_script(preview: Mapping) -> str:
    """Return the script that defines the whole period's styles (``window.cmPreviewData``)
    for :class:`DayPreview`: one file per data version."""
    return f"window.cmPreviewData = {script_json(preview)};\n"


class MapAssets:
    """Scripts of the static map written once under the app's ``static/`` folder.

    Each file is named by the hash of its content, so the browser may keep it: a new data
    version is a new name. Only the newest :attr:`keep` files of each kind are kept.
    """

    def __init__(self, folder: Path, url_prefix: str, keep: int = 6) -> None:
        self.folder = folder
        self.url_prefix = url_prefix.rstrip("/")
        self.keep = keep

    def put(self, kind: str, text: str) -> str:
        """Write ``text`` as ``<kind>-<hash>.js`` unless it exists; return its URL."""
        import hashlib
        import os
        import tempfile

        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        name = f"{kind}-{digest}.js"
        path = self.folder / name
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            os.fchmod(fd, 0o644)  # served by the app to any browser
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            Path(tmp).replace(path)  # atomic: a browser never reads half a file
            self._prune(kind, path)
        return f"{self.url_prefix}/{name}"

    def _prune(self, kind: str, newest: Path) -> None:
        older = sorted(self.folder.glob(f"{kind}-*.js"), key=lambda p: p.stat().st_mtime)
        for path in [p for p in older if p != newest][: max(0, len(older) - self.keep)]:
            path.unlink(missing_ok=True)


def app_assets(base_path: str = "") -> MapAssets:
    """Return the asset writer of the app: ``static/cm`` served at ``/app/static/cm``."""
    prefix = "/" + "/".join(p for p in (base_path.strip("/"), "app/static/cm") if p)
    return MapAssets(app_path("static", "cm"), prefix)


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


def zoom_css() -> str:
    """Return the CSS that hides a label marked ``cm-minz-N`` below zoom N."""
    rules = [f".cm-z{z} .cm-minz-{m}" for m in LABEL_ZOOMS for z in range(m)]
    return ", ".join(rules) + " { display: none; }"


def _pixel(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Return the Web Mercator pixel position of a point at ``zoom`` (256-pixel tiles)."""
    size = 256 * 2**zoom
    y = math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat)))
    return (lon + 180) / 360 * size, (1 - y / math.pi) / 2 * size


def label_min_zooms(labels: Sequence[tuple[str, float, float, float]],
                    char_px: float = 6.2, height_px: float = 14) -> list[int]:
    """Return, for each label, the first zoom at which it overlaps no label placed before.

    Parameters
    ----------
    labels
        ``(text, lat, lon, anchor)`` in priority order (the first is placed first);
        ``anchor`` is 0.5 for a centred label, 0 for one written right of its point.

    Returns
    -------
    list of int
        A zoom of :data:`LABEL_ZOOMS` per label (the last one when it never fits): a greedy
        placement, zoom by zoom, of boxes of the text's estimated size.
    """
    out = [LABEL_ZOOMS[-1]] * len(labels)
    for zoom in LABEL_ZOOMS:
        placed: list[tuple[float, float, float, float]] = []
        for k, (text, lat, lon, anchor) in enumerate(labels):
            x, y = _pixel(lat, lon, zoom)
            width = char_px * len(text) + 4
            left = x - width * anchor + (0 if anchor else 6)
            box = (left, y - height_px / 2, left + width, y + height_px / 2)
            if out[k] < zoom:  # already shown at a lower zoom: it stays, as an obstacle
                placed.append(box)
                continue
            if all(box[2] <= p[0] or box[0] >= p[2] or box[3] <= p[1] or box[1] >= p[3]
                   for p in placed):  # fmt: skip
                out[k] = min(out[k], zoom)
                placed.append(box)
    return out


@lru_cache(maxsize=1)
def load_basemap(path: str = str(BASEMAP_PATH)) -> dict:
    """Return the offline base map (``data/basemap.geojson``, see scripts/build_basemap.py)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def map_labels() -> dict:
    """Return the labels of the base map with the zoom from which each shows.

    Returns
    -------
    dict
        ``provinces``: ``[name, lat, lon, minzoom]``; ``capitals``: ``[name, lat, lon,
        minzoom, national]``; ``cities``: ``[name, lat, lon, minzoom]``; ``countries``:
        ``[name, lat, lon]``. Names are HTML-escaped. Kabul comes first, then the
        provinces by area (large ones first), then the other capitals and the cities.
    """
    base = load_basemap()["features"]
    capitals = [f for f in base if f["properties"]["layer"] == "capital"]
    cities = [f for f in base if f["properties"]["layer"] == "city"]
    provinces = sorted(
        ((f["properties"]["name"], shapely.geometry.shape(f["geometry"]))
         for f in load_provinces_geojson()["features"]),
        key=lambda item: -item[1].area)  # fmt: skip
    kabul = [f for f in capitals if f["properties"]["national"]]
    others = [f for f in capitals if not f["properties"]["national"]]
    items: list[tuple[str, float, float, float]] = []
    for f in kabul:
        lon, lat = f["geometry"]["coordinates"]
        items.append((f["properties"]["name"], lat, lon, 0.0))
    for name, geom in provinces:
        point = geom.representative_point()
        items.append((name, point.y, point.x, 0.5))
    for f in others + cities:
        lon, lat = f["geometry"]["coordinates"]
        items.append((f["properties"]["name"], lat, lon, 0.0))
    zooms = label_min_zooms(items)
    n_k, n_p, n_o = len(kabul), len(provinces), len(others)

    def row(k: int) -> list:
        text, lat, lon, _ = items[k]
        return [html.escape(text), round(lat, 4), round(lon, 4), zooms[k]]

    countries = [[html.escape(f["properties"]["name"]), *f["properties"]["label"]]
                 for f in base if f["properties"]["layer"] == "country"]  # fmt: skip
    return {
        "provinces": [row(n_k + i) for i in range(n_p)],
        "capitals": [[*row(i), True] for i in range(n_k)]
        + [[*row(n_k + n_p + i), False] for i in range(n_o)],
        "cities": [row(n_k + n_p + n_o + i) for i in range(len(cities))],
        "countries": countries,
    }


class _Countries(MacroElement):
    """The neighbouring countries' outlines, drawn under the provinces (not clickable)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.geoJson(window.cmBase.countries, {interactive: false,
            style: function () { return {fillColor: "#e9e6df", fillOpacity: 1,
                                         color: "#9a968c", weight: 0.8}; }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Countries"


class _Labels(MacroElement):
    """Names on the map: countries, provinces, capitals (Kabul first) and cities abroad.

    Each label shows from the zoom where it overlaps none placed before it
    (:func:`map_labels`); labels are not clickable, so clicks reach the provinces.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, data) {
            function label(lat, lon, cls, text, z) {
                L.marker([lat, lon], {interactive: false, keyboard: false,
                    icon: L.divIcon({className: "cm-label-icon cm-minz-" + z, iconSize: [0, 0],
                                     html: "<div class='" + cls + "'>" + text + "</div>"})
                }).addTo(map);
            }
            data.countries.forEach(function (p) {
                label(p[1], p[2], "cm-country-label", p[0], 0);
            });
            {% if this.provinces %}
            data.provinces.forEach(function (p) { label(p[1], p[2], "cm-label", p[0], p[3]); });
            {% endif %}
            data.cities.forEach(function (p) {
                L.circleMarker([p[1], p[2]], {radius: 2.5, stroke: false, fillColor: "#777",
                    fillOpacity: 1, interactive: false}).addTo(map);
                label(p[1], p[2], "cm-city-label", p[0], p[3]);
            });
            data.capitals.forEach(function (p) {
                var national = p[4];
                L.circleMarker([p[1], p[2]], {radius: national ? 5 : 3.5, weight: 2,
                    color: "#222", fillColor: national ? "#222" : "#fff", fillOpacity: 1,
                    interactive: false, pane: "markerPane"}).addTo(map);
                label(p[1], p[2], "cm-cap-label" + (national ? " cm-national" : ""), p[0], p[3]);
            });
        })({{ this._parent.get_name() }}, window.cmBase.labels);
        {% endmacro %}
        """
    )

    def __init__(self, provinces: bool = True) -> None:
        super().__init__()
        self._name = "Labels"
        self.provinces = provinces


def asset_urls(base_path: str = "") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (js, css) links of the map, served by the app from ``static/leaflet``.

    ``base_path`` is Streamlit's ``server.baseUrlPath`` (empty at the root).
    """
    prefix = "/" + "/".join(p for p in (base_path.strip("/"), "app/static/leaflet") if p)
    return [("leaflet", f"{prefix}/leaflet.js")], [("leaflet_css", f"{prefix}/leaflet.css")]


def leaflet_script() -> str:
    """Return the bundled Leaflet library's source (``static/leaflet/leaflet.js``)."""
    return app_path("static", "leaflet", "leaflet.js").read_text(encoding="utf-8")


def map_bundle(model: ControlModel) -> str:
    """Return the one script the app's map loads: Leaflet, then :func:`base_data_script`
    and :func:`preview_script` of ``model``.

    One file instead of three: the map's frame loads its scripts one after another, so
    each file was a round trip before the first paint. Named by its hash
    (:class:`MapAssets`), it changes with the data version and is cached by the browser.
    """
    return "\n;\n".join([leaflet_script(), base_data_script(),
                          preview_script(preview_data(model))])


def base_map(tiles: str = "", base_path: str = "", labels: bool = True,
             preview: Mapping | None = None, assets: Sequence[str] = (),
             leaflet_bundled: bool = False) -> folium.Map:
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
    assets : list of str
        URLs of :func:`base_data_script` and :func:`preview_script` served by the app
        (:class:`MapAssets`); the map then holds no data itself, so a rerun sends a few
        kilobytes. Empty: the data is written into the map (a map that stands alone).
    leaflet_bundled : bool
        The first asset is :func:`map_bundle`'s, which brings Leaflet too (no link to it).

    Returns
    -------
    folium.Map
        A map that loads only the bundled Leaflet (no CDN) and is the same on every
        rerun, so streamlit-folium keeps it mounted and only swaps the day's layers.
    """
    js, css = asset_urls(base_path)
    if leaflet_bundled:
        js = []  # the first asset (map_bundle) starts with Leaflet
    fmap = folium.Map(location=[34.0, 66.5], zoom_start=6, tiles=None, control_scale=True,
                      zoom_snap=0.25, min_zoom=4, max_zoom=12, prefer_canvas=False)  # fmt: skip
    fmap.default_js = js + [(f"cm_asset_{k}", url) for k, url in enumerate(assets)]
    fmap.default_css = css
    if tiles:
        folium.TileLayer(tiles=tiles, attr="Base map: " + html.escape(tiles), name="Base map",
                         max_zoom=12).add_to(fmap)  # fmt: skip
    fmap.fit_bounds([list(BOUNDS[0]), list(BOUNDS[1])])
    _Legend(legend_html()).add_to(fmap)
    if not assets:
        _Inline(base_data_script()).add_to(fmap)
        if preview is not None:
            _Inline(preview_script(preview)).add_to(fmap)
    _Countries().add_to(fmap)
    _Provinces().add_to(fmap)
    _Labels(provinces=labels).add_to(fmap)
    if preview is not None or assets:
        DayPreview().add_to(fmap)
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


