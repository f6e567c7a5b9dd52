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

from geo import store, stories
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
    # dedupe: stored documents re-ingested with corrections (replaced with --replace, else
    # skipped and listed in `outdated`), and notes on what a reader dropped.
    replaced: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line summary of the batch."""
        replaced = f"{len(self.replaced)} replaced, " if self.replaced else ""
        return (
            f"{self.documents} documents ingested, {self.claims} claims, {replaced}"
            f"{len(self.skipped)} skipped (already stored), {len(self.refused)} refused"
        )


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
        # dedupe: the same normalised text is stored; replace it only when asked to.
        stored_doc = stories.stored_copy(conn, doc)
    if stored_doc is not None:
        if not stories.corrections(stored_doc, doc):
            return "skipped", None
        if not replace:
            return "outdated", None
    extraction = extract(doc, gazetteer or load_gazetteer(), engine=extractor)
    with engine.begin() as conn:
        kept_edits = []
        if stored_doc is not None:  # dedupe: --replace
            kept_edits = stories.delete_for_replace(conn, stored_doc["doc_id"])
        stored = store.save_document(conn, doc, extraction.mentions, extraction.claims,
                                     extraction.counts)
        if stored:  # dedupe: link a near-copy to its story, in the same transaction
            doc_id = stories.doc_id_of(conn, doc.content_hash)
            stories.assign(conn, doc_id, doc.text, story_index)
            if stored_doc is not None:
                stories.relink(conn, stored_doc["doc_id"], doc_id)
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
    replace: bool = False,
) -> IngestReport:
    """Ingest every supported file under ``paths``; return what happened.

    ``on_document(name, outcome)`` is called after each document with outcome
    ``ingested``, ``replaced``, ``skipped``, ``outdated`` or ``refused: <reason>`` (for
    progress bars); ``extractor`` names the extraction engine (default: the
    ``CONTROLMAP_ENGINE`` setting); ``replace`` replaces stored documents re-ingested with
    another date or metadata.
    """
    from geo.extraction import check_engine

    if extractor is not None:
        check_engine(extractor)
    report = IngestReport()
    gaz = load_gazetteer()
    story_index = stories.StoryIndex()  # dedupe: one near-copy index for the batch
    for path in paths:
        for item in read_documents(path, default_date=default_date):
            outcome = _ingest_item(engine, item, gaz, report, extractor, replace, story_index)
            if on_document:
                on_document(_item_name(item), outcome)
    return report


def _item_name(item: Document | DocumentError) -> str:
    return item.name if isinstance(item, Document) else item.document or "document"


def _ingest_item(engine: sa.Engine, item: Document | DocumentError, gaz: Gazetteer,
                 report: IngestReport, extractor: str | None = None, replace: bool = False,
                 story_index: stories.StoryIndex | None = None) -> str:
    if isinstance(item, DocumentError):
        report.refused.append((_item_name(item), str(item)))
        return f"refused: {item}"
    report.notes.extend((item.name, note) for note in item.notes)
    outcome, extraction = _store_document(engine, item, gaz, extractor, replace, story_index)
    if extraction is None:
        report.skipped.append(item.name)
        if outcome == "outdated":
            report.outdated.append(item.name)
        return outcome
    if outcome == "replaced":
        report.replaced.append(item.name)
    else:
        report.documents += 1
    report.claims += len(extraction.claims)
    report.counts += len(extraction.counts)
    return outcome
