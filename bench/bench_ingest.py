"""Ingest throughput: ``ingest_paths`` into a fresh SQLite file, documents and claims per second.

Two corpora: the demo corpus (``data/demo``, 35 reports) and a synthetic corpus of about
300 reports made from the demo texts by shifting every date (the publication date and the
absolute dates in the text) by 1-8 days and changing the other numbers, so that each
variant has its own content hash. Each run ingests into a new SQLite file (WAL, as the app
opens it) after clearing the geocoder's memos (as a fresh ``controlmap ingest`` process
would have them; the gazetteer itself stays loaded). Also timed: a re-run of the same
corpus into the same file (every document skipped as already stored), and extraction alone
(``extract`` over the parsed documents, no database) to show what the database adds.

    .venv/bin/python bench/bench_ingest.py [--quick] [--repeat N]

``--quick`` uses 105 synthetic documents instead of 315.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _corpus
from bench_geocode import clear_memos

from geo import store
from geo.documents import read_documents
from geo.extraction import extract
from geo.gazetteer import load_gazetteer
from geo.ingest import ingest_paths
from geo.records import Document

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_MONTH = "|".join(_MONTHS)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) ({_MONTH})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH}) (\d{{1,2}})\b")
_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})")
_NUMBER = re.compile(r"(?<![\d-])\b(\d{2,3})\b(?![\d-])")


def _shift(day: int, month: str, days: int) -> tuple[int, str]:
    when = dt.date(2021, _MONTHS.index(month) + 1, day) + dt.timedelta(days=days)
    return when.day, _MONTHS[when.month - 1]


def vary(raw: str, v: int) -> str:
    """Return variant ``v`` of a demo file: dates shifted by ``v`` days, numbers changed."""
    if v == 0:
        return raw

    def day_month(m: re.Match) -> str:
        day, month = _shift(int(m.group(1)), m.group(2), v)
        return f"{day} {month}"

    def month_day(m: re.Match) -> str:
        day, month = _shift(int(m.group(2)), m.group(1), v)
        return f"{month} {day}"

    def number(m: re.Match) -> str:
        n = int(m.group(1))
        return str(n + v) if n > 31 else m.group(1)

    header = _HEADER.match(raw)
    published = dt.date.fromisoformat(header.group(1)) + dt.timedelta(days=v)
    body = raw[header.end():]
    body = _MONTH_DAY.sub(month_day, _DAY_MONTH.sub(day_month, body))
    body = _NUMBER.sub(number, body)
    return f"date {published.isoformat()}{body}"


def make_synthetic(folder: Path, variants: int) -> int:
    """Write ``variants`` variants of every demo file into ``folder``; return how many
    distinct texts (content hashes) were written."""
    texts = set()
    for path in sorted(_corpus.DEMO_DIR.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        for v in range(variants):
            text = vary(raw, v)
            if text.split("\n", 1)[1] in texts:  # no date or number to change
                text += f"\n\n(Filed {v} hours after the first report.)\n"
            texts.add(text.split("\n", 1)[1])
            (folder / f"{path.stem}_v{v}.txt").write_text(text, encoding="utf-8")
    return len(texts)


def run(corpus: Path, workdir: Path, tag: str, repeat: int) -> dict:
    gaz = load_gazetteer()
    ingest, rerun, reports = [], [], []
    for r in range(repeat):
        db = workdir / f"{tag}_{r}.db"
        engine = store.open_db(str(db))
        clear_memos(gaz)
        t0 = time.perf_counter()
        report = ingest_paths(engine, [corpus])
        ingest.append(time.perf_counter() - t0)
        reports.append(report)
        t0 = time.perf_counter()
        again = ingest_paths(engine, [corpus])
        rerun.append(time.perf_counter() - t0)
        if again.documents or len(again.skipped) != report.documents:
            raise RuntimeError(f"re-run was not a no-op: {again.summary()}")
        store.close_db(str(db))
    docs: list[Document] = [d for d in read_documents(corpus) if isinstance(d, Document)]
    extract_t = []
    for _ in range(repeat):
        clear_memos(gaz)
        t0 = time.perf_counter()
        for doc in docs:
            extract(doc, gaz)
        extract_t.append(time.perf_counter() - t0)
    report = reports[-1]
    return {
        "docs": report.documents, "claims": report.claims, "refused": len(report.refused),
        "ingest": statistics.median(ingest), "rerun": statistics.median(rerun),
        "extract": statistics.median(extract_t), "kb": sum(len(d.text) for d in docs) / 1e3,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 105-document synthetic corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs per corpus (median)")
    args = parser.parse_args(argv)
    variants = 3 if args.quick else 9

    load_gazetteer()
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        synthetic = work / "synthetic"
        synthetic.mkdir()
        distinct = make_synthetic(synthetic, variants)
        results = [("demo (data/demo)", run(_corpus.DEMO_DIR, work, "demo", args.repeat)),
                   (f"synthetic ({distinct} distinct)", run(synthetic, work, "syn", args.repeat))]
    rows = []
    for label, r in results:
        rows.append([
            label, f"{r['docs']} (+{r['refused']} refused)", f"{r['kb']:.0f}", r["claims"],
            f"{r['ingest']:.2f}",
            f"{r['docs'] / r['ingest']:.0f}", f"{r['claims'] / r['ingest']:.0f}",
            f"{r['ingest'] / r['docs'] * 1e3:.1f}", f"{r['extract'] / r['docs'] * 1e3:.1f}",
            f"{r['rerun'] * 1e3:.0f} ({r['docs'] / r['rerun']:.0f} docs/s)",
        ])  # fmt: skip
    print("## Ingest\n")
    print(f"machine: {_corpus.machine()}")
    print(f"fresh SQLite file per run, geocoder memos cleared; median of {args.repeat} runs\n")
    print(_corpus.table(
        ["corpus", "docs", "KB", "claims", "ingest s", "docs/s", "claims/s", "ms/doc",
         "of which extract ms/doc", "re-run ms (all skipped)"], rows))


if __name__ == "__main__":
    main()
