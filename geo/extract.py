"""From a document's sentences to dated control claims: who did what to which place.

For each sentence the extractor finds *triggers* (control verbs: captured, fell to, retook,
besieged, still controls, ...), the *actor* (Taliban by its press names, the government side,
other armed groups such as the National Resistance Front), *who asserts it* (a Taliban
spokesman, officials, residents, the outlet itself), hedges and denials, the event date of
the clause, and the *target* places of each trigger: the places after an active verb or
before a passive one, skipping qualifiers ("Kaldar district *of Balkh province*") and places
outside Afghanistan. "The city", "the district", "the provincial capital" refer back to the
last such place; a bare "the capital" is Kabul. Places mentioned with no control verb (an
embassy in Kabul, executions in a province) produce no claim. Aggregate statements ("10 of
Afghanistan's 34 provincial capitals") are kept as :class:`CountStatement`, not mapped.

Examples
--------
>>> import datetime as dt
>>> from geo.records import Document
>>> doc = Document("x.txt", "The Taliban captured Zaranj on Friday.", dt.date(2021, 8, 7))
>>> [(c.place, c.actor, c.kind, c.event_date.isoformat()) for c in extract(doc).claims]
[('Zaranj', 'taliban', 'captured', '2021-08-06')]
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from geo.dates import find_date_expressions, resolve_event_date
from geo.errors import LexiconError
from geo.gazetteer import Gazetteer, load_gazetteer
from geo.geocode import geocode
from geo.records import Claim, CountStatement, Document, Mention
from geo.resources import data_path

# --- lexicons -------------------------------------------------------------------------------

# "the first (latest, third) provincial capital to fall": an ordinal before an infinitive
_ORDINAL = (r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
            r"\d+(?:st|nd|rd|th)|latest|last|only)")


class RuleLexicon:
    """The rule engine's lexicons read from a data file (default ``data/lexicon/rules.json``):
    control predicates by family, actors and claimants by their press names, hedges,
    denials, negations, and the words that make a target part or all of a place."""

    def __init__(self, raw: dict) -> None:
        self.triggers: tuple[tuple[str, str, bool], ...] = tuple(
            ("|".join(t["patterns"]), t["family"], bool(t["passive"]))
            for t in raw["triggers"].values())
        self.actors = tuple((a, "|".join(ps)) for a, ps in raw["actors"].items())
        self.claimants = tuple((w, "|".join(ps)) for w, ps in raw["claimants"].items())
        self.words = {k: "|".join(raw[k]) for k in
                      ("hedges", "denials", "negations", "partial", "whole", "violence")}

    @classmethod
    def load(cls, path: Path | None = None) -> RuleLexicon:
        """Return the lexicon stored at ``path``; raise naming the file when it is unusable."""
        path = path or data_path("lexicon", "rules.json")
        try:
            lexicon = cls(json.loads(path.read_text(encoding="utf-8")))
            for pattern, _, _ in lexicon.triggers:
                re.compile(pattern)
            for pattern in (*(p for _, p in lexicon.actors), *(p for _, p in lexicon.claimants),
                            *lexicon.words.values()):
                re.compile(pattern)
        except (OSError, ValueError, KeyError, TypeError, re.error) as err:
            raise LexiconError(f"cannot read the rule lexicon {path}: {err}",
                               "restore data/lexicon/rules.json from the repository") from err
        return lexicon

    def words_re(self, name: str) -> re.Pattern[str]:
        """Return the compiled alternation of one word list, matched on word boundaries."""
        return re.compile(rf"\b(?:{self.words[name]})\b", re.IGNORECASE)


_LEXICON = RuleLexicon.load()
#: (pattern, family, passive): a passive verb takes the places before it as its subject.
_TRIGGERS = _LEXICON.triggers
# Every trigger pattern starts with a letter, so "a word starts here" (one test, which
# the regular expression engine runs fast) stands for the ``\b`` each alternative began
# with: the same matches, read two to three times faster.
_TRIGGER_RE = re.compile(
    r"(?<!\w)(?=\w)(?:"
    + "|".join(f"(?P<t{i}>(?:{p})\\b)" for i, (p, _, _) in enumerate(_TRIGGERS)) + ")",
    re.IGNORECASE,
)

_ACTORS = _LEXICON.actors
_ACTOR_RE = [(actor, re.compile(rf"\b(?:{p})", re.IGNORECASE)) for actor, p in _ACTORS]

_CLAIMANTS = _LEXICON.claimants
_CLAIMANT_RE = [(who, re.compile(rf"\b(?:{p})", re.IGNORECASE)) for who, p in _CLAIMANTS]

_HEDGE_RE = _LEXICON.words_re("hedges")
_DENIAL_RE = _LEXICON.words_re("denials")
_NEGATION_RE = _LEXICON.words_re("negations")
#: Phrases between a verb and its place that make the target only part of the place.
_PARTIAL_RE = _LEXICON.words_re("partial")
#: ... and the phrases that mean the whole city fell (its seat of government).
_WHOLE_RE = _LEXICON.words_re("whole")
_CLAUSE_BREAK = re.compile(
    r"[;:]|,\s*(?:while|whereas|but|although|though|as|after|before|which|who|where)\b|"
    r"\s(?:while|whereas|but|although|though|after|before|as(?!\s+(?:well|of|part)))\s|"
    r"\s+and\s+(?=(?:the\s+)?(?:taliban|government|security|afghan|officials|they|it|he|she)"
    r"\b)|\b(?:said|says|told\s+\w+|added|confirmed|reported)\b(?:\s+that)?(?=\s)",
    re.IGNORECASE,
)
_ANAPHORA_RE = re.compile(
    r"\b(?:the|that|this)\s+(?P<noun>provincial\s+capital|capital\s+city|capital|city|town|"
    r"district|province)\b(?!\s+of\b)",
    re.IGNORECASE,
)
#: A bombing or an assassination is violence, not a fight for control of a place.
_ATTACK_NOT_CONTROL = _LEXICON.words_re("violence")
_EARLIER = re.compile(
    r"\b(?:\w+\s+)?(?:weeks?|months?|years?|days?)\s+(?:after|before|since)\b[^,;]*$",
    re.IGNORECASE,
)
_EXCLUDED = re.compile(r"\b(?:except(?:\s+for)?|apart\s+from|other\s+than|excluding|but\s+not)"
                       r"\s+(?:the\s+)?(?:\w+\s+){0,2}$", re.IGNORECASE)
# "in 1996", "since 2001", "in late September 1996", "on 27 September 1996", "(1996-2001)"
_HISTORICAL_YEAR = re.compile(r"\b(?:in|since|during|of)\s+((?:19|20)\d\d)\b(?!\s+[a-z])")
# "in late September 1996", "on 27 September 1996": a month and a year, dated a year or more
# before publication (a year after a month is a date, not a number of fighters)
_MONTH_YEAR = re.compile(
    r"\b(?P<month>jan|feb|march|april|may|june|july|aug|sept?|oct|nov|dec)[a-z]*\.?"
    r"(?:\s+\d{1,2},?)?\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_MONTH_NUMBER = {"jan": 1, "feb": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
                 "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
_COUNT_RE = re.compile(
    r"\b(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\s+(?:of|out\s+of)"
    r"\s+(?:afghanistan['’]s\s+|the\s+(?:country['’]s\s+)?)?(?P<total>\d{1,3})\s+"
    r"(?P<unit>provincial\s+capitals|provinces|districts)",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
# A line that opens with a bullet, a dash or "3)" is an item of its own ("- Herat").
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘'(\[]?[A-Z0-9])|\n\s*\n|\n(?=[A-Z])|"
                           r"\n(?=[ \t]*(?:[•·*▪●◦‣\-–—]+|\d{1,2}[.)])[ \t])")
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|St|No|U\.S|U\.N|Jan|Feb|Aug|Sept?|"
                            r"Oct|Nov|Dec|e\.g|i\.e|vs)\.$")
_DISTANCE_REF = re.compile(
    r"\d+\s*(?:km|kms|kilomet(?:er|re)s?|miles?)\s+(?:\(\d+\s*\w+\)\s+)?(?:[a-z-]+\s+)?"
    r"(?:of|from)\s+(?:the\s+)?(?:capital\s*,?\s*)?$",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Extraction:
    """What one document yields: its place mentions, control claims and counts."""

    mentions: list[Mention]
    claims: list[Claim] = field(default_factory=list)
    counts: list[CountStatement] = field(default_factory=list)
    #: (sentence span, reason) of the control verbs the rules read and set aside
    #: (``intention``, ``negation``, ``violence``, ``earlier``, ``historical``,
    #: ``people_left``) or read as a share of a place (``share``): features for the
    #: learned engine, not stored.
    skipped: list[tuple[tuple[int, int], str]] = field(default_factory=list)
    #: (span, note) of what the reader should know about how the text was read: a
    #: sentence over :data:`MAX_SENTENCE_CHARS` characters read in pieces (a claim whose
    #: verb and place stand in different pieces is not found).
    notes: list[tuple[tuple[int, int], str]] = field(default_factory=list)


@dataclass(slots=True)
class _Trigger:
    start: int
    end: int
    family: str  # captured | recaptured | contested | held
    text: str
    passive: bool = False


# --- sentences ------------------------------------------------------------------------------


#: The longest sentence read as one: a longer one is read in pieces of at most this many
#: characters, cut at a clause boundary. Reading a sentence costs more than linear time in
#: its length (each verb looks for its actor, date and places across the sentence), so the
#: cap is what keeps a document's cost linear in its size; news sentences stay far below
#: it (the longest of the dev corpus has about 400 characters).
MAX_SENTENCE_CHARS = 2000
#: Where a long sentence may be cut, best first: after a semicolon, a colon, a comma or a
#: dash, or before "and", "but", "while", "or"; else at a blank; else anywhere.
_CLAUSE_CUT = re.compile(r"[;:,]\s+|\s+[-–—]+\s+|\s+(?=(?:and|but|while|or)\s)")
_BLANK = re.compile(r"\s+")
#: The longest abbreviation of ``_ABBREVIATIONS`` and its full stop, with room to spare.
_ABBREVIATION_REACH = 12


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of the sentences of ``text``; a sentence over
    :data:`MAX_SENTENCE_CHARS` characters is returned as its pieces (see
    :func:`sentence_pieces`).

    Examples
    --------
    >>> text = "Kunduz fell. Mr. Ali said so."
    >>> [text[s:e] for s, e in split_sentences(text)]
    ['Kunduz fell.', 'Mr. Ali said so.']
    """
    return [span for span, _ in sentence_pieces(text)]


def sentence_pieces(text: str) -> list[tuple[tuple[int, int], tuple[int, int] | None]]:
    """Return each sentence span of ``text`` with the span of the whole sentence it was cut
    from when the sentence is over :data:`MAX_SENTENCE_CHARS` characters (else None).

    Examples
    --------
    >>> text = "Kunduz fell. " + "Herat, " * 400 + "fell."
    >>> [(e - s, text[e - 1], whole) for (s, e), whole in sentence_pieces(text)]
    [(12, '.', None), (1994, ',', (13, 2818)), (810, '.', (13, 2818))]
    """
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        # only the end of the text before a full stop can be an abbreviation: a bounded
        # look keeps the split linear however many abbreviations a sentence holds
        if _ABBREVIATIONS.search(text[max(start, match.start() - _ABBREVIATION_REACH)
                                      : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
    for s, e in spans:
        s, e = _trimmed(text, s, e)
        if e - s <= MAX_SENTENCE_CHARS:
            if e > s:
                out.append(((s, e), None))
            continue
        for a, b in _cut(text, s, e):
            a, b = _trimmed(text, a, b)
            if b > a:
                out.append(((a, b), (s, e)))
    return out


def _trimmed(text: str, s: int, e: int) -> tuple[int, int]:
    """Return the span without the blanks at either end."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _cut(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Return the pieces of a long sentence: each at most :data:`MAX_SENTENCE_CHARS`
    characters, cut at the last clause boundary (else blank) of its second half."""
    pieces = []
    while e - s > MAX_SENTENCE_CHARS:
        lo, hi = s + MAX_SENTENCE_CHARS // 2, s + MAX_SENTENCE_CHARS
        cut = _last_end(_CLAUSE_CUT, text, lo, hi) or _last_end(_BLANK, text, lo, hi) or hi
        pieces.append((s, cut))
        s = cut
    pieces.append((s, e))
    return pieces


def _last_end(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> int:
    """Return where the last match of ``pattern`` in ``text[lo:hi]`` ends, or 0."""
    end = 0
    for match in pattern.finditer(text, lo, hi):
        end = match.end()
    return end


_BARE_TAKE = {"took", "taken", "taking", "take", "takes", "entered", "occupied"}
_BARE_OBJECT = re.compile(
    r"\s+(?:(?:the\s+)?(?:city|town|district|provincial\s+capital|capital)\s+of\s+)?"
    r"(?:the\s+)?[A-Z\u0600-\u06ff]"
)
_INTENTION = re.compile(
    r"(?<!managed )(?<!able )\bto\s+$|\b(?:will|would|could|might|may|must|should|shall|"
    r"ready|vow(?:ed|s)?|plan(?:s|ned)?|threaten(?:ed|s)?|want(?:s|ed)?|tr(?:y|ies|ied)|"
    r"fail(?:ed|s)?|attempt(?:s|ed)?)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


# "the latest provincial capital to fall": an infinitive after an ordinal tells what
# happened, unless a modal says it may ("could be the last city to fall").
_MODAL = re.compile(r"\b(?:will|would|could|might|may|expected|likely|set|poised)\b",
                    re.IGNORECASE)
_NTH_TO = re.compile(rf"{_ORDINAL}\s+(?:[\w-]+\s+){{0,3}}to\s+$", re.IGNORECASE)


#: Before this day "resistance forces" were the uprisings fighting beside the government.
KABUL_FELL = dt.date(2021, 8, 15)


def defender(doc: Document) -> str:
    """Return the side that holds out against the Taliban in ``doc``: ``nrf`` in a report
    from after Kabul fell that names the resistance, else ``government``."""
    if doc.published >= KABUL_FELL and dict(_ACTOR_RE)["nrf"].search(doc.text):
        return "nrf"
    return "government"


def _triggers(sentence: str, skipped: list[str] | None = None) -> list[_Trigger]:
    """Return the control verbs of a sentence, without intentions ("ready to retake");
    the reasons of verbs left out are appended to ``skipped``."""
    found = []
    skipped = [] if skipped is None else skipped
    for match in _TRIGGER_RE.finditer(sentence):
        _, family, passive = _TRIGGERS[int((match.lastgroup or "")[1:])]
        text = match.group().lower()
        # A bare "took"/"entered" is a control verb only when a place name follows it.
        if text in _BARE_TAKE and not _BARE_OBJECT.match(sentence, match.end()):
            continue
        before = sentence[max(0, match.start() - 60) : match.start()]
        if _INTENTION.search(before[-30:]) and (_MODAL.search(before)
                                                 or not _NTH_TO.search(before)):
            skipped.append("intention")
            continue
        if text.endswith("to fall") and _MODAL.search(before[-40:]):
            skipped.append("intention")
            continue  # "Kabul could be the last city to fall"
        if family == "contested" and " to " in text:
            skipped.append("intention")  # "an offensive to retake X": the taking is a plan
        found.append(_Trigger(match.start(), match.end(), family, text, passive))
    return found


def _actor_in(fragment: str, *, last: bool) -> str | None:
    """Return the first (or last) actor named in a fragment; the longer name wins an overlap
    ("resistance fighters" is the NRF, not "fighters")."""
    hits = []
    for actor, pattern in _ACTOR_RE:
        hits += [(m.start(), m.end(), actor) for m in pattern.finditer(fragment)]
    contained = _contained({(s, e) for s, e, _ in hits})
    hits = [h for h in hits if (h[0], h[1]) not in contained]
    if not hits:
        return None
    hits.sort()
    return hits[-1][2] if last else hits[0][2]


def _contained(spans: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Return the spans that lie inside another, longer span of ``spans``: one sweep in
    order of start (longest first), not a comparison of every pair."""
    out, reach = set(), -1
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if reach >= end:  # an earlier span starts no later and ends no sooner
            out.add((start, end))
        reach = max(reach, end)
    return out


def _claimant(sentence: str) -> str:
    for who, pattern in _CLAIMANT_RE:
        if pattern.search(sentence):
            return who
    return "media"


_LOSER = re.compile(r"\bfrom\s+(?:the\s+)?(taliban|insurgents|militants|government|"
                    r"afghan\s+forces|security\s+forces)", re.IGNORECASE)
_DAY_LATER = re.compile(r"(?:a|one)\s+day\s+later|the\s+(?:next|following)\s+day",
                        re.IGNORECASE)


class _Facts:
    """What the verbs of one sentence ask of the whole sentence, read once for all of
    them (not once per verb, which made a long sentence cost its length squared): its
    date expressions, claimant, violence words, "from the Taliban" phrases and relative
    clauses."""

    def __init__(self, sentence: str, published: dt.date,
                 resolved: dict[str, dt.date | None]) -> None:
        self.sentence, self.published, self._resolved = sentence, published, resolved
        self._dates: list[tuple[int, str]] | None = None
        self._claimant: str | None = None
        self._violence: bool | None = None
        self._losers: list[re.Match[str]] | None = None
        self._relatives: list[tuple[int, int]] | None = None

    def resolve(self, expr: str) -> dt.date | None:
        """Return the day a date expression means (memoised per document)."""
        if expr not in self._resolved:
            self._resolved[expr] = resolve_event_date(expr, self.published)
        return self._resolved[expr]

    def dates(self) -> list[tuple[int, str]]:
        """Return the (start, text) of the sentence's date expressions."""
        if self._dates is None:
            self._dates = [(s, e) for s, _, e in find_date_expressions(self.sentence)]
        return self._dates

    def first_date(self) -> dt.date | None:
        """Return the day of the first date expression that resolves, or None."""
        return next((d for _, e in self.dates() if (d := self.resolve(e))), None)

    def claimant(self) -> str:
        """Return who asserts what the sentence says."""
        if self._claimant is None:
            self._claimant = _claimant(self.sentence)
        return self._claimant

    def violence(self) -> bool:
        """Return True when the sentence tells of a bombing, an assassination, ..."""
        if self._violence is None:
            self._violence = bool(_ATTACK_NOT_CONTROL.search(self.sentence))
        return self._violence

    def loser_after(self, offset: int) -> re.Match[str] | None:
        """Return the first "from the Taliban" (a side a place is taken from) at or after
        ``offset``."""
        if self._losers is None:
            self._losers = list(_LOSER.finditer(self.sentence))
        starts = [m.start() for m in self._losers]
        i = bisect.bisect_left(starts, offset)
        return self._losers[i] if i < len(self._losers) else None

    def relative_clauses(self) -> list[tuple[int, int]]:
        """Return the sentence's ", which ...," clauses (see :func:`_relative_clauses`)."""
        if self._relatives is None:
            self._relatives = _relative_clauses(self.sentence)
        return self._relatives


# --- targets --------------------------------------------------------------------------------


_LOCATING = re.compile(
    r"(?:\bin|\bof|\bnear|,)\s+(?:the\s+)?(?:(?:far\s+)?(?:north|south|east|west|central|"
    r"northern|southern|eastern|western|north-?east(?:ern)?|north-?west(?:ern)?|"
    r"south-?east(?:ern)?|south-?west(?:ern)?)\s+(?:part\s+)?(?:of\s+)?)?(?:the\s+)?"
    r"(?:afghanistan['’]s\s+)?(?:(?:north|south|east|west|central|northern|southern|eastern|"
    r"western|north-?eastern|north-?western|south-?eastern|south-?western)\s+)?"
    r"(?:province\s+of\s+)?$",
    re.IGNORECASE,
)
#: Words after a place name that make it a modifier of a person or office, not a target.
_OFFICE_AFTER = re.compile(
    r"\s*(?:provincial\s+)?(?:police\s+|deputy\s+|former\s+)?(?:governor|council|officials?|"
    r"spokes(?:man|person)|chief|lawmakers?|MPs?|residents?|security\s+(?:chief|official)|"
    r"authorities|administration|elders?|journalists?|university|hospital|"
    r"airport\s+officials?)\b",
    re.IGNORECASE,
)


def is_qualifier(sentence: str, mentions: list[Mention], k: int) -> bool:
    """Return True when mention k only locates or qualifies something else.

    "Kaldar district of Balkh province", "Zaranj in Nimroz", "Parwan's Sorkh Parsa",
    "150 kilometers southwest of Kabul", "the Kandahar governor's office".
    """
    m = mentions[k]
    if _DISTANCE_REF.search(sentence[max(0, m.start - 60) : m.start]):
        return True
    after = sentence[m.end : m.end + 40]
    if after.startswith(("'s", "’s")) and k + 1 < len(mentions):
        return bool(re.match(r"['’]s\s+(?:[A-Z][\w-]*\s+){0,3}", after)) and (
            mentions[k + 1].start - m.end < 30)
    if _OFFICE_AFTER.match(after if not after.startswith(("'s", "’s")) else after[2:]):
        return True
    if m.kind not in ("province", "capital"):
        return False
    locating = _LOCATING.search(sentence[max(0, m.start - 60) : m.start])
    if not locating:
        return False
    # the nearest place before it that is not a province (a backward scan: not a list of
    # every earlier mention for every mention)
    earlier = next((mentions[j] for j in range(k - 1, -1, -1)
                    if mentions[j].province_iso and mentions[j].kind != "province"), None)
    if earlier is None:
        return False
    # A comma also separates a list: "Chakhansur, Nimroz" locates, "Farah, Zaranj and
    # Herat" (each in its own province) lists.
    return not locating.group().startswith(",") or earlier.province_iso == m.province_iso


def _targets(sentence: str, trig: _Trigger, mentions: list[Mention], window: tuple[int, int],
             qualifiers: set[int], previous: tuple[int, set[int]] | None = None,
             before_passive: bool = False, facts: _Facts | None = None) -> list[int]:
    """Return the indexes of the mentions a trigger applies to; ``previous`` is the end
    of the sentence's trigger before this one and the mentions that one applied to, and
    ``before_passive`` says that the next trigger of the sentence is a passive one."""
    lo, hi = window
    if trig.passive:
        before = [k for k, m in enumerate(mentions) if lo <= m.start and m.end <= trig.start]
        before = [k for k in before if k not in qualifiers]
        if previous is not None:
            # "Farah fell on Tuesday, and Puli Khumri was taken": a subject of its own
            # after the verb before; without one the verb goes on ("X was besieged and
            # captured")
            end, taken = previous
            own = [k for k in before if mentions[k].start >= end and k not in taken]
            if own:
                return _first_group(sentence, mentions, own)
        relatives = facts.relative_clauses() if facts else _relative_clauses(sentence)
        if not before and (antecedent := _antecedent(sentence, mentions, lo, qualifiers,
                                                     relatives)):
            return antecedent  # "Kunduz, which fell on Sunday, was recaptured on Monday"
        if before or not trig.text.startswith("surrender"):
            return _first_group(sentence, mentions, before)
        # "troops surrendered Dand-e Ghori district to the Taliban": the object follows
    after = [k for k, m in enumerate(mentions) if trig.end <= m.start and m.end <= hi]
    after = [k for k in after if k not in qualifiers]
    if after and not _reaches(sentence[trig.end : mentions[after[0]].start]):
        return []
    if before_passive:
        # "captured Farah on Monday, and Zaranj was abandoned": the object ends where the
        # next clause's subject starts
        return _first_group(sentence, mentions, after)
    return after


_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)", re.IGNORECASE)
_RELATIVE = re.compile(r",\s*which\b", re.IGNORECASE)


def _relative_clauses(sentence: str) -> list[tuple[int, int]]:
    """Return (start, end) of the ", which ...," clauses: from the comma before "which" to
    the comma that closes the clause (or the sentence's end)."""
    spans = []
    for m in _RELATIVE.finditer(sentence):
        end = sentence.find(",", m.end())
        spans.append((m.start(), end if end >= 0 else len(sentence)))
    return spans


def _antecedent(sentence: str, mentions: list[Mention], lo: int,
                qualifiers: set[int], relatives: list[tuple[int, int]]) -> list[int]:
    """Return the mentions a relative clause that starts or ends at ``lo`` refers to: the
    place right before it and those listed with it ("Kunduz" of "Kunduz, which fell on
    Sunday, was retaken"; "Lashkargah and Kandahar, which fell"), or []."""
    starts = [b for b, e in relatives if lo in (b, e)]
    if not lo or not starts:
        return []
    start = starts[0]
    earlier = [k for k, m in enumerate(mentions) if m.end <= start and k not in qualifiers]
    if not earlier or sentence[mentions[earlier[-1]].end : start].strip():
        return []
    group = earlier[-1:]  # and the places listed with it: "Lashkargah and Kandahar, which"
    for k in reversed(earlier[:-1]):
        if not _LIST_GAP.fullmatch(sentence[mentions[k].end : mentions[group[0]].start]):
            break
        group.insert(0, k)
    return group


_APPOSITION = re.compile(
    r"(?:capital|city|town|district|province|crossing|base|stronghold|hub|centre|center|"
    r"including|such\s+as|namely)s?\s*,\s*(?:the\s+)?$|^[^,]*$",
    re.IGNORECASE,
)


def _reaches(between: str) -> bool:
    """Return True when a verb's object can reach over ``between`` to a place.

    A comma ends the object ("assaults on since Friday, Kunduz is...") unless it opens an
    apposition ("their first provincial capital, Zaranj") or a list ("including A, B").
    """
    return bool(_APPOSITION.search(between))


#: What may stand between two places of one subject list: "and", commas, "districts", and
#: a compass phrase ("Herat in the west and Kandahar in the south have fallen").
_SUBJECT_GAP = re.compile(
    # each optional part starts with a word and owns the separators after it, so that a
    # run of spaces can be matched one way only (no backtracking blow-up)
    r"[\s,]*(?:in\s+the\s+(?:far\s+)?(?:north|south|east|west|centre|center)"
    r"(?:-?(?:east|west))?(?:ern)?[\s,]*)?(?:(?:and|or|&)[\s,]*)?"
    r"(?:(?:districts?|provinces?|cities)[\s,]*)?(?:(?:and|or)\s*)?",
    re.IGNORECASE,
)


def _first_group(sentence: str, mentions: list[Mention], ks: list[int]) -> list[int]:
    """Return the leading run of mentions joined by ',', 'and', 'or': the subject list.

    "Puli Khumri, the capital of Baghlan province, fell" has the subject Puli Khumri;
    "Kunduz and Sar-e Pul have fallen" has both.
    """
    if not ks:
        return []
    group = [ks[0]]
    for k in ks[1:]:
        between = sentence[mentions[group[-1]].end : mentions[k].start]
        if len(between) > 80 or not _SUBJECT_GAP.fullmatch(between):
            break
        group.append(k)
    return group


def _precision(sentence: str, trig: _Trigger, mention: Mention) -> int:
    if mention.start < 0:  # an anaphora: "most of the city's districts" is only part of it
        after = sentence[trig.end : trig.end + 60]
        possessive = re.search(r"\b(?:city|town|capital)['’]s\s+\w+", after)
        return 2 if possessive or _PARTIAL_RE.search(after) or "most of" in after else 1
    between = (sentence[trig.end : mention.start] if mention.start >= trig.end
               else sentence[mention.end : trig.start])
    if mention.kind == "province":
        partial = bool(_PARTIAL_RE.search(between)) or "district" in between.lower()
        return 2 if partial else 3
    if _WHOLE_RE.search(between):
        return 1
    owned = re.match(r"['’]s(?:\s+\w+){1,3}", sentence[mention.end : mention.end + 40])
    if owned and (_PARTIAL_RE.search(owned.group())
                  or re.search(r"headquarters|compound|centre|center", owned.group())):
        return 2  # "Lashkar Gah's police headquarters" is part of the city
    return 2 if _PARTIAL_RE.search(between) else 1


_PAST_CLAUSE = re.compile(r"\b(?:that|which|who)\s+had\s+[^,.;]{0,120}", re.IGNORECASE)
#: Words before a place that make it a landmark beside what was taken, not the target.
_NEAR_ONLY = re.compile(
    r"\b(?:near|close\s+to|not\s+far\s+from|outside|on\s+the\s+(?:road|highway)\s+to|"
    r"towards?)\s+(?:the\s+)?(?:(?:city|town|capital)\s+(?:of\s+)?)?$",
    re.IGNORECASE,
)
#: A capture that is being negotiated has not happened: "talks for a peaceful surrender of".
_NEGOTIATED = re.compile(
    r"\b(?:talks?|negotiat\w*|discuss\w*|agreement|deal|arrangements?)\s+(?:with\s+(?:the\s+)?"
    r"[\w\s]{1,40}?\s+)?(?:on|for|over|about)\s+(?:an?\s+|the\s+)?(?:peaceful\s+|orderly\s+)?$",
    re.IGNORECASE,
)
#: A share of a city: "most of", "much of", "parts of", "nine of 10 districts of".
_SHARE_OF = re.compile(
    r"\b(?:most|much|parts?|half|sections?|large\s+parts?|swathes?)\s+of\b|"
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|many|some)\s+"
    r"(?:out\s+)?(?:of\s+(?:the\s+)?(?:\d+\s+)?)?(?:police\s+)?(?:districts|"
    r"neighbou?rhoods|areas|sectors)\s+(?:of|in)\b",
    re.IGNORECASE,
)


_TALLY = re.compile(r"\s+(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|most|half)"
                    r"\s+(?:out\s+)?of\s+(?:its\s+|the\s+)?(?:\d{1,3}\s+)?districts\b",
                    re.IGNORECASE)


def _only_a_share(sentence: str, trig: _Trigger, mention: Mention) -> bool:
    """Return True when a capture takes only a share of a city, town or province ("most of Kunduz",
    "nine of 10 districts of Lashkar Gah"): a fight for the city, not its fall."""
    if mention.start < 0 or mention.kind not in ("capital", "city", "town", "province"):
        return False
    between = (sentence[trig.end : mention.start] if mention.start >= trig.end
               else sentence[mention.end : trig.start])
    if (mention.start < trig.start and _TALLY.match(sentence, trig.end)) or _TALLY.match(
            " " + between):
        return True  # "Badakhshan, where the Taliban controls 26 of 28 districts"
    return len(between) < 80 and bool(_SHARE_OF.search(between))


def _clause_windows(sentence: str, triggers: list[_Trigger],
                    relatives: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return for each trigger the span of text it may take targets from."""
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence)]
    # ", which fell on Sunday," ends at its closing comma: the main verb comes after it
    breaks += [end for _, end in relatives if end < len(sentence)]
    breaks.sort()
    windows = []
    for i, trig in enumerate(triggers):
        hi = len(sentence)
        if i + 1 < len(triggers) and not triggers[i + 1].passive:
            hi = triggers[i + 1].start
        after = bisect.bisect_right(breaks, trig.end)  # the first break after the verb
        hi = min(breaks[after], hi) if after < len(breaks) else hi
        before = bisect.bisect_left(breaks, trig.start)  # and the last one before it
        lo = max(breaks[before - 1], 0) if before else 0
        if i and not triggers[i - 1].passive:
            lo = max(lo, triggers[i - 1].end)
        windows.append((lo, hi))
    return windows


# --- actor, kind, date ----------------------------------------------------------------------


def _actor_for(sentence: str, trig: _Trigger, window: tuple[int, int], fallback: str | None,
               facts: _Facts | None = None):
    """Return (actor, explicit) for a trigger: the agent named by it, else the subject."""
    after = sentence[trig.end : window[1]][:80]
    if trig.text.endswith(("-held", "-controlled", "-run")):  # "Taliban-held Kunduz"
        return _actor_in(trig.text.replace("-", " "), last=False), True
    if trig.passive:
        named = _actor_in(trig.text, last=False) if trig.family != "held" else None
        if named and named != "government":
            return named, True  # "under Taliban control", "in Taliban hands"
        if trig.text.endswith((" to", " by")):  # "fell to the Taliban", "captured by ..."
            agent = re.match(r"\s*(?:the\s+)?(.{0,40})", after)
        else:
            agent = re.search(r"\b(?:to|by)\s+(?:the\s+)?(.{0,40})", after, re.IGNORECASE)
        if agent and (actor := _actor_in(agent.group(1)[:40], last=False)):
            return actor, True
        # "have been captured from the Taliban": taken from one side is taken by the other
        loser = re.match(r"\s*(?:back\s+)?from\s+(?:the\s+)?(.{0,30})", after, re.IGNORECASE)
        if trig.family == "captured" and loser and (
                side := _actor_in(loser.group(1), last=False)) in ("taliban", "government"):
            return ("government" if side == "taliban" else "taliban"), True
        return None, False
    if trig.text.startswith("hand"):  # "handed over Ghazni to the Taliban": the receiver
        receiver = re.search(r"\bto\s+(?:the\s+)?(.{0,40})", after, re.IGNORECASE)
        actor = _actor_in(receiver.group(1), last=False) if receiver else None
        return (actor, True) if actor else (fallback, False)
    if trig.family in ("captured", "recaptured", "contested"):
        source = (facts.loser_after(trig.end) if facts
                  else _LOSER.search(sentence, trig.end))
        if source:
            losing = _actor_in(source.group(1), last=False)
            if losing == "taliban":
                return "government", True
            if losing == "government":
                return "taliban", True
    subject = _actor_in(sentence[window[0] : trig.start], last=True)
    if subject:
        return subject, True
    subject = _actor_in(sentence[: trig.start], last=True)
    if subject:
        return subject, True
    return fallback, False


def _kind_and_actor(family: str, actor: str | None,
                    defender: str = "government") -> tuple[str, str]:
    """Return (kind, actor): an unnamed actor is the side that usually does this in 2021
    (captures and attacks: the Taliban; recaptures and holds: the ``defender``, the
    government, or the resistance in a report that names it)."""
    if family == "withdrew":  # "Afghan forces withdrew from X": the other side takes it
        return "captured", "government" if actor == "taliban" else "taliban"
    default = defender if family in ("recaptured", "held") else "taliban"
    actor = actor or default
    if family == "captured" and actor != "taliban":
        return "recaptured", actor  # the government side (or a militia) taking a place back
    return family, actor


def _clause_date(facts: _Facts, trig: _Trigger, window: tuple[int, int],
                 previous: dt.date | None) -> tuple[dt.date, bool]:
    """Return the event date of a trigger's clause and whether it was stated."""
    published = facts.published
    found: list[tuple[int, dt.date]] = []
    for s, expr in facts.dates():
        if _DAY_LATER.fullmatch(expr):
            anchor = found[-1][1] if found else previous
            date = anchor + dt.timedelta(days=1) if anchor else None
            date = min(date, published) if date else None
        else:
            date = facts.resolve(expr)
        if date:
            found.append((s, date))
    if not found:
        return published, False
    inside = [d for s, d in found if window[0] <= s < window[1]]
    if inside:
        return inside[0], True
    before = [d for s, d in found if s < trig.start]
    return (before[-1] if before else found[0][1]), True


def _historical(sentence: str, published: dt.date) -> bool:
    """Return True when every year the sentence dates itself by lies before publication
    ("in 1996", "since 2001", "in late September 1996")."""
    dates = [dt.date(int(y), 12, 31) for y in _HISTORICAL_YEAR.findall(sentence)]
    for m in _MONTH_YEAR.finditer(sentence):
        month = _MONTH_NUMBER[m.group("month").lower()]
        dates.append(dt.date(int(m.group("year")), month, 28))
    return bool(dates) and all((published - d).days > 365 for d in dates)


# --- the document ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    doc: Document
    last_place: dict[str, Mention] = field(default_factory=dict)
    previous: list[Mention] = field(default_factory=list)
    last_actor: str | None = None
    last_date: dt.date | None = None
    paragraph_dated: bool = False
    defender: str = "government"
    pending: list[tuple[_Trigger, str, str, float]] = field(default_factory=list)
    skipped: list[tuple[tuple[int, int], str]] = field(default_factory=list)


def _remember(ctx: _Context, mentions: list[Mention]) -> None:
    ctx.previous = [m for m in mentions if m.province_iso]
    for m in ctx.previous:
        ctx.last_place[m.kind] = m


def _anaphora(ctx: _Context, gaz: Gazetteer, sentence: str, trig: _Trigger,
              window: tuple[int, int], local: list[Mention]) -> Mention | None:
    """Return the place "the city", "the district" or "the capital" refers to, if any."""
    fragment = sentence[trig.end : window[1]] if not trig.passive else (
        sentence[window[0] : trig.start])
    match = _ANAPHORA_RE.search(fragment)
    if not match:
        return None
    noun = match.group("noun").lower()
    if noun == "capital":
        kabul = gaz.capitals.get("AF-KAB")
        return _mention_for(kabul, match.group(), 0.8, "a bare 'the capital' is Kabul")
    kinds = {"district": ("district",), "province": ("province",)}.get(
        noun, ("capital", "city", "town"))
    # A place of that kind named earlier in the same sentence ("In Kandahar, ... the city's
    # districts"), else the sentence before; only when exactly one place fits: "the city"
    # after a sentence naming two cities is left unresolved.
    here = {m.place_id: m for m in local if m.kind in kinds and m.end <= trig.start
            and not sentence[max(0, m.start - 6) : m.start].lower().endswith("from ")}
    candidates = here or {m.place_id: m for m in ctx.previous if m.kind in kinds}
    if len(candidates) != 1:
        return None
    m = next(iter(candidates.values()))
    return _mention_for(gaz.by_id.get(m.place_id), m.text, m.confidence,
                        f"'{match.group()}' refers back to {m.place}")


def _mention_for(place, text: str, confidence: float, reason: str) -> Mention | None:
    if place is None:
        return None
    return Mention(text, -1, -1, place.name, place.place_id, place.kind, place.province_iso,
                   place.country, place.lat, place.lon, confidence, reason)


def _confidence(explicit_actor: bool, hedged: bool, mention: Mention, family: str) -> float:
    score = 0.85 if explicit_actor else 0.65
    if hedged:
        score *= 0.75
    if family == "contested":
        score *= 0.9
    return round(score * min(1.0, mention.confidence + 0.05), 2)


def _sentence_claims(ctx: _Context, gaz: Gazetteer, span: tuple[int, int],
                     mentions: list[Mention], facts: _Facts) -> list[Claim]:
    s0, _ = span
    sentence = facts.sentence
    local = [_shift(m, -s0) for m in mentions]
    skipped: list[str] = []
    triggers = _triggers(sentence, skipped)
    ctx.skipped += [(span, why) for why in skipped]
    if not triggers:
        return _apply_pending(ctx, facts, span, local)
    if _historical(sentence, ctx.doc.published):
        ctx.skipped.append((span, "historical"))
        return []
    windows = _clause_windows(sentence, triggers, facts.relative_clauses())
    qualifiers = {k for k in range(len(local)) if is_qualifier(sentence, local, k)}
    hedged = bool(_HEDGE_RE.search(sentence))
    # a denial inside a clause about the past ("a region that had repelled the Soviets")
    # denies nothing of what the sentence reports
    denied = bool(_DENIAL_RE.search(_PAST_CLAUSE.sub(" ", sentence)))
    claims: list[Claim] = []
    ctx.pending = []
    previous: tuple[int, set[int]] | None = None
    passive_next = [t.passive for t in triggers[1:]] + [False]
    for trig, window, before_passive in zip(triggers, windows, passive_next, strict=True):
        if _NEGATION_RE.search(sentence[max(window[0], trig.start - 25) : trig.start]):
            ctx.skipped.append((span, "negation"))
            continue
        if trig.family == "contested" and facts.violence():
            ctx.skipped.append((span, "violence"))
            continue
        if _EARLIER.search(sentence[max(0, trig.start - 40) : trig.start]):
            ctx.skipped.append((span, "earlier"))
            continue  # "five weeks after government forces drove them out": an older event
        actor, explicit = _actor_for(sentence, trig, window, ctx.last_actor, facts)
        if trig.family == "withdrew" and not explicit:
            ctx.skipped.append((span, "people_left"))
            continue  # "thousands fled Kunduz": people leaving is not a side giving it up
        kind, actor = _kind_and_actor(trig.family, actor, ctx.defender)
        if denied and kind == "captured" and actor == "taliban":
            kind = "contested"  # a Taliban claim that officials deny
        if kind == "captured" and _NEGOTIATED.search(sentence[max(0, trig.start - 60) :
                                                             trig.start]):
            kind = "contested"  # "in talks for a peaceful surrender of Kabul": not yet
        indexes = _targets(sentence, trig, local, window, qualifiers, previous, before_passive,
                           facts)
        dating = window
        if previous is not None and indexes and local[indexes[0]].start >= previous[0]:
            # a clause with a subject of its own takes its date from there on: "Farah fell
            # on Tuesday and Puli Khumri was captured on Wednesday"
            dating = (max(window[0], local[indexes[0]].start), window[1])
        date, dated = _clause_date(facts, trig, dating, ctx.last_date)
        if not dated and ctx.last_date and ctx.paragraph_dated:
            date = ctx.last_date  # "On Friday they took X. They also seized Y." (same paragraph)
        previous = (trig.end, set(indexes))
        targets = [local[k] for k in indexes]
        targets = [m for m in targets if m.province_iso
                   and not _EXCLUDED.search(sentence[max(0, m.start - 30) : m.start])]
        if kind != "contested":
            # "took control of districts in Wardak, near Kabul": a place beside the target
            targets = [m for m in targets
                       if not _NEAR_ONLY.search(sentence[max(0, m.start - 40) : m.start])]
        if not targets and (ref := _anaphora(ctx, gaz, sentence, trig, window, local)):
            targets = [ref]
        if not targets:
            if kind in ("captured", "recaptured"):
                ctx.pending.append((trig, kind, actor, 0.8 if explicit else 0.6))
            continue
        claimant = facts.claimant()
        for m in targets:
            taken = kind
            if (kind in ("captured", "held") and actor == "taliban"
                    and _only_a_share(sentence, trig, m)):
                taken = "contested"  # "captured nine of 10 districts of Lashkar Gah"
                ctx.skipped.append((span, "share"))
            claims.append(_claim(ctx.doc, sentence, span, trig, m, actor, taken, claimant, date,
                                 _confidence(explicit, hedged, m, trig.family)))
        if dated:
            ctx.last_date = date
        if explicit:
            ctx.last_actor = actor
    _remember(ctx, [m for m in local if m.start >= 0])
    return claims


def _apply_pending(ctx: _Context, facts: _Facts, span: tuple[int, int],
                   local: list[Mention]) -> list[Claim]:
    """Give a verb-less list of places ("Saighan and Kahmard districts in Bamiyan") the
    action of the sentence before, when that one had a control verb but no place."""
    pending, ctx.pending = ctx.pending, []
    claims: list[Claim] = []
    sentence = facts.sentence
    if not pending:  # nothing to give: the places need not be read
        _remember(ctx, local)
        return claims
    targets = [m for k, m in enumerate(local)
               if m.province_iso and not is_qualifier(sentence, local, k)]
    listing = re.search(r"\binclud(?:e|es|ed|ing)\b|\bnamely\b|:", sentence, re.IGNORECASE)
    if pending and targets and listing:
        _, kind, actor, confidence = pending[-1]
        date = ctx.last_date or ctx.doc.published
        for m in targets:
            claims.append(_claim(ctx.doc, sentence, span, None, m, actor, kind,
                                 facts.claimant(), date, round(confidence * 0.8, 2)))
    _remember(ctx, local)
    return claims


def _note_date(ctx: _Context, facts: _Facts) -> None:
    """Remember the sentence's first stated date for later undated sentences of the paragraph."""
    date = facts.first_date()
    if date:
        ctx.last_date, ctx.paragraph_dated = date, True


def _shift(m: Mention, offset: int) -> Mention:
    return Mention(m.text, m.start + offset, m.end + offset, m.place, m.place_id, m.kind,
                   m.province_iso, m.country, m.lat, m.lon, m.confidence, m.reason)


def _claim(doc: Document, sentence: str, span: tuple[int, int], trig: _Trigger | None,
           m: Mention, actor: str, kind: str, claimant: str, date: dt.date,
           confidence: float) -> Claim:
    precision = _precision(sentence, trig, m) if trig else (3 if m.kind == "province" else 1)
    return Claim(
        document=doc.name, event_date=min(date, doc.published), place=m.place,
        place_id=m.place_id, place_kind=m.kind, province_iso=m.province_iso, actor=actor,
        kind=kind, claimant=claimant, geo_precision=precision, confidence=confidence,
        quote=sentence, start=span[0], end=span[1], source=doc.source or doc.name,
        lat=m.lat, lon=m.lon,
    ).with_id()


def _counts(doc: Document, span: tuple[int, int], facts: _Facts) -> list[CountStatement]:
    sentence = facts.sentence
    out = []
    for match in _COUNT_RE.finditer(sentence):
        n = match.group("n").lower()
        count = int(n) if n.isdigit() else _NUMBER_WORDS[n]
        actor = _actor_in(sentence[: match.start()], last=True) or "taliban"
        date = facts.first_date() or doc.published
        out.append(CountStatement(doc.name, date, actor, count, int(match.group("total")),
                                  match.group("unit").lower(), sentence, span[0], span[1]))
    return out


def extract(doc: Document, gazetteer: Gazetteer | None = None,
            mentions: list[Mention] | None = None) -> Extraction:
    """Return the place mentions, control claims and aggregate counts of a document.

    Parameters
    ----------
    doc
        The document; claims are dated against ``doc.published`` and never after it.
    gazetteer
        Default :func:`geo.gazetteer.load_gazetteer`.
    mentions
        Already geocoded mentions of ``doc.text`` (geocoded here when None).
    """
    gaz = gazetteer or load_gazetteer()
    mentions = geocode(doc.text, gaz) if mentions is None else mentions
    result = Extraction(mentions=mentions)
    ctx = _Context(doc)
    ctx.defender = defender(doc)  # once Kabul fell the side holding out was the resistance
    last_end = 0
    within = _MentionsWithin(mentions)
    resolved: dict[str, dt.date | None] = {}  # date expressions, read once per document
    for span, whole in sentence_pieces(doc.text):
        if whole is not None and (not result.notes or result.notes[-1][0] != whole):
            result.notes.append((whole, _long_sentence_note(whole)))
        if "\n" in doc.text[last_end : span[0]]:
            ctx.paragraph_dated = False  # a new paragraph does not inherit the last date
        last_end = span[1]
        facts = _Facts(doc.text[span[0] : span[1]], doc.published, resolved)
        _note_date(ctx, facts)
        result.claims += _sentence_claims(ctx, gaz, span, within(*span), facts)
        result.counts += _counts(doc, span, facts)
    result.claims = dedupe_claims(result.claims)
    result.skipped = ctx.skipped
    return result


def _long_sentence_note(whole: tuple[int, int]) -> str:
    return (f"the sentence at characters {whole[0]}-{whole[1]} is "
            f"{whole[1] - whole[0]:,} characters long, over {MAX_SENTENCE_CHARS:,}: it was "
            "read in pieces cut at clause boundaries, so a verb and a place in different "
            "pieces give no claim")


class _MentionsWithin:
    """The mentions inside a span, found by bisection (not by a scan of every mention
    for every sentence), in their given order."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self.order = sorted(range(len(mentions)), key=lambda k: mentions[k].start)
        self.starts = [mentions[k].start for k in self.order]

    def __call__(self, start: int, end: int) -> list[Mention]:
        """Return the mentions m with ``start <= m.start`` and ``m.end <= end``."""
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_right(self.starts, end)
        ks = sorted(k for k in self.order[lo:hi] if self.mentions[k].end <= end)
        return [self.mentions[k] for k in ks]


def dedupe_claims(claims: list[Claim]) -> list[Claim]:
    """Return one claim per (sentence, place, actor, kind), the most confident, in text
    order: verbs repeat in one sentence."""
    seen: dict[tuple[int, str, str, str], Claim] = {}
    for c in claims:
        key = (c.start, c.place_id, c.actor, c.kind)
        if key not in seen or c.confidence > seen[key].confidence:
            seen[key] = c
    return sorted(seen.values(), key=lambda c: (c.start, c.place_id))
