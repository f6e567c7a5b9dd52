"""Near-copy signatures: word shingles and their MinHash, pure functions of a text.

What :mod:`geo.stories` compares to find near-copies of one article (why 5-word shingles
and a 0.6 threshold: see its docstring). Kept apart from the stories' database work so that
an ingest worker (:mod:`geo._work`), which computes a signature for each document it
extracts, imports neither SQLAlchemy nor the store.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # datasketch is imported lazily: only ingest needs it
    from datasketch import MinHash

#: Words per shingle: long enough that two different reports rarely share one by chance.
SHINGLE_WORDS = 5
#: Estimated Jaccard similarity of shingle sets at and above which two texts are one story:
#: eight times the closest pair of different real reports (0.074), low enough for a short
#: report with another outlet's header, credit line and an added sentence (see
#: :mod:`geo.stories`).
THRESHOLD = 0.6
#: MinHash permutations: the estimate's standard error at J=0.6 is sqrt(.6*.4/128) ≈ 0.043.
NUM_PERM = 128
#: Fixed, with the scheme, so that signatures stored by one process compare with another's
#: (datasketch 2's 32-bit scheme: signatures of other schemes cannot be compared).
SEED = 1
SCHEME = "affine32"
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Return the set of ``size``-word shingles of ``text`` (case-folded words).

    A text shorter than ``size`` words is one shingle; a text without words has none.

    Examples
    --------
    >>> sorted(shingles("The Taliban took Farah city today", 5))
    ['taliban took farah city today', 'the taliban took farah city']
    >>> shingles("Farah fell", 5)
    {'farah fell'}
    """
    words = _WORD.findall(text.casefold())
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words)}
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Return the exact Jaccard similarity of two shingle sets (0.0 when both are empty).

    >>> jaccard({"a", "b"}, {"b", "c"})
    0.3333333333333333
    """
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def new_minhash(template: MinHash | None = None) -> MinHash:
    """Return an empty MinHash; with a ``template``, sharing its permutations.

    Making the permutations is most of a MinHash's cost (0.7 ms against 0.01 ms with a
    template's), so an index keeps one template for all the signatures it makes.
    """
    from datasketch import MinHash

    if template is None:
        return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME,
                   permutations=template.permutations)


def minhash_of(text: str, template: MinHash | None = None) -> MinHash:
    """Return the MinHash signature of ``text``'s shingles (an empty MinHash for no words).

    ``template``: see :func:`new_minhash`.
    """
    mh = new_minhash(template)
    mh.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    return mh


def signature_bytes(mh: MinHash) -> bytes:
    """Return a MinHash's hash values as bytes (little-endian uint32), for storage."""
    return np.asarray(mh.hashvalues, dtype="<u4").tobytes()


def minhash_from_bytes(data: bytes, template: MinHash | None = None) -> MinHash:
    """Return the MinHash whose hash values :func:`signature_bytes` stored.

    ``template``: see :func:`new_minhash`.
    """
    return minhash_of_values(np.frombuffer(data, dtype="<u4").astype(np.uint32), template)


def minhash_of_values(values: np.ndarray, template: MinHash | None = None) -> MinHash:
    """Return the MinHash with these hash values (uint32); ``template``: see
    :func:`new_minhash`."""
    from datasketch import MinHash

    if template is None:
        return MinHash(seed=SEED, hashvalues=values, scheme=SCHEME)
    return MinHash(seed=SEED, hashvalues=values, scheme=SCHEME,
                   permutations=template.permutations)


def similarity(a: MinHash, b: MinHash) -> float:
    """Return the estimated Jaccard similarity of two signatures."""
    return float(a.jaccard(b))
