"""Plumbing: the geocoder's fast first pass, compiled scans of the text.

Every spelling in the gazetteer, lower-cased, with its words joined by a space or nothing
and its Persian connector written -e-, -i- or -ye-, is a pattern of one Aho-Corasick
automaton (``ahocorasick_rs``, compiled code, a DFA). One call finds them all in the text
lower-cased with its hyphens made spaces (:func:`scan_form`). Capitalised words that are
no pattern but may still start a name (a spelling variant such as "Lashkargaah", a near
spelling such as "Qandahaar") are found by :func:`scan_capitalised`, which lists the
text's capitalised words and where the suspect ones stand, and judged once per word (a
verdict memo); the suspects are left to the geocoder's careful, slower path.

:func:`scan_capitalised` is plain Python (regular expressions do the scanning in C): ~13 µs
a demo report, ~0.1 % of its ingest, so a compiled version (there was one, until
2026-12-01; see ``bench/README.md``) did not pay for itself.

The scanner only proposes where names may start; :mod:`geo.geocode` decides what they are.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import ahocorasick_rs

_MAX_GAPS = 3  # joiner variants are generated for names of up to four words
_LETTERS = re.compile(r"[^\W\d_]+")
_CAPITALISED_ASCII = re.compile(r"[A-Z][A-Za-z]+")  # the same on ASCII text, but faster
# A capitalised word, or one in Dari script (which has no case).
_CAPITALISED = re.compile(
    r"[A-Z\u00c0-\u00de\u0100-\u017f\u0400-\u042f\u0600-\u06ff][^\W\d_]+"
)


_CONNECTOR_FORMS = ("e", "i", "ye")


def joiner_variants(name: str) -> set[str]:
    """Return ``name`` as the scan sees it (see :func:`scan_form`), with its word gaps
    written as a space or nothing, its connector as e, i or ye, and its apostrophe (of
    whatever kind) as ' or left out.

    Examples
    --------
    >>> sorted(joiner_variants("Lashkar-Gah"))
    ['lashkar gah', 'lashkargah']
    >>> "mazar e sharif" in joiner_variants("Mazar-i-Sharif")
    True
    >>> {"qal'eh ye now", "qaleh ye now"} <= joiner_variants("Qal‘eh-ye Now")
    True
    """
    name = name.translate(_APOSTROPHE_AS_ASCII)
    if "'" in name:
        return joiner_variants(name.replace("'", "")) | _joined(name)
    return _joined(name)


# The apostrophes and ayn signs of transliterations; the geocoder makes ’ and ‘ in a text '.
_APOSTROPHE_AS_ASCII = str.maketrans(dict.fromkeys("`‘’ʼʻ´", "'"))


def _joined(name: str) -> set[str]:
    """Return the joiner and connector variants of ``name`` (see joiner_variants)."""
    words = scan_form(name.replace("‐", "-").replace("–", "-")).split()
    if len(words) - 1 > _MAX_GAPS:
        return {" ".join(words)}
    forms = [_CONNECTOR_FORMS if 0 < k < len(words) - 1 and w in _CONNECTOR_FORMS else (w,)
             for k, w in enumerate(words)]
    out = set()
    for spelled in itertools.product(*forms):
        for gaps in itertools.product((" ", ""), repeat=len(words) - 1):
            out.add(spelled[0] + "".join(g + w for g, w in zip(gaps, spelled[1:], strict=True)))
    return out


def scan_form(text: str) -> str:
    """Return ``text`` lower-cased with its hyphens made spaces, offsets unchanged: what
    :meth:`KeywordScanner.find` scans (one pattern then serves "Lashkar-Gah" and "Lashkar
    Gah").

    Examples
    --------
    >>> scan_form("Mazar-i-Sharif")
    'mazar i sharif'
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        # a case mapping that changes lengths ("İ" -> "i̇"): keep such letters as they are
        lowered = "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)
    return lowered.replace("-", " ")


class KeywordScanner:
    """An automaton over every spelling of a gazetteer, and a memo of the other words.

    Parameters
    ----------
    spellings
        The names to find (any case).
    markers
        Lower-case words found alongside (person titles, place cues); none may be a
        spelling.
    word_verdict
        Says of a capitalised word that is no spelling whether it may start a name: 0 when
        not, else a verdict number that :meth:`unmatched_words` hands back with it.
    next_word
        A regex of what must follow a word whose verdict is in ``need_next`` (its group 1
        is the next word); other occurrences of such words are not reported.
    """

    def __init__(self, spellings: Iterable[str], markers: Iterable[str],
                 word_verdict: Callable[[str], int], next_word: str,
                 need_next: frozenset[int]):
        patterns = set()
        for name in spellings:
            patterns |= joiner_variants(name)
        patterns = {p for p in patterns if len(p) >= 3}
        marker_set = set(markers)
        if marker_set & patterns:
            raise ValueError(f"markers that are spellings: {marker_set & patterns}")
        #: every pattern then every marker: indexes from ``first_marker`` on are markers
        self.words = sorted(patterns) + sorted(marker_set)
        self.first_marker = len(patterns)
        self.pattern_set = frozenset(patterns)
        # The longest pattern at the leftmost start, not overlapping: the caller looks
        # closer where one runs into a longer word ("Kahmard district" in "districts").
        # A DFA: built in ~0.2 s, it scans a third faster than the default NFA.
        self._automaton = ahocorasick_rs.AhoCorasick(
            self.words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
            implementation=ahocorasick_rs.Implementation.DFA)
        self._word_verdict = word_verdict
        self._next_word = re.compile(next_word)
        self._need_next = need_next
        #: memo: capitalised word that is no pattern -> its verdict (0: no name starts so)
        self.verdicts: dict[str, int] = {}
        #: the memo's words with a verdict other than 0
        self.suspects: set[str] = set()

    def forget_words(self) -> None:
        """Forget the verdicts on words seen so far (a cold start, for benchmarks)."""
        self.verdicts.clear()
        self.suspects.clear()

    def shorter_pattern(self, lowered: str, start: int, end: int) -> str:
        """Return the longest pattern that starts at ``start`` and ends at a word end
        before ``end`` ("kahmard" when "kahmard district" ran into "districts"), or ""."""
        stop = end
        while (stop := lowered.rfind(" ", start, stop)) > start:
            if lowered[start:stop] in self.pattern_set:
                return lowered[start:stop]
        word = m.group() if (m := _LETTERS.match(lowered, start)) else ""
        return word if word in self.pattern_set else ""

    def find(self, lowered: str) -> list[tuple[int, int, int]]:
        """Return (word index, start, end) of the patterns and markers in ``lowered``, a
        text in :func:`scan_form`, leftmost-longest and not overlapping; the caller checks
        that they are whole words."""
        return self._automaton.find_matches_as_indexes(lowered)

    def unmatched_words(self, text: str,
                        taken: Callable[[], set[int]]) -> list[tuple[int, int, int, str]]:
        """Return (offset, verdict, end, next word) of the capitalised words that are no
        pattern but may start a name (spelling variants, near spellings), except at the
        offsets ``taken()`` returns (called only when needed); the next word is given for
        the verdicts that need one."""
        words, occurrences = scan_capitalised(text, self.suspects)
        verdicts = self.verdicts
        # set operations in C: only words never seen before get a verdict computed
        if new := words.difference(verdicts):
            suspects_before = len(self.suspects)
            for word in new:
                verdict = 0 if word.lower() in self.pattern_set else self._word_verdict(word)
                verdicts[word] = verdict
                if verdict:
                    self.suspects.add(word)
            if len(self.suspects) > suspects_before:  # new suspects: where do they stand?
                occurrences = scan_capitalised(text, self.suspects)[1]
        found: list[tuple[int, int, int, str]] = []
        if not occurrences:
            return found
        skip, need_next, next_word = taken(), self._need_next, self._next_word.match
        for start, end, word in occurrences:
            if start in skip:
                continue  # mostly the first words of names the first pass took ("Lashkar Gah")
            if (verdict := verdicts[word]) not in need_next:
                found.append((start, verdict, end, ""))
            elif following := next_word(text, end):
                found.append((start, verdict, end, following[1]))
        return found


def scan_capitalised(text: str,
                     suspects: set[str]) -> tuple[set[str], list[tuple[int, int, str]]]:
    """Return the set of capitalised words in ``text`` and (start, end, word) of those in
    ``suspects`` that stand as whole words not preceded by a letter, in text order.

    A capitalised word is what ``_CAPITALISED`` matches; its first character may be a sign
    of the first class that is no letter ("×Khan", "،کابل"), and the word after such a
    sign stands as a whole word too.

    Examples
    --------
    >>> words, where = scan_capitalised("Khan Abad and McKhan, Khan.", {"Khan"})
    >>> sorted(words), where
    (['Abad', 'Khan', 'McKhan'], [(0, 4, 'Khan'), (22, 26, 'Khan')])
    """
    pattern = _CAPITALISED_ASCII if text.isascii() else _CAPITALISED
    words = set(pattern.findall(text))
    present = words.intersection(suspects)
    if not text.isascii():  # the signs that may open a word are all outside ASCII
        present |= suspects.intersection(
            w[1:] for w in words if len(w) > 2 and not _is_word_letter(w[0]))
    if not present:
        return words, []
    found = []
    for word in present:
        # a few words a text: each found by a regex with a literal prefix, fast in C
        for m in _whole_word(word).finditer(text):
            at = m.start()
            if at and _is_word_letter(before := text[at - 1]):
                if before.isalpha():
                    continue
                # a digit-like letter before ("²"): does a word run through here?
                return words, _occurrences_word_by_word(text, pattern, present)
            found.append((at, m.end(), word))
    found.sort()
    return words, found


def _occurrences_word_by_word(text: str, pattern: re.Pattern[str],
                              present: set[str]) -> list[tuple[int, int, str]]:
    """Return (start, end, word) of the ``present`` words, found by reading every
    capitalised word (slower, exact where digit-like letters are about)."""
    found = []
    for m in pattern.finditer(text):
        word, start, end = m.group(), m.start(), m.end()
        if word in present and not (start and text[start - 1].isalpha()):
            found.append((start, end, word))
        if len(word) > 2 and not _is_word_letter(word[0]) and word[1:] in present:
            found.append((start + 1, end, word[1:]))
    return found


@lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str]:
    """Return a regex of ``word`` not followed by a letter (its literal start is fast)."""
    return re.compile(re.escape(word) + r"(?![^\W\d_])")


def _is_word_letter(ch: str) -> bool:
    """Return True for what ``[^\\W\\d_]`` matches: a letter or a digit-like letter."""
    return ch.isalnum() and not ch.isdecimal()
