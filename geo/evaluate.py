"""Score claim extraction against a hand-labelled folder laid out like the dev corpus.

A corpus folder holds ``*.txt`` reports (first line `` date YYYY-MM-DD``) and
``expected_claims.csv`` (``file, claim_date, place, province_iso, polarity, required,
note``). Claims are compared as the set of (file, province, polarity), as the project's
scorer does: ``required=optional`` rows count neither for nor against; a found claim's date
is right within one day of an expected date. Each miss and extra is put in an error family
by what its sentence looks like, so that a change can be judged per family.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from geo.documents import read_document
from geo.errors import ControlmapError
from geo.extract import Extraction
from geo.extraction.candidates import CueLexicon, claim_polarity
from geo.extraction.structure import layout
from geo.records import Claim, Document

Key = tuple[str, str, str]  # (file, province_iso, polarity)


@dataclass(slots=True)
class Score:
    """Precision, recall, F1 and date accuracy of one run, with its misses and extras."""

    matched: int
    required: int
    found: int
    dated: int
    missed: list[Key] = field(default_factory=list)
    extra: list[Key] = field(default_factory=list)
    misdated: list[Key] = field(default_factory=list)
    families: Counter[str] = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        """Return matched / found (0 when nothing was found)."""
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        """Return matched / required (0 when nothing is required)."""
        return self.matched / self.required if self.required else 0.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def date_accuracy(self) -> float:
        """Return the share of matched claims dated within a day of an expected date."""
        return self.dated / self.matched if self.matched else 0.0

    def summary(self) -> str:
        """Return the one-line summary `controlmap evaluate` prints."""
        return (f"precision {self.precision:.2f} recall {self.recall:.2f} F1 {self.f1:.2f} "
                f"date-accuracy {self.date_accuracy:.2f} (matched {self.matched}/"
                f"{self.required} required, {self.found} found)")


@dataclass(frozen=True, slots=True)
class Expected:
    """One row of ``expected_claims.csv``."""

    file: str
    date: str
    province_iso: str
    polarity: str
    required: bool


def read_expected(corpus: Path) -> list[Expected]:
    """Return the rows of ``corpus/expected_claims.csv``; raise naming the file if unreadable."""
    path = corpus / "expected_claims.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return [Expected(r["file"], r["claim_date"], r["province_iso"], r["polarity"],
                         r["required"] == "yes") for r in rows]
    except (OSError, KeyError, ValueError) as err:
        raise ControlmapError(f"cannot read the expected claims {path}: {err}",
                              "the folder needs expected_claims.csv with the columns file, "
                              "claim_date, province_iso, polarity, required") from err


def corpus_documents(corpus: Path, files: Iterable[str] | None = None) -> list[Document]:
    """Return the corpus's reports (all ``*.txt``, or only ``files``), in name order."""
    if not corpus.is_dir():
        raise ControlmapError(f"no corpus folder {corpus}",
                              "give a folder holding *.txt reports and expected_claims.csv")
    names = sorted(files) if files is not None else sorted(p.name for p in corpus.glob("*.txt"))
    return [read_document(corpus / name)[0] for name in names]


def score(expected: list[Expected], extractions: dict[str, tuple[Document, Extraction]]
          ) -> Score:
    """Return the score of the claims in ``extractions`` (by file name) against ``expected``
    (only the rows of those files count)."""
    files = set(extractions)
    want = {(e.file, e.province_iso, e.polarity) for e in expected
            if e.required and e.file in files}
    # A key that one row requires stays required when another row of it is optional
    # (two places of one province): `shared/eval/score.py` drops such keys from what was
    # found, so it can never match them; see docs/extraction.md.
    optional = {(e.file, e.province_iso, e.polarity) for e in expected
                if not e.required and e.file in files} - want
    dates: dict[Key, set[str]] = {}
    for e in expected:
        dates.setdefault((e.file, e.province_iso, e.polarity), set()).add(e.date)
    got: dict[Key, list[Claim]] = {}
    for name, (_, extraction) in extractions.items():
        for c in extraction.claims:
            if c.province_iso:
                got.setdefault((name, c.province_iso, claim_polarity(c)), []).append(c)
    found = set(got) - optional
    matched = found & want
    misdated = [k for k in sorted(matched) if not _near(got[k], dates[k])]
    result = Score(len(matched), len(want), len(found), len(matched) - len(misdated),
                   sorted(want - found), sorted(found - want), misdated)
    lexicon = CueLexicon.load()
    for key in result.missed:
        doc = extractions[key[0]][0]
        result.families["missed " + miss_family(doc, extractions[key[0]][1], key, lexicon)] += 1
    for key in result.extra:
        doc = extractions[key[0]][0]
        result.families["extra " + extra_family(doc, got[key])] += 1
    return result


def _near(claims: list[Claim], want: set[str]) -> bool:
    for c in claims:
        for w in want:
            try:
                if abs((c.event_date - dt.date.fromisoformat(w)).days) <= 1:
                    return True
            except ValueError:
                continue
    return False


Extractions = dict[str, tuple[Document, Extraction]]


def evaluate(corpus: Path, extract: Callable[[Document], Extraction],
             files: Iterable[str] | None = None) -> tuple[Score, Extractions]:
    """Return the score of ``extract`` on a corpus folder, and each file's extraction."""
    expected = read_expected(corpus)
    docs = corpus_documents(corpus, files)
    extractions = {d.name: (d, extract(d)) for d in docs}
    return score(expected, extractions), extractions


# --- error families -------------------------------------------------------------------------

_FAMILY_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("holding", re.compile(r"\b(?:still|remain\w*|retain\w*|held\s+by|holding|not\s+yet|"
                           r"hands)\b", re.I)),
    ("other-side", re.compile(r"\b(?:resistance|NRF|massoud|saleh|uprising)\b", re.I)),
    ("qualified", re.compile(r"\b(?:much\s+of|parts?\s+of|pushed\s+back|outskirts|resist\w*|"
                             r"may|could|negotiat\w*|moving\s+towards?|partly)\b", re.I)),
    ("nominal", re.compile(r"\b(?:fall|capture|collapse|surrender|seizure|takeover)\s+of\b",
                           re.I)),
    ("word-sense", re.compile(r"\b(?:fled|flee\w*|evacuat\w*|curfew|displaced|embass\w*|"
                              r"consulate|protest\w*)\b", re.I)),
    ("list", re.compile(r",[^,.]{1,200},[^,.]{0,200}\band\b|\binclud\w+\b|:\s", re.I)),
)


def _sentence_family(doc: Document, start: int, end: int) -> str:
    line = layout(doc.text).at(start)
    if line.role in ("title", "heading", "item", "caption", "dateline"):
        return "structure"
    sentence = doc.text[start:end]
    for family, cue in _FAMILY_CUES:
        if cue.search(sentence):
            return family
    return "other"


def miss_family(doc: Document, extraction: Extraction, key: Key,
                lexicon: CueLexicon | None = None) -> str:
    """Return the error family of a missed claim, from the first sentence naming its
    province (``no-candidate`` when no place of that province was found at all)."""
    from geo.extract import split_sentences

    _, province, _ = key
    mentions = [m for m in extraction.mentions if m.province_iso == province]
    if not mentions:
        return "no-candidate"
    spans = [(s, e) for s, e in split_sentences(doc.text)
             if any(s <= m.start < e for m in mentions)]
    control = {"capture", "fall", "under_control", "recapture", "hold", "contest", "nominal"}
    lexicon = lexicon or CueLexicon.load()
    telling = [(s, e) for s, e in spans if lexicon.classes_in(doc.text[s:e]) & control]
    start, end = (telling or spans)[0]
    return _sentence_family(doc, start, end)


def extra_family(doc: Document, claims: list[Claim]) -> str:
    """Return the error family of an extra claim, from the sentence of its first claim."""
    c = claims[0]
    if c.event_date.year < doc.published.year:
        return "date"
    return _sentence_family(doc, c.start, c.end)
