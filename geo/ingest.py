"""Ingest documents: read, geocode, extract claims and store each document atomically.

Each document is stored in one transaction (all of its mentions, claims and counts, or
nothing); a document whose content is already stored is skipped, so re-running a batch is
a no-op. Refused documents (empty, binary, not UTF-8, too large, undated) are reported and
the batch goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from geo import store
from geo.documents import read_documents
from geo.errors import DocumentError
from geo.extract import Extraction
from geo.extraction import extract
from geo.gazetteer import Gazetteer, load_gazetteer
from geo.records import Document


@dataclass(slots=True)
class IngestReport:
    """What a batch did: documents stored, claims added, skipped duplicates, refusals."""

    documents: int = 0
    claims: int = 0
    counts: int = 0
    skipped: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line summary of the batch."""
        return (
            f"{self.documents} documents ingested, {self.claims} claims, "
            f"{len(self.skipped)} skipped (already stored), {len(self.refused)} refused"
        )


def ingest_document(engine: sa.Engine, doc: Document,
                    gazetteer: Gazetteer | None = None,
                    extractor: str | None = None) -> Extraction | None:
    """Extract and store one document in one transaction; ``extractor`` names the engine
    (default: the ``CONTROLMAP_ENGINE`` setting).

    Returns
    -------
    Extraction or None
        What was stored, or None when the same content was already stored.
    """
    with engine.connect() as conn:
        if store.has_document(conn, doc.content_hash):
            return None
    extraction = extract(doc, gazetteer or load_gazetteer(), engine=extractor)
    with engine.begin() as conn:
        stored = store.save_document(conn, doc, extraction.mentions, extraction.claims,
                                     extraction.counts)
    return extraction if stored else None


def ingest_paths(
    engine: sa.Engine,
    paths: Iterable[str | Path],
    *,
    default_date: dt.date | None = None,
    on_document: Callable[[str, str], None] | None = None,
    extractor: str | None = None,
) -> IngestReport:
    """Ingest every supported file under ``paths``; return what happened.

    ``on_document(name, outcome)`` is called after each document with outcome
    ``ingested``, ``skipped`` or ``refused: <reason>`` (for progress bars); ``extractor``
    names the extraction engine (default: the ``CONTROLMAP_ENGINE`` setting).
    """
    from geo.extraction import check_engine

    if extractor is not None:
        check_engine(extractor)
    report = IngestReport()
    gaz = load_gazetteer()
    for path in paths:
        for item in read_documents(path, default_date=default_date):
            outcome = _ingest_item(engine, item, gaz, report, extractor)
            if on_document:
                on_document(_item_name(item), outcome)
    return report


def _item_name(item: Document | DocumentError) -> str:
    return item.name if isinstance(item, Document) else item.document or "document"


def _ingest_item(engine: sa.Engine, item: Document | DocumentError, gaz: Gazetteer,
                 report: IngestReport, extractor: str | None = None) -> str:
    if isinstance(item, DocumentError):
        report.refused.append((_item_name(item), str(item)))
        return f"refused: {item}"
    extraction = ingest_document(engine, item, gaz, extractor)
    if extraction is None:
        report.skipped.append(item.name)
        return "skipped"
    report.documents += 1
    report.claims += len(extraction.claims)
    report.counts += len(extraction.counts)
    return "ingested"
