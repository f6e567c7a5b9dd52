#!/usr/bin/env python3
"""Retrain the extraction arbiter from data/labels/, and judge it leave-one-slice-out.

Usage (from the project's root):
    python scripts/train_arbiter.py [--corpus ../shared/eval/dev] [--loso] [--c 0.3]

Without --loso it trains on every labelled report and writes data/models/arbiter.json
(deterministic: the same labels give the same file). With --loso it trains on two of the
slices A/B/C (plus 001-006) and scores the third, for each slice, then prints the table.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.evaluate import corpus_documents, read_expected, score  # noqa: E402
from geo.extraction.arbiter import DEFAULT_MODEL  # noqa: E402
from geo.extraction.learned import LearnedExtractor  # noqa: E402
from geo.extraction.training import (  # noqa: E402
    DEFAULT_C,
    DEFAULT_LABELS,
    DEFAULT_PHRASINGS,
    DEFAULT_THRESHOLDS,
    document_targets,
    load_labels,
    load_phrasings,
    slice_of,
    train,
)
from geo.gazetteer import load_gazetteer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--loso", action="store_true")
    ap.add_argument("--c", type=float, default=DEFAULT_C)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--phrasings", type=Path, default=DEFAULT_PHRASINGS,
                    help="made-up labelled reports to train on too ('' for none)")
    ap.add_argument("--keep", type=float, default=DEFAULT_THRESHOLDS["keep"])
    ap.add_argument("--add", type=float, default=DEFAULT_THRESHOLDS["add"])
    a = ap.parse_args()
    thresholds = {"keep": a.keep, "add": a.add}
    labels = load_labels(a.labels)
    labelled = sorted({lab.file for lab in labels})
    expected = read_expected(a.corpus)
    base = LearnedExtractor(load_gazetteer())
    built = {}
    for doc in corpus_documents(a.corpus, labelled):
        rules, cands = base.candidates(doc)
        built[doc.name] = (doc, rules, cands)
    phrasings = []
    if str(a.phrasings) and a.phrasings.is_file():
        for ph in load_phrasings(a.phrasings):
            _, cands = base.candidates(ph.doc)
            phrasings.append((ph, cands))

    def fit(files: list[str]):
        own = [c for f in files for c in built[f][2]]
        seed = train(own, labels, a.c, thresholds=thresholds)
        if not phrasings:
            return seed
        extra = [(c, y) for ph, cands in phrasings
                 for c, y in zip(cands, document_targets(cands, ph.claims, seed), strict=True)]
        return train(own, labels, a.c, thresholds=thresholds, extra=extra)

    if a.loso:
        for held in ("A", "B", "C"):
            rules_only = {f: (d, r) for f, (d, r, _) in built.items() if slice_of(f) == held}
            print(f"rules    {held}: {score(expected, rules_only).summary()}")
            train_files = [f for f in built if slice_of(f) != held]
            arbiter = fit(train_files)
            if a.show:
                (a.out.parent / f"loso_{held}.json").write_text(arbiter.to_json())
            ext = base.with_arbiter(arbiter)
            test = {f: (d, ext.decide(d, r, cs)) for f, (d, r, cs) in built.items()
                    if slice_of(f) == held}
            s = score(expected, test)
            print(f"held-out {held}: {s.summary()}")
            if a.show:
                for k in s.missed:
                    print("   missed", *k)
                for k in s.extra:
                    print("   extra ", *k)
        return 0
    digest = hashlib.sha256(a.labels.read_bytes()).hexdigest()[:16]
    arbiter = fit(list(built))
    arbiter.meta = {"labels": a.labels.name, "labels_sha256": digest, "c": a.c,
                          "candidates": sum(len(v[2]) for v in built.values()),
                    "reports": len(built), "phrasings": len(phrasings)}
    a.out.write_text(arbiter.to_json(), encoding="utf-8")
    ext = base.with_arbiter(arbiter)
    s = score(expected, {f: (d, ext.decide(d, r, cs)) for f, (d, r, cs) in built.items()})
    print(f"wrote {a.out}; on the reports it trained on: {s.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
