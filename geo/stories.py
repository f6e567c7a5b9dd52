"""Stories: near-copies of one article (syndicated wire copy, a line added) grouped as one.

Wire copy republished by many outlets is the normal case in war reporting, and the control
model must count a story once however many outlets print it (see ``_score`` in
:mod:`geo.control`). Exact copies (the same normalised text, see
:func:`geo.records.normalised_text`) are already one document; this module finds the
*near* copies.

How: each document's text becomes a set of word shingles (:data:`SHINGLE_WORDS`
consecutive case-folded words), summarised by a MinHash signature (:data:`NUM_PERM`
permutations, from ``datasketch``). A :class:`StoryIndex` owns a MinHash LSH over the stored
signatures and proposes candidates; a candidate is a copy when the estimated Jaccard
similarity of the two shingle sets is at least :data:`THRESHOLD`. A near-copy is stored
(it is another outlet's article, with its own URL and outlet) and linked to its original:
``documents.story_id`` is the ``doc_id`` of the story's first stored document, and the
original's ``story_id`` stays NULL.

Why 5 words and 0.6: measured on the seed, the 58 dev reports and the 35 demo reports
(``bench/bench_stories.py``, figures in ``bench/README.md``). Different real reports, even
about the same event on the same day, share few 5-word runs: the closest pair has
J = 0.074. The reports are short (median ~190 shingles), so furniture weighs: another
outlet's header and credit line plus one added sentence brings a median report to ~0.7 and
the shortest below 0.5; at 0.8, 53 of 94 such copies would be missed, at 0.6 two (the two
shortest reports). 0.6 sits far from the real pairs and catches nearly every copy.

Signatures are stored in the ``document_minhash`` table (:data:`geo.store.document_minhash`)
so the index is rebuilt without rehashing every text; a document stored before this table
existed is hashed once from its text when the index first meets it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa

from geo import store
from geo._bulk import insert_rows, update_column
from geo.records import Document, content_hash_of
from geo.signatures import (
    NUM_PERM,
    THRESHOLD,
    jaccard,
    minhash_from_bytes,
    minhash_of,
    minhash_of_values,
    new_minhash,
    shingles,
    signature_bytes,
)

if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH


# --- the index -----------------------------------------------------------------------------


class StoryIndex:
    """An LSH index over the stored documents' MinHash signatures.

    Keep one per batch (or per process): :meth:`refresh` brings it up to date with the
    database cheaply (it reads only the signatures stored after the newest it has seen), so
    documents committed by another writer are seen too. A document deleted since (replaced)
    may stay in the index; :func:`assign_batch` passes over matches that are no longer stored.

    The hash values are kept in one matrix (a row per document), so that the LSH's
    candidates for a query are scored in one array comparison: near-copies of a story are
    the normal case in wire copy, and a story of hundreds of copies made the one-by-one
    scoring the largest cost of a batch's writer (``bench/README.md``).
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.template = new_minhash()  # its permutations are shared by every signature
        self._lsh: MinHashLSH = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._rows: dict[int, int] = {}  # doc_id -> its row of _values
        self._values = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._used = 0  # rows of _values taken (a removed document's row is not reused)
        self._newest = 0  # the highest doc_id whose signature was read
        self._backfilled = False

    def __len__(self) -> int:
        return len(self._rows)

    def doc_ids(self) -> list[int]:
        """Return the indexed documents' ids, in the order they were added."""
        return list(self._rows)

    @classmethod
    def load(cls, conn: sa.Connection, threshold: float = THRESHOLD,
             being_stored: Sequence[int] = ()) -> StoryIndex:
        """Return an index of every stored document (hashing those without a signature,
        except ``being_stored``: see :meth:`refresh`)."""
        index = cls(threshold)
        index.refresh(conn, being_stored)
        return index

    def refresh(self, conn: sa.Connection, being_stored: Sequence[int] = ()) -> None:
        """Add the signatures stored since the newest one read; the first refresh also
        hashes the documents stored before signatures were kept (except ``being_stored``,
        the documents whose signatures the caller is about to store).

        One indexed range query per call, so a batch's cost per document stays flat (reading
        every stored id on each call made an ingest quadratic in the database's size).
        """
        table = store.document_minhash
        query = (sa.select(table.c.doc_id, table.c.minhash)
                 .where(table.c.doc_id > self._newest).order_by(table.c.doc_id))
        for doc_id, data in conn.execute(query):
            if doc_id not in self._rows:
                self.add(doc_id, minhash_from_bytes(data, self.template))
            self._newest = max(self._newest, doc_id)
        if not self._backfilled:
            _backfill(conn, self, being_stored)
            self._backfilled = True

    def add(self, doc_id: int, mh: MinHash) -> None:
        """Index one document's signature (replacing an earlier one)."""
        if doc_id in self._rows:
            self.remove(doc_id)
        if self._used == len(self._values):
            grown = np.zeros((max(64, 2 * len(self._values)), NUM_PERM), dtype=np.uint32)
            grown[: self._used] = self._values[: self._used]
            self._values = grown
        self._values[self._used] = mh.hashvalues
        self._rows[doc_id] = self._used
        self._used += 1
        self._lsh.insert(doc_id, mh)

    def signature(self, doc_id: int) -> MinHash:
        """Return an indexed document's signature."""
        return minhash_of_values(self._values[self._rows[doc_id]].copy(), self.template)

    def remove(self, doc_id: int) -> None:
        """Forget one document."""
        if self._rows.pop(doc_id, None) is not None:
            self._lsh.remove(doc_id)

    def matches(self, mh: MinHash, exclude: int | None = None) -> list[tuple[int, float]]:
        """Return (doc_id, estimated similarity) of the indexed copies of ``mh``, best first.

        LSH proposes candidates; only those whose estimated similarity (the share of equal
        hash values, as :func:`similarity`) reaches the threshold are returned.
        """
        candidates = [doc_id for doc_id in self._lsh.query(mh) if doc_id != exclude]
        if not candidates:
            return []
        # in arrays: a wire story's copies make tens of candidates a document at 10k
        # documents, and this loop was a quarter of a batch writer's time in Python
        ids = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
        rows = np.fromiter(map(self._rows.__getitem__, candidates), dtype=np.intp,
                           count=len(candidates))
        equal = np.count_nonzero(self._values[rows] == mh.hashvalues, axis=1)
        scores = equal.astype(np.float64) / np.float64(len(mh))
        keep = scores >= self.threshold
        ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))  # best first, then the oldest document
        return list(zip(ids[order].tolist(), scores[order].tolist(), strict=True))


def _backfill(conn: sa.Connection, index: StoryIndex, being_stored: Sequence[int] = ()
              ) -> None:
    """Hash and store the signature of documents stored before signatures were kept."""
    table = store.document_minhash
    docs = store.documents
    missing = (
        sa.select(docs.c.doc_id, docs.c.text)
        .where(~sa.exists().where(table.c.doc_id == docs.c.doc_id))
        .order_by(docs.c.doc_id)
    )
    if being_stored:
        missing = missing.where(docs.c.doc_id.not_in(list(being_stored)))
    for doc_id, text in conn.execute(missing).all():
        mh = minhash_of(text, index.template)
        _insert_signature(conn, doc_id, signature_bytes(mh))
        index.add(doc_id, mh)
        index._newest = max(index._newest, doc_id)


def _insert_signature(conn: sa.Connection, doc_id: int, blob: bytes) -> None:
    """Store a signature unless another writer just stored it (two backfills racing)."""
    _insert_signatures(conn, [(doc_id, blob)])


def _insert_signatures(conn: sa.Connection, rows: Sequence[tuple[int, bytes]]) -> None:
    """Store many signatures at once, skipping any another writer stored."""
    insert_rows(conn, store.document_minhash,
                [{"doc_id": doc_id, "minhash": blob} for doc_id, blob in rows],
                skip_conflicts_on="doc_id")


# --- SQL helpers ---------------------------------------------------------------------------


def assign_batch(conn: sa.Connection, docs: Sequence[tuple[int, str]],
                 index: StoryIndex | None = None,
                 signatures: Sequence[bytes | None] = ()) -> list[int | None]:
    """Store the signatures of just-saved documents and link each to the story it copies
    (the story of the best-matching stored document: its story_id, or itself), in a few
    statements for the whole batch. Call it inside the transaction that saved them;
    ``index`` is a :class:`StoryIndex` kept across batches (a new one is loaded when None).

    ``docs`` are (doc_id, text) in the order they were stored: a document may copy one
    stored before it in the same batch. ``signatures``, when given, has per document its
    :func:`signature_bytes` computed already (by the worker that read it) or None: only the
    texts without one are hashed here.

    Returns
    -------
    list of int or None
        Per document, the story's ``doc_id`` or None (an original).
    """
    ids = [doc_id for doc_id, _ in docs]
    if index is None:
        index = StoryIndex.load(conn, being_stored=ids)
    else:
        index.refresh(conn, ids)
    found: list[tuple[int, bytes, list[int]]] = []
    given: list[bytes | None] = list(signatures) or [None] * len(docs)
    for (doc_id, text), blob in zip(docs, given, strict=True):
        mh = (minhash_of(text, index.template) if blob is None
              else minhash_from_bytes(blob, index.template))
        found.append((doc_id, blob or signature_bytes(mh),
                      [d for d, _ in index.matches(mh, exclude=doc_id)]))
        index.add(doc_id, mh)
    roots = _roots(conn, found)
    _insert_signatures(conn, [(doc_id, blob) for doc_id, blob, _ in found])
    update_column(conn, store.documents, "doc_id", "story_id",
                  [(doc_id, root) for (doc_id, _, _), root in zip(found, roots, strict=True)
                   if root is not None])
    return roots


def _roots(conn: sa.Connection, found: Sequence[tuple[int, bytes, list[int]]]
           ) -> list[int | None]:
    """Return, per document of a batch, the story of its best match that is still stored
    (a match deleted meanwhile is passed over), or None.

    Only each document's best stored match is looked up at first; a document's other
    matches only when that one is gone. A wire story's copies match tens of earlier
    documents each, and reading all their stories was a third of the near-copy work.
    """
    in_batch = {doc_id for doc_id, _, _ in found}
    earlier: dict[int, int | None] = {}
    asked: set[int] = set()

    def look_up(doc_ids: set[int]) -> None:
        earlier.update(_stories_of(conn, doc_ids - asked))
        asked.update(doc_ids)

    best = (next((d for d in ms if d not in in_batch), None) for _, _, ms in found)
    look_up({d for d in best if d is not None})
    story_of: dict[int, int | None] = {}
    roots: list[int | None] = []
    for doc_id, _, matched in found:
        root = None
        for d in matched:  # best match first
            if d not in in_batch and d not in asked:
                look_up({m for m in matched if m not in in_batch})
            known = story_of if d in story_of else earlier
            if d in known:
                root = known[d] if known[d] is not None else d
                break
        story_of[doc_id] = root
        roots.append(root)
    return roots


def _stories_of(conn: sa.Connection, doc_ids: set[int]) -> dict[int, int | None]:
    """Return the story_id of each of these stored documents (the deleted ones left out)."""
    docs = store.documents
    out: dict[int, int | None] = {}
    ordered = sorted(doc_ids)
    for i in range(0, len(ordered), 500):
        query = sa.select(docs.c.doc_id, docs.c.story_id).where(
            docs.c.doc_id.in_(ordered[i : i + 500]))
        out.update(conn.execute(query).all())
    return out


def story_key(doc_id: int, story_id: int | None) -> str:
    """Return the story key of a document: ``story:<doc_id of the story's original>``."""
    return f"story:{story_id if story_id is not None else doc_id}"


def story_of_documents(conn: sa.Connection) -> dict[str, str]:
    """Return each stored document's name mapped to its story key.

    This is the ``story_of`` mapping :func:`geo.control.build_timeline` takes (claims name
    their document by ``Claim.document``, the document's name). When two stored documents
    share a name, the first stored one's story is kept, as the model already counted
    their claims as one source.
    """
    docs = store.documents
    query = sa.select(docs.c.name, docs.c.doc_id, docs.c.story_id).order_by(docs.c.doc_id)
    out: dict[str, str] = {}
    for name, doc_id, story_id in conn.execute(query):
        out.setdefault(name, story_key(doc_id, story_id))
    return out


def relink(conn: sa.Connection, old_doc_id: int, new_doc_id: int) -> None:
    """Point the copies of a replaced document at its new ``doc_id``."""
    docs = store.documents
    conn.execute(sa.update(docs).where(docs.c.story_id == old_doc_id)
                 .values(story_id=new_doc_id))


def closest_pairs(texts: dict[str, str], n: int = 10) -> list[tuple[float, str, str]]:
    """Return the ``n`` most similar pairs of texts by exact shingle Jaccard, best first.

    For measuring the threshold on a corpus (``bench/stories.py``); quadratic in the number
    of texts.
    """
    sets = {name: shingles(text) for name, text in texts.items()}
    names = sorted(sets)
    pairs = [(jaccard(sets[a], sets[b]), a, b)
             for i, a in enumerate(names) for b in names[i + 1 :]]
    return sorted(pairs, reverse=True)[:n]



# --- replacing a stored document (ingest --replace) ----------------------------------------

#: The document fields a re-ingest with ``--replace`` may correct.
REPLACEABLE: tuple[str, ...] = ("published", "title", "url", "outlet")


def stored_copy(conn: sa.Connection, doc: Document) -> dict | None:
    """Return the stored document with the same normalised text as ``doc`` (no text), or None."""
    docs = store.documents
    cols = [docs.c.doc_id, docs.c.name, docs.c.story_id, *(docs.c[f] for f in REPLACEABLE)]
    row = conn.execute(sa.select(*cols).where(docs.c.content_hash == doc.content_hash)).first()
    return dict(row._mapping) if row is not None else None


def corrections(stored: dict, doc: Document) -> dict[str, tuple[object, object]]:
    """Return what ``doc`` would change in ``stored``: field → (stored value, new value).

    The date always counts; a title, URL or outlet counts only when ``doc`` gives one, so
    re-ingesting the bare text of an article never erases the URL its HTML gave.
    """
    out: dict[str, tuple[object, object]] = {}
    for name in REPLACEABLE:
        new = getattr(doc, name)
        if (name == "published" or new) and stored[name] != new:
            out[name] = (stored[name], new)
    return out


def delete_for_replace(conn: sa.Connection, doc_id: int) -> list[dict]:
    """Delete a stored document (its mentions, claims, counts and signature go with it).

    Returns
    -------
    list of dict
        The review edits of its claims, for :func:`restore_edits` to put back on the
        claims that are extracted again with the same id.
    """
    edits, claims = store.edits, store.claims
    query = (sa.select(edits).join(claims, claims.c.claim_id == edits.c.claim_id)
             .where(claims.c.doc_id == doc_id).order_by(edits.c.edit_id))
    kept = [dict(row._mapping) for row in conn.execute(query)]
    conn.execute(sa.delete(store.documents).where(store.documents.c.doc_id == doc_id))
    return kept


def restore_edits(conn: sa.Connection, kept: list[dict]) -> int:
    """Re-insert the edits of claims that exist again; return how many were dropped."""
    if not kept:
        return 0
    ids = sorted({e["claim_id"] for e in kept})
    present = set(conn.execute(sa.select(store.claims.c.claim_id)
                               .where(store.claims.c.claim_id.in_(ids))).scalars())
    back = [e for e in kept if e["claim_id"] in present]
    if back:
        conn.execute(sa.insert(store.edits), back)
    return len(kept) - len(back)


def doc_id_of(conn: sa.Connection, content_hash: str) -> int:
    """Return the ``doc_id`` of the stored document with this content hash."""
    docs = store.documents
    return conn.execute(sa.select(docs.c.doc_id)
                        .where(docs.c.content_hash == content_hash)).scalar_one()


# --- migrating databases stored with the old hash ------------------------------------------


def rehash_documents(conn: sa.Connection) -> dict[str, int]:
    """Recompute every stored document's content hash over its normalised text.

    For a database stored before the hash was normalised (the migration that brings it to
    this version calls it). Documents that turn out to be variants of an earlier one (the
    same normalised text) are kept, linked to the earlier one's story, and given a hash no
    text has (so re-ingesting the text matches the earlier one): nothing is deleted.

    Returns
    -------
    dict
        ``{"documents": n, "changed": hashes changed, "variants": variants linked}``.
    """
    docs = store.documents
    rows = conn.execute(sa.select(docs.c.doc_id, docs.c.text, docs.c.content_hash,
                                  docs.c.story_id).order_by(docs.c.doc_id)).all()
    if not rows:  # a new database: nothing to link, and no need to load MinHash (0.5 s)
        return {"documents": 0, "changed": 0, "variants": 0, "copies": 0}
    # Two passes: a temporary unique value first, so no update collides with a stored hash.
    for doc_id, *_ in rows:
        conn.execute(sa.update(docs).where(docs.c.doc_id == doc_id)
                     .values(content_hash=f"rehash-{doc_id}"))
    first: dict[str, tuple[int, int | None]] = {}
    changed = variants = 0
    for doc_id, text, old, story_id in rows:
        new = content_hash_of(text)
        values: dict[str, object] = {"content_hash": new}
        if new in first:
            root_id, root_story = first[new]
            values = {"content_hash": _variant_hash(new, doc_id),
                      "story_id": root_story if root_story is not None else root_id}
            variants += 1
        else:
            first[new] = (doc_id, story_id)
        changed += values["content_hash"] != old
        conn.execute(sa.update(docs).where(docs.c.doc_id == doc_id).values(**values))
    return {"documents": len(rows), "changed": changed, "variants": variants,
            "copies": link_stories(conn)}


def link_stories(conn: sa.Connection) -> int:
    """Link every stored near-copy to the story of an earlier document; return how many.

    For a database stored before stories were kept (a migration step): documents are
    taken in ``doc_id`` order, each compared with the earlier ones only, as ingest would
    have done. Signatures missing are computed and stored. Links already made are kept.
    """
    docs = store.documents
    index = StoryIndex.load(conn)
    rows = conn.execute(sa.select(docs.c.doc_id, docs.c.story_id).order_by(docs.c.doc_id)).all()
    story_of: dict[int, int | None] = dict(rows)
    linked = 0
    for doc_id, story_id in rows:
        if story_id is not None:
            continue
        earlier = [d for d, _ in index.matches(index.signature(doc_id), exclude=doc_id)
                   if d < doc_id]
        if earlier:
            root = story_of[earlier[0]] if story_of[earlier[0]] is not None else earlier[0]
            story_of[doc_id] = root
            conn.execute(sa.update(docs).where(docs.c.doc_id == doc_id).values(story_id=root))
            linked += 1
    return linked


def _variant_hash(content_hash: str, doc_id: int) -> str:
    return hashlib.sha256(f"variant {doc_id} of {content_hash}".encode()).hexdigest()
