"""The arbiter: a readable table of weights, thresholds that favour the rules' readings."""

from __future__ import annotations

import json

import pytest

from geo.errors import ControlmapError
from geo.extraction.arbiter import Arbiter, describe_feature
from geo.extraction.candidates import Candidate


def cand(features: dict[str, float], rule_claims=()) -> Candidate:
    return Candidate("t.txt", 0, 10, "AF-KDZ", [], list(rule_claims), features)


def test_the_model_round_trips_through_its_json_file(tmp_path):
    arbiter = Arbiter({"taliban": {"bias": -1.0, "sent:capture": 3.0},
                       "government": {"bias": -2.0}, "contested": {"bias": -2.0}},
                      {"keep": 0.2, "add": 0.6}, {"labels_sha256": "x"})
    path = tmp_path / "model.json"
    path.write_text(arbiter.to_json(), encoding="utf-8")
    again = Arbiter.load(path)
    assert again.to_json() == arbiter.to_json()
    assert json.loads(path.read_text())["meta"] == {"labels_sha256": "x"}


def test_a_missing_model_is_a_clear_error_naming_the_file(tmp_path):
    with pytest.raises(ControlmapError, match=r"no-model\.json"):
        Arbiter.load(tmp_path / "no-model.json")


def test_a_new_reading_needs_the_add_threshold_and_says_why():
    arbiter = Arbiter({"taliban": {"bias": -1.0, "sent:capture": 3.0},
                       "government": {"bias": -4.0}, "contested": {"bias": -4.0}},
                      {"keep": 0.2, "add": 0.9})
    strong = cand({"bias": 1.0, "sent:capture": 1.0})
    assert arbiter.decide_document([strong]) == [[]]  # 0.88 < add
    arbiter.thresholds["add"] = 0.8
    [decision] = arbiter.decide_document([strong])[0]
    assert decision.polarity == "taliban"
    assert "a capture word in the sentence" in decision.reason


def test_feature_names_read_as_words():
    assert describe_feature("scope:contest") == "listed under a heading with a contest word"
    assert describe_feature("dateline_place") == "dateline place"


def test_a_model_without_a_polaritys_weights_is_a_clear_error(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"weights": {"taliban": {}}, "thresholds": {"keep": 0.1}}))
    with pytest.raises(ControlmapError, match="government"):
        Arbiter.load(path)


def test_a_cue_lexicon_with_a_bad_pattern_names_the_file(tmp_path):
    from geo.extraction.candidates import CueLexicon

    path = tmp_path / "cues.json"
    path.write_text(json.dumps({"classes": {"capture": ["captur(e"]}}))
    with pytest.raises(ControlmapError, match=r"cues\.json"):
        CueLexicon.load(path)
