#!/usr/bin/env python3
"""Retrain the extraction arbiter from data/labels/, and judge it leave-one-slice-out.

Usage (from the project's root):
    python scripts/train_arbiter.py [--corpus ../shared/eval/dev] [--loso] [--show]

Without --loso it trains on every labelled report and on the made-up phrasings and writes
data/models/arbiter.json (deterministic: the same labels give the same file). With --loso it
trains on two of the slices A/B/C (plus 001-006 and the phrasings) and scores the third, for
each slice, beside the rules alone.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.evaluate import read_expected, score  # noqa: E402
from geo.extraction.arbiter import DEFAULT_MODEL  # noqa: E402
from geo.extraction.learned import LearnedExtractor  # noqa: E402
from geo.extraction.training import (  # noqa: E402
    DEFAULT_C,
    DEFAULT_LABELS,
    DEFAULT_PHRASINGS,
    DEFAULT_THRESHOLDS,
    TrainingSet,
    load_labels,
    load_phrasings,
    slice_of,
)
from geo.gazetteer import load_gazetteer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--phrasings", type=Path, default=DEFAULT_PHRASINGS)
    ap.add_argument("--loso", action="store_true", help="score leave-one-slice-out")
    ap.add_argument("--nested", action="store_true",
                    help="leave-one-slice-out with hyperparameters chosen on the other slices")
    ap.add_argument("--show", action="store_true", help="list misses and extras")
    ap.add_argument("--c", type=float, default=DEFAULT_C)
    ap.add_argument("--keep", type=float, default=DEFAULT_THRESHOLDS["keep"])
    ap.add_argument("--add", type=float, default=DEFAULT_THRESHOLDS["add"])
    ap.add_argument("--add-seat", type=float, default=DEFAULT_THRESHOLDS["add_seat"])
    ap.add_argument("--document-step", action="store_true",
                    help="stack a document step on out-of-fold sentence probabilities")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    a = ap.parse_args()
    options = {"c": a.c, "thresholds": {"keep": a.keep, "add": a.add, "add_seat": a.add_seat},
               "document_step": a.document_step}
    labels = load_labels(a.labels)
    phrasings = load_phrasings(a.phrasings) if a.phrasings.is_file() else []
    extractor = LearnedExtractor(load_gazetteer())
    data = TrainingSet.build(a.corpus, extractor, labels, phrasings)
    expected = read_expected(a.corpus)
    if a.nested:
        # honest figures: each held-out slice's hyperparameters are chosen by the other two
        # slices alone (train on one, score the other, both ways), then scored once
        grid = [{"c": c, "thresholds": {"keep": 0.1, "add": add, "add_seat": add + 0.1},
                 "document_step": False} for c in (0.1, 0.3) for add in (0.4, 0.5, 0.6)]
        slices = ("A", "B", "C")
        for held in slices:
            inner = [s_ for s_ in slices if s_ != held]

            def inner_f1(opts, inner=inner, held=held):
                total = 0.0
                for test_slice in inner:
                    files = [f for f in data.reports if slice_of(f) not in (held, test_slice)]
                    judged = extractor.with_arbiter(data.fit(files, **opts))
                    test = {f: (data.reports[f][0], judged.decide(*data.reports[f]))
                            for f in data.reports if slice_of(f) == test_slice}
                    total += score(expected, test).f1
                return total / len(inner)

            best = max(grid, key=inner_f1)
            judged = extractor.with_arbiter(
                data.fit([f for f in data.reports if slice_of(f) != held], **best))
            test = {f: (data.reports[f][0], judged.decide(*data.reports[f]))
                    for f in data.reports if slice_of(f) == held}
            print(f"slice {held}  nested (C {best['c']}, add {best['thresholds']['add']}): "
                  f"{score(expected, test).summary()}")
        return 0
    if a.loso:
        for held, (rules, learned) in data.leave_one_slice_out(extractor, expected,
                                                               **options).items():
            print(f"slice {held}  rules:   {rules.summary()}")
            print(f"slice {held}  learned: {learned.summary()}")
            if a.show:
                print("   ", dict(sorted(learned.families.items())))
                for k in learned.missed:
                    print("    missed", *k)
                for k in learned.extra:
                    print("    extra ", *k)
        return 0
    meta = {"labels": a.labels.name,
            "labels_sha256": hashlib.sha256(a.labels.read_bytes()).hexdigest()[:16],
            "phrasings": a.phrasings.name if phrasings else "",
            "phrasings_sha256": (hashlib.sha256(a.phrasings.read_bytes()).hexdigest()[:16]
                                 if phrasings else ""),
            "reports": len(data.reports), "made_up_reports": len(phrasings),
            "candidates": sum(len(v[2]) for v in data.reports.values()), **options}
    arbiter = data.fit(list(data.reports), meta=meta, **options)
    a.out.write_text(arbiter.to_json(), encoding="utf-8")
    judged = extractor.with_arbiter(arbiter)
    s = score(expected, {f: (d, judged.decide(d, r, cs)) for f, (d, r, cs) in data.reports.items()})
    print(f"wrote {a.out}; on the reports it trained on: {s.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
