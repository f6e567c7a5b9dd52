"""Gazetteer: look a place name up, see the candidates on a map; geocode a sentence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import review
from geo.appstate import page_setup, run_page
from geo.boundaries import load_provinces_geojson, province_names
from geo.gazetteer import load_gazetteer
from geo.geocode import geocode


def lookup_section(names: dict[str, str]) -> None:
    """Search the gazetteer for a name and show the candidates."""
    st.subheader("Look a name up")
    left, right = st.columns([3, 1])
    name = left.text_input("Place name (any spelling)", key="gaz_name",
                           placeholder="Lashkargah, Mazar, Pul-e Khumri…")
    limit = right.number_input("Candidates", 1, 50, 10, key="gaz_limit")
    if not name.strip():
        st.caption("Type a name to see the places it may be, best match first.")
        return
    gaz = load_gazetteer()
    rows = review.candidate_rows(gaz.search(name, limit=int(limit)), names)
    if not rows:
        st.warning("No place in the gazetteer looks like this name.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="gaz_candidates")
    st.altair_chart(review.points_chart(rows, load_provinces_geojson()), width="stretch")


def geocode_section(names: dict[str, str]) -> None:
    """Geocode a pasted sentence and show its mentions with their reasons."""
    st.subheader("Geocode a sentence")
    text = st.text_area("Sentence or paragraph", key="gaz_text", height=100,
                        placeholder="Fighting continued around Lashkar Gah, the capital of "
                        "Helmand province.")
    if not text.strip():
        return
    mentions = geocode(text)
    if not mentions:
        st.info("No place found in this text.")
        return
    st.html(review.highlight_html(text, mentions, province_names=names))
    rows = review.mention_rows(mentions, names)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="gaz_mentions")
    st.altair_chart(review.points_chart(rows, load_provinces_geojson()), width="stretch")


def main() -> None:
    """Lay out the Gazetteer page."""
    if page_setup("Gazetteer") is None:
        return
    st.title("Gazetteer")
    st.caption("The places controlmap knows: the 34 provinces, their capitals, districts, towns, "
               "border crossings and neighbouring countries, with their spellings.")
    names = province_names()
    lookup_section(names)
    geocode_section(names)


run_page(main, "Gazetteer")
