"""The learned engine: rule claims and every other reading as candidates, then the arbiter.

Steps, each a component over the document:

1. the rule engine (:mod:`geo.extract`) reads every sentence; its claims become features;
2. :class:`~geo.extraction.candidates.CandidateBuilder` pairs each sentence with each
   province it names and describes it (cue classes near the place, the heading that scopes
   a list item, the sentence before, the line's role, the rule engine's verdict);
3. the :class:`~geo.extraction.arbiter.Arbiter` accepts the polarities each candidate
   asserts, with a probability;
4. the document step turns accepted polarities into claims: the rule engine's claim when it
   read the same polarity (its kind, actor, date and precision stand), else a new claim on
   the candidate's most specific place, dated by a timeline entry's date, the sentence's own
   date expression or the paragraph's, and never by a caption;
5. guards that no weight can overrule: a clause saying the government side holds a place
   never yields a Taliban capture of it; a wire dateline is no claim; where the rules set a
   verb aside (an intention, a negation, history) or read shares of places, the arbiter adds
   no reading of its own that undoes it;
6. two document steps: list items take the predicate of the heading that scopes them, and
   a report that opens by rejecting a Taliban claim makes the Taliban's own captures
   contested.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from geo.dates import find_date_expressions, resolve_event_date
from geo.extract import Extraction, dedupe_claims
from geo.extract import extract as extract_by_rules
from geo.extraction.arbiter import Arbiter, Decision
from geo.extraction.candidates import (
    Candidate,
    CandidateBuilder,
    CueLexicon,
    Polarity,
    SpanSet,
    claim_polarity,
    most_specific,
)
from geo.gazetteer import Gazetteer
from geo.records import Claim, Document, Mention

#: A holding statement for the government side: "X and Y are still held by government
#: forces", "X remains in government hands", "only X is not yet under Taliban control",
#: "the government retains X". Such a sentence may add a place to the government side or
#: to the contested ones, never to the Taliban's.
_GOV_SIDE = (r"(?:the\s+)?(?:afghan\s+|western-backed\s+)?(?:government|security\s+forces|army|"
             r"afghan\s+forces|afghan\s+troops|government\s+troops|andsf|"
             r"forces\s+loyal\s+to\s+(?:the\s+)?government)")
_GOVERNMENT_HOLDS = re.compile(
    rf"\b(?:(?:still|remains?|remained|is|are|was|were)\s+(?:firmly\s+|still\s+)?"
    rf"(?:held\s+by|in|under)\s+{_GOV_SIDE}(?:['’]s?)?(?:\s+(?:hands|control))?|"
    rf"(?:still\s+)?in\s+the\s+hands\s+of\s+{_GOV_SIDE}|"
    r"not\s+(?:yet\s+)?(?:been\s+)?(?:under|in)\s+(?:the\s+)?(?:taliban|insurgents?|"
    r"militants?)(?:['’]s?)?\s+(?:control|hands)|"
    r"(?:outside|out\s+of|beyond)\s+(?:the\s+)?(?:taliban|insurgents?|militants?)(?:['’]s?)?"
    rf"\s+control|{_GOV_SIDE}\s+(?:still\s+)?"
    r"(?:retains?|retained|holds?|held|keeps?|kept|controls?|defends?|defended)\b|"
    r"held\s+out|holding\s+out|hold(?:s|ing)?\s+out|remain(?:s|ed)?\s+(?:under\s+)?"
    r"government)",
    re.IGNORECASE,
)
_TALIBAN_CAPTURE = re.compile(
    r"\b(?:taliban|insurgents?|militants?)\s+(?:have\s+|has\s+|had\s+)?(?:captured|seized|"
    r"took|taken|overran)\b|\bfell\s+to\s+(?:the\s+)?taliban\b|\bhas\s+fallen\b",
    re.IGNORECASE,
)
_DELIBERATE = {"intention", "negation", "historical", "earlier"}


#: Where one clause of a sentence ends and the next begins, for the holding guard.
_CLAUSES = re.compile(
    # each break starts at the first blank of a run (no quadratic rescans of long blanks)
    r"[;:]|(?<![\s,])(?:,\s*|\s+)(?:while|whereas|but|although|though|as|after|before|and)\s"
    r"|,\s+(?=(?:the\s+)?[A-Z])", re.IGNORECASE)


def government_holding(sentence: str) -> bool:
    """Return True when a sentence states that the government side holds a place (and
    reports no Taliban capture beside it)."""
    return bool(_GOVERNMENT_HOLDS.search(sentence)) and not _TALIBAN_CAPTURE.search(sentence)


def clause_of(sentence: str, offset: int) -> str:
    """Return the clause of ``sentence`` that holds ``offset`` (split at semicolons and at
    "while", "but", "as", "and" ... between clauses)."""
    start, end = 0, len(sentence)
    for m in _CLAUSES.finditer(sentence):
        if m.end() <= offset:
            start = m.end()
        elif m.start() > offset:
            end = m.start()
            break
    return sentence[start:end]


class LearnedExtractor:
    """Rule engine, candidates, arbiter and document step; owns the lexicon and the model."""

    name = "learned"

    def __init__(self, gazetteer: Gazetteer, arbiter: Arbiter | None = None,
                 lexicon: CueLexicon | None = None) -> None:
        self.gazetteer = gazetteer
        self._arbiter = arbiter
        self.builder = CandidateBuilder(lexicon or CueLexicon.load())

    @property
    def arbiter(self) -> Arbiter:
        """Return the arbiter, loading the shipped model on first use."""
        if self._arbiter is None:
            self._arbiter = Arbiter.load()
        return self._arbiter

    def with_arbiter(self, arbiter: Arbiter) -> LearnedExtractor:
        """Return an extractor like this one that decides with ``arbiter``."""
        return LearnedExtractor(self.gazetteer, arbiter, self.builder.lexicon)

    def candidates(self, doc: Document, mentions: list[Mention] | None = None
                   ) -> tuple[Extraction, list[Candidate]]:
        """Return the rule engine's reading of ``doc`` and the candidates built on it: none
        in a sentence too long to read whole (see :meth:`extract`), so that training,
        labelling and extraction see the same candidates."""
        rules = extract_by_rules(doc, self.gazetteer, mentions)
        # The arbiter's features describe a sentence, its clauses and its neighbours; the
        # pieces of a run-on text over MAX_SENTENCE_CHARS are none of these (no real
        # report in the dev corpus has one), and reading them costs the arbiter twice
        # what it costs the rules (bench/README.md, long sentences): the rules read them.
        return rules, self.builder.build(doc, rules, leave_out=[span for span, _ in rules.notes])

    def extract(self, doc: Document, mentions: list[Mention] | None = None) -> Extraction:
        """Return the mentions, the arbiter's claims and the rule engine's counts of ``doc``;
        in a sentence too long to read whole (see :data:`geo.extract.MAX_SENTENCE_CHARS`),
        the rule engine's claims."""
        rules, cands = self.candidates(doc, mentions)
        result = self.decide(doc, rules, cands)
        if rules.notes:
            inside = SpanSet([span for span, _ in rules.notes])
            result.claims = dedupe_claims(
                [*result.claims, *(c for c in rules.claims if c.start in inside)])
            suffix = "; the rule engine read it (the learned engine reads sentences)"
            result.notes = [(span, note + suffix) for span, note in rules.notes]
        return result

    def decide(self, doc: Document, rules: Extraction, cands: list[Candidate]) -> Extraction:
        """Return the extraction the arbiter makes of already built candidates."""
        claims: list[Claim] = []
        for cand, decisions in zip(cands, self.decisions(doc, cands), strict=True):
            for decision in decisions:
                claims += self._claims_for(doc, cand, decision)
        claims += self._scoped_by_heading(doc, cands, claims)
        claims = _denied_by_the_lead(cands, claims)
        return Extraction(mentions=rules.mentions, claims=dedupe_claims(claims),
                          counts=rules.counts, notes=rules.notes)

    def decisions(self, doc: Document, cands: list[Candidate]) -> list[list[Decision]]:
        """Return the polarities accepted for each candidate: the arbiter's, less what
        the guards forbid (what `controlmap label` proposes and `extract` stores)."""
        return [self._allowed(doc, cand, decided) for cand, decided
                in zip(cands, self.arbiter.decide_document(cands), strict=True)]

    def _allowed(self, doc: Document, cand: Candidate,
                 decisions: list[Decision]) -> list[Decision]:
        sentence = doc.text[cand.start : cand.end]
        places = [m.start - cand.start for m in cand.mentions
                  if m.start >= 0 and m.province_iso == cand.province_iso]
        if places and all(government_holding(clause_of(sentence, p)) for p in places):
            # the clause that names the place says the government side holds it
            decisions = [d for d in decisions if d.polarity != "taliban"]
        if cand.features.get("dateline_place") and not cand.rule_claims:
            return []  # a wire dateline says where the report was filed, not what fell
        set_aside = {k.partition(":")[2] for k in cand.features if k.startswith("rule_skipped:")}
        if "share" in set_aside:
            # the rules read this sentence's gains as shares ("controls 14 of 17 districts"):
            # no whole capture of the arbiter's own beside them
            decisions = [d for d in decisions
                         if d.polarity != "taliban" or "taliban" in cand.rule_polarities()]
        if set_aside & _DELIBERATE:
            # the rules read a control verb here and set it aside as an intention, a
            # negation or an older event: a reading of the arbiter's own may not undo that
            # (though "an attack to capture X" still contests X)
            ruled = cand.rule_polarities()
            decisions = [d for d in decisions if d.polarity in ruled
                         or (d.polarity == "contested" and "intention" in set_aside
                             and "sent:contest" in cand.features)]
        return decisions

    def _claims_for(self, doc: Document, cand: Candidate, decision: Decision,
                    step: str = "arbiter") -> list[Claim]:
        note = f"{step} {decision.probability:.2f}: {decision.reason}"
        same = [c for c in cand.rule_claims if claim_polarity(c) == decision.polarity]
        if same:
            # the rule's confidence already weighs hedges and unnamed actors: it stays
            # unless the arbiter is less sure
            # the rule claim keeps its id: the note (with a probability that moves with every
            # retraining) is evidence, not identity, so analysts' edits keep their claim
            return [dataclasses.replace(c, confidence=round(min(c.confidence,
                                                                decision.probability), 2),
                                        note=note) for c in same]
        # a reading only the arbiter made is never surer than a rule reading
        confidence = round(0.85 * decision.probability, 2)
        place = most_specific(cand.mentions)
        if place is None:
            return []
        kind, actor = self._kind_and_actor(doc, cand, decision.polarity)
        template = cand.rule_claims[0] if cand.rule_claims else None
        date = template.event_date if template else self._date(doc, cand)
        claim = Claim(
            document=doc.name, event_date=min(date, doc.published), place=place.place,
            place_id=place.place_id, place_kind=place.kind, province_iso=place.province_iso,
            actor=actor, kind=kind, claimant=template.claimant if template else "media",
            geo_precision=3 if place.kind == "province" else 1, confidence=confidence,
            quote=doc.text[cand.start : cand.end], start=cand.start, end=cand.end,
            source=doc.source or doc.name, lat=place.lat, lon=place.lon,
        )
        return [dataclasses.replace(claim.with_id(), note=note)]  # id before the note

    def _scoped_by_heading(self, doc: Document, cands: list[Candidate],
                           claims: list[Claim]) -> list[Claim]:
        """Return claims for list items that say nothing themselves but stand under a
        heading that does ("Cities under siege:" then "- Herat"): the document step for
        header scope. The heading must point one way only."""
        claimed = {(c.start, c.province_iso) for c in claims}
        out: list[Claim] = []
        for cand in cands:
            if (cand.line_role not in ("item", "heading") or not cand.scope_classes
                    or (cand.start, cand.province_iso) in claimed
                    or any(k.startswith("sent:") and k[5:] in _DECIDING_CUES
                           for k in cand.features)):
                continue
            polarity = _heading_polarity(cand.scope_classes)
            if polarity is None:
                continue
            words = ", ".join(sorted(cand.scope_classes & _DECIDING_CUES)).replace("_", " ")
            decision = Decision(polarity, 0.7, f"listed under a heading with {words} words")
            out += self._claims_for(doc, cand, decision, step="heading")
        return out

    def _kind_and_actor(self, doc: Document, cand: Candidate, polarity: str) -> tuple[str, str]:
        if polarity == "taliban":
            return "captured", "taliban"
        if polarity == "contested":
            return "contested", "taliban"
        actor = "nrf" if cand.features.get("resistance_doc") else "government"
        held = any(k.startswith(("sent:hold", "before:hold", "after:hold"))
                   for k in cand.features)
        return ("held" if held else "recaptured"), actor

    def _date(self, doc: Document, cand: Candidate) -> dt.date:
        """Return a new claim's event date: the timeline entry's, the sentence's, else the
        publication date (a caption's date is when the photo was taken: not used)."""
        if cand.line_role == "caption":
            return doc.published
        if cand.date_prefix and (d := resolve_event_date(cand.date_prefix, doc.published)):
            return d
        for _, _, expr in find_date_expressions(doc.text[cand.start : cand.end]):
            if d := resolve_event_date(expr, doc.published):
                return d
        return doc.published


def _denied_by_the_lead(cands: list[Candidate], claims: list[Claim]) -> list[Claim]:
    """Return the claims with the Taliban's own capture claims turned into contested ones
    when the report opens by rejecting a Taliban claim ("Government rejects Taliban claim of
    capturing the crossing"): the document step over what the sentences found."""
    if not any(c.features.get("lead:denial") for c in cands):
        return claims
    out = []
    for c in claims:
        if c.actor == "taliban" and c.kind == "captured" and c.claimant == "taliban":
            note = c.note + "; the report opens by rejecting the Taliban's claim"
            c = dataclasses.replace(dataclasses.replace(c, kind="contested", claim_id="",
                                                        note="").with_id(), note=note)
        out.append(c)
    return out


_DECIDING_CUES = frozenset({"capture", "fall", "under_control", "recapture", "hold", "contest",
                            "denial", "future"})


def _heading_polarity(classes: frozenset[str]) -> Polarity | None:
    """Return the one polarity a heading's cue classes point to, or None (none, or two)."""
    if classes & {"future", "denial", "word_sense", "negation"}:
        return None
    found: set[Polarity] = set()
    if "contest" in classes:
        found.add("contested")
    if classes & {"recapture"} or ("hold" in classes and "taliban_side" not in classes):
        found.add("government")
    if classes & {"capture", "fall"} or ("under_control" in classes
                                          and "government_side" not in classes):
        found.add("taliban")
    return found.pop() if len(found) == 1 else None
