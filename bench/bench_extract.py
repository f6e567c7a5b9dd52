"""Extraction engines side by side: ingest of the dev reports with the rules and the learned engine.

Each pass ingests every report of the corpus (default ``../shared/eval/dev``, else
``data/demo``) into a new SQLite file in one process, with the rules engine and then the
learned engine, alternating, and also times extraction alone (no database). The learned
engine's extra cost is the candidates (cue classes, structure, lists) and the arbiter's dot
products; the ratio of the two, pass by pair, is what the target in issue #9 names (at most
4x the rules' ingest time).

    .venv/bin/python bench/bench_extract.py [--corpus DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import store  # noqa: E402
from geo.documents import read_documents  # noqa: E402
from geo.extraction import Extractor  # noqa: E402
from geo.gazetteer import load_gazetteer  # noqa: E402
from geo.ingest import ingest_paths  # noqa: E402


def default_corpus() -> Path:
    shared = Path(os.environ.get("CONTROLMAP_SHARED", ROOT.parent / "shared"))
    dev = shared / "eval" / "dev"
    return dev if dev.is_dir() else ROOT / "data" / "demo"


def ingest_seconds(corpus: Path, engine: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = store.open_db(str(Path(tmp) / "bench.db"))
        start = time.perf_counter()
        report = ingest_paths(db, [corpus], extractor=engine)
        elapsed = time.perf_counter() - start
        store.close_db(str(Path(tmp) / "bench.db"))
    assert report.documents > 0, report.summary()
    return elapsed


def extract_seconds(docs, engine) -> float:
    start = time.perf_counter()
    for doc in docs:
        engine.extract(doc)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=default_corpus())
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    gaz = load_gazetteer()
    docs = [d for d in read_documents(a.corpus) if hasattr(d, "text")]
    engines = {name: Extractor.for_engine(name, gaz) for name in ("rules", "learned")}
    for engine in engines.values():  # warm: model, lexicons, geocoder memos
        extract_seconds(docs, engine)
    rows: dict[str, list[float]] = {k: [] for k in
                                    ("ingest rules", "ingest learned", "extract rules",
                                     "extract learned")}
    for _ in range(a.repeat):
        for name in ("rules", "learned"):
            rows[f"ingest {name}"].append(ingest_seconds(a.corpus, name))
            rows[f"extract {name}"].append(extract_seconds(docs, engines[name]))
    ratios = {kind: [lrn / rul for rul, lrn in zip(rows[f"{kind} rules"],
                                                  rows[f"{kind} learned"], strict=True)]
              for kind in ("ingest", "extract")}
    print(f"corpus {a.corpus} ({len(docs)} documents), {a.repeat} paired passes, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| what | median s | min s | max s | docs/s (median) |")
    print("|---|---|---|---|---|")
    for what, times in rows.items():
        med = statistics.median(times)
        print(f"| {what} | {med:.3f} | {min(times):.3f} | {max(times):.3f} | "
              f"{len(docs) / med:.0f} |")
    for kind, values in ratios.items():
        print(f"| {kind} learned / rules (paired) | {statistics.median(values):.2f}x | "
              f"{min(values):.2f}x | {max(values):.2f}x | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
