"""The database: documents, their mentions and claims, manual claims and review edits.

SQLAlchemy 2 Core over a SQLite file by default; a ``postgresql://`` URL works the same way
(only portable types are used). Every function takes a ``conn`` (a SQLAlchemy
:class:`~sqlalchemy.Connection`) as its first argument and never commits: the caller owns
the transaction, so ::

    with open_db().begin() as conn:
        save_document(conn, doc, mentions, claims)

stores a document with its mentions and claims all-or-nothing (an exception or a killed
process inside the ``with`` block leaves nothing behind).

Edits are appended, never deleted: a claim is rejected iff its latest edit is ``reject``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from geo import settings
from geo.errors import ClaimError, StoreError
from geo.records import CLAIM_KINDS, Claim, CountStatement, Document, Mention

SCHEMA_VERSION = 2
EDIT_ACTIONS: tuple[str, ...] = ("reject", "restore", "add")
BUSY_TIMEOUT_MS = 10_000
_BATCH = 5_000
_SQLITE_HEADER = b"SQLite format 3\x00"
_PROVINCE_ISO = re.compile(r"^AF-[A-Z]{3}$")

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("doc_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False, default=""),
    sa.Column("title", sa.Text, nullable=False, default=""),
    sa.Column("published", sa.Date, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("ingested_at", sa.DateTime, nullable=False),
    # Added in schema version 2: the article's address and outlet, and the story a
    # near-copy belongs to (the doc_id of the first stored copy; None for an original).
    sa.Column("url", sa.Text, nullable=False, server_default=""),
    sa.Column("outlet", sa.Text, nullable=False, server_default=""),
    sa.Column("story_id", sa.Integer, nullable=True, index=True),
    sa.Index("ix_documents_content_hash", "content_hash", unique=True),
)

# Added with stories (geo/stories.py, schema version 2): each document's MinHash signature,
# so the near-copy index is rebuilt without rehashing every text.
document_minhash = sa.Table(
    "document_minhash",
    metadata,
    sa.Column("doc_id", sa.Integer, sa.ForeignKey("documents.doc_id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("minhash", sa.LargeBinary, nullable=False),
)


def _document_column(*, nullable: bool) -> sa.Column:
    """Return the ``doc_id`` column that ties a row to its document (deleted with it)."""
    return sa.Column("doc_id", sa.Integer, sa.ForeignKey("documents.doc_id", ondelete="CASCADE"),
                     nullable=nullable, index=True)


mentions = sa.Table(
    "mentions",
    metadata,
    sa.Column("mention_id", sa.Integer, primary_key=True, autoincrement=True),
    _document_column(nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("place_id", sa.String(200), nullable=False),
    sa.Column("place", sa.Text, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("province_iso", sa.String(16)),
    sa.Column("country", sa.String(8), nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

claims = sa.Table(
    "claims",
    metadata,
    sa.Column("claim_id", sa.String(64), primary_key=True),
    _document_column(nullable=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("place", sa.Text, nullable=False),
    sa.Column("place_id", sa.String(200), nullable=False),
    sa.Column("place_kind", sa.String(32), nullable=False),
    sa.Column("province_iso", sa.String(16)),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("claimant", sa.String(64), nullable=False),
    sa.Column("geo_precision", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("quote", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("origin", sa.String(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Index("ix_claims_event_date", "event_date", "claim_id"),
    sa.Index("ix_claims_province_iso", "province_iso"),
)

edits = sa.Table(
    "edits",
    metadata,
    sa.Column("edit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "claim_id",
        sa.String(64),
        sa.ForeignKey("claims.claim_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.CheckConstraint("action IN ('reject', 'restore', 'add')", name="ck_edits_action"),
)

counts = sa.Table(
    "counts",
    metadata,
    sa.Column("count_id", sa.Integer, primary_key=True, autoincrement=True),
    _document_column(nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("quote", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
)

#: The claims columns in the order of :class:`Claim`'s fields, so ``Claim(*row)`` works.
CLAIM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Claim))
_CLAIM_COLUMNS = [claims.c[name] for name in CLAIM_FIELDS]

_ENGINES: dict[str, sa.Engine] = {}


# --- opening -------------------------------------------------------------------------------


def database_url(db: str | None = None) -> str:
    """Turn a database setting into a SQLAlchemy URL.

    Parameters
    ----------
    db
        A SQLAlchemy URL, a SQLite file path, ``":memory:"``, or None for the
        ``CONTROLMAP_DB`` setting.

    Returns
    -------
    str
        The URL: a URL unchanged, a path as ``sqlite:///<absolute path>``.
    """
    db = settings.DB.value() if db is None else db
    if "://" in db:
        return db
    if db == ":memory:":
        return "sqlite://"
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def open_db(db: str | None = None) -> sa.Engine:
    """Open (and cache) the engine of a database, creating its schema if missing.

    Parameters
    ----------
    db
        See :func:`database_url`.

    Returns
    -------
    sqlalchemy.Engine
        The engine; the same object for the same URL on later calls (Streamlit reruns).

    Raises
    ------
    StoreError
        If the file is not a SQLite database, its folder is missing, or the database has
        another schema version.
    """
    url = database_url(db)
    if url in _ENGINES:
        return _ENGINES[url]
    engine = _create_engine(url)
    try:
        with engine.begin() as conn:
            _ensure_schema(conn, url)
    except sa.exc.DatabaseError as err:
        engine.dispose()
        raise StoreError(
            f"Cannot open the database {_describe(url)}: {err.orig}.",
            hint="Check the path or URL in CONTROLMAP_DB (or --db).",
        ) from err
    except StoreError:
        engine.dispose()
        raise
    _ENGINES[url] = engine
    return engine


def close_db(db: str | None = None) -> None:
    """Dispose of the cached engine of ``db`` (all of them when ``db`` is None)."""
    urls = list(_ENGINES) if db is None else [database_url(db)]
    for url in urls:
        engine = _ENGINES.pop(url, None)
        if engine is not None:
            engine.dispose()


def _describe(url: str) -> str:
    path = _sqlite_path(url)
    return repr(str(path)) if path else sa.make_url(url).render_as_string(hide_password=True)


def _sqlite_path(url: str) -> Path | None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _check_sqlite_file(url: str) -> None:
    path = _sqlite_path(url)
    if path is None:
        return
    if not path.parent.is_dir():
        raise StoreError(
            f"Cannot create the database {str(path)!r}: its folder does not exist.",
            hint="Create the folder or point CONTROLMAP_DB at another path.",
        )
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise StoreError(
                f"{str(path)!r} is not a SQLite database.",
                hint="Point CONTROLMAP_DB (or --db) at a new file or an existing controlmap "
                "database.",
            )


def _create_engine(url: str) -> sa.Engine:
    _check_sqlite_file(url)
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as err:
        raise StoreError(
            f"Cannot use the database URL {url!r}: {err}.",
            hint="Use a SQLite path or a sqlite:/// or postgresql:// URL (install "
            "controlmap[postgres] for PostgreSQL).",
        ) from err
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: sa.Engine) -> None:
    """Set WAL, foreign keys and a busy timeout, and make BEGIN explicit.

    pysqlite defers BEGIN until the first write; taking over BEGIN makes a transaction
    cover the reads before the writes too (the SQLAlchemy-documented recipe).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def _ensure_schema(conn: sa.Connection, url: str) -> None:
    if sa.inspect(conn).has_table("meta"):
        found = conn.execute(
            sa.select(meta.c.value).where(meta.c.key == "schema_version")
        ).scalar_one_or_none()
        if found is not None and found != str(SCHEMA_VERSION):
            raise StoreError(
                f"The database {_describe(url)} has schema version {found}; this controlmap "
                f"uses version {SCHEMA_VERSION}.",
                hint="Use a new database file (CONTROLMAP_DB or --db) and ingest the "
                "documents again.",
            )
        if found is not None:
            return
    metadata.create_all(conn)
    conn.execute(sa.insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))


# --- documents -----------------------------------------------------------------------------


def has_document(conn: sa.Connection, content_hash: str) -> bool:
    """Return True if a document with this content hash is stored."""
    query = sa.select(documents.c.doc_id).where(documents.c.content_hash == content_hash)
    return conn.execute(query.limit(1)).first() is not None


def save_document(
    conn: sa.Connection,
    doc: Document,
    mentions_: Sequence[Mention],
    claims_: Sequence[Claim],
    counts_: Sequence[CountStatement] = (),
) -> bool:
    """Store a document with its mentions, claims and aggregate counts.

    The caller owns the transaction (``with engine.begin() as conn:``) so the document is
    stored all-or-nothing. Claims get their id from :meth:`Claim.with_id`; a claim id that
    repeats within the document, or is already stored, is kept once.

    Returns
    -------
    bool
        True if stored; False (nothing written) if a document with the same content hash
        is already stored.
    """
    content_hash = doc.content_hash
    if has_document(conn, content_hash):
        return False
    doc_id = conn.execute(
        sa.insert(documents).values(
            content_hash=content_hash,
            name=doc.name,
            source=doc.source,
            title=doc.title,
            published=doc.published,
            text=doc.text,
            ingested_at=_now(),
            url=doc.url,
            outlet=doc.outlet,
        )
    ).inserted_primary_key[0]  # type: ignore[index]  # an insert has a key
    if mentions_:
        conn.execute(sa.insert(mentions), [_mention_row(m, doc_id) for m in mentions_])
    fresh = _unique_by_id(c.with_id() for c in claims_)
    stored = _existing_claim_ids(conn, list(fresh))
    rows = [_claim_row(c, doc_id) for cid, c in fresh.items() if cid not in stored]
    if rows:
        conn.execute(sa.insert(claims), rows)
    if counts_:
        conn.execute(sa.insert(counts), [{**asdict(c), "doc_id": doc_id} for c in counts_])
    return True


def load_counts(conn: sa.Connection) -> list[CountStatement]:
    """Return the aggregate count statements ("10 of 34 provincial capitals"), by date."""
    cols = [counts.c[f.name] for f in fields(CountStatement)]
    rows = conn.execute(sa.select(*cols).order_by(counts.c.event_date, counts.c.count_id))
    return [CountStatement(*row) for row in rows]


def load_documents(conn: sa.Connection) -> list[dict]:
    """Return every document without its text, newest publication first.

    Returns
    -------
    list of dict
        ``doc_id, content_hash, name, source, title, published, ingested_at, url, outlet,
        story_id, n_mentions, n_claims``.
    """
    n_mentions = (
        sa.select(sa.func.count())
        .where(mentions.c.doc_id == documents.c.doc_id)
        .scalar_subquery()
        .label("n_mentions")
    )
    n_claims = (
        sa.select(sa.func.count())
        .where(claims.c.doc_id == documents.c.doc_id)
        .scalar_subquery()
        .label("n_claims")
    )
    columns = [c for c in documents.c if c.name != "text"]
    query = sa.select(*columns, n_mentions, n_claims).order_by(
        documents.c.published.desc(), documents.c.doc_id.desc()
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def load_document(conn: sa.Connection, doc_id: int) -> dict:
    """Return one document with its text.

    Raises
    ------
    StoreError
        If there is no document ``doc_id``.
    """
    row = conn.execute(sa.select(documents).where(documents.c.doc_id == doc_id)).first()
    if row is None:
        raise StoreError(
            f"No document with id {doc_id!r}.", hint="List the documents to see their ids."
        )
    return dict(row._mapping)


def load_mentions(conn: sa.Connection, doc_id: int) -> list[Mention]:
    """Return the mentions of a document in text order."""
    names = list(Mention._fields)
    query = (
        sa.select(*(mentions.c[n] for n in names))
        .where(mentions.c.doc_id == doc_id)
        .order_by(mentions.c.start, mentions.c.mention_id)
    )
    return [Mention(*row) for row in conn.execute(query)]


# --- claims --------------------------------------------------------------------------------


def load_claims(
    conn: sa.Connection,
    *,
    include_rejected: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
    province_iso: str | None = None,
) -> list[Claim]:
    """Return the effective claims (extracted and manual, minus the rejected ones).

    Two queries whatever the size: the claims, and the ids whose latest edit is ``reject``.

    Parameters
    ----------
    include_rejected
        Return rejected claims too.
    start, end
        Keep claims whose ``event_date`` is within these days (inclusive).
    province_iso
        Keep claims about this province.

    Returns
    -------
    list of Claim
        Ordered by ``event_date`` then ``claim_id``.
    """
    query = _claims_query(_CLAIM_COLUMNS, start=start, end=end, province_iso=province_iso)
    rows = conn.execute(query).all()
    if include_rejected:
        return [Claim(*row) for row in rows]
    rejected = rejected_claim_ids(conn)
    if not rejected:
        return [Claim(*row) for row in rows]
    return [Claim(*row) for row in rows if row[-1] not in rejected]


def load_claim_rows(
    conn: sa.Connection,
    *,
    include_rejected: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
    province_iso: str | None = None,
) -> list[dict]:
    """Return the claims as :func:`load_claims` does, as dicts for the Claims page.

    Returns
    -------
    list of dict
        Every :class:`Claim` field plus ``doc_id``, ``status`` (``active`` or
        ``rejected``) and ``document_name`` (the stored document's name, else the claim's
        ``document``).
    """
    extra = [
        claims.c.doc_id,
        sa.func.coalesce(documents.c.name, claims.c.document).label("document_name"),
    ]
    query = _claims_query(
        [*_CLAIM_COLUMNS, *extra],
        start=start,
        end=end,
        province_iso=province_iso,
        with_documents=True,
    )
    rejected = rejected_claim_ids(conn)
    out = []
    for row in conn.execute(query).mappings():
        status = "rejected" if row["claim_id"] in rejected else "active"
        if include_rejected or status == "active":
            out.append({**row, "status": status})
    return out


def rejected_claim_ids(conn: sa.Connection) -> set[str]:
    """Return the ids of the claims whose latest edit is ``reject``."""
    latest = sa.select(sa.func.max(edits.c.edit_id)).group_by(edits.c.claim_id)
    query = sa.select(edits.c.claim_id).where(
        edits.c.edit_id.in_(latest.scalar_subquery()), edits.c.action == "reject"
    )
    return set(conn.execute(query).scalars())


def save_claims_bulk(conn: sa.Connection, claims_: Iterable[Claim]) -> int:
    """Insert claims without documents in batches (for benchmarks and synthetic data).

    Ids come from :meth:`Claim.with_id`; repeats in the input are kept once, and the ids
    must not be stored already.

    Returns
    -------
    int
        How many claims were inserted.
    """
    seen: set[str] = set()
    batch: list[dict] = []
    count = 0
    for claim in claims_:
        claim = claim.with_id()
        if claim.claim_id in seen:
            continue
        seen.add(claim.claim_id)
        batch.append(_claim_row(claim, None))
        if len(batch) >= _BATCH:
            conn.execute(sa.insert(claims), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(sa.insert(claims), batch)
        count += len(batch)
    return count


def add_manual_claim(conn: sa.Connection, claim: Claim, *, author: str, note: str) -> Claim:
    """Store an analyst's claim (``origin='manual'``) and record an ``add`` edit.

    Returns
    -------
    Claim
        The stored claim, with ``origin``, ``author``, ``note`` and ``claim_id`` set.

    Raises
    ------
    ClaimError
        If a field is invalid (the message names it) or the same claim is already stored.
    """
    claim = replace(claim, origin="manual", author=author, note=note, claim_id="").with_id()
    _validate_manual(claim)
    if _existing_claim_ids(conn, [claim.claim_id]):
        raise ClaimError(
            f"This manual claim is already stored (id {claim.claim_id}).",
            hint="Change the note or the claim to add another one.",
        )
    conn.execute(sa.insert(claims), [_claim_row(claim, None)])
    _append_edit(conn, claim.claim_id, "add", author, note)
    return claim


def reject_claim(conn: sa.Connection, claim_id: str, *, author: str, note: str = "") -> None:
    """Reject a claim by appending a ``reject`` edit; raise ClaimError if it is unknown."""
    _require_claim(conn, claim_id)
    _append_edit(conn, claim_id, "reject", author, note)


def restore_claim(conn: sa.Connection, claim_id: str, *, author: str, note: str = "") -> None:
    """Restore a claim by appending a ``restore`` edit; raise ClaimError if it is unknown."""
    _require_claim(conn, claim_id)
    _append_edit(conn, claim_id, "restore", author, note)


def load_edits(conn: sa.Connection, claim_id: str | None = None) -> list[dict]:
    """Return the edits (of one claim, or all), newest first.

    Returns
    -------
    list of dict
        ``edit_id, claim_id, action, author, note, created_at``.
    """
    query = sa.select(edits).order_by(edits.c.edit_id.desc())
    if claim_id is not None:
        query = query.where(edits.c.claim_id == claim_id)
    return [dict(row._mapping) for row in conn.execute(query)]


# --- counts --------------------------------------------------------------------------------


def count_rows(conn: sa.Connection) -> dict[str, int]:
    """Return the number of rows of each table: documents, mentions, claims, edits."""
    tables = {"documents": documents, "mentions": mentions, "claims": claims, "edits": edits}
    query = sa.select(
        *(
            sa.select(sa.func.count()).select_from(t).scalar_subquery().label(name)
            for name, t in tables.items()
        )
    )
    return {k: int(v) for k, v in conn.execute(query).one()._mapping.items()}


def data_version(conn: sa.Connection) -> str:
    """Return a cheap token that changes whenever documents, claims or edits change.

    Rows are only ever added, so counts and the largest ids identify the data.

    Returns
    -------
    str
        E.g. ``"d3.12-c40-e5.17"``.
    """
    query = sa.select(
        sa.select(sa.func.count()).select_from(documents).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.max(documents.c.doc_id), 0)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(claims).scalar_subquery(),
        sa.select(sa.func.count()).select_from(edits).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.max(edits.c.edit_id), 0)).scalar_subquery(),
    )
    n_docs, max_doc, n_claims, n_edits, max_edit = conn.execute(query).one()
    return f"d{n_docs}.{max_doc}-c{n_claims}-e{n_edits}.{max_edit}"


# --- helpers -------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _claims_query(
    columns: Sequence[sa.ColumnElement[Any]],
    *,
    start: dt.date | None,
    end: dt.date | None,
    province_iso: str | None,
    with_documents: bool = False,
) -> sa.Select:
    source: sa.FromClause = claims
    if with_documents:
        source = claims.outerjoin(documents, documents.c.doc_id == claims.c.doc_id)
    query = sa.select(*columns).select_from(source)
    if start is not None:
        query = query.where(claims.c.event_date >= start)
    if end is not None:
        query = query.where(claims.c.event_date <= end)
    if province_iso is not None:
        query = query.where(claims.c.province_iso == province_iso)
    return query.order_by(claims.c.event_date, claims.c.claim_id)


def _mention_row(mention: Mention, doc_id: int) -> dict:
    row = mention._asdict()
    row["doc_id"] = doc_id
    return row


def _claim_row(claim: Claim, doc_id: int | None) -> dict:
    row = {name: getattr(claim, name) for name in CLAIM_FIELDS}
    row["doc_id"] = doc_id
    return row


def _unique_by_id(claims_: Iterable[Claim]) -> dict[str, Claim]:
    unique: dict[str, Claim] = {}
    for claim in claims_:
        unique.setdefault(claim.claim_id, claim)
    return unique


def _existing_claim_ids(conn: sa.Connection, claim_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(claim_ids), 500):
        chunk = claim_ids[i : i + 500]
        query = sa.select(claims.c.claim_id).where(claims.c.claim_id.in_(chunk))
        found.update(conn.execute(query).scalars())
    return found


def _require_claim(conn: sa.Connection, claim_id: str) -> None:
    if not _existing_claim_ids(conn, [claim_id]):
        raise ClaimError(
            f"No claim with id {claim_id!r}.", hint="Pick a claim id from the Claims page."
        )


def _append_edit(conn: sa.Connection, claim_id: str, action: str, author: str, note: str) -> None:
    conn.execute(
        sa.insert(edits).values(
            claim_id=claim_id, action=action, author=author, note=note, created_at=_now()
        )
    )


def _validate_manual(claim: Claim) -> None:
    """Raise ClaimError naming the first invalid field of a manual claim."""
    problems = [
        (claim.kind not in CLAIM_KINDS, "kind", claim.kind, f"one of {', '.join(CLAIM_KINDS)}"),
        (not claim.actor.strip(), "actor", claim.actor, "a non-empty actor (taliban, ...)"),
        (
            not _PROVINCE_ISO.match(claim.province_iso or ""),
            "province_iso",
            claim.province_iso,
            "a province code like AF-KAB",
        ),
        (
            not 0.0 <= claim.confidence <= 1.0,
            "confidence",
            claim.confidence,
            "a number between 0 and 1",
        ),
        (not claim.quote.strip(), "quote", claim.quote, "the sentence the claim rests on"),
        (not claim.author.strip(), "author", claim.author, "the analyst's name"),
        (
            not isinstance(claim.event_date, dt.date),
            "event_date",
            claim.event_date,
            "a date",
        ),
    ]
    for bad, name, value, wanted in problems:
        if bad:
            raise ClaimError(f"Invalid {name} {value!r} for a manual claim.", hint=f"Use {wanted}.")
