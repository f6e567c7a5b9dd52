"""Claims: filter the stored claims, reject or restore one, add a manual claim, see every edit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import review, settings, store
from geo.appstate import check_writable, page_setup, read_only, run_page, show_error
from geo.boundaries import province_names
from geo.errors import ControlmapError
from geo.gazetteer import load_gazetteer
from geo.records import CLAIM_KINDS
from geo.textsafe import escape_markdown

EDITOR_KEY = "controlmap_editor"
FLASH_KEY = "claims_flash"


def editor_name() -> str:
    """Return the editor's name from the sidebar (default: CONTROLMAP_USER)."""
    if EDITOR_KEY not in st.session_state:
        st.session_state[EDITOR_KEY] = settings.EDITOR.value()
    st.sidebar.text_input("Your name (recorded with edits)", key=EDITOR_KEY,
                          help=settings.EDITOR.help)
    return st.session_state[EDITOR_KEY].strip()


def flash(message: str) -> None:
    """Keep a success message for the next run and rerun (so tables show the change)."""
    st.session_state[FLASH_KEY] = message
    st.rerun()


def filters(rows: list[dict], names: dict[str, str]) -> review.ClaimFilter:
    """Draw the filter widgets; return the filter they describe."""
    days = [r["event_date"] for r in rows]
    first, last = (min(days), max(days)) if days else (dt.date(2021, 1, 1), dt.date.today())
    top = st.columns([2, 2, 1, 1, 1])
    provinces = top[0].multiselect("Province", sorted(names, key=names.get),
                                   format_func=lambda iso: f"{names[iso]} ({iso})",
                                   key="claims_provinces")
    span = top[1].date_input("Dates", value=(first, last), key="claims_dates")
    kinds = top[2].multiselect("Kind", list(CLAIM_KINDS), key="claims_kinds")
    actors = top[3].multiselect("Actor", sorted({r["actor"] for r in rows}), key="claims_actors")
    statuses = top[4].multiselect("Status", list(review.CLAIM_STATUSES), default=["active"],
                                  key="claims_statuses")
    text = st.text_input("Search quotes, places, sources and notes", key="claims_text")
    start, end = review.date_span(span)
    return review.ClaimFilter(
        provinces=frozenset(provinces), start=start, end=end, kinds=frozenset(kinds),
        actors=frozenset(actors), statuses=frozenset(statuses), text=text,
    )  # fmt: skip


def review_section(shown: list[dict], db: str, author: str) -> None:
    """Reject or restore one claim of the filtered list, with a note."""
    st.subheader("Reject or restore a claim")
    if not shown:
        st.caption("No claim matches the filters.")
        return
    by_id = {r["claim_id"]: r for r in shown}
    claim_id = st.selectbox("Claim", list(by_id), format_func=lambda cid: review.claim_label(
        by_id[cid]), key="claims_selected")
    row = by_id[claim_id]
    st.caption(f"Status: **{escape_markdown(row['status'])}** · origin "
               f"{escape_markdown(row['origin'])} · claimant {escape_markdown(row['claimant'])}"
               f" · confidence {row['confidence']:.2f}")
    st.text(row["quote"])
    note = st.text_input("Note (why)", key="claims_review_note")
    left, right = st.columns(2)
    reject = left.button("Reject claim", disabled=row["status"] == "rejected",
                         key="claims_reject")
    restore = right.button("Restore claim", disabled=row["status"] == "active",
                           key="claims_restore")
    if reject or restore:
        check_writable()
        with store.open_db(db).begin() as conn:
            if reject:
                store.reject_claim(conn, claim_id, author=author, note=note)
            else:
                store.restore_claim(conn, claim_id, author=author, note=note)
        verb = "Rejected" if reject else "Restored"
        flash(f"{verb} claim {escape_markdown(claim_id)}. "
              f"{'Restore' if reject else 'Reject'} it to undo.")


def manual_section(db: str, author: str, names: dict[str, str], default_day: dt.date) -> None:
    """Add a manual claim on a province or a place of it, with a quote and a note."""
    st.subheader("Add a manual claim")
    gaz = load_gazetteer()
    top = st.columns(3)
    iso = top[0].selectbox("Province", sorted(names, key=names.get),
                           format_func=lambda code: f"{names[code]} ({code})",
                           key="manual_province")
    query = top[1].text_input("Search a place in it (optional)", key="manual_query")
    places = review.places_in_province(gaz, iso, query)
    by_id = {p.place_id: p for p in places}
    place_id = top[2].selectbox(
        "Place", list(by_id),
        format_func=lambda pid: f"{by_id[pid].name} ({by_id[pid].kind})",
        key="manual_place",
    )  # fmt: skip
    row = st.columns(5)
    day = row[0].date_input("Date", value=default_day, max_value=dt.date.today(),
                            key="manual_date")
    actor = row[1].selectbox("Actor", list(review.ACTORS), key="manual_actor")
    kind = row[2].selectbox("Kind", list(CLAIM_KINDS), key="manual_kind")
    claimant = row[3].selectbox("Claimant", list(review.CLAIMANTS), key="manual_claimant")
    confidence = row[4].slider("Confidence", 0.0, 1.0, 0.8, 0.05, key="manual_confidence")
    quote = st.text_area("Quote or evidence (required)", key="manual_quote", height=80)
    source = st.text_input("Source (URL or reference)", key="manual_source")
    note = st.text_input("Note (required: why you add it)", key="manual_note")
    if st.button("Add claim", type="primary", key="manual_add"):
        if not author:
            st.error("Enter your name in the sidebar first: every edit records its author.")
            return
        try:
            check_writable()
            claim = review.build_manual_claim(
                by_id[place_id], event_date=day, actor=actor, kind=kind, claimant=claimant,
                confidence=confidence, quote=quote, note=note, source=source,
            )  # fmt: skip
            with store.open_db(db).begin() as conn:
                added = store.add_manual_claim(conn, claim, author=author, note=claim.note)
        except ControlmapError as err:
            show_error(err)
            return
        flash(escape_markdown(f"Added manual claim {added.claim_id} ({added.place}, "
                              f"{added.actor} {added.kind}).") + " Reject it to undo.")


def main() -> None:
    """Lay out the Claims page."""
    setup = page_setup("Claims")
    if setup is None:
        return
    db, model = setup
    author = "" if read_only() else editor_name()
    st.title("Claims")
    st.caption("Every claim the map rests on, with its quote and source. Rejecting a claim "
               "removes it from the map; restoring it brings it back. Nothing is ever "
               "deleted: every edit is kept in the history below.")
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))
    names = province_names()
    with store.open_db(db).connect() as conn:
        rows = store.load_claim_rows(conn, include_rejected=True)
        edits = store.load_edits(conn)
    flt = filters(rows, names)
    shown = review.filter_claim_rows(rows, flt)
    st.caption(f"{len(shown)} of {len(rows)} claims")
    table = review.claim_table_rows(shown, names)
    if table:
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="claims_table")
    if read_only():
        st.caption("This controlmap is read-only: claims cannot be rejected, restored or "
                   "added here.")
    else:
        review_section(shown, db, author)
        span = model.days()
        manual_section(db, author, names, span[1] if span else dt.date.today())
    st.subheader("Edit history")
    by_id = {r["claim_id"]: r for r in rows}
    history = review.edit_rows(edits, by_id)
    if history:
        st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")
    else:
        st.caption("No edits yet.")


run_page(main, "Claims")
