"""Parallel ingest on Dask: extraction in worker processes, one batching writer here.

The client process (``controlmap ingest --workers N``) reads the documents lazily
(:func:`geo.documents.read_documents`: a folder file by file, a JSON Lines file line by
line), cuts them into chunks of :data:`CHUNK_DOCS` and submits each chunk as one Dask
future running :func:`prepare_chunk` (geocoding and claim extraction) on a worker. At most
``window`` chunks are in flight or waiting to be written (:data:`WINDOW_PER_WORKER` per
worker by default), so the client's memory does not grow with the input. Results are
written in the order the documents were read, ≈ :data:`BATCH_DOCS` documents per
transaction by :func:`write_batch`, the only function here that touches the database.

Workers run :mod:`geo._work`, which is pure: they receive :class:`~geo.records.Document`
records and return what they extracted, :class:`~geo._work.Extracted` (or
:class:`~geo._work.Refusal` for a document the engine refuses), which the client pairs with
the documents it sent (:class:`~geo._work.Prepared`); they never open the database, so a
remote cluster (``--scheduler``) needs only the package, not the database or the input
files. Each worker process builds its gazetteer and extraction engine once
(:func:`~geo._work.worker_preparer`), not once per document or per task, and imports
neither SQLAlchemy nor the store.

Refusals are reported exactly as the serial ingest (:mod:`geo.ingest`) reports them, in
the same :class:`~geo.ingest.IngestReport`; documents already stored are skipped (checked
once per chunk before extraction, and again by the writer), so a second run stores nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from geo import store, stories
from geo._work import Extracted, Prepared, Refusal, prepare_chunk
from geo.documents import FORMATS, read_documents
from geo.errors import ControlmapError, DocumentError, DocumentStoreError
from geo.ingest import IngestReport, link_stories, save_prepared
from geo.records import Document

if TYPE_CHECKING:
    from distributed import Client


#: documents per Dask task: large enough that the per-task cost (the scheduler, messages,
#: a task's start on the worker) is noise; on 2 cores the run is CPU-bound, and 100 gave
#: 1.64x against 1.55x for 25 at 10k documents (bench/README.md)
CHUNK_DOCS = 100
#: chunks in flight or waiting to be written, per worker
WINDOW_PER_WORKER = 3
#: documents per write transaction
BATCH_DOCS = 100
#: a progress line at most this often (seconds)
PROGRESS_EVERY = 0.25


# --------------------------------------------------------------------------- the writer


def write_batch(engine: sa.Engine, items: Sequence[Prepared],
                story_index: stories.StoryIndex | None = None,
                ) -> list[bool | DocumentStoreError]:
    """Store a batch of prepared documents in one write transaction; return, per item,
    True (stored), False (the same content is stored already, or earlier in the batch) or
    the DocumentStoreError that refused it.

    The serial ingest's writer (:func:`geo.ingest.save_prepared`): one existence check for
    the batch, each document all-or-nothing, near-copies linked to their story in the same
    transaction.
    """
    batch = [store.PreparedDocument(i.doc, i.extracted.mentions, i.extracted.claims,
                                    i.extracted.counts, i.extracted.signature) for i in items]
    return save_prepared(engine, batch, link_stories(story_index))


# --------------------------------------------------------------------------- reading


def count_documents(paths: Iterable[str | Path]) -> int | None:
    """Return how many documents ``paths`` hold, or None when a JSON Lines file is among
    them (its number of lines is not known without reading it)."""
    total = 0
    for path in map(Path, paths):
        files = _supported_files(path) if path.is_dir() else [path]
        if any(f.suffix.lower() == ".jsonl" for f in files):
            return None
        total += len(files)
    return total


def _supported_files(folder: Path) -> list[Path]:
    # As geo.documents reads a folder; only the progress total depends on it.
    return [p for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in FORMATS and p.stem.upper() != "README"
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)]


def _chunks(engine: sa.Engine, paths: Iterable[str | Path], default_date: dt.date | None,
            size: int, report: IngestReport, progress: Progress) -> Iterator[list[Document]]:
    """Yield the documents to extract in chunks of ``size``; refusals go to ``report`` and
    documents already stored are skipped before extraction."""
    chunk: list[Document] = []
    for path in paths:
        for item in read_documents(path, default_date=default_date):
            if isinstance(item, DocumentError):
                report.refused.append((item.document or "document", str(item)))
                progress.advance()
                continue
            chunk.append(item)
            if len(chunk) >= size:
                yield from _unstored(engine, chunk, report, progress)
                chunk = []
    if chunk:
        yield from _unstored(engine, chunk, report, progress)


def _unstored(engine: sa.Engine, chunk: list[Document], report: IngestReport,
              progress: Progress) -> Iterator[list[Document]]:
    with engine.connect() as conn:
        stored = store.stored_hashes(conn, [doc.content_hash for doc in chunk])
    fresh = [doc for doc in chunk if doc.content_hash not in stored]
    for doc in chunk:
        if doc.content_hash in stored:
            report.skipped.append(doc.name)
            progress.advance()
    if fresh:
        yield fresh


# --------------------------------------------------------------------------- the client


@dataclass(slots=True)
class Progress:
    """Documents done (stored, skipped or refused) of ``total`` (None: not known), the
    chunks in flight, and a callback told of each change."""

    total: int | None = None
    done: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    started: float = field(default_factory=time.perf_counter)
    on_change: Callable[[Progress], None] | None = None

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more documents done."""
        self.done += n
        if self.on_change:
            self.on_change(self)

    def rate(self) -> float:
        """Return the documents done per second so far."""
        elapsed = time.perf_counter() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def describe(self) -> str:
        """Return 'done of total, rate, ETA' (or 'done, rate' when the total is unknown)."""
        rate = self.rate()
        if self.total is None:
            return f"{self.done:,} documents, {rate:,.0f} docs/s"
        left = max(self.total - self.done, 0)
        eta = f"ETA {_duration(left / rate)}" if rate > 0 else "ETA ?"
        return f"{self.done:,} of {self.total:,} documents, {rate:,.0f} docs/s, {eta}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class ProgressLine:
    """Prints a progress line on stderr, at most every :data:`PROGRESS_EVERY` seconds, and
    only when stderr is a terminal."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._shown = False

    def __call__(self, progress: Progress) -> None:
        """Show ``progress`` if the last line is old enough."""
        now = time.perf_counter()
        if not self.enabled or now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        self._shown = True
        self.stream.write(f"\r\x1b[2Kingesting: {progress.describe()}")
        self.stream.flush()

    def close(self) -> None:
        """Clear the progress line."""
        if self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def ingest_parallel(
    engine: sa.Engine,
    paths: Iterable[str | Path],
    client: Client,
    *,
    default_date: dt.date | None = None,
    extractor: str | None = None,
    chunk_docs: int = CHUNK_DOCS,
    window: int | None = None,
    batch_docs: int = BATCH_DOCS,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every supported file under ``paths`` on the Dask cluster of ``client``;
    return what happened, as :func:`geo.ingest.ingest_paths` does.

    ``window`` bounds the chunks submitted but not yet written (default
    :data:`WINDOW_PER_WORKER` per worker); ``progress`` is updated as documents are done.
    """
    from geo.extraction import check_engine
    from geo.settings import ENGINE

    name = check_engine(extractor or ENGINE.value())
    paths = list(paths)
    window = window or WINDOW_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))
    progress = progress or Progress()
    if progress.total is None:
        progress.total = count_documents(paths)
    report = IngestReport()
    chunks = _chunks(engine, paths, default_date, chunk_docs, report, progress)
    _Pipeline(engine, client, name, window, batch_docs, report, progress).run(chunks)
    return report


class _Pipeline:
    """Keeps ``window`` chunks in flight and writes their results in reading order."""

    def __init__(self, engine: sa.Engine, client: Client, engine_name: str, window: int,
                 batch_docs: int, report: IngestReport, progress: Progress) -> None:
        self.engine, self.client, self.engine_name = engine, client, engine_name
        self.window, self.batch_docs = window, batch_docs
        self.report, self.progress = report, progress
        self.sequence: dict[Any, int] = {}  # future -> the chunk's number
        self.sent: dict[int, list[Document]] = {}  # the chunks not yet written, by number
        self.ready: dict[int, list[Extracted | Refusal]] = {}  # done, waiting for earlier ones
        self.submitted = self.written = 0
        self.batch: list[Prepared] = []
        self.story_index = stories.StoryIndex()  # one near-copy index for the run

    def run(self, chunks: Iterator[list[Document]]) -> None:
        """Submit, collect and write every chunk."""
        from distributed import as_completed

        pending = as_completed()
        try:
            self._fill(chunks, pending)
            for future in pending:
                self.ready[self.sequence.pop(future)] = future.result()
                future.release()
                while self.written in self.ready:
                    self._take(self.sent.pop(self.written), self.ready.pop(self.written))
                    self.written += 1
                self._fill(chunks, pending)
            self._flush()
        finally:
            self.client.cancel(list(self.sequence))

    def _fill(self, chunks: Iterator[list[Document]], pending: Any) -> None:
        while self.submitted - self.written < self.window:
            chunk = next(chunks, None)
            if chunk is None:
                break
            future = self.client.submit(prepare_chunk, chunk, self.engine_name, pure=False)
            self.sequence[future] = self.submitted
            self.sent[self.submitted] = chunk
            self.submitted += 1
            pending.add(future)
        self.progress.in_flight = self.submitted - self.written
        self.progress.max_in_flight = max(self.progress.max_in_flight, self.progress.in_flight)

    def _take(self, docs: list[Document], results: list[Extracted | Refusal]) -> None:
        for doc, result in zip(docs, results, strict=True):
            if isinstance(result, Refusal):
                self.report.refused.append((result.name, result.message))
                self.progress.advance()
            else:
                self.report.notes.extend((doc.name, n) for n in doc.notes)
                self.batch.append(Prepared(doc, result))
        if len(self.batch) >= self.batch_docs:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        results = write_batch(self.engine, self.batch, self.story_index)
        for item, stored in zip(self.batch, results, strict=True):
            if isinstance(stored, DocumentStoreError):
                self.report.failed.append((item.doc.name, str(stored)))
            elif stored:
                self.report.documents += 1
                self.report.claims += len(item.extracted.claims)
                self.report.counts += len(item.extracted.counts)
                self.report.notes.extend((item.doc.name, f"{item.doc.name}: {note}")
                                         for note in item.extracted.notes)
            else:
                self.report.skipped.append(item.doc.name)
        self.progress.advance(len(self.batch))
        self.batch = []


# --------------------------------------------------------------------------- clusters


#: Dask settings of the local cluster (its scheduler, here, and its workers): none of the
#: sampling done for a dashboard this cluster does not have. By default the processes of
#: an idle 2-worker cluster burn ~0.1 s of CPU per second between them (~0.02 with these),
#: taken from the extraction on a machine whose cores the workers fill:
#: the statistical profiler samples every thread's stack every 10 ms; the system monitor
#: reads CPU, memory, network and disk counters every 0.5 s; the event loop's health check
#: ticks every 20 ms; the nanny reads its worker's memory every 0.1 s (it still does, every
#: second, to restart a worker over its memory limit).
_QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
}


#: what the fork server imports once, before it forks each local worker: Dask's worker, the
#: extraction's modules (:mod:`geo._work`) and the signatures' library (and with it SciPy)
_WORKER_PRELOAD = ("distributed", "geo._work", "datasketch")


def start_fork_server() -> None:
    """Start (once per process) the server that forks the local cluster's workers, and
    return at once: it imports :data:`_WORKER_PRELOAD` while the caller goes on.

    Why: a spawned worker is a new interpreter that imports Dask, the extraction and
    SciPy on its own (~1 s of CPU each, on cores the run needs), and tears it all down at
    the end (0.2 s). Forked from one server that imported them once, a worker starts with
    them in memory and exits at once: a 100-document ingest on 2 workers took 3.1-3.3 s
    spawned and 2.5-2.6 s forked (``bench/README.md``). The server is a fresh
    single-threaded process, so nothing is forked mid-lock, as forking this multi-threaded
    client could be. Workers see the environment as it was when the server started: a
    setting changed later in the same process does not reach them (the engine's name is
    passed with each task).
    """
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(_WORKER_PRELOAD))
    forkserver.ensure_running()


def local_client(workers: int) -> Client:
    """Return a client of a new local cluster of ``workers`` processes (one thread each,
    loopback only, no dashboard, forked by :func:`start_fork_server`); closing the client
    closes the cluster."""
    import logging
    import warnings

    start_fork_server()  # before importing Dask here: the two imports run side by side
    import dask
    from distributed import Client, LocalCluster

    forked = {**_QUIET_WORKERS, "distributed.worker.multiprocessing-method": "forkserver"}
    with warnings.catch_warnings(), dask.config.set(forked):
        # the scheduler's loopback health endpoint moves to a free port when 8787 is taken
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
    client = Client(cluster)
    client._controlmap_cluster = cluster  # type: ignore[attr-defined]  # closed with it
    return client


def close_client(client: Client) -> None:
    """Close ``client`` and the local cluster it started, if any."""
    cluster = getattr(client, "_controlmap_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def remote_client(address: str) -> Client:
    """Return a client of the Dask scheduler at ``address`` (``tcp://HOST:PORT``).

    Raises
    ------
    ControlmapError
        If no scheduler answers there within 10 s.
    """
    from distributed import Client

    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as err:
        raise ControlmapError(f"cannot reach the Dask scheduler {address!r}: {err}",
                              "start one with `dask scheduler` and give its tcp://HOST:PORT"
                              ) from None
