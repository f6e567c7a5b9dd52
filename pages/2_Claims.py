"""Claims: filter the stored claims, reject or restore one, add a manual claim, see every edit.

The table is one page of claims asked from the database (:mod:`geo.claimquery`: filters,
sort and ``LIMIT``/``OFFSET`` in SQL), so a visit costs the same on a demo database and
on one with 150k claims. A claim is picked by clicking its row or by typing its id; a
rejected claim stays on the page, marked rejected, with a Restore button.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import claimquery, review, settings, store
from geo.appstate import check_writable, page_database, read_only, run_page, show_error
from geo.boundaries import province_names
from geo.errors import ControlmapError
from geo.gazetteer import load_gazetteer
from geo.records import CLAIM_KINDS
from geo.textsafe import escape_markdown

EDITOR_KEY = "controlmap_editor"
FLASH_KEY = "claims_flash"
PICKED_KEY = "claims_picked"
TABLE_KEY = "claims_table"
LAST_CLICK_KEY = "claims_last_click"


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


@st.cache_data(max_entries=8, show_spinner=False)
def cached_options(db: str, version: str) -> claimquery.FilterOptions:
    """Return the filter widgets' ranges for one data version (a full scan: done once)."""
    with store.open_db(db).connect() as conn:
        return claimquery.filter_options(conn)


def filters(options: claimquery.FilterOptions, names: dict[str, str]) -> review.ClaimFilter:
    """Draw the filter widgets; return the filter they describe."""
    first = options.first or dt.date(2021, 1, 1)
    last = options.last or dt.date.today()
    top = st.columns([2, 2, 1.2, 1.2, 1.2])
    provinces = top[0].multiselect("Province", sorted(names, key=names.get),
                                   format_func=lambda iso: f"{names[iso]} ({iso})",
                                   key="claims_provinces")  # fmt: skip
    span = top[1].date_input("Dates", value=(first, last), key="claims_dates")
    kinds = top[2].multiselect("Kind", list(CLAIM_KINDS), key="claims_kinds")
    actors = top[3].multiselect("Actor", list(options.actors), key="claims_actors")
    statuses = top[4].multiselect("Status", list(review.CLAIM_STATUSES),
                                  key="claims_statuses",
                                  help="Empty: every claim, active and rejected")  # fmt: skip
    text = st.text_input("Search quotes, places, sources and notes", key="claims_text")
    start, end = review.date_span(span)
    return review.ClaimFilter(
        provinces=frozenset(provinces), start=start, end=end, kinds=frozenset(kinds),
        actors=frozenset(actors), statuses=frozenset(statuses), text=text,
    )  # fmt: skip


def paging(total: int) -> tuple[int, int, claimquery.SortKey, bool]:
    """Draw the sort and page widgets; return (limit, offset, sort, descending)."""
    cols = st.columns([1.2, 1, 1, 1])
    sort = cols[0].selectbox("Sort by", claimquery.SORTS, key="claims_sort")
    descending = cols[1].toggle("Newest / largest first", key="claims_desc")
    size = cols[2].selectbox("Rows per page", claimquery.PAGE_SIZES, index=1,
                             key="claims_page_size")  # fmt: skip
    pages = claimquery.page_count(total, size)
    page_no = cols[3].number_input(f"Page (of {pages:,})", min_value=1, max_value=pages,
                                   value=1, step=1, key="claims_page")  # fmt: skip
    page_no = min(int(page_no), pages)
    return size, (page_no - 1) * size, sort, descending


def claims_table(rows: list[dict], names: dict[str, str]) -> str | None:
    """Draw one page of claims; return the id of the row the user clicked, if any."""
    table = review.claim_table_rows(rows, names)
    event = st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key=TABLE_KEY,
                         on_select="rerun", selection_mode="single-row")  # fmt: skip
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and 0 <= picked[0] < len(rows):
        return rows[picked[0]]["claim_id"]
    return None


def review_section(conn_db: str, author: str, clicked: str | None) -> None:
    """Reject or restore one claim, picked by a click on its row or by its id."""
    st.subheader("Reject or restore a claim")
    # A row stays selected across reruns: only a new click replaces the typed id.
    if clicked and clicked != st.session_state.get(LAST_CLICK_KEY):
        st.session_state[PICKED_KEY] = clicked
    st.session_state[LAST_CLICK_KEY] = clicked
    st.text_input("Claim id (or click a row above)", key=PICKED_KEY)
    claim_id = st.session_state.get(PICKED_KEY, "").strip()
    if not claim_id:
        st.caption("Click a claim's row in the table, or type its id.")
        return
    with store.open_db(conn_db).connect() as conn:
        row = claimquery.claim_by_id(conn, claim_id)
    if row is None:
        st.warning(f"No claim has the id {escape_markdown(repr(claim_id))}: check it, or "
                   "click a row above.")
        return
    rejected = row["status"] == "rejected"
    with st.container(border=True):
        st.markdown(f"**Claim {escape_markdown(row['claim_id'])}** · "
                    f"{':red[**rejected**]' if rejected else '**active**'} · "
                    f"{review.ORIGIN_LABELS.get(row['origin'], 'claim')}")  # fmt: skip
        st.caption(review.claim_details(row))
        st.text(row["quote"])
    note = st.text_input("Note (why)", key="claims_review_note")
    if rejected:
        st.info("This claim is rejected: the map leaves it out. Restore it to bring it back.")
        if st.button("Restore claim", key="claims_restore", type="primary"):
            _edit(conn_db, claim_id, author, note, reject=False)
    elif st.button("Reject claim", key="claims_reject"):
        _edit(conn_db, claim_id, author, note, reject=True)


def _edit(db: str, claim_id: str, author: str, note: str, *, reject: bool) -> None:
    check_writable()
    with store.open_db(db).begin() as conn:
        if reject:
            store.reject_claim(conn, claim_id, author=author, note=note)
        else:
            store.restore_claim(conn, claim_id, author=author, note=note)
    verb = "Rejected" if reject else "Restored"
    flash(f"{verb} claim {escape_markdown(claim_id)}. "
          f"{'Restore' if reject else 'Reject'} it to undo.")


def place_picker(names: dict[str, str]):
    """Draw the province and place pickers; return the place the claim will be filed on."""
    gaz = load_gazetteer()
    top = st.columns(3)
    iso = top[0].selectbox("Province", sorted(names, key=names.get),
                           format_func=lambda code: f"{names[code]} ({code})",
                           key="manual_province")  # fmt: skip
    query = top[1].text_input("Search a place in it (optional)", key="manual_query")
    places = review.manual_place_options(gaz, iso, query)
    by_id = {p.place_id: p for p in places}
    # The place list changes with the province and the search: a key per list makes the
    # picker start on its first option (the best hit), never on a stale choice.
    key = review.place_picker_key(iso, query)
    place_id = top[2].selectbox("Place", list(by_id), key=key,
                                format_func=lambda pid: review.place_option_label(by_id[pid]))
    st.session_state["manual_place"] = place_id
    place = by_id[place_id]
    st.caption(f"The claim will be filed on **{review.place_option_label(place)}**.")
    return place


def manual_section(db: str, author: str, names: dict[str, str], default_day: dt.date) -> None:
    """Add a manual claim on a province or a place of it, with a quote and a note."""
    st.subheader("Add a manual claim")
    place = place_picker(names)
    row = st.columns(5)
    day = row[0].date_input("Date", value=default_day, max_value=dt.date.today(),
                            key="manual_date")
    actor = row[1].selectbox("Actor", list(review.ACTORS), key="manual_actor")
    kind = row[2].selectbox("Kind", list(CLAIM_KINDS), key="manual_kind")
    claimant = row[3].selectbox("Claimant", list(review.CLAIMANTS), key="manual_claimant")
    confidence = row[4].slider("Confidence", 0.0, 1.0, 0.8, 0.05, key="manual_confidence",
                               help=review.CONFIDENCE_HELP)
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
                place, event_date=day, actor=actor, kind=kind, claimant=claimant,
                confidence=confidence, quote=quote, note=note, source=source,
            )  # fmt: skip
            with store.open_db(db).begin() as conn:
                added = store.add_manual_claim(conn, claim, author=author, note=claim.note)
        except ControlmapError as err:
            show_error(err)
            return
        flash(escape_markdown(f"Added manual claim {added.claim_id} ({added.place}, "
                              f"{added.actor} {added.kind}).") + " Reject it to undo.")


def history_section(db: str) -> None:
    """Show the newest edits with the claim each one is about."""
    st.subheader("Edit history")
    with store.open_db(db).connect() as conn:
        edits = claimquery.recent_edits(conn)
        by_id = claimquery.claims_by_id(conn, {e["claim_id"] for e in edits})
    history = review.edit_rows(edits, by_id)
    if history:
        st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")
    else:
        st.caption("No edits yet.")


def main() -> None:
    """Lay out the Claims page."""
    db = page_database("Claims")
    if db is None:
        return
    author = "" if read_only() else editor_name()
    st.title("Claims")
    st.caption("Every claim the map rests on, with its quote and source. Rejecting a claim "
               "removes it from the map; restoring it brings it back. Nothing is ever "
               "deleted: every edit is kept in the history below.")
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))
    names = province_names()
    with store.open_db(db).connect() as conn:
        options = cached_options(db, store.data_version(conn))
        flt = filters(options, names)
        total = claimquery.count_claims(conn, flt)
        limit, offset, sort, descending = paging(total)
        rows = claimquery.page_claims(conn, flt, limit=limit, offset=offset, sort=sort,
                                      descending=descending)  # fmt: skip
    shown_to = offset + len(rows)
    st.caption(f"{total:,} of {options.total:,} claims match; showing "
               f"{offset + 1 if rows else 0:,}–{shown_to:,}")  # fmt: skip
    clicked = None
    if rows:
        clicked = claims_table(rows, names)
    else:
        st.caption("No claim matches the filters.")
    if read_only():
        st.caption("This controlmap is read-only: claims cannot be rejected, restored or "
                   "added here.")
    else:
        review_section(db, author, clicked)
        manual_section(db, author, names, options.last or dt.date.today())
    history_section(db)


run_page(main, "Claims")
