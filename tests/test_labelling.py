"""The labelling session: verdicts typed by a person, stored as offsets and verdicts only."""

from __future__ import annotations

import csv

import pytest

from geo.errors import ControlmapError
from geo.labelling import LabellingSession, describe, parse_verdict


@pytest.mark.parametrize(("answer", "polarity"), [
    ("t", "taliban"), ("g", "government"), ("c+t", "contested+taliban"), ("n", "none"),
    ("", None), ("s", None), ("contested", "contested"),
])
def test_typed_verdicts_mean_polarities(answer, polarity):
    assert parse_verdict(answer) == polarity


@pytest.mark.parametrize("answer", ["x", "t+n", "tal"])
def test_a_verdict_that_means_nothing_is_refused_by_name(answer):
    with pytest.raises(ControlmapError, match=answer.replace("+", r"\+")):
        parse_verdict(answer)


def test_a_session_records_offsets_and_verdicts_but_never_the_text(tmp_path):
    report = tmp_path / "r.txt"
    secret = "The Taliban captured Zaranj on Friday."
    report.write_text(f" date 2021-08-07\n{secret}\n", encoding="utf-8")
    labels = tmp_path / "labels.csv"
    session = LabellingSession.open(report, labels)
    [item] = session.items()
    assert "Zaranj" in describe(item)
    assert item.proposal == "taliban"
    session.record(item, "t")
    assert session.save() == 1
    stored = labels.read_text(encoding="utf-8")
    assert "Zaranj" not in stored
    assert "Friday" not in stored
    [row] = list(csv.DictReader(labels.open(encoding="utf-8")))
    assert (row["file"], row["province_iso"], row["polarity"]) == ("r.txt", "AF-NIM", "taliban")
    again = LabellingSession.open(report, labels)
    assert again.items()[0].label == "taliban"


def test_terminal_escapes_in_a_report_are_shown_not_obeyed(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(" date 2021-08-07\nThe Taliban captured Zaranj \x1b]0;pwned\x07 on "
                      "Friday.\n", encoding="utf-8")
    [item] = LabellingSession.open(report, tmp_path / "l.csv").items()
    shown = describe(item)
    assert "\x1b" not in shown
    assert "\\x1b" in shown
    assert all(line.startswith(("[", "    ")) for line in shown.splitlines())


def test_a_malformed_labels_row_is_refused_by_line_and_value(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(" date 2021-08-07\nThe Taliban captured Zaranj.\n", encoding="utf-8")
    labels = tmp_path / "l.csv"
    labels.write_text("file,start,end,province_iso,polarity,required,kind,actor,date\n"
                      "r.txt,abc,10,AF-NIM,taliban,yes,,,\n", encoding="utf-8")
    with pytest.raises(ControlmapError, match=r"line 2: start 'abc' is not a whole number"):
        LabellingSession.open(report, labels)
