"""Writers at once, as a team runs controlmap: real ``controlmap`` processes on one database.

Four ingests of overlapping folders, two schema upgrades of one empty database, and an
analyst's edits while an ingest runs, each on a SQLite file and (when
CONTROLMAP_TEST_POSTGRES is set) on PostgreSQL. Every process must end cleanly (exit 0, or
3 for refusals), no traceback, and every document be stored exactly once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from backends import BACKENDS, database
from factories import make_claim

from geo import store
from geo.ingest import ingest_paths

PROJECT = Path(__file__).resolve().parent.parent
DEMO = sorted((PROJECT / "data" / "demo").glob("*.txt"))
CONTROLMAP = Path(sys.executable).with_name("controlmap")
SUMMARY = re.compile(r"(\d+) documents ingested, (\d+) claims, (\d+) skipped \(already stored\), "
                     r"(\d+) refused")

pytestmark = pytest.mark.skipif(not CONTROLMAP.exists(),
                                reason=f"{CONTROLMAP} is not installed (run make setup)")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path: Path):
    with database(request.param, tmp_path) as url:
        yield url


def controlmap(*args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "CONTROLMAP_DB"}
    return subprocess.Popen([str(CONTROLMAP), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT)


def finish(procs: list[subprocess.Popen], timeout: float = 300) -> list[tuple[int, str]]:
    out = []
    for proc in procs:
        try:
            _, stderr = proc.communicate(timeout=timeout)
        finally:
            proc.kill()
        out.append((proc.returncode, stderr))
    return out


def overlapping_folders(root: Path, n: int = 4) -> list[Path]:
    """Copy the demo reports into ``n`` folders: each report in two neighbouring folders,
    the first three in all of them."""
    folders = [root / f"desk{k}" for k in range(n)]
    for folder in folders:
        folder.mkdir(parents=True)
    for i, report in enumerate(DEMO):
        owners = range(n) if i < 3 else (i % n, (i + 1) % n)
        for k in owners:
            shutil.copy(report, folders[k] / report.name)
    return folders


def reference_claims(tmp_path: Path) -> set[str]:
    """Return the claim ids of the demo reports ingested by one process alone."""
    db = str(tmp_path / "reference.db")
    ingest_paths(store.open_db(db), DEMO)
    with store.open_db(db).connect() as conn:
        ids = {c.claim_id for c in store.load_claims(conn, include_rejected=True)}
    store.close_db(db)
    return ids


def test_four_ingests_of_overlapping_folders_store_every_document_once(
    db_url: str, tmp_path: Path
) -> None:
    folders = overlapping_folders(tmp_path / "in")
    results = finish([controlmap("ingest", str(f), "--db", db_url) for f in folders])

    ingested = skipped = 0
    for code, stderr in results:
        assert code in (0, 3), stderr
        assert "Traceback" not in stderr
        assert "locked" not in stderr
        [summary] = SUMMARY.findall(stderr)
        ingested += int(summary[0])
        skipped += int(summary[2])
    copies = sum(len(list(f.glob("*.txt"))) for f in folders)
    assert ingested == len(DEMO)  # each document counted by the one writer that stored it
    assert ingested + skipped == copies
    with store.open_db(db_url).connect() as conn:
        docs = store.load_documents(conn)
        claims = store.load_claims(conn, include_rejected=True)
    assert sorted(d["name"] for d in docs) == sorted(p.name for p in DEMO)
    assert len({d["content_hash"] for d in docs}) == len(DEMO)
    assert len(claims) == len({c.claim_id for c in claims})
    assert {c.claim_id for c in claims} == reference_claims(tmp_path)


def test_two_schema_upgrades_of_one_empty_database_at_once_both_succeed(db_url: str) -> None:
    results = finish([controlmap("db", "upgrade", "--db", db_url) for _ in range(3)])

    for code, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    assert sum("from nothing to revision 0004" in stderr for _, stderr in results) == 1
    current = subprocess.run([str(CONTROLMAP), "db", "current", "--db", db_url],
                             capture_output=True, text=True, timeout=120)
    assert current.stdout.strip() == "0004 (head)"
    with store.open_db(db_url).connect() as conn:
        assert store.count_rows(conn)["documents"] == 0


def test_two_ingests_creating_the_schema_at_once_both_succeed(
    db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(DEMO[0], folder)
    results = finish([controlmap("ingest", str(folder), "--db", db_url) for _ in range(2)])

    assert [code for code, _ in results] == [0, 0], results
    with store.open_db(db_url).connect() as conn:
        assert store.count_rows(conn)["documents"] == 1


def many_reports(folder: Path, copies: int) -> int:
    """Write ``copies`` distinct variants of each demo report; return how many."""
    folder.mkdir()
    n = 0
    for k in range(copies):
        for report in DEMO:
            text = report.read_text(encoding="utf-8")
            (folder / f"{k}-{report.name}").write_text(f"{text}\n\nCopy {k}.\n", encoding="utf-8")
            n += 1
    return n


def test_an_analysts_edits_during_an_ingest_are_all_kept(db_url: str, tmp_path: Path) -> None:
    n_docs = many_reports(tmp_path / "big", copies=6)
    engine = store.open_db(db_url)
    claim = make_claim().with_id()
    with engine.begin() as conn:
        store.save_claims_bulk(conn, [claim])

    ingest = controlmap("ingest", str(tmp_path / "big"), "--db", db_url)
    edits, errors = 0, []
    while ingest.poll() is None:
        try:
            with engine.begin() as conn:  # as the Claims page writes
                store.reject_claim(conn, claim.claim_id, author="ana", note=f"edit {edits}")
                store.add_manual_claim(conn, make_claim(start=1000 + edits), author="ana",
                                       note="by phone")
            edits += 1
        except Exception as err:  # reported below
            errors.append(err)
        time.sleep(0.02)
    [(code, stderr)] = finish([ingest])

    assert errors == []
    assert edits >= 3  # the edits overlapped the ingest
    assert code == 0, stderr
    assert "Traceback" not in stderr
    with engine.connect() as conn:
        rows = store.count_rows(conn)
    assert rows["documents"] == n_docs
    assert rows["edits"] == 2 * edits
    assert f"{n_docs} documents ingested" in stderr


def test_a_reader_is_never_blocked_by_an_ingest(db_url: str, tmp_path: Path) -> None:
    many_reports(tmp_path / "big", copies=3)
    engine = store.open_db(db_url)
    ingest = controlmap("ingest", str(tmp_path / "big"), "--db", db_url)
    reads: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                with engine.connect() as conn:
                    if engine.dialect.name == "sqlite":
                        # A read that had to wait for the writer fails at once instead.
                        conn.exec_driver_sql("PRAGMA busy_timeout = 0")
                    store.data_version(conn)
                    reads.append(len(store.load_claims(conn)))
                    if engine.dialect.name == "sqlite":
                        conn.exec_driver_sql(f"PRAGMA busy_timeout = {store.BUSY_TIMEOUT_MS}")
            except Exception as err:  # the test reports whatever a read raised
                failures.append(err)
            time.sleep(0.01)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        [(code, stderr)] = finish([ingest])
    finally:
        stop.set()
        reader.join(timeout=30)
    assert code == 0, stderr
    assert not failures, failures[:3]
    assert len(reads) > 1
    assert reads == sorted(reads)  # each read sees a committed state, never a rollback
