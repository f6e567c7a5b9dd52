"""Plumbing: the geocoder's fast first pass, a compiled multi-pattern scan of the text.

Every spelling in the gazetteer, lower-cased, with its words joined by a space, a hyphen or
nothing and its Persian connector written -e-, -i- or -ye-, is a pattern of one Aho-Corasick
automaton (``ahocorasick_rs``, compiled code). One call finds them all in the lower-cased
text. Capitalised words that are no pattern but may still start a name (a spelling variant
such as "Lashkargaah", a near spelling such as "Qandahaar") are found by one ``re.findall``
and a per-word verdict memo, and left to the geocoder's careful, slower path.

The scan only proposes where names may start; :mod:`geo.geocode` decides what they are.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import ahocorasick_rs

_MAX_GAPS = 3  # joiner variants are generated for names of up to four words
# A capitalised word, or one in Dari script (which has no case).
_CAPITALISED = re.compile(
    r"[A-Z\u00c0-\u00de\u0100-\u017f\u0400-\u042f\u0600-\u06ff][^\W\d_]+"
)


_CONNECTOR_FORMS = ("e", "i", "ye")


def joiner_variants(name: str) -> set[str]:
    """Return ``name`` lower-cased with its word gaps written as space, hyphen or nothing,
    and its connector as e, i or ye.

    Examples
    --------
    >>> sorted(joiner_variants("Lashkar Gah"))
    ['lashkar gah', 'lashkar-gah', 'lashkargah']
    >>> "mazar-e-sharif" in joiner_variants("Mazar-i-Sharif")
    True
    """
    words = name.lower().replace("‐", "-").replace("–", "-").replace("-", " ").split()
    if len(words) - 1 > _MAX_GAPS:
        return {" ".join(words)}
    forms = [_CONNECTOR_FORMS if 0 < k < len(words) - 1 and w in _CONNECTOR_FORMS else (w,)
             for k, w in enumerate(words)]
    out = set()
    for spelled in itertools.product(*forms):
        for gaps in itertools.product((" ", "-", ""), repeat=len(words) - 1):
            out.add(spelled[0] + "".join(g + w for g, w in zip(gaps, spelled[1:], strict=True)))
    return out


@dataclass
class Scan:
    """Where names may start in one text.

    ``hits`` maps a start offset to the end offset and pattern of the longest pattern found
    there (whole words only); ``others`` maps the start of a capitalised word that is no
    pattern to (verdict, end), the verdict being what the word verdict function said of
    it; ``lowered`` is the lower-cased text.
    """

    lowered: str
    hits: dict[int, tuple[int, str]] = field(default_factory=dict)
    others: dict[int, tuple[int, int]] = field(default_factory=dict)


class KeywordScanner:
    """An automaton over every spelling of a gazetteer."""

    def __init__(self, spellings: Iterable[str], word_verdict: Callable[[str], int]):
        patterns = set()
        for name in spellings:
            patterns |= joiner_variants(name)
        self.patterns = sorted(p for p in patterns if len(p) >= 3)
        # Standard match kind with overlapping matches: every pattern at every offset, so
        # that "Kahmard" is still found where "Kahmard district" runs on ("districts").
        # A DFA takes ~0.4 s more to build than the default NFA but scans ~1.5x faster.
        self._automaton = ahocorasick_rs.AhoCorasick(
            self.patterns, implementation=ahocorasick_rs.Implementation.DFA)
        self._pattern_set = frozenset(self.patterns)
        self._word_verdict = word_verdict
        #: memo: capitalised word that is no pattern -> its verdict (0: no name starts so)
        self.verdicts: dict[str, int] = {}
        #: the memo's words with a verdict other than 0
        self.suspects: set[str] = set()

    def scan(self, text: str) -> Scan | None:
        """Return the offsets where names may start, or None when the fast scan cannot be
        used (lower-casing changes the text's length)."""
        lowered = text.lower()
        if len(lowered) != len(text):
            return None
        result = Scan(lowered)
        hits = result.hits
        patterns = self.patterns
        size = len(text)
        for index, start, end in self._automaton.find_matches_as_indexes(lowered, overlapping=True):
            # whole words only ("bala" in "balance" is no name); the longest one per start
            if start and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
                continue
            if end < size and lowered[end].isalpha():
                continue
            if start not in hits or end > hits[start][0]:
                hits[start] = (end, patterns[index])
        result.others = self._unmatched_words(text, hits)
        return result

    def _unmatched_words(self, text: str, hits: dict) -> dict[int, tuple[int, int]]:
        """Return {offset: (verdict, end)} of the capitalised words that no pattern covers
        but that may start a name (spelling variants, near spellings)."""
        words = set(_CAPITALISED.findall(text))
        verdicts = self.verdicts
        # set operations in C: only words never seen before get a verdict computed
        for word in words.difference(verdicts):
            verdict = 0 if word.lower() in self._pattern_set else self._word_verdict(word)
            verdicts[word] = verdict
            if verdict:
                self.suspects.add(word)
        others: dict[int, tuple[int, int]] = {}
        for word in words.intersection(self.suspects):
            verdict = verdicts[word]
            for start in _word_offsets(text, word, hits):
                others[start] = (verdict, start + len(word))
        return others


def _word_offsets(text: str, word: str, hits: dict) -> list[int]:
    """Return where ``word`` occurs in ``text`` as a whole word, except where a hit starts."""
    out = []
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        whole = not (at and text[at - 1].isalpha()) and not (
            end < len(text) and text[end].isalpha())
        if whole and at not in hits:
            out.append(at)
        at = text.find(word, end)
    return out
