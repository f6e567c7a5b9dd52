"""Parallel ingest: documents per second with 1 and 2 workers, side by side, SQLite and
PostgreSQL.

A synthetic corpus (``bench/corpus.py``, ``--docs`` documents as .txt files) is ingested
into a new database by each mode, in alternation (serial, 2 workers, serial, 2 workers,
...: the machine is shared, so the ratio of neighbouring runs is what to judge by). Each
run is a fresh process, timed from start to exit (imports, cluster start and the engine's
load on each worker included, as a user would wait for them):

- ``1``: ``controlmap ingest CORPUS --workers 1`` (in this process, no cluster);
- ``2``: ``controlmap ingest CORPUS --workers 2`` (a local Dask cluster of 2 processes);
- ``dask1`` (with ``--dask1``): a local cluster of 1 worker (the client writes while the
  worker extracts).

Every run is checked: as many distinct documents stored as the corpus has. The load
average is printed before and after each run, and the host's speed before it
(:func:`host_speed`); the table gives the speed-up of every pair and their median.

    .venv/bin/python bench/bench_parallel.py --docs 10000 [--postgres URL] [--rounds 2]
    .venv/bin/python bench/bench_parallel.py --quick      # 1,000 documents
    .venv/bin/python bench/bench_parallel.py --profile    # where the client's time goes
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _corpus
import corpus as synthetic

BIN = Path(sys.executable).parent
TABLES = ("edits", "counts", "claims", "mentions", "documents")


def load() -> str:
    """Return the 1-minute load average."""
    return Path("/proc/loadavg").read_text().split()[0]


def host_speed() -> float:
    """Return the seconds this process takes for 10**7 additions in a Python loop.

    The host's speed moves from hour to hour, so a run is read beside this figure. The
    loop stays in the CPU's caches: it shows some of the swings (0.33-0.64 s on
    2026-12-03) but not those that slow only memory-bound work such as the extraction;
    a pair's CPU seconds against its neighbours' show those.
    """
    t0 = time.perf_counter()
    total = 0
    for i in range(10**7):
        total += i
    return time.perf_counter() - t0


def empty_postgres(url: str) -> None:
    import sqlalchemy as sa

    from geo import store

    engine = store.open_db(url)
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))
    store.close_db(url)


def count_stored(db: str) -> tuple[int, int, int]:
    """Return (documents, distinct content hashes, claims) stored in ``db``."""
    import sqlalchemy as sa

    from geo import store

    engine = store.open_db(db)
    with engine.connect() as conn:
        docs, distinct = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT content_hash) FROM documents")).one()
        claims = conn.execute(sa.text("SELECT count(*) FROM claims")).scalar_one()
    store.close_db(db)
    return docs, distinct, claims


def run_mode(mode: str, corpus: Path, db: str) -> tuple[float, float]:
    """Ingest ``corpus`` into ``db`` in a fresh process; return the wall time and the CPU
    time of that process and its workers (user + system)."""
    if mode == "dask1":
        code = ("import sys; from geo import parallel, store; "
                "c = parallel.local_client(1); "
                "r = parallel.ingest_parallel(store.open_db(sys.argv[2]), [sys.argv[1]], c); "
                "parallel.close_client(c); print(r.summary(), file=sys.stderr)")
        cmd = [sys.executable, "-c", code, str(corpus), db]
    else:
        cmd = [str(BIN / "controlmap"), "ingest", str(corpus), "--workers", mode, "--db", db]
    busy = machine_cpu()
    t0 = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    cpu = machine_cpu() - busy
    if result.returncode != 0:
        raise RuntimeError(f"{mode} failed: {result.stderr[-2000:]}")
    return elapsed, cpu


def machine_cpu() -> float:
    """Return the CPU seconds the whole machine has been busy (``/proc/stat``: user, nice,
    system, irq, softirq, steal).

    Not the run's own ``RUSAGE_CHILDREN``: local workers are forked by the multiprocessing
    fork server, whose children are not ours to wait for, so their CPU never reaches our
    rusage. On an otherwise idle machine the difference is the run's CPU (plus noise).
    """
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def bench(corpus: Path, docs: int, backend: str, modes: list[str], rounds: int,
          work: Path) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {m: [] for m in modes}
    for r in range(rounds):
        for mode in modes:
            if backend == "sqlite":
                db = str(work / f"{mode}_{r}.db")
            else:
                db = backend
                empty_postgres(db)
            before, speed = load(), host_speed()
            elapsed, cpu = run_mode(mode, corpus, db)
            stored, distinct, claims = count_stored(db)
            after = load()
            if stored != docs or distinct != docs:
                raise RuntimeError(f"{mode}: {stored} documents stored ({distinct} distinct), "
                                   f"expected {docs}")
            times[mode].append(elapsed)
            name = "sqlite" if backend == "sqlite" else "postgres"
            print(f"  {name} round {r + 1} workers {mode}: {elapsed:.1f} s, "
                  f"{docs / elapsed:.0f} docs/s, CPU {cpu:.1f} s ({cpu / docs * 1e3:.1f} "
                  f"ms/doc), {claims} claims; load {before} -> {after}; host speed before "
                  f"{speed:.2f} s", flush=True)
        if backend == "sqlite":
            for mode in modes:
                Path(work / f"{mode}_{r}.db").unlink(missing_ok=True)
    if backend != "sqlite":
        empty_postgres(backend)
    return times


def _worker_cpu() -> float:
    import os

    times = os.times()
    return times.user + times.system


def profile(corpus: Path, work: Path, docs: int, postgres: str = "") -> None:
    """Where the time of a 2-worker ingest goes: the client's CPU (writer apart) and the
    workers' CPU per document, against the serial ingest's CPU per document (into
    ``postgres`` when given, else SQLite files)."""
    import cProfile
    import pstats

    from geo import _work, parallel, store
    from geo.ingest import ingest_paths

    writer = {"cpu": 0.0}
    write_batch = parallel.write_batch

    def timed_write(engine, items, story_index=None):
        c0 = time.thread_time()
        try:
            return write_batch(engine, items, story_index)
        finally:
            writer["cpu"] += time.thread_time() - c0

    parallel.write_batch = timed_write
    client = parallel.local_client(2)
    client.run(_work.warm_worker, "learned")
    workers0 = sum(client.run(_worker_cpu).values())
    if postgres:
        empty_postgres(postgres)
    engine = store.open_db(postgres or str(work / "profile.db"))
    profiler = cProfile.Profile()
    t0, c0 = time.perf_counter(), time.process_time()
    profiler.enable()
    parallel.ingest_parallel(engine, [corpus], client)
    profiler.disable()
    wall, client_cpu = time.perf_counter() - t0, time.process_time() - c0
    workers_cpu = sum(client.run(_worker_cpu).values()) - workers0
    parallel.close_client(client)
    if postgres:
        empty_postgres(postgres)
    c0 = time.process_time()
    ingest_paths(store.open_db(postgres or str(work / "serial.db")), [corpus])
    serial_cpu = time.process_time() - c0
    ms = 1e3 / docs
    print(f"2 workers: wall {wall:.1f} s (client profiled); client CPU {client_cpu * ms:.2f} "
          f"ms/doc, of which the writer {writer['cpu'] * ms:.2f}; workers' CPU "
          f"{workers_cpu * ms:.2f} ms/doc (engines already built); serial ingest CPU "
          f"{serial_cpu * ms:.2f} ms/doc")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="corpus size")
    parser.add_argument("--quick", action="store_true", help="1,000 documents")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the modes")
    parser.add_argument("--postgres", default="", help="also into this PostgreSQL URL "
                        "(its tables are emptied)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--dask1", action="store_true", help="also a 1-worker local cluster")
    parser.add_argument("--profile", action="store_true", help="profile the client instead")
    parser.add_argument("--corpus", type=Path, help="an existing corpus folder of --docs docs")
    args = parser.parse_args(argv)
    docs = 1_000 if args.quick else args.docs
    modes = ["1", "2"] + (["dask1"] if args.dask1 else [])
    with tempfile.TemporaryDirectory(prefix="bench_parallel_") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        corpus = args.corpus or synthetic.make_corpus(work / "corpus", docs)
        print(f"machine: {_corpus.machine()}")
        print(f"corpus: {docs} documents ({time.perf_counter() - t0:.1f} s to write)")
        if args.profile:
            profile(corpus, work, docs, args.postgres)
            return
        backends = ([] if args.no_sqlite else ["sqlite"]) + (
            [args.postgres] if args.postgres else [])
        rows = []
        for backend in backends:
            times = bench(corpus, docs, backend, modes, args.rounds, work)
            name = "SQLite" if backend == "sqlite" else "PostgreSQL"
            base = times["1"]
            for mode in modes:
                med = statistics.median(times[mode])
                pairs = [b / t for b, t in zip(base, times[mode], strict=True)]
                rows.append([name, mode, docs, " / ".join(f"{t:.1f}" for t in times[mode]),
                             f"{docs / med:.0f}", " / ".join(f"{x:.2f}" for x in pairs),
                             f"{statistics.median(pairs):.2f}x"])
        print()
        print(_corpus.table(["database", "workers", "docs", "wall s (each round)",
                             "docs/s (median)", "speed-up vs 1 (each pair)",
                             "speed-up (median)"], rows))
        print(f"load average at the end: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
