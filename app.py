"""The map page: who controls each of Afghanistan's 34 provinces, day by day, and why.

Run with ``streamlit run app.py`` (or ``controlmap serve``). The page reads its day from
``?date=YYYY-MM-DD`` and its province from ``?province=AF-KAN`` and writes both back, so a
view can be shared (and the other pages open on the same day); a bad date is named in a
warning. Everything it shows comes from :mod:`geo.mapview`; the map is a static base
(legend, neighbours, labels) whose data are scripts the browser caches, one per data
version (:class:`geo.mapview.MapAssets`), plus the day's layers, which streamlit-folium
swaps in place when the day changes. The selected province's evidence is drawn beside the
map, so a click shows it without scrolling.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit_folium import st_folium

from geo import mapview, settings, store
from geo.appstate import claim_span, page_setup, remember_query_param, run_page, show_error
from geo.errors import ControlmapError
from geo.model import ControlModel

DAY = "map_day"
PLAYING = "map_playing"
PLAY_MODE = "map_play_mode"
SELECTED = "map_selected"
CLICKS = "map_clicks"
URL_DAY = "map_url_day"
URL_PROVINCE = "map_url_province"
DATE_WARNING = "map_date_warning"
PLAY_SECONDS = 1.0
MAP_HEIGHT = 560
EVIDENCE_HEIGHT = 380


@st.cache_resource(max_entries=4, show_spinner=False)
def chart_rows(db: str, version: str, _model: ControlModel) -> list[dict]:
    """Return the provinces-by-status counts of every day of a database version."""
    return mapview.daily_counts(_model)


@st.cache_resource(max_entries=4, show_spinner=False)
def map_assets(db: str, version: str, base_path: str, _model: ControlModel) -> list[str]:
    """Return the URL of the map's script: Leaflet, the base (shapes, neighbours, labels) and
    the whole period's styles of this data version. Written once per version and cached by
    the browser, so a slider step sends only the day's layers."""
    return [mapview.app_assets(base_path).put("map", mapview.map_bundle(_model))]


@st.cache_resource(max_entries=4, show_spinner=False)
def documents_index(db: str, version: str) -> dict[str, dict]:
    """Return each stored document's name, URL, outlet, title and date, by document name."""
    with store.open_db(db).connect() as conn:
        return {d["name"]: {k: d.get(k) for k in ("name", "url", "outlet", "title", "published")}
                for d in reversed(store.load_documents(conn))}  # fmt: skip


def sync_day_with_url(span: tuple[dt.date, dt.date]) -> None:
    """Take the day from ``?date=`` on first load or when the URL changed since we wrote it.

    A value that is not a date, or lies outside the data, is named in a warning and the
    nearest day is shown.
    """
    value = st.query_params.get("date")
    if DAY not in st.session_state or (value and value != st.session_state.get(URL_DAY)):
        st.session_state[DAY] = mapview.parse_day(value, span)
        problem = mapview.day_problem(value, span)
        if problem:
            st.session_state[DATE_WARNING] = problem
    st.session_state[DAY] = min(max(st.session_state[DAY], span[0]), span[1])
    if st.session_state.get(DATE_WARNING):
        st.warning(mapview.escape_markdown(st.session_state.pop(DATE_WARNING)))


def sync_province_with_url(model: ControlModel) -> None:
    """Select the province named by ``?province=`` (an ISO code) on first load."""
    value = (st.query_params.get("province") or "").strip().upper()
    if value and value != st.session_state.get(URL_PROVINCE):
        st.session_state[URL_PROVINCE] = value
        if value in model.provinces:
            st.session_state[SELECTED] = ("province", value)
        else:
            st.warning(f"No province has the code {value!r} (use one like AF-KAB): none is "
                       "selected.")  # fmt: skip


def write_province_to_url() -> None:
    """Put the selected province in the URL (``?province=``), or take it out."""
    selected = st.session_state.get(SELECTED)
    iso = selected[1] if selected and selected[0] == "province" else None
    if iso:
        st.session_state[URL_PROVINCE] = iso
        if st.query_params.get("province") != iso:
            st.query_params["province"] = iso
    elif "province" in st.query_params:
        del st.query_params["province"]
    remember_query_param("province", iso)


def write_day_to_url(day: dt.date) -> None:
    """Put the chosen day in the URL so the view can be shared."""
    text = day.isoformat()
    st.session_state[URL_DAY] = text
    remember_query_param("date", text)
    if st.query_params.get("date") != text:
        st.query_params["date"] = text


def go_to(day: dt.date | None) -> None:
    """Button callback: move the slider to ``day`` (nothing when None)."""
    if day is not None:
        st.session_state[DAY] = day


def toggle_play() -> None:
    """Button callback: start or stop playing the days one after another."""
    st.session_state[PLAYING] = not st.session_state.get(PLAYING, False)


def advance_if_playing(span: tuple[dt.date, dt.date]) -> None:
    """While playing, move one day on; stop at the last day."""
    if not st.session_state.get(PLAYING):
        return
    if st.session_state[DAY] >= span[1]:
        st.session_state[PLAYING] = False
        return
    st.session_state[DAY] = mapview.step_day(st.session_state[DAY], 1, span)


def controls(model: ControlModel, span: tuple[dt.date, dt.date]) -> dt.date:
    """Draw the date slider and its buttons; return the chosen day."""
    day = st.session_state[DAY]
    changes = model.timeline.change_days()
    previous, following = mapview.previous_change(day, changes), mapview.next_change(day, changes)
    cols = st.columns([1.25, 1, 1, 1.25, 0.9], vertical_alignment="bottom")
    buttons = [
        ("Previous change", ":material/skip_previous:", "left", previous),
        ("Previous day", ":material/chevron_left:", "left",
         mapview.step_day(day, -1, span) if day > span[0] else None),
        ("Next day", ":material/chevron_right:", "right",
         mapview.step_day(day, 1, span) if day < span[1] else None),
        ("Next change", ":material/skip_next:", "right", following),
    ]  # fmt: skip
    for col, (label, icon, side, target) in zip(cols, buttons, strict=False):
        col.button(label, icon=icon, icon_position=side, on_click=go_to, args=(target,),
                   disabled=target is None, width="stretch",
                   help=f"Go to {target:%d %b %Y}" if target else None)  # fmt: skip
    playing = st.session_state.get(PLAYING, False)
    cols[4].button("Pause" if playing else "Play", on_click=toggle_play,
                   icon=":material/pause:" if playing else ":material/play_arrow:",
                   type="primary" if playing else "secondary", width="stretch",
                   help="Step through the days, one a second")  # fmt: skip
    return st.slider("Date", min_value=span[0], max_value=span[1], key=DAY,
                     step=dt.timedelta(days=1), format="YYYY-MM-DD (ddd)")  # fmt: skip


def select_from_click(returned: dict | None) -> None:
    """Make a new click on a province or place the selection shown under the map."""
    count = mapview.click_count(returned)
    if count == st.session_state.get(CLICKS, 0):
        return
    st.session_state[CLICKS] = count
    clicked = mapview.clicked_feature(returned)
    if clicked is not None:
        st.session_state[SELECTED] = clicked


def draw_map(db: str, model: ControlModel, day: dt.date, show_places: bool, tiles: str) -> None:
    """Draw the map of ``day``; a click selects a province or place for the evidence."""
    base_path = st.get_option("server.baseUrlPath") or ""
    base = mapview.base_map(tiles=tiles, base_path=base_path, leaflet_bundled=True,
                            assets=map_assets(db, model.version, base_path, model))
    returned = st_folium(
        base,
        key="control_map",
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=mapview.day_layers(model, day, places=show_places),
        returned_objects=["last_active_drawing", "last_object_clicked_count"],
    )
    select_from_click(returned)


def summary(model: ControlModel, day: dt.date) -> None:
    """Draw the day's headline and the provinces by status (full labels, no truncation)."""
    states = model.states_on(day)
    st.subheader(day.strftime("%A %d %B %Y"))
    st.markdown(f"**{mapview.capitals_line(states)}**")
    st.html(mapview.counts_html(mapview.status_counts(states), mapview.unconfirmed_count(states)))


def chart(rows: list[dict], day: dt.date) -> None:
    """Draw the chart of provinces by status over the whole period, full width."""
    # Markdown, not st.html: st.html's sanitiser drops SVG. Every label in it is escaped.
    st.markdown(mapview.status_chart_svg(rows, day), unsafe_allow_html=True)
    st.caption("Provinces by status over the whole period; the black line is the chosen day.")


def evidence_picker(model: ControlModel) -> tuple[str, str] | None:
    """Draw the province picker (in sync with map clicks); return the selection."""
    options = [None, *mapview.province_options(model)]
    selected = st.session_state.get(SELECTED)
    if selected and selected[0] == "province":
        st.session_state["map_province_pick"] = selected[1]
    elif "map_province_pick" not in st.session_state:
        st.session_state["map_province_pick"] = None

    def on_pick() -> None:
        iso = st.session_state["map_province_pick"]
        st.session_state[SELECTED] = ("province", iso) if iso else None

    st.selectbox("Province", options, key="map_province_pick", on_change=on_pick,
                 format_func=lambda iso: "Click a province on the map, or pick one"
                 if iso is None else model.provinces[iso]["name"])  # fmt: skip
    return st.session_state.get(SELECTED)


def show_claim(row: dict) -> None:
    """Show one claim: its source line, its quote as plain text, then its details."""
    with st.container(border=True):
        if row.get("origin_mark"):
            st.markdown(f":violet-badge[{mapview.escape_markdown(row['origin_mark'])}]")
        st.markdown(mapview.source_markdown(row))
        st.text(f"“{row['quote']}”")
        st.caption(mapview.evidence_caption(row), help=mapview.CONFIDENCE_HELP)


def evidence(db: str, model: ControlModel, day: dt.date) -> None:
    """Draw the evidence of the selected province or place on ``day`` (beside the map)."""
    selected = evidence_picker(model)
    write_province_to_url()
    if not selected:
        st.caption("Each colour comes from quotes in the reports: click a province to read "
                   "them here, with the claims that lost.")  # fmt: skip
        return
    kind, key = selected
    if kind == "province" and key in model.provinces:
        state = model.timeline.province_state(key, day)
        name = f"{model.provinces[key]['name']} (capital {model.provinces[key]['capital']})"
    elif kind == "place" and key in model.timeline.place_claims:
        state = model.timeline.place_state(key, day)
        name = model.timeline.place_claims[key].place
    else:
        return
    st.markdown(f"**{mapview.escape_markdown(name)}** on {day.isoformat()}: "
                f"**{mapview.status_label(state)}** since {mapview.since_label(state)}, "
                f"confidence {state.confidence:.2f}", help=mapview.CONFIDENCE_HELP)  # fmt: skip
    rows = mapview.evidence_rows(state, documents_index(db, model.version))
    supporting = [r for r in rows if r["role"] == "supporting"]
    contrary = [r for r in rows if r["role"] == "contrary"]
    if not rows:
        st.info("No report mentions this place up to this day.")
        return
    with st.container(height=EVIDENCE_HEIGHT, border=False, key="map_evidence"):
        st.markdown(f"**Supporting evidence** ({len(supporting)})")
        for row in supporting:
            show_claim(row)
        st.markdown(f"**Contrary evidence, outweighed** ({len(contrary)})")
        if not contrary:
            st.caption("None: no claim on the deciding days pointed the other way.")
        for row in contrary:
            show_claim(row)


def layer_options() -> tuple[bool, str]:
    """Draw the map's layer switches in the sidebar; return (show places, tile URL)."""
    show_places = st.sidebar.toggle("Places below province level", value=True,
                                    help="Districts, towns and crossings with claims, "
                                    "coloured by their own state")  # fmt: skip
    tiles = settings.TILES.value()
    if tiles and not st.sidebar.toggle("Base map tiles", value=True, help=tiles):
        tiles = ""
    return show_places, tiles


def map_body(db: str, model: ControlModel, span: tuple[dt.date, dt.date],
             show_places: bool, tiles: str) -> None:
    """Draw everything that depends on the day (rerun alone when the day changes).

    The evidence of the selected province sits beside the map, so a click on a province
    shows its quotes without scrolling; the chart spans the page under both.
    """
    if st.session_state.get(PLAYING, False) != st.session_state.get(PLAY_MODE, False):
        st.rerun(scope="app")  # start or stop the timer that plays the days
    advance_if_playing(span)
    day = controls(model, span)
    write_day_to_url(day)
    left, right = st.columns([2.1, 1.2], gap="medium")
    with left:
        try:
            draw_map(db, model, day, show_places, tiles)
        except ControlmapError as err:
            show_error(err)
    with right:
        summary(model, day)
        evidence(db, model, day)
    chart(chart_rows(db, model.version, model), day)


def main() -> None:
    """Lay out the map page."""
    setup = page_setup("Map")
    if setup is None:
        return
    db, model = setup
    st.title("Who controls Afghanistan's provinces")
    span = claim_span(model)
    if span is None:
        return
    st.caption(f"{len(model.claims)} claims from the reports, {span[0]:%d %b} to "
               f"{span[1]:%d %b %Y}. Colours follow the claims; hover for details, click "
               "for the quotes.")  # fmt: skip
    sync_day_with_url(span)
    sync_province_with_url(model)
    show_places, tiles = layer_options()
    playing = st.session_state[PLAY_MODE] = st.session_state.get(PLAYING, False)
    body = st.fragment(run_every=PLAY_SECONDS if playing else None)(map_body)
    body(db, model, span, show_places, tiles)


def map_page() -> None:
    """The map page, run by the navigation below."""
    run_page(main, "Map")


# The pages in the sidebar, with the map first under its own name (not "app"). No page
# icons: Streamlit fetches navigation icons from a font CDN.
# A read-only app (CONTROLMAP_READ_ONLY=1) has no Ingest page.
PAGES = [
    st.Page(map_page, title="Map", default=True),
    *([] if settings.read_only() else
      [st.Page("pages/1_Ingest.py", title="Ingest", url_path="Ingest")]),
    st.Page("pages/2_Claims.py", title="Claims", url_path="Claims"),
    st.Page("pages/3_Gazetteer.py", title="Gazetteer", url_path="Gazetteer"),
    st.Page("pages/4_Export.py", title="Export", url_path="Export"),
]
st.navigation(PAGES).run()
