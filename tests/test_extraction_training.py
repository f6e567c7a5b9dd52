"""Training: deterministic, and the shipped model is the one its labels give."""

from __future__ import annotations

import json

import pytest

from geo.extraction.arbiter import DEFAULT_MODEL
from geo.extraction.training import (
    TrainingSet,
    load_labels,
    load_phrasings,
    slice_of,
)

pytest.importorskip("sklearn", reason="scikit-learn is needed only to retrain the arbiter")


@pytest.fixture(scope="module")
def training_set(dev_corpus, learned):
    return TrainingSet.build(dev_corpus, learned, load_labels(), load_phrasings())


def test_labels_hold_offsets_and_verdicts_only():
    header = DEFAULT_MODEL.parent.parent.joinpath("labels", "dev_candidates.csv").read_text(
        encoding="utf-8").splitlines()[0]
    assert header == "file,start,end,province_iso,polarity,required,kind,actor,date"
    assert {slice_of(lab.file) for lab in load_labels()} == {"0", "A", "B", "C"}


def test_training_twice_gives_the_same_model(training_set):
    files = [f for f in training_set.reports if slice_of(f) in ("0", "A")]
    assert training_set.fit(files).to_json() == training_set.fit(files).to_json()


def test_the_shipped_model_is_what_its_labels_train(training_set):
    shipped = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    meta = shipped["meta"]
    options = {"c": meta["c"], "thresholds": meta["thresholds"],
               "document_step": meta["document_step"]}
    again = json.loads(training_set.fit(list(training_set.reports), meta=meta,
                                        **options).to_json())
    assert again["thresholds"] == shipped["thresholds"]
    for pol, weights in shipped["weights"].items():
        assert again["weights"][pol].keys() == weights.keys()
        assert all(abs(again["weights"][pol][k] - v) < 1e-3 for k, v in weights.items())


def test_the_optional_document_step_learns_from_out_of_fold_probabilities(training_set,
                                                                           learned):
    files = [f for f in training_set.reports if slice_of(f) in ("0", "B")]
    arbiter = training_set.fit(files, document_step=True)
    assert arbiter.document is not None
    assert set(arbiter.document) == {"taliban", "government", "contested"}
    doc, rules, cands = training_set.reports["001.txt"]
    claims = learned.with_arbiter(arbiter).decide(doc, rules, cands).claims
    assert {c.province_iso for c in claims} >= {"AF-KDZ"}
