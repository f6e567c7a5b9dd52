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
from typing import TYPE_CHECKING, Any

from geo.errors import ControlmapError, LexiconError
from geo.extract import Extraction
from geo.extraction.arbiter import Arbiter, document_features
from geo.extraction.candidates import POLARITIES, Candidate, Polarity
from geo.records import Document
from geo.resources import data_path

if TYPE_CHECKING:
    from geo.evaluate import Expected, Score
    from geo.extraction.learned import LearnedExtractor

DEFAULT_LABELS = data_path("labels", "dev_candidates.csv")
#: Inverse regularisation strength; chosen by leave-one-slice-out (see docs/extraction.md).
DEFAULT_C = 0.1
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
    from geo.labelling import check_label_row

    path = path or DEFAULT_LABELS
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, r in enumerate(csv.DictReader(fh), 2):
            check_label_row(r, path, n)
            pols = frozenset(p for p in r["polarity"].split("+") if p in POLARITIES)
            try:
                date = dt.date.fromisoformat(r["date"]) if r.get("date") else None
            except ValueError:
                raise ControlmapError(f"labels {path} line {n}: date {r['date']!r} is not "
                                      "a date", "write it as YYYY-MM-DD") from None
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
DEFAULT_THRESHOLDS = {"keep": 0.1, "add": 0.5, "add_seat": 0.6}


DEFAULT_PHRASINGS = data_path("labels", "phrasings.jsonl")


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
        try:
            raw = json.loads(line)
            doc = Document(f"phrasing-{n:04d}", raw["text"],
                           dt.date.fromisoformat(raw["published"]))
            claims = frozenset((c["province_iso"], c["polarity"]) for c in raw["claims"])
        except (ValueError, KeyError, TypeError) as err:
            raise LexiconError(f"phrasings {path} line {n}: {err}",
                               "each line is a JSON object with text, published, claims"
                               ) from err
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


#: Folds (by report) that give the document step out-of-fold sentence probabilities.
FOLDS = 5


def fit_weights(cands: list[Candidate], ys: list[dict[str, bool | None]],
                features: list[dict[str, float]] | None = None,
                c: float = DEFAULT_C) -> dict[str, dict[str, float]]:
    """Return one logistic regression's weights per polarity, fitted on the candidates
    whose target for that polarity is known (``features`` default: the candidates')."""
    from sklearn.linear_model import LogisticRegression

    feats = features if features is not None else [cand.features for cand in cands]
    counts: dict[str, int] = {}
    for f in feats:
        for name in f:
            counts[name] = counts.get(name, 0) + 1
    vocab = sorted(n for n, k in counts.items() if k >= MIN_COUNT and n != "bias")
    col = {n: i for i, n in enumerate(vocab)}
    weights: dict[str, dict[str, float]] = {}
    for pol in POLARITIES:
        rows = [(f, y[pol]) for f, y in zip(feats, ys, strict=True) if y.get(pol) is not None]
        x = [[0.0] * len(vocab) for _ in rows]
        for i, (f, _) in enumerate(rows):
            for name, value in f.items():
                if name in col:
                    x[i][col[name]] = value
        y = [1 if target else 0 for _, target in rows]
        if len(set(y)) < 2:  # nothing to learn: a constant from the share of positives
            weights[pol] = {"bias": 3.0 if y and y[0] else -3.0}
            continue
        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
        model.fit(x, y)
        w = {n: round(float(v), 4) for n, v in zip(vocab, model.coef_[0], strict=True)
             if abs(v) >= 1e-4}
        w["bias"] = round(float(model.intercept_[0]), 4)
        weights[pol] = w
    return weights


def train(cands: list[Candidate], labels: list[Label], c: float = DEFAULT_C,
          meta: dict[str, Any] | None = None, thresholds: dict[str, float] | None = None,
          extra: list[tuple[Candidate, dict[str, bool | None]]] | None = None,
          document_step: bool = False) -> Arbiter:
    """Return an arbiter trained on the labelled candidates and on ``extra`` candidates with
    their own targets (the made-up phrasings): the sentence step on every candidate, then
    the document step on out-of-fold sentence probabilities (reports split in
    :data:`FOLDS` folds by name), so that it learns how far to trust them."""
    ys = targets(cands, labels)
    if extra:
        cands = cands + [cand for cand, _ in extra]
        ys = ys + [y for _, y in extra]
    sentence = fit_weights(cands, ys, c=c)
    if not document_step:
        return Arbiter(sentence, dict(thresholds or DEFAULT_THRESHOLDS), meta or {})
    documents = sorted({cand.document for cand in cands})
    fold_of = {d: i % FOLDS for i, d in enumerate(documents)}
    oof: list[dict[Polarity, float]] = [{} for _ in cands]
    for fold in range(FOLDS):
        inside = [i for i, cand in enumerate(cands) if fold_of[cand.document] != fold]
        held = [i for i, cand in enumerate(cands) if fold_of[cand.document] == fold]
        w = fit_weights([cands[i] for i in inside], [ys[i] for i in inside], c=c)
        probe = Arbiter(w, {}, {})
        for i in held:
            oof[i] = {pol: probe.probability(pol, cands[i].features) for pol in POLARITIES}
    doc_feats = document_features(cands, oof)
    document = fit_weights(cands, ys, doc_feats, c=c)
    return Arbiter(sentence, dict(thresholds or DEFAULT_THRESHOLDS), meta or {}, document)


@dataclass(slots=True)
class TrainingSet:
    """The labelled reports and made-up phrasings, read and turned into candidates once."""

    reports: dict[str, tuple[Document, Extraction, list[Candidate]]]
    phrasings: list[tuple[Phrasing, list[Candidate]]]
    labels: list[Label]

    @classmethod
    def build(cls, corpus: Path, extractor: LearnedExtractor, labels: list[Label],
              phrasings: list[Phrasing]) -> TrainingSet:
        """Return the candidates of every labelled report of ``corpus`` and of ``phrasings``."""
        from geo.evaluate import corpus_documents

        files = sorted({lab.file for lab in labels})
        reports = {}
        for doc in corpus_documents(corpus, files):
            rules, cands = extractor.candidates(doc)
            reports[doc.name] = (doc, rules, cands)
        made_up = [(ph, extractor.candidates(ph.doc)[1]) for ph in phrasings]
        return cls(reports, made_up, labels)

    def fit(self, files: Iterable[str], c: float = DEFAULT_C,
            thresholds: dict[str, float] | None = None, document_step: bool = False,
            meta: dict[str, Any] | None = None) -> Arbiter:
        """Return the arbiter trained on the reports ``files`` and on every phrasing: a
        phrasing's positives go to the candidate an arbiter trained on the reports alone
        finds likeliest (see :func:`document_targets`)."""
        own = [cand for f in sorted(files) for cand in self.reports[f][2]]
        seed = train(own, self.labels, c, thresholds=thresholds, document_step=document_step)
        if not self.phrasings:
            return seed
        extra = [(cand, y) for ph, cands in self.phrasings
                 for cand, y in zip(cands, document_targets(cands, ph.claims, seed), strict=True)]
        return train(own, self.labels, c, meta, thresholds, extra, document_step)

    def leave_one_slice_out(self, extractor: LearnedExtractor, expected: list[Expected],
                            **fit_options: Any) -> dict[str, tuple[Score, Score]]:
        """Return, for each slice A, B, C, the rules' score and the arbiter's score on it
        when trained on the other slices (and 001-006 and the phrasings)."""
        from geo.evaluate import score

        out = {}
        for held in ("A", "B", "C"):
            test = [f for f in self.reports if slice_of(f) == held]
            arbiter = self.fit([f for f in self.reports if slice_of(f) != held], **fit_options)
            judged = extractor.with_arbiter(arbiter)
            rules = {f: self.reports[f][:2] for f in test}
            learned = {f: (self.reports[f][0], judged.decide(*self.reports[f])) for f in test}
            out[held] = (score(expected, rules), score(expected, learned))
        return out
