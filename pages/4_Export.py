"""Export: a day's map as GeoJSON (+ its evidence CSV), the timeline as CSV or GeoJSON
intervals, the claims as CSV or ACLED-named CSV, and the map as one offline HTML file.

Each file is built only when its download button is clicked (``st.download_button`` with a
callable ``data``): a visit or a date change builds nothing. The date comes from ``?date=``
or the map page's chosen day, and is written back to ``?date=``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import streamlit as st

from geo import export, htmlmap, review
from geo.appstate import claim_span, page_setup, run_page
from geo.model import ControlModel

#: The map page's session key for its chosen day (``app.py``), read when the URL has none.
MAP_DAY_KEY = "map_day"


def requested_day() -> str | None:
    """Return the day asked for: ``?date=``, else the map page's day, else None."""
    value = st.query_params.get("date")
    if value:
        return value
    day = st.session_state.get(MAP_DAY_KEY)
    return day.isoformat() if isinstance(day, dt.date) else None


def download(where, label: str, build: Callable[[], str], file_name: str, mime: str, key: str,
             help_text: str) -> None:
    """Offer a download whose file ``build`` makes only when the button is clicked."""
    where.download_button(label, build, file_name=file_name, mime=mime, key=key, help=help_text,
                          on_click="ignore")  # fmt: skip


def snapshot_section(model: ControlModel, day: dt.date, names: dict[str, str]) -> None:
    """Lay out the day's map: GeoJSON with or without place points, and its evidence CSV."""
    st.subheader("Map of the day")
    places = st.toggle("Add the places below province level (points)", key="export_places")
    left, right = st.columns(2)
    download(left, f"Map of {day.isoformat()} (GeoJSON)",
             partial(export.snapshot_geojson, model, day, places), names["snapshot"],
             "application/geo+json", "export_snapshot",
             "The 34 provinces with flat properties: status, holder, confirmed, since, last "
             "report, number of sources, top quote and source.")  # fmt: skip
    download(right, f"Evidence of {day.isoformat()} (CSV)",
             partial(export.evidence_csv, model, day, places), names["evidence_csv"], "text/csv",
             "export_evidence", "Every claim behind each state that day (and the ones that "
             "lost), joined to the map on 'key'.")  # fmt: skip


def main() -> None:
    """Lay out the Export page."""
    setup = page_setup("Export")
    if setup is None:
        return
    _db, model = setup
    st.title("Export")
    span = claim_span(model)
    if span is None:
        return
    st.caption(f"The data covers {span[0].isoformat()} to {span[1].isoformat()}: "
               f"{len(model.claims)} active claims. Rejected claims are left out. Each file is "
               "made when you click its button.")  # fmt: skip
    default = review.export_day(requested_day(), span)
    day = st.date_input("Date of the snapshot", value=default, min_value=span[0],
                        max_value=span[1], key="export_date")  # fmt: skip
    if st.query_params.get("date") != day.isoformat():
        st.query_params["date"] = day.isoformat()  # the day survives a reload and a shared link
    names = {**review.export_file_names(day, span),
             "evidence_csv": f"controlmap-evidence-{day.isoformat()}.csv",
             "acled_csv": f"controlmap-acled-{span[1].isoformat()}.csv",
             "html": f"controlmap-map-{span[0].isoformat()}_{span[1].isoformat()}.html"}
    snapshot_section(model, day, names)
    st.subheader("Timeline")
    left, right = st.columns(2)
    download(left, "Timeline (CSV)", partial(export.timeline_csv, model), names["timeline_csv"],
             "text/csv", "export_timeline_csv",
             "One row per province and change of status, with the deciding quote.")  # fmt: skip
    download(right, "Timeline (GeoJSON)", partial(export.timeline_geojson, model),
             names["timeline_geojson"], "application/geo+json", "export_timeline_geojson",
             "One feature per province and state interval, with start and end dates (end "
             "exclusive, empty while it holds): QGIS's temporal controller reads it.")  # fmt: skip
    st.subheader("Claims")
    left, right = st.columns(2)
    download(left, "All active claims (CSV)", partial(export.claims_csv, model.claims),
             names["claims_csv"], "text/csv", "export_claims_csv",
             "Every claim with its date, place, actor, claimant, quote and source.")  # fmt: skip
    download(right, "Claims in ACLED's columns (CSV)",
             partial(export.acled_csv, model.claims, model.provinces), names["acled_csv"],
             "text/csv", "export_acled_csv", "event_date, admin1, location, latitude, "
             "longitude, geo_precision, actor1, source, notes, then ours.")  # fmt: skip
    st.subheader("Interactive map")
    download(st, "Map with date slider (HTML, works offline)",
             partial(htmlmap.map_html, model, span[0], span[1]), names["html"], "text/html",
             "export_html", "One file with the map, a date slider, play, the legend and the "
             "reports behind each colour; it opens in any browser without a network, to attach "
             "to a story or an email.")  # fmt: skip


run_page(main, "Export")
