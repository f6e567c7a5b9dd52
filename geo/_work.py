"""What a parallel ingest's worker runs: geocoding, extraction and the near-copy signature.

Pure (no database, no files) and light to import: a Dask worker unpickles
:func:`prepare_chunk` by name, so this module is all it imports of the package besides the
extraction engine and :mod:`geo.signatures`; SQLAlchemy and the store stay in the client
(:mod:`geo.parallel`), which writes. Each worker process builds its gazetteer and
extraction engine once (:func:`worker_preparer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from geo import signatures
from geo.errors import ControlmapError
from geo.records import Claim, CountStatement, Document, Mention

if TYPE_CHECKING:
    from geo.extraction import Engine


@dataclass(frozen=True, slots=True)
class Extracted:
    """What a worker found in one document: its mentions, claims, counts and signature.

    Not the document itself: the client that sent it keeps it (:class:`Prepared` pairs the
    two), so it does not travel back.
    """

    mentions: tuple[Mention, ...]
    claims: tuple[Claim, ...]
    counts: tuple[CountStatement, ...]
    #: how the text was read (a sentence too long to read whole), for the report
    notes: tuple[str, ...] = ()
    #: the text's near-copy signature (:func:`geo.signatures.signature_bytes`): hashing is
    #: the writer's largest cost after the inserts, and it needs only the text
    signature: bytes | None = None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled as tuples of plain values: a slots dataclass's own pickling looks up
        # its fields and sets each attribute in Python for every object, and the client
        # unpickles every claim of the run in its Dask thread, on a core the workers need
        # (0.09-0.12 ms a document as records, 0.05 as tuples; bench/README.md).
        return (_extracted_from_values,
                (tuple(map(tuple, self.mentions)), tuple(map(_claim_values, self.claims)),
                 tuple(map(_count_values, self.counts)), self.notes, self.signature))


_claim_values = attrgetter(*(f.name for f in fields(Claim)))
_count_values = attrgetter(*(f.name for f in fields(CountStatement)))


def _extracted_from_values(mentions: tuple[tuple[Any, ...], ...],
                           claims: tuple[tuple[Any, ...], ...],
                           counts: tuple[tuple[Any, ...], ...], notes: tuple[str, ...],
                           signature: bytes | None) -> Extracted:
    """Return the :class:`Extracted` that :meth:`Extracted.__reduce__` took apart."""
    return Extracted(tuple(Mention._make(m) for m in mentions),
                     tuple(Claim(*c) for c in claims),
                     tuple(CountStatement(*c) for c in counts), notes, signature)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document ready to store: the document and what its worker extracted from it."""

    doc: Document
    extracted: Extracted


@dataclass(frozen=True, slots=True)
class Refusal:
    """A document the extraction refused: its name and the message the serial ingest gives."""

    name: str
    message: str


class Preparer:
    """Geocodes and extracts documents with one engine; built once per worker process."""

    def __init__(self, engine_name: str) -> None:
        from geo.extraction import Extractor
        from geo.gazetteer import load_gazetteer

        self.engine: Engine = Extractor.for_engine(engine_name, load_gazetteer())
        self.template = signatures.new_minhash()  # the signatures' permutations, made once

    def prepare(self, doc: Document) -> Extracted | Refusal:
        """Return what the extraction found in ``doc``, or its refusal."""
        try:
            extraction = self.engine.extract(doc)
        except ControlmapError as err:
            return Refusal(doc.name, str(err))
        signature = signatures.signature_bytes(signatures.minhash_of(doc.text, self.template))
        return Extracted(tuple(extraction.mentions), tuple(extraction.claims),
                         tuple(extraction.counts), tuple(note for _, note in extraction.notes),
                         signature)


def worker_preparer(engine_name: str) -> Preparer:
    """Return the :class:`Preparer` of ``engine_name`` owned by the current Dask worker,
    building it on the worker's first task; outside a worker, a new one."""
    from distributed import get_worker

    try:
        worker: Any = get_worker()
    except ValueError:  # called in-process (tests, a debugger): no worker to own it
        return Preparer(engine_name)
    preparers = getattr(worker, "controlmap_preparers", None)
    if preparers is None:
        preparers = worker.controlmap_preparers = {}
    if engine_name not in preparers:
        preparers[engine_name] = Preparer(engine_name)
    return preparers[engine_name]


def prepare_chunk(docs: Sequence[Document], engine_name: str) -> list[Extracted | Refusal]:
    """Return, for each document of a chunk in order, what was extracted or its refusal.

    The Dask task of a parallel ingest: pure (no database, no files), picklable by name.
    """
    preparer = worker_preparer(engine_name)
    return [preparer.prepare(doc) for doc in docs]


def warm_worker(engine_name: str) -> str:
    """Build the worker's engine now (``client.run``), so the first chunks do not wait."""
    worker_preparer(engine_name)
    return engine_name
