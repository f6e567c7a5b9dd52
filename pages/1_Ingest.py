"""Ingest: paste or upload reports, preview the mentions and claims, then commit them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import review, settings, store
from geo.appstate import check_writable, page_setup, read_only, run_page, show_error
from geo.boundaries import province_names
from geo.errors import DocumentError
from geo.extract import Extraction
from geo.extraction import extract
from geo.ingest import ingest_document
from geo.records import Document
from geo.textsafe import escape_markdown

FLASH_KEY = "ingest_flash"
FORMAT_LABELS = {"txt": "Plain text", "md": "Markdown", "html": "HTML"}


@st.cache_resource(max_entries=64, show_spinner="Finding places and claims…")
def cached_extraction(doc: Document) -> Extraction:
    """Return the extraction of a document (cached: reruns do not extract it again)."""
    return extract(doc)


def show_preview(doc: Document, names: dict[str, str], db: str) -> None:
    """Show one document's highlighted text, the claims it would add and its counts."""
    extraction = cached_extraction(doc)
    with store.open_db(db).connect() as conn:
        stored = store.has_document(conn, doc.content_hash)
    st.markdown(
        f"**{len(extraction.mentions)}** place mentions · **{len(extraction.claims)}** claims "
        f"· **{len(extraction.counts)}** count statements · published "
        f"**{doc.published.isoformat()}**"
    )
    if stored:
        st.info(f"{escape_markdown(doc.name)}: this text is already stored; committing it "
                "adds nothing.")
    st.caption("Place mentions are highlighted; orange marks a claim's place. Hover for the "
               "place, its province and why it was chosen.")
    st.html(review.highlight_html(doc.text, extraction.mentions, extraction.claims, names))
    rows = review.claim_preview_rows(extraction.claims, names)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No control claim found in this text.")
    if extraction.counts:
        st.dataframe(
            pd.DataFrame(
                [
                    {"date": c.event_date.isoformat(), "actor": c.actor, "count": c.count,
                     "total": c.total, "unit": c.unit, "quote": c.quote}
                    for c in extraction.counts
                ]
            ),
            hide_index=True,
            width="stretch",
        )  # fmt: skip


def commit(docs: list[Document], db: str) -> None:
    """Ingest the documents one transaction each, with a progress bar and a summary."""
    check_writable()
    engine = store.open_db(db)
    bar = st.progress(0.0, text="Ingesting…") if len(docs) > 1 else None
    added, skipped, claims = [], [], 0
    for k, doc in enumerate(docs, start=1):
        extraction = ingest_document(engine, doc)
        if extraction is None:
            skipped.append(doc.name)
        else:
            added.append(doc.name)
            claims += len(extraction.claims)
        if bar is not None:
            bar.progress(k / len(docs), text=f"{k} of {len(docs)}: {escape_markdown(doc.name)}")
    results = []
    if added:
        message = (f"Stored {len(added)} document(s) with {claims} claim(s). The map and the "
                   "exports use them from now on.")
        results.append(("success", message))
    results += [("warning", escape_markdown(name) + " is already stored (same text); nothing "
                 "was added.") for name in skipped]
    # Rerun so the preview and the documents table show what is stored now.
    st.session_state[FLASH_KEY] = results
    st.rerun()


def paste_tab(default_date: dt.date | None, names: dict[str, str], db: str) -> None:
    """The paste-a-text tab."""
    text = st.text_area(
        "Report text",
        key="ingest_text",
        height=220,
        placeholder="date 2021-08-06\n\nThe Taliban captured Zaranj, the capital of Nimroz "
        "province, on Friday.",
        help="A first line 'date YYYY-MM-DD' gives the publication date; otherwise set it above.",
    )
    left, right = st.columns(2)
    name = left.text_input("Document name", value="pasted.txt", key="ingest_name")
    fmt = right.selectbox("Format", list(FORMAT_LABELS), format_func=FORMAT_LABELS.get,
                          key="ingest_format")
    left, right = st.columns(2)
    url = left.text_input("Article URL (optional)", key="ingest_url",
                          placeholder="https://…",
                          help="Where the report was published (http or https): the map's "
                          "evidence links to it.")  # fmt: skip
    outlet = right.text_input("Outlet (optional)", key="ingest_outlet",
                              placeholder="e.g. the newspaper or agency",
                              help="Who published it; taken from the URL's host when empty.")
    if not text.strip():
        st.caption("Paste a report to preview its mentions and claims.")
        return
    try:
        doc = review.read_pasted(text, name, fmt=fmt, default_date=default_date, url=url,
                                 outlet=outlet)
    except DocumentError as err:
        show_error(err)
        return
    st.subheader("Preview")
    show_preview(doc, names, db)
    if st.button("Commit", type="primary", key="ingest_commit_text"):
        commit([doc], db)


def upload_tab(default_date: dt.date | None, names: dict[str, str], db: str) -> None:
    """The upload-files tab."""
    limit_mb = int(settings.MAX_UPLOAD_MB.value())
    files = st.file_uploader(
        f"Report files ({', '.join('.' + t for t in review.UPLOAD_TYPES)}; at most "
        f"{limit_mb} MB each)",
        type=list(review.UPLOAD_TYPES),
        accept_multiple_files=True,
        max_upload_size=limit_mb,
        key="ingest_files",
    )
    st.caption(f"Upload limit: {limit_mb} MB per file (CONTROLMAP_MAX_UPLOAD_MB); a single "
               f"document may be at most {settings.max_document_bytes() // 1024:,} KB of text.")
    if not files:
        return
    docs: list[Document] = []
    for upload in files:
        items = review.read_upload(upload.name, upload.getvalue(), default_date=default_date,
                                   max_bytes=review.upload_limit_bytes(limit_mb))
        for item in items:
            if isinstance(item, DocumentError):
                show_error(item)
            else:
                docs.append(item)
    if not docs:
        return
    st.subheader(f"Preview of {len(docs)} document(s)")
    for k, doc in enumerate(docs):
        with st.expander(f"{escape_markdown(doc.name)} · {doc.published.isoformat()}",
                         expanded=k == 0):
            show_preview(doc, names, db)
    if st.button(f"Commit {len(docs)} document(s)", type="primary", key="ingest_commit_files"):
        commit(docs, db)


def main() -> None:
    """Lay out the Ingest page."""
    setup = page_setup("Ingest")
    if setup is None:
        return
    db, _model = setup
    st.title("Ingest reports")
    if read_only():
        st.info("This controlmap is read-only: reports cannot be ingested here.")
        return
    st.caption("Paste or upload news reports. controlmap finds the places they name and the "
               "control claims they make; check the preview, then commit. Each document is "
               "stored in one transaction; a text already stored is skipped.")
    for level, message in st.session_state.pop(FLASH_KEY, []):
        getattr(st, level)(message)
    names = province_names()
    default_date = st.date_input(
        "Publication date for texts without one",
        value=None,
        max_value=dt.date.today(),
        key="ingest_date",
        help="Used only when a text has no 'date YYYY-MM-DD' line, front matter or HTML date.",
    )
    paste, upload = st.tabs(["Paste text", "Upload files"])
    with paste:
        paste_tab(default_date, names, db)
    with upload:
        upload_tab(default_date, names, db)
    with store.open_db(db).connect() as conn:
        documents = store.load_documents(conn)
    with st.expander(f"Stored documents ({len(documents)})"):
        if documents:
            st.dataframe(
                pd.DataFrame(documents)[
                    ["published", "outlet", "title", "name", "url", "n_mentions", "n_claims",
                     "ingested_at"]
                ],
                hide_index=True,
                width="stretch",
            )  # fmt: skip


run_page(main, "Ingest")
