"""Write throughput of the store: one transaction per document against batches of 100.

Extracts the demo reports once (copies made distinct by a line), then stores the same
prepared documents into fresh databases with ``save_batch`` one document at a time and 100
at a time, side by side, and prints documents per second (median of ``--runs``). SQLite
always; PostgreSQL too when CONTROLMAP_TEST_POSTGRES is set (a schema of its own, dropped).

    .venv/bin/python bench/bench_store.py [--copies 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from backends import POSTGRES, postgres_schema  # noqa: E402

from geo import store  # noqa: E402
from geo.extraction import extract  # noqa: E402
from geo.gazetteer import load_gazetteer  # noqa: E402
from geo.ingest import prepared  # noqa: E402
from geo.records import Document  # noqa: E402


def prepared_corpus(copies: int) -> list[store.PreparedDocument]:
    gaz = load_gazetteer()
    out = []
    for k in range(copies):
        for path in sorted((ROOT / "data" / "demo").glob("*.txt")):
            lines = path.read_text(encoding="utf-8").splitlines()
            doc = Document(f"{k}-{path.name}", "\n".join([*lines[2:], f"Copy {k}."]),
                           dt.date.fromisoformat(lines[0].split()[1]))
            out.append(prepared(doc, extract(doc, gaz)))
    return out


def write(db: str, items: list[store.PreparedDocument], batch: int) -> float:
    engine = store.open_db(db)
    began = time.perf_counter()
    for i in range(0, len(items), batch):
        store.save_batch(engine, items[i : i + batch])
    elapsed = time.perf_counter() - began
    store.close_db(db)
    return elapsed


@contextlib.contextmanager
def fresh(backend: str):
    if backend == "postgresql":
        with postgres_schema() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield str(Path(tmp) / "bench.db")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = prepared_corpus(args.copies)
    print(f"{len(items)} prepared documents, "
          f"{sum(len(i.claims) for i in items)} claims, "
          f"{sum(len(i.mentions) for i in items)} mentions\n")
    print("| backend | per document: docs/s | batches of 100: docs/s | ratio |")
    print("|---|---|---|---|")
    for backend in ["sqlite", *(["postgresql"] if POSTGRES else [])]:
        rates: dict[int, list[float]] = {1: [], 100: []}
        for _ in range(args.runs):
            for batch in (1, 100):  # side by side, alternating
                with fresh(backend) as db:
                    rates[batch].append(len(items) / write(db, items, batch))
        one, hundred = (statistics.median(rates[b]) for b in (1, 100))
        print(f"| {backend} | {one:.0f} | {hundred:.0f} | {hundred / one:.1f}x |")


if __name__ == "__main__":
    main()
