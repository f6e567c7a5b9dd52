"""Find place names in running text and resolve each to a place, a province and a reason.

Matching is insensitive to case, diacritics, hyphens, apostrophes and transliteration
variants (see :mod:`geo._normalize`); names that are also ordinary English words count only
when capitalised and next to a place cue ("Reg district"). Among places sharing a name the
geocoder prefers, in order: a province named right after it ("Dawlat Abad in Faryab",
"X district of Y province"), a neighbouring country named in the sentence ("near the
Turkmenistan border"), the provinces the document is mainly about, then kind and population.

How it runs (see ``bench/README.md`` for the speed): one compiled Aho-Corasick scan of the
lower-cased text finds every known spelling (:mod:`geo._scan`); spellings whose reading no
context rule can change (a province, capital or country that is no English word, ...) are
accepted after a few cheap tests, and their mentions' fields come from a memo. What the
scan cannot judge, and the capitalised words that are no known spelling but may be a
variant or a near spelling of one, take the careful path: the words around are read one
by one and the rules above applied.

Examples
--------
>>> [(m.text, m.province_iso) for m in geocode("Fighting in Lashkargah, Helmand.")]
[('Lashkargah', 'AF-HEL'), ('Helmand', 'AF-HEL')]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from itertools import compress, count, islice, repeat
from operator import is_, itemgetter
from typing import NamedTuple, cast

from geo._normalize import name_key
from geo._scan import KeywordScanner, scan_form
from geo.gazetteer import (
    BORDER_PROVINCES,
    KIND_RANK,
    Gazetteer,
    NameEntry,
    load_gazetteer,
    spelling,
)
from geo.records import Mention, Place

# Words keep inner apostrophes (Qala'i) but not a possessive 's ("Lashkar Gah's").
_WORD = re.compile(r"[^\W\d_]+(?:['’](?![sS]\b)[^\W\d_]+)*")
_JOINER = re.compile(r"[ \t\-‐–\u200c]{1,3}")  # ZWNJ joins Dari compounds (جلال‌آباد)
_MAX_WORDS = 4
_PREFIX = 4  # characters of a key that a name's first word always shares with it
#: Words right after a name that say it is a place, and which kind of place.
_CUES_AFTER = {
    "province": "province", "provinces": "province", "region": "province",
    "city": "city", "town": "town", "village": "town", "district": "district",
    "districts": "district", "border": "border", "crossing": "crossing", "valley": "area",
    "airport": "base", "base": "base", "pass": "area", "area": "area", "highway": "area",
}  # fmt: skip
_CUES_BEFORE = {"in", "of", "near", "to", "from", "at", "into", "outside", "around", "toward",
                "towards", "across", "and", "capital", "city", "town", "district", "village",
                "including", "include", "includes", "or", "captured", "seized", "took",
                "retook", "recaptured", "overran", "entered"}
#: Words before a capitalised name that make it a person's name, not a place.
_PERSON_TITLES = {"president", "mr", "mrs", "ms", "dr", "gen", "general", "marshal", "mullah",
                  "haji", "maulvi", "mawlawi", "commander", "spokesman", "minister", "sir",
                  "lt", "col", "colonel", "lord", "prince", "king", "ambassador"}
#: Never reported: the country itself and the demonym are not places on the map.
_SKIP_KEYS = {name_key(n) for n in ("Afghanistan", "Afghan", "Afghans", "Islamic Emirate")}
# What may stand between a name and the province that places it: "X in Y", "X district of
# Y", "X, Y", and the appositive "X, the (provincial) capital of (neighbouring) Y".
_QUALIFIER = re.compile(
    r"^\s*(?:district|town|city|village|area|valley|region|province)?\s*"
    r"(?:,|\bin\b|\bof\b|\bnear\b)\s*(?:the\s+)?"
    r"(?:(?:provincial\s+)?capital\s+(?:city\s+)?of\s+(?:the\s+)?)?"
    r"(?:(?:north|south)-?(?:east|west)ern\s+|(?:north|south|east|west)ern\s+|central\s+"
    r"|neighbou?ring\s+)?$",
    re.IGNORECASE,
)


_QUALIFYING = ("province", "capital")
#: Short words that join the parts of a Persian place name ("Qala-i-Naw", "Dasht-e Archi").
_CONNECTORS = {"e", "i", "ye", "wa", "al", "ul", "el", "o", "u", "y", "da", "de", "di", "of"}


class _Match(NamedTuple):
    start: int
    end: int
    text: str
    entries: list[NameEntry]
    fuzzy: bool
    #: the scanned spelling when the entries follow from it alone (a memo key), else ""
    pattern: str = ""


_START = itemgetter(0)  # a match's start, looked up in C
# What NamedTuple._make does, without its checks: the hot loops make thousands per second.
_new_tuple = tuple.__new__


@lru_cache(maxsize=200_000)
def _key(surface: str) -> str:
    return name_key(surface)


_SENTENCE_BREAK = re.compile(r"[.!?\n]")
#: How far a sentence reaches from a place, each way, when no full stop ends it sooner.
_SENTENCE_REACH = 1_000


def _is_sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    return start == 0 or not before or before[-1] in ".!?\"“'‘:"


def _next_word(tokens, i: int) -> str:
    return tokens[i][2].lower() if i < len(tokens) else ""


def _in_list(text: str, tokens, i: int) -> bool:
    """Return True when token i follows a comma or 'and' (a list of names)."""
    gap = text[tokens[i - 1][1] : tokens[i][0]] if i else ""
    return "," in gap or (i > 0 and tokens[i - 1][2].lower() in ("and", "or", "including"))


def _weak_allowed(text: str, tokens, i: int, j: int) -> bool:
    """Allow a name that is also an English word only when capitalised beside a place cue
    or inside a list of names ("Chakhansur, Kang and Delaram")."""
    surface = tokens[i][2]
    if not surface[:1].isupper() or _is_sentence_start(text, tokens[i][0]):
        return False
    return _next_word(tokens, j) in _CUES_AFTER or _in_list(text, tokens, i)


_STRONG_KINDS = ("province", "capital", "country")
_FUNCTION_WORDS = {"the", "in", "on", "at", "from", "to", "and", "of", "near", "meanwhile",
                   "later", "earlier", "when", "while", "after", "before", "but", "since", "as",
                   "across", "around", "into", "outside", "inside", "with", "by", "for"}


def _inside_proper_name(text: str, tokens, i: int, j: int, entries: list[NameEntry]) -> bool:
    """Return True when a minor place name sits inside a longer capitalised name.

    "Mohammad Noor Rahmani" is a person, not the district of Nawur: a town or district name
    with capitalised non-place words right before and after it is part of another name.
    Provinces, capitals and countries are exempt ("Kandahar Airfield", "Kabul Bank").
    """
    if any(e.place.kind in _STRONG_KINDS for e in entries):
        return False

    def capitalised_neighbour(k: int, gap: str) -> bool:
        if not 0 <= k < len(tokens) or gap not in (" ",):
            return False
        word = tokens[k][2]
        return word[:1].isupper() and word.lower() not in _CUES_AFTER

    before = i > 0 and capitalised_neighbour(i - 1, text[tokens[i - 1][1] : tokens[i][0]])
    after = j < len(tokens) and capitalised_neighbour(j, text[tokens[j - 1][1] : tokens[j][0]])
    if before and tokens[i - 1][2].lower() in _FUNCTION_WORDS:
        before = False  # "In Nawur Taliban...": a capitalised first word, not a name
    return before and after


def _usable(entries: list[NameEntry], allow_weak: bool) -> list[NameEntry]:
    return [e for e in entries if allow_weak or not e.weak]


_RUN = re.compile(
    r"[^\W\d_]+(?:['’](?![sS]\b)[^\W\d_]+)*"
    r"(?:[ \t\-‐–\u200c]{1,3}[^\W\d_]+(?:['’](?![sS]\b)[^\W\d_]+)*){0,4}"
)


def _local_tokens(text: str, start: int) -> tuple[list[tuple[int, int, str]], int]:
    """Return the words around ``start`` (the one before, the run of up to five joined words
    from it) and the index of the word at ``start``."""
    lo = max(0, start - 40)
    before = text[lo:start].split()
    tokens = []
    if before:
        # the word just before (for titles, cues and lists), without its punctuation
        previous = _WORD.findall(before[-1]) or (_WORD.findall(before[-2]) if len(before) > 1
                                                 else [])
        if previous:
            at = text.rfind(previous[-1], lo, start)
            tokens.append((at, at + len(previous[-1]), previous[-1]))
    first = len(tokens)
    run = _RUN.match(text, start)
    if run:
        tokens += [(start + m.start(), start + m.end(), m.group())
                   for m in _WORD.finditer(run.group())]
    return tokens, first


def _has_window(gaz: Gazetteer, text: str, start: int) -> bool:
    """Return True when the words at ``start`` name some place exactly or nearly, before
    any context rule: a cached test that discards most capitalised words cheaply."""
    run = _RUN.match(text, start)
    if not run:
        return False
    surface = run.group()
    cached = gaz.window_cache.get(surface)
    if cached is None:
        cached = gaz.window_cache[surface] = _any_window(gaz, surface)
    return cached


def _any_window(gaz: Gazetteer, surface: str) -> bool:
    words = [m.end() for m in _WORD.finditer(surface)]
    known_start = _key(surface[: words[0]])[:_PREFIX] in gaz.key_prefixes
    if known_start and any(gaz.entries_for(_key(surface[:end])) for end in words):
        return True
    first = surface[: words[0]]
    if len(first) < 5 or not first[:1].isupper():
        return False
    return any(gaz.fuzzy_key(_key(surface[:end])) for end in words[:2])


def _scanner(gaz: Gazetteer) -> KeywordScanner:
    """Return (cached on the gazetteer) the compiled scan of its spellings."""
    if gaz.scanner is None:
        gaz.scanner = KeywordScanner(
            gaz.spellings, _PERSON_TITLES,
            lambda word: _word_verdict(gaz, word),
            next_word=_NEXT_NAME_WORD.pattern,
            need_next=frozenset((_IF_NAME_GOES_ON, _IF_CUE_AND_GOES_ON)))
    return gaz.scanner


# How the scan's findings are judged (see _pattern_rule and _word_verdict).
_ACCEPT, _ACCEPT_CAPITALISED, _ACCEPT_ALONE, _NEVER, _IF_NAME_GOES_ON, _EXAMINE = range(1, 7)
_IF_CUE, _IF_CUE_AND_GOES_ON = 7, 8


def _pattern_rule(gaz: Gazetteer, pattern: str) -> tuple[int, list[NameEntry] | None, str | None]:
    """Return (rule, entries, province) for a spelling the scan found (memoised on the
    gazetteer); ``province`` is the one province all the entries lie in, if any.

    The rules short-cut :func:`_match_at` where its outcome is known from the pattern:
    a province, capital or country that is no English word is always that place
    (``_ACCEPT``); one that is also an English word only when capitalised
    (``_ACCEPT_CAPITALISED``); a district or town unless it sits inside a longer
    capitalised name (``_ACCEPT_ALONE``); the country itself never (``_NEVER``); a first
    word of longer names only when a capitalised word or connector follows
    (``_IF_NAME_GOES_ON``). Everything else is examined word by word (``_EXAMINE``).
    """
    cached = gaz.pattern_rules.get(pattern)
    if cached is not None:
        return cached
    key = _key(pattern)
    entries = gaz.entries_for(key)
    multi_word = " " in pattern or "-" in pattern
    strong = [e for e in entries if e.place.kind in _STRONG_KINDS]
    if key in _SKIP_KEYS:
        rule, kept = _NEVER, None
    elif not entries:
        rule, kept = _IF_NAME_GOES_ON, None
    elif any(e.weak for e in entries) or (multi_word and spelling(pattern) not in gaz.spellings):
        rule, kept = _EXAMINE, None
    elif not multi_word and pattern in gaz.english:
        # capitalised, the word names the strong places only ("China", "Kabul")
        kept = [e for e in entries if e.place.kind in _STRONG_KINDS or not e.place.province_iso]
        known = spelling(pattern) in gaz.spellings
        rule = _ACCEPT_CAPITALISED if kept and known else _EXAMINE
    else:
        rule, kept = (_ACCEPT if strong else _ACCEPT_ALONE), entries
    gaz.pattern_rules[pattern] = (rule, kept, _sole_province(kept or []))
    return gaz.pattern_rules[pattern]


def _sole_province(entries: list[NameEntry]) -> str | None:
    """Return the province all ``entries`` lie in, or None (several, or abroad)."""
    isos = {e.place.province_iso for e in entries}
    return isos.pop() if len(isos) == 1 else None


def _word_verdict(gaz: Gazetteer, word: str) -> int:
    """Return how to treat a capitalised word that is no known spelling: 0 (no name can
    start with it); ``_EXAMINE`` (its key is a known name's: a spelling variant);
    ``_IF_NAME_GOES_ON`` (it starts longer names); ``_IF_CUE`` (a near spelling of a name,
    so only beside a place cue); ``_IF_CUE_AND_GOES_ON`` (near the first word of one)."""
    key = _key(word)
    if key in _SKIP_KEYS:
        return 0  # longer names that start so ("Afghan-India Friendship Dam") are patterns
    if key in gaz.by_key:
        return _EXAMINE
    if key in gaz.word_prefix_keys:
        return _IF_NAME_GOES_ON
    if len(word) < 5 or len(key) < 3:
        return 0
    if gaz.fuzzy_key(key) is not None:
        return _IF_CUE
    return _IF_CUE_AND_GOES_ON if gaz.fuzzy_first_word(key) is not None else 0


_CUE_BEFORE = re.compile(
    r"(?:(?<![^\W\d_])(?:" + "|".join(sorted(_CUES_BEFORE, key=len, reverse=True))
    + r")|,)[^\w]*$", re.IGNORECASE,
)
_CUE_AFTER = re.compile(
    r"(?:\W+[^\W\d_]+)?\W+(?:" + "|".join(sorted(_CUES_AFTER, key=len, reverse=True))
    + r")\b", re.IGNORECASE,
)
_NEXT_NAME_WORD = re.compile(
    r"[ \t\-‐–\u200c]{1,3}((?:[A-Z]|[^\x00-\x7f])[^\W\d_]*|(?i:"
    + "|".join(sorted(_CONNECTORS, key=len, reverse=True)) + r")(?![^\W\d_]))"
)

_GAP = re.compile(r"[^\w]*")


def _cue_nearby(text: str, start: int, end: int) -> bool:
    """Return True when a place cue or a list may surround the word at start:end (a
    loose test; :func:`_fuzzy_match` applies the exact one)."""
    return (_CUE_BEFORE.search(text, max(0, start - 16), start) is not None
            or _CUE_AFTER.match(text, end, end + 40) is not None)


def _capitalised_at(text: str, at: int) -> bool:
    return 0 <= at < len(text) and (text[at].isupper() or not text[at].isascii())


def _beside_capitalised(text: str, start: int, end: int) -> bool:
    """Return True when capitalised words may sit right before and after start:end."""
    # the word after first: it is mostly a cue or punctuation, and cheaper to read
    return (text[end : end + 1] == " " and _capitalised_at(text, end + 1) and start >= 2
            and text[start - 1] == " "
            and _capitalised_at(text, text.rfind(" ", 0, start - 1) + 1))


class _FirstPass(NamedTuple):
    """What the scan of a text found: names read without context (``matches``), and the
    offsets the careful path must examine (``examine``)."""

    matches: list[_Match]
    examine: list[int]
    #: the mentions of ``matches`` whose fields the memo knew, else None
    mentions: list[Mention | None]


def _first_pass(text: str, gaz: Gazetteer) -> _FirstPass:
    """Return the names the compiled scan finds in ``text`` and where to look closer.

    One loop over the automaton's findings, in text order: person titles are noted; a
    spelling whose reading no context rule changes (see :func:`_pattern_rule`) is accepted
    after a few cheap tests, with its mention's fields from the memo when they are known;
    anything else goes to ``examine``.
    """
    scanner = _scanner(gaz)
    lowered = scan_form(text)
    words, first_marker = scanner.words, scanner.first_marker
    rules, memo, hint_free = gaz.pattern_rules, gaz.resolutions, gaz.hint_free
    size = len(text)
    matches: list[_Match] = []
    mentions: list[Mention | None] = []
    examine: list[int] = []
    title_end = -99
    for index, start, end in scanner.find(lowered):
        if start and ((before := lowered[start - 1]).isalnum() or before == "_"):
            continue  # inside a word: "bala" in "balance"
        if end < size and lowered[end].isalpha():
            # "Kahmard district" in "Kahmard districts": a shorter pattern may end inside;
            # if none does, a capitalised word there is judged as no pattern (below)
            if index >= first_marker or not (word := scanner.shorter_pattern(lowered, start,
                                                                             end)):
                continue
            end = start + len(word)
        elif index >= first_marker:  # a person's title
            title_end = end
            continue
        else:
            word = words[index]
        rule, entries, _ = rules.get(word) or _pattern_rule(gaz, word)
        if rule > _ACCEPT_ALONE:
            if rule != _NEVER and (rule != _IF_NAME_GOES_ON or _NEXT_NAME_WORD.match(text, end)):
                examine.append(start)
            continue
        if (first := text[start]) != lowered[start] or first > "\x7f":  # capitalised, or Dari
            if start - title_end < 16 and _GAP.fullmatch(text, title_end, start):
                continue  # "President Ghani"
        elif rule == _ACCEPT_CAPITALISED:
            continue  # "china" is crockery
        if rule == _ACCEPT_ALONE and text[start - 1 : start] == " " and _beside_capitalised(
                text, start, end):
            examine.append(start)
            continue
        span = text[start:end]
        fields = memo.get(word)
        if fields is not None and word not in hint_free and text[end + 1 : end + 2] in (
                _CUE_INITIALS) and (cue := _CUE_NEXT.match(text, end, end + 12)):
            # "Kandahar province": the cue may change the place (as in _resolve_pending)
            fields = memo.get((word, _CUES_AFTER[cue[1].lower()]))
        matches.append(_new_tuple(_Match, (start, end, span, entries, False, word)))
        mentions.append(None if fields is None else _new_tuple(
            Mention, (span, start, end) + fields))  # noqa: RUF005 (one tuple, not a list)

    def taken() -> set[int]:
        return {*map(_START, matches), *examine}

    examine += [start for start, verdict, end, second in scanner.unmatched_words(text, taken)
                if _worth_examining(text, start, end, verdict, second, gaz)]
    return _FirstPass(matches, examine, mentions)


def _careful_merge(text: str, first: _FirstPass,
                   gaz: Gazetteer) -> tuple[list[_Match], list[Mention | None]]:
    """Return the first pass's matches (and mentions) merged with what the careful path
    finds at the offsets it could not judge, in text order and not overlapping."""
    found = [m for start in sorted(first.examine) if (m := _match_at(text, start, gaz))]
    if not found:
        return first.matches, first.mentions
    inserted = _insert_apart(first.matches, first.mentions, found)
    if inserted is not None:
        return inserted
    merged = sorted([*zip(first.matches, first.mentions, strict=True),
                     *((m, None) for m in found)], key=lambda pair: pair[0][0])
    matches: list[_Match] = []
    mentions: list[Mention | None] = []
    covered = 0
    for match, mention in merged:
        if match.start >= covered:
            matches.append(match)
            mentions.append(mention)
            covered = match.end
    return matches, mentions


def _insert_apart(matches: list[_Match], mentions: list[Mention | None],
                  found: list[_Match]) -> tuple[list[_Match], list[Mention | None]] | None:
    """Return the matches (and mentions) with ``found`` (in text order) inserted in place,
    or None when one of them overlaps another match: the common case, without a sort."""
    matches, mentions = matches[:], mentions[:]
    starts = list(map(_START, matches))
    for m in found:
        k = bisect_right(starts, m.start)
        if (k and matches[k - 1].end > m.start) or (k < len(starts) and starts[k] < m.end):
            return None
        matches.insert(k, m)
        mentions.insert(k, None)
        starts.insert(k, m.start)
    return matches, mentions


def _worth_examining(text: str, start: int, end: int, verdict: int, second: str,
                     gaz: Gazetteer) -> bool:
    """Return True when the context of a capitalised word that is no known spelling may
    still make it a name (the verdict says what the word alone allows; ``second`` is the
    capitalised word or connector after it, for the verdicts that need one)."""
    if verdict == _EXAMINE:
        return True
    if verdict == _IF_NAME_GOES_ON:
        # "Khan Abad" may be a name, "Khan said" or "Mohammad Noor" are not
        return second.lower() in _CONNECTORS or _key(second)[:3] in gaz.continuations.get(
            _key(text[start:end]), ())
    return _cue_nearby(text, start, end)


def _match_at(text: str, start: int, gaz: Gazetteer) -> _Match | None:
    """Return the longest name starting at ``start`` that the context allows, if any."""
    if not _has_window(gaz, text, start):
        return None
    tokens, i = _local_tokens(text, start)
    word = tokens[i][2]
    capitalised = word[:1].isupper() or not word.isascii()
    if i and tokens[i - 1][2].lower() in _PERSON_TITLES and capitalised:
        return None
    found = _longest_match(text, tokens, i, gaz, capitalised)
    if found is None:
        return None
    j, entries, fuzzy = found
    end = tokens[j - 1][1]
    return _Match(start, end, text[start:end], entries, fuzzy)


def _longest_match(text, tokens, i, gaz: Gazetteer, capitalised: bool):
    """Return (end token index, entries, fuzzy) of the longest name starting at token i."""
    if _key(tokens[i][2])[:_PREFIX] not in gaz.key_prefixes:
        # No known name starts like this word: only a near spelling can still match.
        return _fuzzy_match(text, tokens, i, gaz) if capitalised else None
    last = i
    while last + 1 < len(tokens) and last + 1 - i < _MAX_WORDS:
        gap = text[tokens[last][1] : tokens[last + 1][0]]
        if not _JOINER.fullmatch(gap):
            break
        last += 1
    for j in range(last + 1, i, -1):
        surface = text[tokens[i][0] : tokens[j - 1][1]]
        key = _key(surface)
        if key in _SKIP_KEYS:
            return None
        entries = gaz.entries_for(key)
        if entries and j - i > 1 and not _plausible_words(surface, tokens[i + 1 : j], gaz):
            entries = []
        if entries and j - i == 1 and surface.lower() in gaz.english:
            entries = _english_word_entries(text, tokens, i, j, entries, gaz)
        if entries:
            usable = _usable(entries, _weak_allowed(text, tokens, i, j))
            if usable and not _inside_proper_name(text, tokens, i, j, usable):
                return j, usable, False
    return _fuzzy_match(text, tokens, i, gaz) if capitalised else None


def _english_word_entries(text, tokens, i, j, entries: list[NameEntry],
                          gaz: Gazetteer) -> list[NameEntry]:
    """Keep the places an ordinary English word may name: a capitalised province, capital or
    country; other places only as weak names are kept ("Wish" is not the Wesh crossing)."""
    surface = tokens[i][2]
    if not surface[:1].isupper():
        return []
    if _is_sentence_start(text, tokens[i][0]) and spelling(surface) not in gaz.spellings:
        return []  # "Best of all..." is not Bost; "Kabul fell" is Kabul
    strong = [e for e in entries if e.place.kind in _STRONG_KINDS or not e.place.province_iso]
    if strong:
        return strong
    return entries if _weak_allowed(text, tokens, i, j) else []




def _plausible_words(surface: str, rest, gaz: Gazetteer) -> bool:
    """Return True when a multi-word window reads as a name: a known spelling as written
    (any case), or its later words capitalised or Persian connectors ("Qala-i-Naw")."""
    if spelling(surface) in gaz.spellings:
        return True
    return all(w[:1].isupper() or not w.isascii() or w.lower() in _CONNECTORS
               for _, _, w in rest)


def _fuzzy_match(text, tokens, i, gaz: Gazetteer):
    """Try a near spelling, only for a capitalised name beside a place cue."""
    word = tokens[i][2]
    if _is_sentence_start(text, tokens[i][0]) or len(word) < 5:
        return None
    before = tokens[i - 1][2].lower() if i else ""
    for j in (i + 2, i + 1):
        if j > len(tokens) or not all(t[2][:1].isupper() for t in tokens[i:j]):
            continue
        cue = before in _CUES_BEFORE or _next_word(tokens, j) in _CUES_AFTER
        if not cue and not _in_list(text, tokens, i):
            continue
        surface = text[tokens[i][0] : tokens[j - 1][1]]
        if j - 1 > i and not _JOINER.fullmatch(text[tokens[i][1] : tokens[i + 1][0]]):
            continue
        key = gaz.fuzzy_key(_key(surface))
        if key and key not in _SKIP_KEYS:
            entries = _usable(gaz.entries_for(key), False)
            if entries:
                return j, entries, True
    return None


def _qualifying_province(text: str, matches: list[_Match], k: int) -> str | None:
    """Return the province named right after match k ("X in Y", "X district of Y")."""
    for nxt in matches[k + 1 : k + 3]:
        between = text[matches[k].end : nxt.start]
        if len(between) > 40 or not _QUALIFIER.match(between):
            return None
        isos = {e.place.province_iso for e in nxt.entries if e.place.kind in _QUALIFYING}
        if len(isos) == 1:
            return isos.pop()
    return None


def _sentence_countries(text: str, matches: list[_Match], k: int) -> set[str]:
    """Return the countries named (unambiguously) in the sentence of match k."""
    start = matches[k].start
    # bounded both ways: in a text with no full stop the sentence would be the whole text,
    # and each match would rescan it (quadratic in the text's length)
    floor = max(0, start - _SENTENCE_REACH)
    lo = max(text.rfind(".", floor, start), text.rfind("!", floor, start),
             text.rfind("?", floor, start), text.rfind("\n", floor, start), floor - 1)
    stop = _SENTENCE_BREAK.search(text, start, start + _SENTENCE_REACH)
    hi = stop.start() if stop else min(len(text), start + _SENTENCE_REACH)
    countries = set()
    for m in islice(matches, bisect_right(matches, lo, key=_START), None):
        if m.start > hi:
            break
        if len(m.entries) == 1 and (place := m.entries[0].place).kind == "country":
            countries.add(place.country)
    return countries


def _document_provinces(matches: list[_Match], gaz: Gazetteer) -> Counter:
    """Return how often each province is named unambiguously in the matches."""
    rules = gaz.pattern_rules
    counts = Counter([rules[m.pattern][2] if m.pattern else _sole_province(m.entries)
                      for m in matches])
    counts.pop(None, None)
    return counts


_CUE_INITIALS = frozenset(c for cue in _CUES_AFTER for c in (cue[0], cue[0].upper()))
_CUE_NEXT = re.compile(
    r"\s*(" + "|".join(sorted(_CUES_AFTER, key=len, reverse=True)) + r")[.,;:]*(?!\S)",
    re.IGNORECASE,
)


def _kind_hint(text: str, m: _Match) -> str:
    """Return the kind of place the word right after a match names ("province"), or ""."""
    following = _CUE_NEXT.match(text, m.end, m.end + 12)
    return _CUES_AFTER[following[1].lower()] if following else ""


def _resolve(text: str, matches: list[_Match], k: int, doc_counts: Counter, hint: str):
    """Return (place, confidence, reason, alone) for match k; ``alone`` is True when the
    name and the kind hint decided, not the rest of the text."""
    m = matches[k]
    entries = m.entries
    base = 0.75 if m.fuzzy else 0.95
    how = f"near spelling of '{entries[0].name}'" if m.fuzzy else "name"
    if hint in ("province", "city", "district"):
        preferred = [e for e in entries if _kind_family(e.place.kind) == hint]
        if preferred:
            entries = preferred
    places = _unique_places(entries)
    if len(places) == 1:
        return places[0], base, f"{how} of a {places[0].kind}{_where(places[0])}", True
    isos = {p.province_iso for p in places}
    if len(isos) == 1:
        best = min(places, key=_rank)
        kinds = " and ".join(sorted({p.kind for p in places}))
        return best, base, f"{how}: {best.name} is {kinds} alike{_where(best)}", True
    shared = f"{len(places)} places share the {how}"
    qualifier = _qualifying_province(text, matches, k)
    inside = [p for p in places if qualifier and p.province_iso == qualifier]
    if inside:
        best = min(inside, key=_rank)
        return best, base - 0.05, f"{shared}; the text places it in {qualifier}", False
    countries = _sentence_countries(text, matches, k)
    abroad = [p for p in places if not p.province_iso and p.country in countries]
    if abroad:
        best = min(abroad, key=_rank)
        return best, base - 0.1, f"{shared}; the sentence names {best.country}", False
    for country in countries:
        near = [p for p in places if p.province_iso in BORDER_PROVINCES.get(country, ())]
        if near:
            best = min(near, key=_rank)
            return best, base - 0.15, f"{shared}; the one near the {country} border", False
    in_doc = [p for p in places if doc_counts.get(p.province_iso)]
    if in_doc:
        best = max(in_doc, key=lambda p: (doc_counts[p.province_iso], -_rank(p)[1]))
        why = f"{shared}; {best.province_iso} is named elsewhere in the text"
        return best, base - 0.25, why, False
    best = min(places, key=_rank)
    rivals = [p.population for p in places
              if p is not best and _rank(p)[:2] == _rank(best)[:2]]  # same country and kind
    by_population = best.population > max(rivals, default=-1)
    how_chosen = "largest population" if by_population else "most recorded names"
    return best, base - 0.35, f"{shared}; chose the {best.kind} with the {how_chosen}", False


def _kind_family(kind: str) -> str:
    return {"capital": "city", "city": "city", "town": "city"}.get(kind, kind)


def _rank(place: Place) -> tuple[int, int, int, int]:
    # Afghan places first: "Zabul" is the province unless the sentence names Iran. Most
    # districts have no population on record: then the one with more recorded names (how
    # much it is written about) goes first.
    return (place.province_iso is None, KIND_RANK.get(place.kind, 9), -place.population,
            -len(place.names))


def _unique_places(entries: list[NameEntry]) -> list[Place]:
    seen: dict[str, Place] = {}
    for e in entries:
        seen.setdefault(e.place.place_id, e.place)
    return list(seen.values())


def _where(place: Place) -> str:
    if place.province_iso:
        return f" in {place.province_iso}"
    return f" outside Afghanistan ({place.country})"


def geocode(text: str, gazetteer: Gazetteer | None = None) -> list[Mention]:
    """Return the place mentions in ``text``, in order, each resolved with a reason.

    Parameters
    ----------
    text
        Running text (an article, a sentence).
    gazetteer
        The gazetteer to use; default :func:`geo.gazetteer.load_gazetteer`.

    Returns
    -------
    list of Mention
        Spans refer to ``text``; ``province_iso`` is None for places outside Afghanistan.
    """
    if not isinstance(text, str):
        raise TypeError(f"geocode() needs text as str, got {type(text).__name__}")
    gaz = gazetteer or load_gazetteer()
    plain = _plain_punctuation(text)
    first = _first_pass(plain, gaz)
    if first.examine:
        matches, mentions = _careful_merge(plain, first, gaz)
    else:
        matches, mentions = first.matches, first.mentions
    if None in mentions:
        _resolve_pending(plain, matches, mentions, gaz)
    if plain is not text:  # spans are the same; the surface text is the original's
        mentions = [m if text[m.start : m.end] == m.text
                    else m._replace(text=text[m.start : m.end])
                    for m in cast("list[Mention]", mentions)]
    return mentions  # type: ignore[return-value]  # no None is left


# Typographic quotes and apostrophes (ʼ, ʻ of transliterations), the en dash and the
# no-break space as their ASCII look-alikes: one character each, so offsets stay; a text
# that is then ASCII scans faster (one byte a character in CPython). The em dash and the
# ellipsis stay: they are no joiner or break.
_PLAIN = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("ʻ", "'"), ("“", '"'), ("”", '"'), ("–", "-"),
          ("\xa0", " "))


def _plain_punctuation(text: str) -> str:
    """Return ``text`` with typographic quotes, apostrophes (the backtick too), en dashes
    and no-break spaces made ASCII."""
    if "`" in text:  # an ayn written as a backtick ("Qal`eh"): an apostrophe
        text = text.replace("`", "'")
    if text.isascii():
        return text
    for typographic, plain in _PLAIN:
        if typographic in text:
            text = text.replace(typographic, plain)
    return text


def _resolve_pending(text: str, matches: list[_Match], mentions: list[Mention | None],
                     gaz: Gazetteer) -> None:
    """Fill in the mentions (None) of the matches whose fields the first pass did not
    know: from the memo, or resolved in the context of all the matches."""
    memo = gaz.resolutions
    doc_counts: Counter | None = None
    for k in list(compress(count(), map(is_, mentions, repeat(None)))):
        m = matches[k]
        # Memo: a scanned spelling (or what the careful path matched) -> its mention's
        # fields, when one place has the name or no place cue follows, or (spelling, kind
        # hint) -> them.
        hint = _kind_hint(text, m)
        name = m.pattern or _careful_key(m)
        fields = memo.get(name if not hint or name in gaz.hint_free else (name, hint))
        if fields is None:
            if doc_counts is None:
                doc_counts = _document_provinces(matches, gaz)
            fields = _resolved(text, matches, k, doc_counts, hint, name, gaz)
        mentions[k] = _new_tuple(Mention, (m.text, m.start, m.end, *fields))


def _resolved(text: str, matches: list[_Match], k: int, doc_counts: Counter, hint: str,
              name: str | tuple, gaz: Gazetteer) -> tuple:
    """Return the resolved fields of match k's mention, memoised under ``name`` when the
    text around did not decide them."""
    m = matches[k]
    place, confidence, reason, alone = _resolve(text, matches, k, doc_counts, hint)
    if elsewhere := _cue_named_elsewhere(m, gaz):
        # "Arghandab district" names Kandahar's, unless the text goes on "... of Zabul"
        alone = False
        qualifier = _qualifying_province(text, matches, k)
        inside = [p for p in elsewhere if qualifier and p.province_iso == qualifier]
        if inside and place.province_iso != qualifier:
            place = min(inside, key=_rank)
            confidence = 0.9
            reason = (f"{len(elsewhere)} places share the name "
                      f"'{m.text.rpartition(' ')[0]}'; the text places it in {qualifier}")
    resolved = (place.name, place.place_id, place.kind, place.province_iso, place.country,
                place.lat, place.lon, round(max(0.05, confidence), 2), reason)
    if alone:
        if len(_unique_places(m.entries)) == 1:
            gaz.hint_free.add(name)
            gaz.resolutions[name] = resolved
        else:
            gaz.resolutions[(name, hint) if hint else name] = resolved
    return resolved


def _cue_named_elsewhere(m: _Match, gaz: Gazetteer) -> list[Place]:
    """Return the places named by a match's words before a closing place cue ("Arghandab"
    of "Arghandab district") when one lies in another province than the match's, else []."""
    base, _, cue = m.text.rpartition(" ")
    if not base or cue.lower() not in _CUES_AFTER:
        return []
    own = {e.place.province_iso for e in m.entries}
    places = _unique_places(gaz.entries_for(_key(base)))
    return places if any(p.province_iso not in own for p in places) else []


def _careful_key(m: _Match) -> tuple:
    """Return the memo key of a match the careful path made: what its reading rests on
    when the text around does not decide (its places, spelling and nearness)."""
    return (m.fuzzy, m.entries[0].name, *(e.place.place_id for e in m.entries))
