"""Scoring against a labelled folder: the figures, the families, the edge cases."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geo.errors import ControlmapError
from geo.evaluate import evaluate, read_expected
from geo.extraction import Extractor

ROWS = [
    # file, claim_date, place, province_iso, polarity, required, note
    ("r1.txt", "2021-08-06", "Zaranj", "AF-NIM", "taliban", "yes", ""),
    ("r1.txt", "2021-08-06", "Kabul", "AF-KAB", "government", "optional", ""),
    ("r2.txt", "2021-08-13", "Herat", "AF-HER", "taliban", "yes", ""),
    ("r2.txt", "2021-08-13", "Herat", "AF-HER", "taliban", "optional", "a second place"),
    ("r3.txt", "2021-08-12", "Herat", "AF-HER", "taliban", "yes", ""),
    ("r3.txt", "2021-08-12", "Injil", "AF-HER", "taliban", "optional", "a second place"),
]


def corpus(tmp_path: Path) -> Path:
    (tmp_path / "r1.txt").write_text(" date 2021-08-07\nThe Taliban captured Zaranj on Friday. "
                                     "Kabul is calm.\n", encoding="utf-8")
    (tmp_path / "r2.txt").write_text(" date 2021-08-13\nFighting went on in Ghor.\n",
                                     encoding="utf-8")
    (tmp_path / "r3.txt").write_text(" date 2021-08-13\nThe Taliban captured Herat on "
                                     "Thursday.\n", encoding="utf-8")
    with (tmp_path / "expected_claims.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "claim_date", "place", "province_iso", "polarity", "required",
                         "note"])
        writer.writerows(ROWS)
    return tmp_path


def test_a_folder_is_scored_by_file_province_and_polarity(tmp_path):
    score, extractions = evaluate(corpus(tmp_path), Extractor.for_engine("rules").extract)
    assert set(extractions) == {"r1.txt", "r2.txt", "r3.txt"}
    assert (score.matched, score.required) == (2, 3)
    assert score.missed == [("r2.txt", "AF-HER", "taliban")]
    assert score.date_accuracy == 1.0
    assert 0 < score.f1 < 1


def test_a_key_one_row_requires_stays_required_when_another_row_is_optional(tmp_path):
    score, _ = evaluate(corpus(tmp_path), Extractor.for_engine("rules").extract)
    # r3's Herat is required by one row and optional by another: found, it matches
    assert ("r3.txt", "AF-HER", "taliban") not in score.missed
    assert ("r3.txt", "AF-HER", "taliban") not in score.extra
    assert (score.matched, score.required) == (2, 3)
    assert sum(score.families.values()) == len(score.missed) + len(score.extra)


def test_a_folder_without_labels_is_a_clear_error(tmp_path):
    with pytest.raises(ControlmapError, match=r"expected_claims\.csv"):
        read_expected(tmp_path)


def test_the_shipped_engine_reaches_its_figures_on_the_dev_corpus(dev_corpus, learned):
    score, _ = evaluate(dev_corpus, learned.extract)
    assert score.f1 >= 0.88, score.summary()
    rules, _ = evaluate(dev_corpus, Extractor.for_engine("rules").extract)
    assert score.f1 > rules.f1
