"""The learned arbiter: for each candidate, which polarities does the sentence assert?

One logistic regression per polarity (``taliban``, ``government``, ``contested``) over the
candidate's features, trained from the labels in ``data/labels/`` by
``scripts/train_arbiter.py`` and stored as a table of weights in
``data/models/arbiter.json`` (no pickle: the file is data anyone can read and diff).
Scoring is a dot product, so the arbiter needs scikit-learn only to be trained.

Every decision can say why: :meth:`Arbiter.reason` names the features that weighed most.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import LexiconError
from geo.extraction.candidates import POLARITIES, Candidate, Polarity
from geo.resources import data_path

DEFAULT_MODEL = data_path("models", "arbiter.json")

#: How a feature reads in a claim's reason ("before:fall" -> "'fell'-type word before it").
_WHERE = {
    "rule": "the rule engine read it as {v}",
    "rule_kind": "the rule engine's kind is {v}",
    "rule_actor": "the rule engine's actor is {v}",
    "rule_doc": "the rule engine found {v} elsewhere in the report",
    "rule_skipped": "the rule engine set a verb aside ({v})",
    "gov_l": "governed by a {v} word before it",
    "gov_r": "governed by a {v} word after it",
    "list_rule": "listed with places the rule engine read as {v}",
    "list_lead": "a {v} word leads its list",
    "sent_rule": "the rule engine read {v} for another place of the sentence",
    "sent": "a {v} word in the sentence",
    "before": "a {v} word before the place",
    "after": "a {v} word after the place",
    "scope": "listed under a heading with a {v} word",
    "prev": "a {v} word in the sentence before",
    "next": "a {v} word in the sentence after",
    "title": "a {v} word in the headline",
    "line": "the line is a {v}",
    "kind": "the place is a {v}",
    "wb": "the word '{v}…' before the place",
    "wa": "the word '{v}…' after the place",
}


@dataclass(frozen=True, slots=True)
class Decision:
    """The arbiter's verdict on one candidate and polarity, with its probability."""

    polarity: Polarity
    probability: float
    reason: str


class Arbiter:
    """A trained arbiter: weights per polarity and the threshold that accepts a polarity."""

    def __init__(self, weights: dict[str, dict[str, float]], thresholds: dict[str, float],
                 meta: dict[str, Any] | None = None,
                 document: dict[str, dict[str, float]] | None = None) -> None:
        self.weights = weights
        self.thresholds = thresholds
        self.meta: dict[str, Any] = meta or {}
        self.document = document

    @classmethod
    def load(cls, path: Path | None = None) -> Arbiter:
        """Return the arbiter stored at ``path`` (default ``data/models/arbiter.json``)."""
        path = path or DEFAULT_MODEL
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            arbiter = cls(raw["weights"], raw["thresholds"], raw.get("meta"),
                          raw.get("document"))
            missing = [p for p in POLARITIES if p not in arbiter.weights] + [
                t for t in ("keep", "add") if t not in arbiter.thresholds]
            if missing:
                raise KeyError(", ".join(missing))
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise LexiconError(
                f"cannot read the arbiter model {path}: {err}",
                "rebuild it with `python scripts/train_arbiter.py`, or use --engine rules",
            ) from err
        return arbiter

    def to_json(self) -> str:
        """Return the model as the JSON text stored in ``data/models/arbiter.json``."""
        return json.dumps({"meta": self.meta, "thresholds": self.thresholds,
                           "weights": self.weights, "document": self.document},
                          indent=1, sort_keys=True) + "\n"

    def probability(self, polarity: str, features: dict[str, float],
                    weights: dict[str, dict[str, float]] | None = None) -> float:
        """Return the probability that the candidate with ``features`` asserts ``polarity``
        (by the sentence step's weights, or by ``weights``)."""
        w = (weights or self.weights)[polarity]
        z = sum(w.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide_document(self, cands: list[Candidate]) -> list[list[Decision]]:
        """Return the accepted polarities of each candidate of one report: the sentence
        step's probabilities, then the document step that weighs them against what the
        report says of the same province elsewhere."""
        first = [{pol: self.probability(pol, c.features) for pol in POLARITIES} for c in cands]
        if not self.document:
            return [self._accept(c, p, c.features) for c, p in zip(cands, first, strict=True)]
        feats = document_features(cands, first)
        out = []
        for cand, f in zip(cands, feats, strict=True):
            probs = {pol: self.probability(pol, f, self.document) for pol in POLARITIES}
            out.append(self._accept(cand, probs, f))
        return out

    def _accept(self, cand: Candidate, probs: dict[Polarity, float],
                features: dict[str, float]) -> list[Decision]:
        ruled = cand.rule_polarities()
        # a reading of the arbiter's own about a province or its capital colours the whole
        # province: it needs more than one about a district or a crossing
        seat = any(m.kind in ("province", "capital") for m in cand.mentions
                   if m.province_iso == cand.province_iso) and not any(
            m.kind not in ("province", "capital") for m in cand.mentions
            if m.province_iso == cand.province_iso)
        add = self.thresholds.get("add_seat", self.thresholds["add"]) if seat else (
            self.thresholds["add"])
        out = []
        for pol, p in probs.items():
            needed = self.thresholds["keep"] if pol in ruled else add
            if p >= needed:
                out.append(Decision(pol, p, self.reason(pol, cand.features)))
        return sorted(out, key=lambda d: -d.probability)

    def reason(self, polarity: str, features: dict[str, float], top: int = 3) -> str:
        """Return the few features that weighed most for ``polarity``, in words."""
        w = self.weights[polarity]
        parts = sorted(((w.get(n, 0.0) * v, n) for n, v in features.items() if n != "bias"),
                       reverse=True)
        words = [describe_feature(n) for score, n in parts[:top] if score > 0.05]
        return "; ".join(words) or "weak evidence"


def document_features(cands: list[Candidate], probs: list[dict[Polarity, float]]
                      ) -> list[dict[str, float]]:
    """Return the document step's features of each candidate: its own sentence-step
    probabilities, the highest of the report's other sentences on the same province, and
    whether the report denies or qualifies that province somewhere."""
    by_province: dict[str, list[int]] = {}
    for i, cand in enumerate(cands):
        by_province.setdefault(cand.province_iso, []).append(i)
    out = []
    for i, cand in enumerate(cands):
        others = [j for j in by_province[cand.province_iso] if j != i]
        f: dict[str, float] = {"bias": 1.0}
        for pol in POLARITIES:
            own = probs[i][pol]
            other = max((probs[j][pol] for j in others), default=0.0)
            f[f"self:{pol}"] = own
            f[f"other:{pol}"] = other
            f[f"self_x_other:{pol}"] = own * other
            if pol in cand.rule_polarities():
                f[f"rule:{pol}"] = 1.0
        group = [cands[j] for j in by_province[cand.province_iso]]
        for flag in ("denial", "partial", "hold", "future", "word_sense"):
            if any(f"sent:{flag}" in g.features or f"next:{flag}" in g.features for g in group):
                f[f"doc_{flag}"] = 1.0
        f["doc_sentences"] = min(len(group), 6) / 6
        f[f"line:{cand.line_role}"] = 1.0
        out.append(f)
    return out


def describe_feature(name: str) -> str:
    """Return a feature's name in words ("scope:contest" -> "listed under a heading ...")."""
    where, _, value = name.partition(":")
    template = _WHERE.get(where)
    if template is None:
        return name.replace("_", " ")
    return template.format(v=value.replace("_", " "))
