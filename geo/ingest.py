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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from geo import store
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

    def summary(self) -> str:
        """Return a one-line summary of the batch."""
        line = (
            f"{self.documents} documents ingested, {self.claims} claims, "
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
        return "ingested"


def prepared(doc: Document, extraction: Extraction) -> store.PreparedDocument:
    """Return what :func:`geo.store.save_documents` stores for a document's extraction."""
    return store.PreparedDocument(doc, extraction.mentions, extraction.claims,
                                  extraction.counts)


def save_prepared(engine: sa.Engine,
                  items: Sequence[store.PreparedDocument]) -> list[bool | DocumentStoreError]:
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
        return list(store.save_batch(engine, items))
    except DocumentStoreError as err:
        if len(items) == 1:
            return [err]
    out: list[bool | DocumentStoreError] = []
    for item in items:
        try:
            out.append(store.save_batch(engine, [item])[0])
        except DocumentStoreError as err:
            out.append(err)
    return out


def ingest_document(engine: sa.Engine, doc: Document,
                    gazetteer: Gazetteer | None = None,
                    extractor: str | None = None) -> Extraction | None:
    """Extract and store one document in one transaction; ``extractor`` names the engine
    (default: the ``CONTROLMAP_ENGINE`` setting).

    Returns
    -------
    Extraction or None
        What was stored, or None when the same content was already stored.

    Raises
    ------
    DocumentStoreError
        If the database refuses the document (nothing of it is stored).
    """
    with engine.connect() as conn:
        if store.stored_hashes(conn, [doc.content_hash]):
            return None
    extraction = extract(doc, gazetteer or load_gazetteer(), engine=extractor)
    stored = store.save_batch(engine, [prepared(doc, extraction)])[0]
    return extraction if stored else None


def ingest_paths(
    engine: sa.Engine,
    paths: Iterable[str | Path],
    *,
    default_date: dt.date | None = None,
    on_document: Callable[[str, str], None] | None = None,
    extractor: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestReport:
    """Ingest every supported file under ``paths`` in batches; return what happened.

    ``on_document(name, outcome)`` is called for each document, in order, once its batch is
    written, with outcome ``ingested``, ``skipped``, ``refused: <reason>`` or ``failed:
    <reason>`` (for progress bars); ``extractor`` names the extraction engine (default: the
    ``CONTROLMAP_ENGINE`` setting); ``batch_size`` is the number of documents per write
    transaction.

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
    batch: list[Document | DocumentError] = []
    size = 0
    for path in paths:
        for item in read_documents(path, default_date=default_date):
            batch.append(item)
            size += len(item.text) if isinstance(item, Document) else 0
            if len(batch) >= max(1, batch_size) or size >= BATCH_BYTES:
                _ingest_batch(engine, batch, gaz, report, extractor, on_document)
                batch, size = [], 0
    _ingest_batch(engine, batch, gaz, report, extractor, on_document)
    return report


def _item_name(item: Document | DocumentError) -> str:
    return item.name if isinstance(item, Document) else item.document or "document"


def _ingest_batch(engine: sa.Engine, items: Sequence[Document | DocumentError],
                  gaz: Gazetteer, report: IngestReport, extractor: str | None,
                  on_document: Callable[[str, str], None] | None) -> None:
    """Extract the batch's new documents, write them in one transaction, report each."""
    if not items:
        return
    docs = [item for item in items if isinstance(item, Document)]
    with engine.connect() as conn:
        seen = store.stored_hashes(conn, (doc.content_hash for doc in docs))
    outcomes: list[str] = [""] * len(items)
    todo: list[tuple[int, Document, Extraction]] = []
    for i, item in enumerate(items):
        if isinstance(item, DocumentError):
            report.refused.append((_item_name(item), str(item)))
            outcomes[i] = f"refused: {item}"
        elif item.content_hash in seen:  # stored before, or earlier in this batch
            report.skipped.append(item.name)
            outcomes[i] = "skipped"
        else:
            seen.add(item.content_hash)
            todo.append((i, item, extract(item, gaz, engine=extractor)))
    batch = [prepared(doc, extraction) for _, doc, extraction in todo]
    for (i, doc, extraction), result in zip(todo, save_prepared(engine, batch), strict=True):
        outcomes[i] = report.record(doc.name, extraction, result)
    if on_document:
        for item, outcome in zip(items, outcomes, strict=True):
            on_document(_item_name(item), outcome)
