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

The pure per-day data (palette, styles, legend, tooltips, per-day province and place data,
the preview data, evidence rows, the geometry JSON) lives in :mod:`geo.mapdata`, which the
HTML export shares; its names are imported back here so ``mapview.X`` keeps working.

Every string that comes from a document or the gazetteer is escaped with
:func:`html.escape` before it goes into folium HTML, since Leaflet tooltips and folium's
``GeoJsonTooltip`` insert their content as HTML.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence

import altair as alt
import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.mapdata import (  # noqa: F401 (moved to mapdata; kept importable from here)
    _HTTP,
    _THEATRE,
    BACKGROUND,
    BOUNDS,
    COLORS,
    FILL_OPACITY,
    LABELS,
    OUTLINE,
    TOTAL_PROVINCES,
    UNCONFIRMED_DASH,
    UNCONFIRMED_OPACITY,
    _evidence_row,
    evidence_rows,
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
    source_link,
    status_label,
    tooltip_html,
)
from geo.model import ControlModel
from geo.records import STATUSES, State
from geo.textsafe import escape_markdown  # re-exported: pages call mapview.escape_markdown

# --------------------------------------------------------------------------- text


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


