"""Train the arbiter from candidate labels, and judge it leave-one-slice-out.

Labels live in ``data/labels/dev_candidates.csv`` as offsets and verdicts only (``file,
start, end, province_iso, polarity, required, kind, actor, date``): the report texts stay in
the corpus folder. A label names a sentence span and a province; it is joined to the
candidate of the same document and province whose span overlaps it, so that a change of
sentence splitting does not orphan it. ``polarity`` is ``none`` or polarities joined by
``+``; a polarity marked ``required=optional`` is left out of that polarity's training
(defensible either way, it teaches nothing).

Training is deterministic: features are sorted, the solver is liblinear with a fixed
regularisation, and the output JSON is written with sorted keys. scikit-learn is imported
only here.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from geo.extraction.arbiter import Arbiter
from geo.extraction.candidates import POLARITIES, Candidate
from geo.records import Document
from geo.settings import DATA_DIR

DEFAULT_LABELS = DATA_DIR / "labels" / "dev_candidates.csv"
#: Inverse regularisation strength; chosen by leave-one-slice-out (see docs/extraction.md).
DEFAULT_C = 0.3
#: A feature must occur in this many training candidates to get a weight.
MIN_COUNT = 2


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled candidate: a sentence span, a province and the polarities it asserts."""

    file: str
    start: int
    end: int
    province_iso: str
    polarities: frozenset[str]
    required: bool
    kind: str = ""
    actor: str = ""
    date: dt.date | None = None


def load_labels(path: Path | None = None) -> list[Label]:
    """Return the labels of ``path`` (default ``data/labels/dev_candidates.csv``)."""
    path = path or DEFAULT_LABELS
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            pols = frozenset(p for p in r["polarity"].split("+") if p in POLARITIES)
            date = dt.date.fromisoformat(r["date"]) if r.get("date") else None
            out.append(Label(r["file"], int(r["start"]), int(r["end"]), r["province_iso"],
                             pols, r.get("required") == "yes", r.get("kind", ""),
                             r.get("actor", ""), date))
    return out


def slice_of(file: str) -> str:
    """Return a dev report's slice: ``A``, ``B`` or ``C`` by its name, ``0`` for 001-006."""
    return file[0] if file[:1] in ("A", "B", "C") else "0"


def targets(cands: list[Candidate], labels: Iterable[Label]
            ) -> list[dict[str, bool | None]]:
    """Return for each candidate, per polarity, True/False from its label or None (no label,
    or an optional polarity)."""
    index: dict[tuple[str, str], list[Label]] = {}
    for lab in labels:
        index.setdefault((lab.file, lab.province_iso), []).append(lab)
    out = []
    for cand in cands:
        hits = [lab for lab in index.get((cand.document, cand.province_iso), [])
                if lab.start < cand.end and cand.start < lab.end]
        row: dict[str, bool | None] = {}
        for pol in POLARITIES:
            if not hits:
                row[pol] = None
            elif any(pol in lab.polarities and lab.required for lab in hits):
                row[pol] = True
            elif any(pol in lab.polarities for lab in hits):
                row[pol] = None
            else:
                row[pol] = False
        out.append(row)
    return out


#: The probability under which a rule reading is dropped, and the one a new reading needs.
DEFAULT_THRESHOLDS = {"keep": 0.15, "add": 0.7}


DEFAULT_PHRASINGS = DATA_DIR / "labels" / "phrasings.jsonl"


@dataclass(frozen=True, slots=True)
class Phrasing:
    """A made-up report with the (province, polarity) pairs a careful reader records."""

    doc: Document
    claims: frozenset[tuple[str, str]]
    family: str


def load_phrasings(path: Path | None = None) -> list[Phrasing]:
    """Return the made-up, labelled reports of ``data/labels/phrasings.jsonl``: the project's
    own wording (never a corpus text), one JSON object a line with ``text``, ``published``,
    ``claims`` ([{province_iso, polarity}]) and ``family``."""
    path = path or DEFAULT_PHRASINGS
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        raw = json.loads(line)
        doc = Document(f"phrasing-{n:04d}", raw["text"], dt.date.fromisoformat(raw["published"]))
        claims = frozenset((c["province_iso"], c["polarity"]) for c in raw["claims"])
        out.append(Phrasing(doc, claims, raw.get("family") or raw.get("style", "")))
    return out


def document_targets(cands: list[Candidate], claims: frozenset[tuple[str, str]],
                     arbiter: Arbiter | None) -> list[dict[str, bool | None]]:
    """Return per-candidate targets from document-level labels (multiple instances): a
    polarity the report does not assert for a province is False on all its candidates; one
    it asserts is True on the candidate ``arbiter`` finds likeliest (on all of them when
    there is one candidate, or no arbiter yet), and unknown on the others."""
    out: list[dict[str, bool | None]] = [{} for _ in cands]
    for pol in POLARITIES:
        by_province: dict[str, list[int]] = {}
        for i, cand in enumerate(cands):
            by_province.setdefault(cand.province_iso, []).append(i)
        for province, idx in by_province.items():
            if (province, pol) not in claims:
                for i in idx:
                    out[i][pol] = False
                continue
            if arbiter is None or len(idx) == 1:
                for i in idx:
                    out[i][pol] = True
                continue
            best = max(idx, key=lambda i: arbiter.probability(pol, cands[i].features))
            for i in idx:
                out[i][pol] = True if i == best else None
    return out


def train(cands: list[Candidate], labels: list[Label], c: float = DEFAULT_C,
          meta: dict | None = None, thresholds: dict[str, float] | None = None,
          extra: list[tuple[Candidate, dict[str, bool | None]]] | None = None) -> Arbiter:
    """Return an arbiter trained on the labelled candidates (one regression per polarity),
    and on ``extra`` candidates with their own targets (the made-up phrasings)."""
    from sklearn.linear_model import LogisticRegression

    ys = targets(cands, labels)
    if extra:
        cands = cands + [cand for cand, _ in extra]
        ys = ys + [y for _, y in extra]
    counts: dict[str, int] = {}
    for cand in cands:
        for name in cand.features:
            counts[name] = counts.get(name, 0) + 1
    import os
    drop = tuple(x for x in os.environ.get("ARB_DROP", "").split(",") if x)
    vocab = sorted(n for n, k in counts.items() if k >= MIN_COUNT and n != "bias"
                   and not (drop and n.startswith(drop)))
    col = {n: i for i, n in enumerate(vocab)}
    weights: dict[str, dict[str, float]] = {}
    for pol in POLARITIES:
        rows = [(cand, y.get(pol)) for cand, y in zip(cands, ys, strict=True)
                if y.get(pol) is not None]
        x = [[0.0] * len(vocab) for _ in rows]
        for i, (cand, _) in enumerate(rows):
            for name, value in cand.features.items():
                if name in col:
                    x[i][col[name]] = value
        y = [1 if target else 0 for _, target in rows]
        model = LogisticRegression(C=c, solver="liblinear", class_weight=None, max_iter=1000)
        model.fit(x, y)
        w = {n: round(float(v), 4) for n, v in zip(vocab, model.coef_[0], strict=True)
             if abs(v) >= 1e-4}
        w["bias"] = round(float(model.intercept_[0]), 4)
        weights[pol] = w
    return Arbiter(weights, dict(thresholds or DEFAULT_THRESHOLDS), meta or {})
