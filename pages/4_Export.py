"""Export: the map of a day as GeoJSON, the timeline as CSV or GeoJSON, the claims as CSV."""

from __future__ import annotations

import streamlit as st

from geo import export, review
from geo.appstate import claim_span, page_setup, run_page


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
               f"{len(model.claims)} active claims. Rejected claims are left out.")
    default = review.export_day(st.query_params.get("date"), span)
    day = st.date_input("Date of the snapshot", value=default, min_value=span[0],
                        max_value=span[1], key="export_date")
    names = review.export_file_names(day, span)
    st.subheader("Snapshot")
    st.download_button(
        f"Map of {day.isoformat()} (GeoJSON)", export.snapshot_geojson(model, day),
        file_name=names["snapshot"], mime="application/geo+json", key="export_snapshot",
        help="The 34 provinces with their status, confidence and evidence quotes on that day.",
    )  # fmt: skip
    st.subheader("Timeline")
    left, right = st.columns(2)
    left.download_button(
        "Timeline (CSV)", export.timeline_csv(model), file_name=names["timeline_csv"],
        mime="text/csv", key="export_timeline_csv",
        help="One row per province and change of status, with the deciding quote.",
    )  # fmt: skip
    right.download_button(
        "Timeline (GeoJSON)", export.timeline_geojson(model),
        file_name=names["timeline_geojson"], mime="application/geo+json",
        key="export_timeline_geojson", help="The provinces with their status on every day.",
    )  # fmt: skip
    st.subheader("Claims")
    st.download_button(
        "All active claims (CSV)", export.claims_csv(model.claims),
        file_name=names["claims_csv"], mime="text/csv", key="export_claims_csv",
        help="Every claim with its date, place, actor, claimant, quote and source.",
    )  # fmt: skip


run_page(main, "Export")
