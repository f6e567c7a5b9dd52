"""Parallel ingest on a real Dask cluster: same results as the serial ingest, bounded
memory, refusals reported as the serial ingest reports them, and ``--scheduler``.

One ``LocalCluster`` of 2 worker processes is shared by the module; the ``--scheduler``
test starts ``dask scheduler`` and ``dask worker`` as subprocesses on 127.0.0.1 and stops
them. PostgreSQL is used where ``CONTROLMAP_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo import parallel, store
from geo.ingest import ingest_paths

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("CONTROLMAP_TEST_POSTGRES", "")


@pytest.fixture(scope="module")
def client():
    """A local cluster of 2 worker processes, shared by the module's tests."""
    client = parallel.local_client(2)
    yield client
    parallel.close_client(client)


def demo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for path in DEMO.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


def with_bad_documents(folder: Path) -> Path:
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02 not text" * 20)
    (folder / "undated.txt").write_text("The Taliban captured Zaranj on Friday.\n")
    latin1 = "date 2021-08-07\nZaranj est tombée.".encode("latin-1")
    (folder / "latin1.txt").write_bytes(latin1)
    lines = [json.dumps({"text": "Kunduz fell to the Taliban on Sunday.", "date": "2021-08-08"}),
             "{not json",
             json.dumps({"date": "2021-08-08"})]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def stored(db: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int, int]:
    """(name, hash) of the documents in storage order, (document, claim id) pairs, and the
    numbers of mentions and counts."""
    engine = store.open_db(db)
    with engine.connect() as conn:
        docs = conn.execute(sa.text(
            "SELECT name, content_hash FROM documents ORDER BY doc_id")).all()
        claims = conn.execute(sa.text(
            "SELECT d.name, c.claim_id FROM claims c JOIN documents d ON d.doc_id = c.doc_id "
            "ORDER BY d.name, c.claim_id")).all()
        mentions = conn.execute(sa.text("SELECT count(*) FROM mentions")).scalar_one()
        counts = conn.execute(sa.text("SELECT count(*) FROM counts")).scalar_one()
    return [tuple(r) for r in docs], [tuple(r) for r in claims], mentions, counts


def test_two_workers_store_exactly_what_the_serial_ingest_stores(tmp_path, client):
    folder = demo_folder(tmp_path)
    serial_db, parallel_db = str(tmp_path / "serial.db"), str(tmp_path / "parallel.db")

    serial = ingest_paths(store.open_db(serial_db), [folder])
    report = parallel.ingest_parallel(store.open_db(parallel_db), [folder], client,
                                      chunk_docs=4)

    assert report.summary() == serial.summary()
    assert report.documents == 35
    assert stored(parallel_db) == stored(serial_db)
    assert len(stored(parallel_db)[1]) == serial.claims > 50


def stories_and_signatures(db: str) -> tuple[dict[str, str | None], dict[str, bytes]]:
    """Per document name: the name of the story's original (None: an original itself),
    and the stored near-copy signature."""
    engine = store.open_db(db)
    with engine.connect() as conn:
        story = conn.execute(sa.text(
            "SELECT d.name, o.name FROM documents d "
            "LEFT JOIN documents o ON o.doc_id = d.story_id")).all()
        signatures = conn.execute(sa.text(
            "SELECT d.name, m.minhash FROM documents d "
            "JOIN document_minhash m ON m.doc_id = d.doc_id")).all()
    return dict(story), {name: bytes(blob) for name, blob in signatures}


def test_workers_hash_near_copies_as_the_serial_ingest_does(tmp_path, client):
    folder = demo_folder(tmp_path)
    kunduz = (folder / "2021-08-08_kunduz.txt").read_text()
    (folder / "zz_wire.txt").write_text(
        kunduz + "\n\nThis story was distributed by an international news agency.\n")
    serial_db, parallel_db = str(tmp_path / "serial.db"), str(tmp_path / "parallel.db")

    ingest_paths(store.open_db(serial_db), [folder])
    parallel.ingest_parallel(store.open_db(parallel_db), [folder], client, chunk_docs=4)

    story, signatures = stories_and_signatures(parallel_db)
    # one of the two is the story's original (the first of the batch by content hash)
    linked = {name: original for name, original in story.items() if original is not None}
    assert linked in ({"zz_wire.txt": "2021-08-08_kunduz.txt"},
                      {"2021-08-08_kunduz.txt": "zz_wire.txt"})
    assert (story, signatures) == stories_and_signatures(serial_db)
    assert len(signatures) == 36


def test_a_second_parallel_run_stores_nothing(tmp_path, client):
    folder = demo_folder(tmp_path)
    engine = store.open_db(str(tmp_path / "twice.db"))
    parallel.ingest_parallel(engine, [folder], client)
    before = stored(str(tmp_path / "twice.db"))

    again = parallel.ingest_parallel(engine, [folder], client)

    assert (again.documents, again.claims, len(again.skipped)) == (0, 0, 35)
    assert stored(str(tmp_path / "twice.db")) == before


def engines_on_workers(dask_worker) -> list[int]:
    """The ids of the preparers a worker holds (run on each worker by client.run)."""
    return [id(p) for p in getattr(dask_worker, "controlmap_preparers", {}).values()]


def test_each_worker_builds_its_engine_once_and_keeps_it(tmp_path, client):
    folder = demo_folder(tmp_path)
    parallel.ingest_parallel(store.open_db(str(tmp_path / "a.db")), [folder], client,
                             chunk_docs=2)
    first = client.run(engines_on_workers)

    parallel.ingest_parallel(store.open_db(str(tmp_path / "b.db")), [folder], client,
                             chunk_docs=2)

    assert client.run(engines_on_workers) == first
    assert all(len(ids) == 1 for ids in first.values())  # one engine, built once
    assert len(first) == 2


def test_the_same_document_twice_in_one_run_is_stored_once(tmp_path, client):
    folder = demo_folder(tmp_path)
    shutil.copy(folder / "2021-08-08_kunduz.txt", folder / "zz_copy.txt")
    engine = store.open_db(str(tmp_path / "copies.db"))

    report = parallel.ingest_parallel(engine, [folder], client, chunk_docs=3)

    assert report.documents == 35
    assert report.skipped == ["zz_copy.txt"]


def test_bad_documents_are_refused_as_the_serial_ingest_refuses_them(tmp_path, client):
    folder = with_bad_documents(demo_folder(tmp_path))
    serial = ingest_paths(store.open_db(str(tmp_path / "s.db")), [folder])

    report = parallel.ingest_parallel(store.open_db(str(tmp_path / "p.db")), [folder], client)

    assert report.refused == serial.refused
    assert len(report.refused) == 6
    assert {name for name, _ in report.refused} >= {"empty.txt", "binary.txt", "undated.txt",
                                                    "wire.jsonl#2", "wire.jsonl#3"}
    assert report.documents == serial.documents == 36  # the 35 reports and wire.jsonl#1
    assert stored(str(tmp_path / "p.db")) == stored(str(tmp_path / "s.db"))


def write_jsonl(path: Path, n: int) -> Path:
    capitals = ["Zaranj", "Sheberghan", "Kunduz", "Taloqan", "Aybak", "Farah", "Faizabad"]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            text = (f"The Taliban captured {capitals[i % len(capitals)]} on Friday, "
                    f"officials said. (wire item {i})")
            handle.write(json.dumps({"text": text, "date": "2021-08-14"}) + "\n")
    return path


def test_a_streamed_jsonl_keeps_a_bounded_number_of_chunks_in_flight(tmp_path, client):
    source = write_jsonl(tmp_path / "wire.jsonl", 600)
    seen: list[int] = []
    progress = parallel.Progress(on_change=lambda p: seen.append(p.in_flight))

    report = parallel.ingest_parallel(store.open_db(str(tmp_path / "wire.db")), [source],
                                      client, chunk_docs=10, window=4, batch_docs=50,
                                      progress=progress)

    assert report.documents == 600
    assert report.claims == 600
    assert progress.total is None  # a JSON Lines file is not counted ahead
    assert progress.done == 600
    # 60 chunks went through, never more than 4 submitted and not yet written
    assert 1 <= progress.max_in_flight <= 4
    assert max(seen) <= 4


def test_the_cli_ingests_with_two_workers_and_exits_3_on_refusals(tmp_path):
    folder = with_bad_documents(demo_folder(tmp_path))
    db = str(tmp_path / "cli.db")

    result = subprocess.run([str(BIN / "controlmap"), "ingest", str(folder), "--workers", "2",
                             "--db", db], capture_output=True, text=True, timeout=300)

    assert result.returncode == 3, result.stderr
    assert "36 documents ingested" in result.stderr
    assert "on 2 workers" in result.stderr
    assert "refused empty.txt: empty.txt is empty." in result.stderr
    assert "Traceback" not in result.stderr
    assert "\r" not in result.stderr  # stderr is not a terminal: no progress lines
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (36,)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture
def scheduler():
    """A `dask scheduler` and one `dask worker` on loopback; yields the scheduler address."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        wait_for_port(port)
        procs.append(subprocess.Popen(
            [str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def empty_postgres(url: str) -> None:
    engine = store.open_db(url)
    with engine.begin() as conn:
        for table in ("edits", "counts", "claims", "mentions", "documents"):
            conn.execute(sa.text(f"DELETE FROM {table}"))


def test_scheduler_sends_the_work_to_a_running_dask_cluster(tmp_path, scheduler):
    folder = demo_folder(tmp_path)
    db = POSTGRES or str(tmp_path / "remote.db")
    if POSTGRES:
        empty_postgres(db)
    serial_db = str(tmp_path / "serial.db")
    ingest_paths(store.open_db(serial_db), [folder])

    result = subprocess.run([str(BIN / "controlmap"), "ingest", str(folder), "--scheduler",
                             scheduler, "--db", db],
                            capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr
    assert f"on {scheduler}" in result.stderr
    assert "35 documents ingested" in result.stderr
    assert stored(db)[1] == stored(serial_db)[1]
    if POSTGRES:
        empty_postgres(db)


def test_an_unreachable_scheduler_is_a_clean_error(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"

    result = subprocess.run([str(BIN / "controlmap"), "ingest", str(DEMO), "--scheduler",
                             address, "--db", str(tmp_path / "x.db")],
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    assert f"cannot reach the Dask scheduler {address!r}" in result.stderr
    assert "Traceback" not in result.stderr


def test_progress_says_done_of_total_rate_and_eta():
    progress = parallel.Progress(total=100)
    progress.started -= 2.0
    progress.advance(50)

    text = progress.describe()

    assert text.startswith("50 of 100 documents, 25 docs/s, ETA 2s")
    assert parallel.Progress(total=None, done=7).describe().startswith("7 documents, ")


def test_the_progress_line_is_quiet_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    line = parallel.ProgressLine(stream)

    line(parallel.Progress(total=10, done=3))
    line.close()

    assert stream.getvalue() == ""


def test_local_workers_run_without_the_dask_profiler_and_monitors(client) -> None:
    # sampling for a dashboard the cluster does not have takes CPU from the extraction
    import dask

    keys = ("distributed.worker.profile.enabled", "distributed.admin.system-monitor.disk",
            "distributed.admin.tick.interval", "distributed.admin.system-monitor.interval",
            "distributed.worker.memory.monitor-interval")
    seen = client.run(lambda: tuple(dask.config.get(key) for key in keys))
    assert len(seen) == 2
    assert set(seen.values()) == {(False, False, "1s", "5s", "1s")}
    scheduler = client.cluster.scheduler  # the scheduler runs in this process
    assert scheduler.periodic_callbacks["monitor"].callback_time == 5000


def test_local_workers_are_forked_with_the_extraction_already_imported():
    # eval is pickled by name: running it imports nothing of ours on the worker, so what
    # it finds was imported by the fork server before the worker was forked
    client = parallel.local_client(2)
    try:
        preloaded = client.run(eval, "sorted(m for m in ('geo._work', 'datasketch', 'scipy') "
                                     "if m in __import__('sys').modules)")
        parents = client.run(eval, "__import__('os').getppid()")
    finally:
        parallel.close_client(client)
    assert list(preloaded.values()) == [["datasketch", "geo._work", "scipy"]] * 2
    assert os.getpid() not in parents.values()  # the fork server's children, not ours
