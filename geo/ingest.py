"""Ingest documents: read, geocode, extract claims and store them, each document atomically.

Documents are read and stored in batches (:data:`BATCH_SIZE` documents, at most
:data:`BATCH_BYTES` of text): one read finds which of a batch are stored already, the rest
are extracted with no lock held, then the batch is written in one transaction
(:func:`geo.store.save_batch`). Each document is stored whole (its mentions, claims and
counts) or not at all; a document whose content is stored already, or that another writer
stored first, is skipped, so re-running a batch is a no-op and overlapping ingests running
at once store each document once. Refused documents (empty, binary, not UTF-8, too large,
undated) are reported and the batch goes on; so is a document the database refuses (the
batch is then written one document per transaction, so the others are kept).

A stored document is linked to the story it copies (:func:`geo.stories.assign_batch`) in the
transaction that stores it. A document whose normalised text is stored already but with
another date or metadata is "outdated": skipped, or replaced with ``replace=True``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from geo import store, stories
from geo.documents import read_documents
from geo.errors import DocumentError, DocumentStoreError
from geo.extract import Extraction
from geo.extraction import extract
from geo.gazetteer import Gazetteer, load_gazetteer
from geo.records import Document

#: Documents per write transaction: few commits, and a killed ingest loses one batch's
#: work at most (never a half-stored document).
BATCH_SIZE = 100
#: A batch is written early once its texts reach this many bytes (bounded memory).
BATCH_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class IngestReport:
    """What a batch did: documents stored, claims added, skipped duplicates, refusals, and
    documents the database refused (``failed``)."""

    documents: int = 0
    claims: int = 0
    counts: int = 0
    skipped: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Stored documents re-ingested with corrections (replaced with --replace, else skipped
    # and listed in `outdated`), and notes on what a reader dropped.
    replaced: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line summary of the batch."""
        replaced = f"{len(self.replaced)} replaced, " if self.replaced else ""
        line = (
            f"{self.documents} documents ingested, {self.claims} claims, {replaced}"
            f"{len(self.skipped)} skipped (already stored), {len(self.refused)} refused"
        )
        return f"{line}, {len(self.failed)} failed" if self.failed else line

    def record(self, name: str, extraction: Extraction,
               result: bool | DocumentStoreError) -> str:
        """Count one document's outcome; return it as ``ingested``, ``skipped`` or
        ``failed: <reason>``."""
        if isinstance(result, DocumentStoreError):
            self.failed.append((name, str(result)))
            return f"failed: {result}"
        if not result:
            self.skipped.append(name)
            return "skipped"
        self.documents += 1
        self.claims += len(extraction.claims)
        self.counts += len(extraction.counts)
        self.notes.extend((name, f"{name}: {note}") for _, note in extraction.notes)
        return "ingested"


def prepared(doc: Document, extraction: Extraction) -> store.PreparedDocument:
    """Return what :func:`geo.store.save_documents` stores for a document's extraction."""
    return store.PreparedDocument(doc, extraction.mentions, extraction.claims,
                                  extraction.counts)


def link_stories(index: stories.StoryIndex | None) -> store.OnStored:
    """Return the store hook that links each stored document to its story (near-copies)."""

    def on_stored(conn: sa.Connection, stored: list[tuple[int, store.PreparedDocument]]
                  ) -> None:
        stories.assign_batch(conn, [(doc_id, item.doc.text) for doc_id, item in stored], index,
                             [item.signature for _, item in stored])

    return on_stored


def save_prepared(engine: sa.Engine, items: Sequence[store.PreparedDocument],
                  on_stored: store.OnStored | None = None) -> list[bool | DocumentStoreError]:
    """Store prepared documents in one transaction; if the database refuses one of them,
    store each in a transaction of its own so that the others are kept.

    Returns
    -------
    list
        One per item: True (stored), False (already stored, or stored first by another
        writer) or the DocumentStoreError that refused it.

    Raises
    ------
    StoreError
        If the database is unavailable or stays locked (nothing of the batch is stored).
    """
    if not items:
        return []
    try:
        return list(store.save_batch(engine, items, on_stored=on_stored))
    except DocumentStoreError as err:
        if len(items) == 1:
            return [err]
    out: list[bool | DocumentStoreError] = []
    for item in items:
        try:
            out.append(store.save_batch(engine, [item], on_stored=on_stored)[0])
        except DocumentStoreError as err:
            out.append(err)
    return out


def ingest_document(engine: sa.Engine, doc: Document,
                    gazetteer: Gazetteer | None = None,
                    extractor: str | None = None, *, replace: bool = False,
                    story_index: stories.StoryIndex | None = None) -> Extraction | None:
    """Extract and store one document in one transaction; ``extractor`` names the engine
    (default: the ``CONTROLMAP_ENGINE`` setting).

    With ``replace``, a stored document with the same normalised text but another date,
    title, URL or outlet is replaced (its claims extracted again with the new date).
    ``story_index`` is kept across a batch to find near-copies (see :mod:`geo.stories`).

    Returns
    -------
    Extraction or None
        What was stored, or None when the same content was already stored.
    """
    _, extraction = _store_document(engine, doc, gazetteer, extractor, replace, story_index)
    return extraction


def _store_document(engine: sa.Engine, doc: Document, gazetteer: Gazetteer | None,
                    extractor: str | None, replace: bool,
                    story_index: stories.StoryIndex | None) -> tuple[str, Extraction | None]:
    """Return the outcome (ingested, replaced, skipped, outdated) and what was stored."""
    with engine.connect() as conn:
        # The same normalised text is stored: replace it only when asked to.
        stored_doc = stories.stored_copy(conn, doc)
    if stored_doc is not None:
        if not stories.corrections(stored_doc, doc):
            return "skipped", None
        if not replace:
            return "outdated", None
    extraction = extract(doc, gazetteer or load_gazetteer(), engine=extractor)
    with engine.begin() as conn:
        kept_edits = []
        if stored_doc is not None:  # --replace
            kept_edits = stories.delete_for_replace(conn, stored_doc["doc_id"])
        stored = store.save_documents(conn, [prepared(doc, extraction)],
                                      link_stories(story_index))[0]
        if stored and stored_doc is not None:  # --replace keeps the copies' links and edits
            stories.relink(conn, stored_doc["doc_id"], stories.doc_id_of(conn, doc.content_hash))
            stories.restore_edits(conn, kept_edits)
    if not stored:
        return "skipped", None
    return ("replaced" if stored_doc is not None else "ingested"), extraction


def ingest_paths(
    engine: sa.Engine,
    paths: Iterable[str | Path],
    *,
    default_date: dt.date | None = None,
    on_document: Callable[[str, str], None] | None = None,
    extractor: str | None = None,
    batch_size: int = BATCH_SIZE,
    replace: bool = False,
) -> IngestReport:
    """Ingest every supported file under ``paths`` in batches; return what happened.

    ``on_document(name, outcome)`` is called for each document, in order, once its batch is
    written, with outcome ``ingested``, ``replaced``, ``skipped``, ``outdated``, ``refused:
    <reason>`` or ``failed: <reason>`` (for progress bars); ``extractor`` names the
    extraction engine (default: the ``CONTROLMAP_ENGINE`` setting); ``batch_size`` is the
    number of documents per write transaction; ``replace`` replaces stored documents
    re-ingested with another date or metadata.

    Raises
    ------
    StoreError
        If the database is unavailable or stays locked; the batches written before are
        kept, and running the same ingest again goes on from there.
    """
    from geo.extraction import check_engine

    if extractor is not None:
        check_engine(extractor)
    report = IngestReport()
    gaz = load_gazetteer()
    story_index = stories.StoryIndex()  # one near-copy index for the whole run
    batch: list[Document | DocumentError] = []
    size = 0
    for path in paths:
        for item in read_documents(path, default_date=default_date):
            batch.append(item)
            size += len(item.text) if isinstance(item, Document) else 0
            if len(batch) >= max(1, batch_size) or size >= BATCH_BYTES:
                _ingest_batch(engine, batch, gaz, report, extractor, on_document, replace,
                              story_index)
                batch, size = [], 0
    _ingest_batch(engine, batch, gaz, report, extractor, on_document, replace, story_index)
    return report


def _item_name(item: Document | DocumentError) -> str:
    return item.name if isinstance(item, Document) else item.document or "document"


def _ingest_batch(engine: sa.Engine, items: Sequence[Document | DocumentError],
                  gaz: Gazetteer, report: IngestReport, extractor: str | None,
                  on_document: Callable[[str, str], None] | None, replace: bool = False,
                  story_index: stories.StoryIndex | None = None) -> None:
    """Extract the batch's new documents, write them in one transaction, report each."""
    if not items:
        return
    docs = [item for item in items if isinstance(item, Document)]
    with engine.connect() as conn:
        stored_before = store.stored_hashes(conn, (doc.content_hash for doc in docs))
    seen = set(stored_before)
    outcomes: list[str] = [""] * len(items)
    todo: list[tuple[int, Document, Extraction]] = []
    for i, item in enumerate(items):
        if isinstance(item, DocumentError):
            report.refused.append((_item_name(item), str(item)))
            outcomes[i] = f"refused: {item}"
            continue
        report.notes.extend((item.name, note) for note in item.notes)
        if item.content_hash in stored_before:  # stored before: maybe a correction
            outcomes[i] = _ingest_stored(engine, item, gaz, report, extractor, replace,
                                         story_index)
        elif item.content_hash in seen:  # earlier in this batch
            report.skipped.append(item.name)
            outcomes[i] = "skipped"
        else:
            seen.add(item.content_hash)
            todo.append((i, item, extract(item, gaz, engine=extractor)))
    batch = [prepared(doc, extraction) for _, doc, extraction in todo]
    results = save_prepared(engine, batch, link_stories(story_index))
    for (i, doc, extraction), result in zip(todo, results, strict=True):
        outcomes[i] = report.record(doc.name, extraction, result)
    if on_document:
        for item, outcome in zip(items, outcomes, strict=True):
            on_document(_item_name(item), outcome)


def _ingest_stored(engine: sa.Engine, doc: Document, gaz: Gazetteer, report: IngestReport,
                   extractor: str | None, replace: bool,
                   story_index: stories.StoryIndex | None) -> str:
    """Handle a document whose normalised text is stored: skip it, or replace it when it
    corrects the stored copy and ``replace`` is set; return the outcome."""
    try:
        outcome, extraction = _store_document(engine, doc, gaz, extractor, replace,
                                              story_index)
    except DocumentStoreError as err:
        report.failed.append((doc.name, str(err)))
        return f"failed: {err}"
    if extraction is None:
        report.skipped.append(doc.name)
        if outcome == "outdated":
            report.outdated.append(doc.name)
        return outcome
    report.replaced.append(doc.name)
    report.claims += len(extraction.claims)
    report.counts += len(extraction.counts)
    return outcome
