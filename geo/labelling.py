"""Label candidates: the action behind `controlmap label`.

A session reads a report, builds its candidates with the learned engine, shows each with
the engine's proposal and any label already recorded, and writes verdicts to the labels
CSV as offsets and verdicts only (``file, start, end, province_iso, polarity, required,
kind, actor, date``): the report's text never enters the labels file.
"""

from __future__ import annotations

import csv
import textwrap
from dataclasses import dataclass
from pathlib import Path

from geo.documents import read_document
from geo.errors import ControlmapError
from geo.extraction.candidates import POLARITIES, Candidate
from geo.extraction.learned import LearnedExtractor
from geo.gazetteer import load_gazetteer
from geo.records import Document

COLUMNS = ("file", "start", "end", "province_iso", "polarity", "required", "kind", "actor",
           "date")
_KEYS = {"n": "none", "t": "taliban", "g": "government", "c": "contested"}
_KIND = {"taliban": ("captured", "taliban"), "government": ("recaptured", "government"),
         "contested": ("contested", "taliban")}


@dataclass(slots=True)
class Item:
    """One candidate to label: its sentence, the engine's proposal and the recorded label."""

    candidate: Candidate
    sentence: str
    proposal: str
    label: str


def check_label_row(row: dict[str, str], path: Path, line: int) -> None:
    """Raise a clear error naming the file, line and value when a labels row is malformed."""
    missing = [c for c in COLUMNS[:5] if not row.get(c)]
    if missing:
        raise ControlmapError(f"labels {path} line {line}: no {', '.join(missing)}",
                              "fix or delete the row (columns: " + ", ".join(COLUMNS) + ")")
    for column in ("start", "end"):
        if not row[column].isdigit():
            raise ControlmapError(
                f"labels {path} line {line}: {column} {row[column]!r} is not a whole number",
                "fix or delete the row")


def parse_verdict(answer: str) -> str | None:
    """Return the polarity string a typed verdict means ("t+c" -> "taliban+contested"),
    None for skip; raise naming the answer when it means nothing."""
    answer = answer.strip().lower()
    if answer in ("", "s", "skip"):
        return None
    parts = []
    for part in answer.split("+"):
        part = part.strip()
        value = _KEYS.get(part[:1]) if part else None
        if value is None or (len(part) > 1 and part not in (*_KEYS.values(), "none")):
            raise ControlmapError(f"unknown verdict {answer!r}",
                                  "type n, t, g or c (join polarities with +), s to skip")
        parts.append(value)
    if "none" in parts and len(parts) > 1:
        raise ControlmapError(f"verdict {answer!r} mixes none with a polarity",
                              "type n alone, or polarities joined with +")
    return "+".join(sorted(set(parts)))


class LabellingSession:
    """The candidates of one report and the labels file they are recorded in."""

    def __init__(self, doc: Document, labels_path: Path, rows: list[dict[str, str]],
                 extractor: LearnedExtractor) -> None:
        self.doc, self.path, self.rows, self.extractor = doc, labels_path, rows, extractor

    @classmethod
    def open(cls, document: Path, labels_path: Path) -> LabellingSession:
        """Return a session on ``document``, reading ``labels_path`` when it exists."""
        doc = read_document(document)[0]
        rows: list[dict[str, str]] = []
        if labels_path.exists():
            try:
                with labels_path.open(encoding="utf-8", newline="") as fh:
                    rows = list(csv.DictReader(fh))
            except (OSError, UnicodeDecodeError, csv.Error) as err:
                raise ControlmapError(f"cannot read the labels {labels_path}: {err}",
                                      "give a CSV written by `controlmap label`") from err
            for n, row in enumerate(rows, 2):
                check_label_row(row, labels_path, n)
        return cls(doc, labels_path, rows, LearnedExtractor(load_gazetteer()))

    def items(self) -> list[Item]:
        """Return the report's candidates with proposals and existing labels."""
        _, cands = self.extractor.candidates(self.doc)
        out = []
        decisions = self.extractor.decisions(self.doc, cands)
        for cand, decided in zip(cands, decisions, strict=True):
            proposal = "+".join(d.polarity for d in decided)
            out.append(Item(cand, self.doc.text[cand.start : cand.end], proposal or "none",
                            self._label_of(cand)))
        return out

    def _label_of(self, cand: Candidate) -> str:
        for r in self.rows:
            if (r["file"] == self.doc.name and r["province_iso"] == cand.province_iso
                    and int(r["start"]) < cand.end and cand.start < int(r["end"])):
                return r["polarity"]
        return ""

    def record(self, item: Item, answer: str) -> bool:
        """Record a typed verdict for an item (replacing its label); return False for a
        skip, which leaves it as is."""
        polarity = parse_verdict(answer)
        if polarity is None:
            return False
        cand = item.candidate
        self.rows = [r for r in self.rows if not (
            r["file"] == self.doc.name and r["province_iso"] == cand.province_iso
            and int(r["start"]) < cand.end and cand.start < int(r["end"]))]
        first = next((p for p in polarity.split("+") if p in POLARITIES), None)
        kind, actor = _KIND.get(first or "", ("", ""))
        self.rows.append({"file": self.doc.name, "start": str(cand.start),
                          "end": str(cand.end), "province_iso": cand.province_iso,
                          "polarity": polarity, "required": "yes" if first else "",
                          "kind": kind, "actor": actor, "date": ""})
        item.label = polarity
        return True

    def save(self) -> int:
        """Write the labels file sorted by file and offset; return how many rows it holds."""
        rows = sorted(self.rows, key=lambda r: (r["file"], int(r["start"]), r["province_iso"]))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        with partial.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        partial.replace(self.path)  # a crash mid-write leaves the old file whole
        return len(rows)


def printable(text: str) -> str:
    """Return ``text`` safe for a terminal: control characters (escape sequences, carriage
    returns) shown as escapes, each line indented so none can pose as a header."""
    safe = "".join(ch if ch.isprintable() or ch == "\n" else ch.encode("unicode_escape")
                   .decode("ascii") for ch in text)
    return textwrap.indent(safe, "    ", lambda line: True)


def describe(item: Item) -> str:
    """Return how `controlmap label` shows an item: offsets, province, proposal, sentence
    (the document's text made safe for a terminal)."""
    cand = item.candidate
    places = ", ".join(dict.fromkeys(m.text for m in cand.mentions)) or "(by reference)"
    label = f" label={item.label}" if item.label else ""
    head = printable(f"{cand.province_iso} ({places})").strip()
    return (f"[{cand.start}-{cand.end}] {head} "
            f"proposal={item.proposal}{label}\n{printable(item.sentence)}")
