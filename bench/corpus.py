"""Synthetic corpora made from the demo reports, for benchmarks at scale (1k-50k documents).

Document ``i`` is demo report ``i mod 35`` with

- its places permuted among the 34 provinces: every spelling of a province's capital (and of
  the province) becomes the capital (and the province) of another, drawn by a permutation
  seeded by ``i``, so "Kunduz, the capital of Kunduz province" may become "Zaranj, the
  capital of Nimruz province" (the sentence stays coherent, the claims move);
- its dates shifted (the publication date and every absolute date in the text) by
  ``(i // 35) mod 21`` days, other numbers changed with them (``bench_ingest.vary``);
- a unique last line, so no two documents share a content hash.

Each document has ~3 claims, as the demo reports do. Written as ``.txt`` files with a
``date YYYY-MM-DD`` first line (as in ``data/demo``) or as one JSON Lines file::

    .venv/bin/python bench/corpus.py --docs 50000 --out /tmp/corpus50k
    .venv/bin/python bench/corpus.py --docs 10000 --out /tmp/c10k --jsonl   # c10k/corpus.jsonl

The same ``--docs`` and ``--seed`` always give the same corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_ingest import vary

from geo.documents import split_date_header
from geo.gazetteer import load_gazetteer

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
#: the number of days a date is shifted by at most (stays in the 2021 summer)
MAX_SHIFT = 20


@lru_cache(maxsize=1)
def _demo_reports() -> tuple[tuple[str, str], ...]:
    return tuple((p.stem, p.read_text(encoding="utf-8")) for p in sorted(DEMO_DIR.glob("*.txt")))


@lru_cache(maxsize=1)
def _spellings() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """A pattern matching every capitalised spelling of a capital or province, and for each
    spelling its (province ISO, 'capital' or 'province')."""
    gaz = load_gazetteer()
    owner: dict[str, tuple[str, str]] = {}
    for kind, places in (("province", gaz.provinces), ("capital", gaz.capitals)):
        for iso, place in places.items():
            for name in {place.name, *place.names}:
                if len(name) >= 4 and name[0].isupper() and name not in owner:
                    owner[name] = (iso, kind)
                    owner.setdefault(name.upper(), (iso, kind))
    names = sorted(owner, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])")
    return pattern, owner


def permute_places(text: str, rng: random.Random) -> str:
    """Return ``text`` with each capital and province moved to a province drawn by ``rng``
    (one permutation of the 34 provinces for the whole text)."""
    gaz = load_gazetteer()
    isos = sorted(gaz.provinces)
    targets = isos[:]
    rng.shuffle(targets)
    moved = dict(zip(isos, targets, strict=True))
    pattern, owner = _spellings()

    def swap(match: re.Match[str]) -> str:
        iso, kind = owner[match.group(0)]
        places = gaz.capitals if kind == "capital" else gaz.provinces
        name = places[moved[iso]].name
        return name.upper() if match.group(0).isupper() else name

    return pattern.sub(swap, text)


def synthetic_document(i: int, seed: int = 0) -> tuple[str, str, str]:
    """Return document ``i`` of the corpus: (name, publication date ISO, text)."""
    reports = _demo_reports()
    stem, raw = reports[i % len(reports)]
    shifted = vary(raw, (i // len(reports)) % (MAX_SHIFT + 1))
    date, body = split_date_header(shifted)
    body = permute_places(body.strip(), random.Random(seed * 1_000_003 + i))
    body += f"\n\n(Synthetic copy {i:06d} of {stem}.)"
    return f"{i:06d}_{stem}", str(date), body


def iter_corpus(docs: int, seed: int = 0) -> Iterator[tuple[str, str, str]]:
    """Yield the ``docs`` documents of the corpus as (name, date, text)."""
    for i in range(docs):
        yield synthetic_document(i, seed)


def make_corpus(out: Path, docs: int, *, jsonl: bool = False, seed: int = 0) -> Path:
    """Write a corpus of ``docs`` documents under the folder ``out``; return what to ingest:
    the folder of ``.txt`` files, or ``out/corpus.jsonl`` with ``jsonl``."""
    out.mkdir(parents=True, exist_ok=True)
    if jsonl:
        path = out / "corpus.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for name, date, text in iter_corpus(docs, seed):
                record = {"text": text, "date": date, "title": name}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return path
    for name, date, text in iter_corpus(docs, seed):
        (out / f"{name}.txt").write_text(f"date {date}\n\n{text}\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="how many documents")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write into")
    parser.add_argument("--jsonl", action="store_true", help="one JSON Lines file")
    parser.add_argument("--seed", type=int, default=0, help="another corpus of the same size")
    args = parser.parse_args(argv)
    where = make_corpus(args.out, args.docs, jsonl=args.jsonl, seed=args.seed)
    print(f"wrote {args.docs} documents to {where}", file=sys.stderr)


if __name__ == "__main__":
    main()
