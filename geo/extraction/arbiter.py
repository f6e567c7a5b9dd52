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

from geo.errors import ControlmapError
from geo.extraction.candidates import POLARITIES, Candidate
from geo.settings import DATA_DIR

DEFAULT_MODEL = DATA_DIR / "models" / "arbiter.json"

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

    polarity: str
    probability: float
    reason: str


class Arbiter:
    """A trained arbiter: weights per polarity and the threshold that accepts a polarity."""

    def __init__(self, weights: dict[str, dict[str, float]], thresholds: dict[str, float],
                 meta: dict | None = None) -> None:
        self.weights = weights
        self.thresholds = thresholds
        self.meta = meta or {}

    @classmethod
    def load(cls, path: Path | None = None) -> Arbiter:
        """Return the arbiter stored at ``path`` (default ``data/models/arbiter.json``)."""
        path = path or DEFAULT_MODEL
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ControlmapError(
                f"cannot read the arbiter model {path}: {err}",
                "rebuild it with `python scripts/train_arbiter.py`, or use --engine rules",
            ) from err
        return cls(raw["weights"], raw["thresholds"], raw.get("meta"))

    def to_json(self) -> str:
        """Return the model as the JSON text stored in ``data/models/arbiter.json``."""
        return json.dumps({"meta": self.meta, "thresholds": self.thresholds,
                           "weights": self.weights}, indent=1, sort_keys=True) + "\n"

    def probability(self, polarity: str, features: dict[str, float]) -> float:
        """Return the probability that the candidate with ``features`` asserts ``polarity``."""
        w = self.weights[polarity]
        z = sum(w.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, cand: Candidate) -> list[Decision]:
        """Return the polarities the arbiter accepts for a candidate, most probable first.

        The rule engine's reading stands unless the arbiter is fairly sure it is wrong
        (probability under ``keep``); a reading the rules did not make needs a probability
        of at least ``add``. The asymmetry keeps every phrasing the rules get right, and
        lets the model add what they miss only when it is confident.
        """
        ruled = cand.rule_polarities()
        out = []
        for pol in POLARITIES:
            p = self.probability(pol, cand.features)
            needed = self.thresholds["keep"] if pol in ruled else self.thresholds["add"]
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


def describe_feature(name: str) -> str:
    """Return a feature's name in words ("scope:contest" -> "listed under a heading ...")."""
    where, _, value = name.partition(":")
    template = _WHERE.get(where)
    if template is None:
        return name.replace("_", " ")
    return template.format(v=value.replace("_", " "))
