"""Candidate readings: every sentence paired with every Afghan province it names.

A :class:`Candidate` is what the arbiter decides on: one sentence of a document and one
province that a place named in it (or a claim of the rule engine, through "the city")
resolves to. Its features say what the rule engine made of it, which cue classes stand
near the place, in the sentence, in the heading that scopes it and in the sentence before,
where the sentence stands in the document (title, list item, caption, timeline entry), the
kind of place and the words around it. Features are plain ``name -> value`` pairs so the
model stays a readable table of weights.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from geo.errors import LexiconError
from geo.extract import KABUL_FELL, Extraction, defender, is_qualifier, split_sentences
from geo.extraction.structure import Layout, layout
from geo.records import Claim, Document, Mention
from geo.resources import data_path

#: The direction a claim moves its province (the dev corpus's and the scorer's vocabulary).
Polarity = Literal["taliban", "government", "contested"]
POLARITIES: tuple[Polarity, ...] = get_args(Polarity)

_WORD = re.compile(r"[a-z][a-z'’-]+")
def _first_letter(alternative: str) -> str:
    """Return the lower-case letter every match of a regular expression starts with, when
    it plainly opens with one (a letter not made optional, no top-level "|"), else ""."""
    if not alternative[:1].isalpha() or alternative[1:2] in ("?", "*", "{"):
        return ""
    depth, escaped = 0, False
    for char in alternative:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            return ""
    return alternative[0].lower()


#: Where a cue may start: every class pattern opens with this look-behind.
_WORD_START = re.compile(r"(?<![\w-])")
#: Where a cue class is looked for, relative to the candidate's place.
_NEAR = 70


def claim_polarity(claim: Claim) -> Polarity:
    """Return the direction a claim moves its province: taliban, government or contested."""
    if claim.kind == "contested":
        return "contested"
    return "taliban" if claim.actor == "taliban" else "government"


class CueLexicon:
    """The cue classes of ``data/lexicon/cues.json``, compiled once per lexicon object."""

    def __init__(self, classes: dict[str, list[str]]) -> None:
        self.names = tuple(classes)
        self._alternatives = {name: list(ps) for name, ps in classes.items()}
        self._sources = {name: "|".join(ps) for name, ps in classes.items()}
        self._patterns = {name: self._compile([name]) for name in classes}
        self._any: dict[tuple[str, ...], re.Pattern[str]] = {}

    def _compile(self, names: Sequence[str]) -> re.Pattern[str]:
        alternatives = "|".join(self._sources[n] for n in names)
        return re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w])", re.IGNORECASE)

    def _union(self, classes: Sequence[str]) -> re.Pattern[str]:
        """Return one pattern of all the alternatives of ``classes``: it matches wherever
        any of them does (a class matching at an offset makes the union match there), so
        one pass over a text says where the classes can match at all. Which alternative
        wins does not matter, so they are grouped by their first letter: at a word start
        the engine tries the one group that letter opens, not all ~260 alternatives."""
        key = tuple(classes)
        if key not in self._any:
            groups: dict[str, list[str]] = {}
            for name in key:
                for alternative in self._alternatives[name]:
                    groups.setdefault(_first_letter(alternative), []).append(alternative)
            branches = [f"(?={letter})(?:{'|'.join(alts)})" for letter, alts in
                        sorted(groups.items()) if letter]
            branches += groups.get("", [])
            self._any[key] = re.compile(r"(?<![\w-])(?:" + "|".join(branches) + r")(?![\w])",
                                        re.IGNORECASE)
        return self._any[key]

    def _offsets(self, text: str, classes: Sequence[str]) -> list[int]:
        """Return the offsets of ``text`` where one of ``classes`` may match: where a word
        may start inside a match of their union."""
        return [m.start() for s, e in (u.span() for u in self._union(classes).finditer(text))
                for m in _WORD_START.finditer(text, s, e) if m.start() < e]

    @classmethod
    def load(cls, path: Path | None = None) -> CueLexicon:
        """Return the lexicon read from ``path`` (default ``data/lexicon/cues.json``)."""
        path = path or data_path("lexicon", "cues.json")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(raw["classes"])
        except (OSError, ValueError, KeyError, TypeError, re.error) as err:
            raise LexiconError(f"cannot read the cue lexicon {path}: {err}",
                               "restore data/lexicon/cues.json from the repository") from err

    def spots(self, text: str, classes: Sequence[str]) -> Spots:
        """Return where each of ``classes`` matches in ``text``: the text read once, for
        several of the questions below."""
        found: dict[str, list[tuple[int, int]]] = {}
        # A class can only match where the union of the classes matches (at the start of
        # one of its matches or inside one), and only where a word may start: trying each
        # class at those few offsets gives what scanning the text once per class gives.
        offsets = self._offsets(text, classes)
        for name in classes:
            pattern, matches, edge = self._patterns[name], [], 0
            for offset in offsets:
                if offset >= edge and (m := pattern.match(text, offset)):
                    matches.append(m.span())
                    edge = max(m.end(), offset + 1)
            if matches:
                found[name] = matches
        return Spots(len(text), tuple(classes), found)

    def nearest(self, text: str, classes: Sequence[str], *, from_end: bool) -> str | None:
        """Return the class among ``classes`` whose match stands nearest the end (or the
        start) of ``text``, or None."""
        return self.spots(text, classes).nearest(from_end=from_end)

    def first_match(self, text: str, classes: Sequence[str]) -> int | None:
        """Return the offset of the first match of any of ``classes`` in ``text``."""
        return self.spots(text, classes).first()

    def last_match(self, text: str, classes: Sequence[str]) -> int | None:
        """Return the offset of the last match of any of ``classes`` in ``text``."""
        return self.spots(text, classes).last()

    def classes_in(self, text: str) -> set[str]:
        """Return the names of the cue classes that occur in ``text``."""
        offsets = self._offsets(text, self.names)
        if not offsets:
            return set()
        # a class matches only at one of the offsets (see spots): trying each class there
        # costs the offsets, where searching the rest of the text would cost its length
        return {name for name, p in self._patterns.items()
                if any(p.match(text, offset) for offset in offsets)}


@dataclass(frozen=True, slots=True)
class Spots:
    """Where some cue classes match in one text: ``found`` maps each class that matches
    to its (start, end) spans, in text order."""

    length: int
    classes: tuple[str, ...]
    found: dict[str, list[tuple[int, int]]]

    def nearest(self, *, from_end: bool, among: Sequence[str] | None = None,
                within: int | None = None) -> str | None:
        """Return the class (of ``among``, default all) whose match stands nearest the end
        (or the start) of the text, counting only matches that end by ``within`` (default
        the whole text); the first in order of equals."""
        best: tuple[int, str] | None = None
        for name in among or self.classes:
            spans = self.found.get(name)
            if spans and within is not None:
                spans = [span for span in spans if span[1] <= within]
            if not spans:
                continue
            pos = self.length - spans[-1][1] if from_end else spans[0][0]
            if best is None or pos < best[0]:
                best = (pos, name)
        return best[1] if best else None

    def first(self, among: Sequence[str] | None = None) -> int | None:
        """Return the offset of the first match of any class (of ``among``)."""
        return min((spans[0][0] for name, spans in self.found.items()
                    if among is None or name in among), default=None)

    def last(self, among: Sequence[str] | None = None) -> int | None:
        """Return the offset of the last match of any class (of ``among``)."""
        return max((spans[-1][0] for name, spans in self.found.items()
                    if among is None or name in among), default=None)


@dataclass(slots=True)
class Candidate:
    """One sentence and one province it names, with the features the arbiter reads."""

    document: str
    start: int
    end: int
    province_iso: str
    mentions: list[Mention]
    rule_claims: list[Claim]
    features: dict[str, float] = field(default_factory=dict)
    line_role: str = "body"
    date_prefix: str = ""
    #: the cue classes of the heading that scopes the candidate's list item, if any
    scope_classes: frozenset[str] = frozenset()

    def rule_polarities(self) -> set[Polarity]:
        """Return the polarities the rule engine found for this sentence and province."""
        return {claim_polarity(c) for c in self.rule_claims}


_SPECIFIC = {"district": 0, "crossing": 0, "town": 1, "city": 1, "capital": 2, "province": 3}


def most_specific(mentions: list[Mention]) -> Mention | None:
    """Return the most specific place named (a district before its city, a city before its
    province; the first of equals), or None when none is named in the text."""
    real = [m for m in mentions if m.start >= 0]
    if not real:
        return None
    return min(real, key=lambda m: (_SPECIFIC.get(m.kind, 2), m.start))


class SpanSet:
    """Sorted disjoint (start, end) spans; ``offset in spans`` by bisection."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def __contains__(self, offset: object) -> bool:
        if not isinstance(offset, int) or not self.spans:
            return False
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.spans[i][1]


class CandidateBuilder:
    """Builds the candidates of a document from its mentions and the rule engine's claims."""

    def __init__(self, lexicon: CueLexicon) -> None:
        self.lexicon = lexicon

    def build(self, doc: Document, rules: Extraction,
              leave_out: Sequence[tuple[int, int]] = ()) -> list[Candidate]:
        """Return the candidates of ``doc``, in text order, with their features; none for
        the places and rule claims inside the (sorted, disjoint) spans ``leave_out``."""
        lines = layout(doc.text)
        spans = split_sentences(doc.text)
        by_span: dict[tuple[int, int, str], Candidate] = {}
        starts = [s for s, _ in spans]
        left_out = SpanSet(leave_out)
        for m in sorted(rules.mentions, key=lambda m: m.start):
            i = bisect.bisect_right(starts, m.start) - 1
            if i < 0 or not m.province_iso or m.end > spans[i][1] or m.start in left_out:
                continue  # outside every sentence, abroad, or left out
            s, e = spans[i]
            key = (s, e, m.province_iso)
            cand = by_span.get(key) or Candidate(doc.name, s, e, m.province_iso, [], [])
            cand.mentions.append(m)
            by_span[key] = cand
        for c in rules.claims:
            if not c.province_iso or c.start in left_out:
                continue
            key = (c.start, c.end, c.province_iso)
            cand = by_span.get(key) or Candidate(doc.name, c.start, c.end, c.province_iso, [], [])
            cand.rule_claims.append(c)
            by_span[key] = cand
        cands = sorted(by_span.values(), key=lambda c: (c.start, c.province_iso))
        context = _DocContext(doc, lines, spans, self.lexicon, rules)
        for cand in cands:
            cand.features = context.features(cand)
            line = lines.at(cand.start)
            cand.line_role, cand.date_prefix = line.role, line.date_prefix
            scope = lines.scope(cand.start)
            if scope is not None:
                cand.scope_classes = frozenset(self.lexicon.classes_in(scope.text))
        _list_features(doc.text, cands, self.lexicon)
        return cands


#: Words that may stand between two places of one list: "Kandahar, capital of Kandahar
#: province; Herat", "Sar-e-Pul, Kunduz and Taluqan", "Ghazni as well as Kandahar".
_LIST_GAP = re.compile(
    r"[\s,;:/()]*(?:in\s+the\s+(?:far\s+)?(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?"
    r"[\s,;]*)?(?:(?:and|or|as\s+well\s+as|&)\s+)?(?:(?:the\s+)?(?:(?:provincial\s+)?"
    r"capital|city|town|centre|center|province|district)s?(?:\s+of)?[\s,;]*)?"
    r"(?:(?:and|or)\s+)?(?:the\s+)?",
    re.IGNORECASE,
)
_DECIDING = ("capture", "fall", "under_control", "recapture", "hold", "contest", "denial",
             "future", "word_sense", "report")


def _runs(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    """Return the coordinated runs of Afghan places in a sentence: places joined by commas,
    semicolons, "and" or an appositive ("capital of X province") form one run."""
    runs: list[list[Mention]] = []
    for m in sorted(mentions, key=lambda m: m.start):
        if runs:
            last = runs[-1][-1]
            gap = text[last.end : m.start]
            joined = (m.start >= last.end and len(gap) <= 80
                      and _LIST_GAP.fullmatch(gap) is not None)
            if joined:
                runs[-1].append(m)
                continue
        runs.append([m])
    return runs


_CLAUSE_EDGE = re.compile(r"[.;!?]|,\s*(?:while|whereas|but|although|though|which|who)\b|"
                          r"\b(?:while|whereas|but|although|though)\b", re.IGNORECASE)
_SIDES = ("taliban_side", "government_side", "resistance_side")
_GOVERNING = _DECIDING + _SIDES
#: "rejects Taliban claim of capturing", "denied the militants' claims": someone other than
#: the Taliban rejecting what the Taliban say they took
_REJECTS_CLAIM = re.compile(
    r"\b(?:reject(?:s|ed)?|den(?:y|ies|ied)|dismiss(?:es|ed)?|refut(?:es|ed))\s+(?:the\s+)?"
    r"(?:taliban|militants?|insurgents?)(?:['’]s?)?\s+claims?\b", re.IGNORECASE)
#: How far (characters) a list's governing predicate is looked for on each side.
_REACH = 300
#: "KABUL - ", "KABUL, Aug 12 (Reuters) -", "Kabul, Jul 31 (EFE).-", "KUNDUZ, Afghanistan (AA) –"
_DATELINE_PREFIX = re.compile(
    # an all-capitals city, optionally ", Afghanistan" or ", Aug 12" and "(Reuters)", a dash
    r"[ \t]{0,3}[A-Z][A-Z'’.-]*(?: [A-Z][A-Z'’.-]*){0,3}(?:,[ \t]?[^\n()–—,]{1,30})?"
    r"(?:[ \t]?\([^)\n]{1,30}\)\.?)?[ \t]?(?:-{1,2}|–|—)[ \t]"
    # or a capitalised one with the agency in brackets: "Kabul, Jul 31 (EFE).-"
    r"|[ \t]{0,3}[A-Z][\w'’-]{1,20}(?: [A-Z][\w'’-]{1,20}){0,2},[ \t]?[^\n()–—,]{1,30}"
    r"[ \t]?\([^)\n]{1,30}\)\.?[ \t]?(?:-{1,2}|–|—)")


def _governing(text: str, s: int, e: int, run: list[Mention], cands: list[Candidate],
               lexicon: CueLexicon, mentions: list[Mention]) -> None:
    """Add the predicate that governs a run of places: the nearest deciding cue class on
    each side of the run within its clause, and the nearest side named before the run."""
    # bounded windows: the cost stays linear in the sentence however long it is
    lo = max(s, run[0].start - _REACH)
    for m in _CLAUSE_EDGE.finditer(text, lo, run[0].start):
        lo = m.end()
    hi = min(e, run[-1].end + _REACH)
    edge = _CLAUSE_EDGE.search(text, run[-1].end, hi)
    if edge:
        hi = edge.start()
    left = text[lo : run[0].start]
    right = text[run[-1].end : hi]
    others = [m for m in mentions if m.province_iso and (lo <= m.start < run[0].start
                                                         or run[-1].end <= m.start < hi)
              and m not in run]
    # each side read once for all its questions
    left_spots = lexicon.spots(left, _GOVERNING)
    right_spots = lexicon.spots(right[:90], _GOVERNING)
    nearest_left = left_spots.nearest(from_end=True, among=_DECIDING)
    nearest_right = right_spots.nearest(from_end=False, among=_DECIDING)
    side_left = left_spots.nearest(from_end=True, among=_SIDES)
    side_right = right_spots.nearest(from_end=False, among=_SIDES, within=60)
    right_cue = right_spots.first(_DECIDING)
    left_cue = left_spots.last(_DECIDING)
    between_right = right_cue is not None and any(
        run[-1].end <= m.start < run[-1].end + right_cue for m in others)
    between_left = left_cue is not None and any(
        lo + left_cue <= m.start < run[0].start for m in others)
    # a dateline place stands within 3 characters of its line's start: look no further back
    line_start = text.rfind("\n", max(0, run[0].start - 4), run[0].start) + 1
    if line_start == 0 and run[0].start > 3:
        line_start = -1  # the line starts further back: no dateline
    dateline = (line_start >= 0 and run[0].start - line_start <= 3 and bool(
        _DATELINE_PREFIX.match(text, line_start, min(run[-1].end + 60, line_start + 90))))
    for c in cands:
        if between_right:
            c.features["place_before_right_cue"] = 1.0
        if between_left:
            c.features["place_after_left_cue"] = 1.0
        if dateline:
            c.features["dateline_place"] = 1.0
        if nearest_left:
            c.features[f"gov_l:{nearest_left}"] = 1.0
            if side_left:
                c.features[f"gov_l:{nearest_left}+{side_left}"] = 1.0
        if nearest_right:
            c.features[f"gov_r:{nearest_right}"] = 1.0
            if side_right or side_left:
                c.features[f"gov_r:{nearest_right}+{side_right or side_left}"] = 1.0
        if not nearest_left and not nearest_right:
            c.features["ungoverned"] = 1.0


def _list_features(text: str, cands: list[Candidate], lexicon: CueLexicon) -> None:
    """Add what a candidate's list mates say: a place in one coordinated run with places the
    rule engine claimed shares their predicate ("seized Qalat, Tarinkot and Lashkar Gah")."""
    by_sentence: dict[tuple[int, int], list[Candidate]] = {}
    for cand in cands:
        by_sentence.setdefault((cand.start, cand.end), []).append(cand)
    for (s, e), group in by_sentence.items():
        mentions = [m for c in group for m in c.mentions if m.start >= 0]
        sentence_rules = {claim_polarity(r) for c in group for r in c.rule_claims}
        for pol in sentence_rules:
            for c in group:
                if pol not in c.rule_polarities():
                    c.features[f"sent_rule:{pol}"] = 1.0
        for run in _runs(text, mentions):
            _governing(text, s, e, run, [c for c in group if c.province_iso in
                                          {m.province_iso for m in run}], lexicon, mentions)
            provinces = {m.province_iso for m in run}
            if len(provinces) < 2:
                continue
            mates = [c for c in group if c.province_iso in provinces]
            pols = {p for c in mates for p in c.rule_polarities()}
            first = run[0]
            lead = text[max(s, first.start - _NEAR) : first.start]
            lead_cls = lexicon.classes_in(lead) & set(_DECIDING)
            for c in mates:
                c.features["in_list"] = 1.0
                c.features["list_size"] = min(len(provinces), 8) / 8
                for pol in pols - c.rule_polarities():
                    c.features[f"list_rule:{pol}"] = 1.0
                for cls in lead_cls:
                    c.features[f"list_lead:{cls}"] = 1.0


def _qualifies(text: str, start: int, local: list[Mention], k: int) -> bool:
    """Return True when the rules read mention ``k`` as only locating another place."""
    shifted = [m._replace(start=m.start - start, end=m.end - start) for m in local]
    end = max(m.end for m in shifted)
    return is_qualifier(text[start : start + end + 60], shifted, k)


class _DocContext:
    """What features need of the whole document, computed once."""

    def __init__(self, doc: Document, lines: Layout, spans: Sequence[tuple[int, int]],
                 lexicon: CueLexicon, rules: Extraction) -> None:
        self.doc, self.lines, self.spans, self.lex = doc, lines, spans, lexicon
        self.title = lines.title()
        self.starts = [s for s, _ in spans]
        self.rule_doc: dict[str, set[Polarity]] = {}
        for c in rules.claims:
            if c.province_iso:
                self.rule_doc.setdefault(c.province_iso, set()).add(claim_polarity(c))
        self.skipped: dict[int, set[str]] = {}
        for (s, _), why in rules.skipped:
            self.skipped.setdefault(s, set()).add(why)
        self.mentions = sorted(rules.mentions, key=lambda m: m.start)
        self.mention_starts = [m.start for m in self.mentions]
        self._classes: dict[tuple[int, int], set[str]] = {}
        self._heading_classes: dict[str, set[str]] = {}
        self.mentions_of: dict[str, int] = {}
        for m in rules.mentions:
            if m.province_iso:
                self.mentions_of[m.province_iso] = self.mentions_of.get(m.province_iso, 0) + 1
        text = doc.text
        # the report's opening (headline and first sentences) denying a claim: "Government
        # rejects Taliban claim of capturing the crossing" scopes the claims under it
        lead = " ".join(text[a:b] for a, b in spans[:3])
        self.lead_denies = {"denial"} if _REJECTS_CLAIM.search(lead) else set()
        self.post_kabul = doc.published >= KABUL_FELL
        self.resistance_named = defender(doc) == "nrf"

    def features(self, cand: Candidate) -> dict[str, float]:
        """Return the named features of one candidate of this document."""
        text = self.doc.text
        sentence = text[cand.start : cand.end]
        f: dict[str, float] = {"bias": 1.0}
        for pol in cand.rule_polarities():
            f[f"rule:{pol}"] = 1.0
        for c in cand.rule_claims:
            f[f"rule_kind:{c.kind}"] = 1.0
            f[f"rule_actor:{c.actor}"] = 1.0
        for why in self.skipped.get(cand.start, ()):
            f[f"rule_skipped:{why}"] = 1.0
        for pol in self.rule_doc.get(cand.province_iso, ()):
            f[f"rule_doc:{pol}"] = 1.0
        if not cand.rule_claims and self.rule_doc.get(cand.province_iso):
            f["rule_elsewhere"] = 1.0
        for cls in self._sentence_classes(cand.start, cand.end):
            f[f"sent:{cls}"] = 1.0
        head = most_specific(cand.mentions)
        if head is not None:
            # the words near the place, within its clause: "Chaos at Kabul airport; Panjshir
            # holds out" does not say that Kabul airport holds out
            before = text[max(cand.start, head.start - _NEAR) : head.start]
            before = before[max((m.end() for m in _CLAUSE_EDGE.finditer(before)), default=0):]
            after = text[head.end : min(cand.end, head.end + _NEAR)]
            edge = _CLAUSE_EDGE.search(after)
            after = after[: edge.start()] if edge else after
            for cls in self.lex.classes_in(before):
                f[f"before:{cls}"] = 1.0
            for cls in self.lex.classes_in(after):
                f[f"after:{cls}"] = 1.0
            f[f"kind:{head.kind}"] = 1.0
            for w in _WORD.findall(before.lower())[-4:]:
                f[f"wb:{w[:7]}"] = 1.0
            for w in _WORD.findall(after.lower())[:4]:
                f[f"wa:{w[:7]}"] = 1.0
            if head.start - cand.start < 3:
                f["starts_sentence"] = 1.0
        else:
            f["by_reference"] = 1.0
        lo = max(cand.start, (head.start if head else cand.start) - _REACH)
        hi = min(cand.end, (head.end if head else cand.end) + _REACH)
        first = bisect.bisect_left(self.mention_starts, lo)
        last = bisect.bisect_left(self.mention_starts, hi)
        local = self.mentions[first:last]
        provinces = {m.province_iso for m in local if m.province_iso}
        own = [k for k, m in enumerate(local) if m.province_iso == cand.province_iso]
        if own and all(_qualifies(text, cand.start, local, k) for k in own):
            f["only_qualifier"] = 1.0
        f["n_provinces"] = min(len(provinces), 6) / 6
        f["n_mentions_doc"] = min(self.mentions_of.get(cand.province_iso, 0), 10) / 10
        line = self.lines.at(cand.start)
        f[f"line:{line.role}"] = 1.0
        if line.date_prefix:
            f["dated_item"] = 1.0
        scope = self.lines.scope(cand.start)
        if scope is not None and line.role in ("item", "heading", "body"):
            for cls in self._text_classes(scope.text):
                f[f"scope:{cls}"] = 1.0
        i = self._sentence_index(cand.start)
        if i > 0:
            ps, pe = self.spans[i - 1]
            for cls in self._sentence_classes(ps, pe):
                f[f"prev:{cls}"] = 1.0
        if i + 1 < len(self.spans):
            ns, ne = self.spans[i + 1]
            for cls in self._sentence_classes(ns, ne) & {"denial", "hold", "claim_hedge"}:
                f[f"next:{cls}"] = 1.0
        title = self.title
        if title is not None and title.start != line.start:
            for cls in self._text_classes(title.text) & {"capture", "fall", "contest",
                                                           "recapture", "hold", "denial"}:
                f[f"title:{cls}"] = 1.0
        for cls in self.lead_denies:
            f[f"lead:{cls}"] = 1.0
        if self.post_kabul:
            f["post_kabul"] = 1.0
            if self.resistance_named:
                f["resistance_doc"] = 1.0
        if re.search(r"\b(?:19|20)\d\d\b", sentence) and not re.search(r"\b2021\b", sentence):
            f["other_year"] = 1.0
        return f

    def _sentence_classes(self, start: int, end: int) -> set[str]:
        """Return the cue classes of a sentence, read once for all its candidates."""
        key = (start, end)
        if key not in self._classes:
            self._classes[key] = self.lex.classes_in(self.doc.text[start:end])
        return self._classes[key]

    def _text_classes(self, text: str) -> set[str]:
        """Return the cue classes of a heading or the title, read once per document."""
        if text not in self._heading_classes:
            self._heading_classes[text] = self.lex.classes_in(text)
        return self._heading_classes[text]

    def _sentence_index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)
