"""The database: documents, their mentions and claims, manual claims and review edits.

SQLAlchemy 2 Core over a SQLite file by default; a ``postgresql://`` URL works the same way
(only portable types are used). Every function takes a ``conn`` (a SQLAlchemy
:class:`~sqlalchemy.Connection`) as its first argument and never commits: the caller owns
the transaction, so ::

    with open_db().begin() as conn:
        save_document(conn, doc, mentions, claims)

stores a document with its mentions and claims all-or-nothing (an exception or a killed
process inside the ``with`` block leaves nothing behind).

Writers take turns. ``engine.begin()`` is a write transaction: on SQLite it starts with
``BEGIN IMMEDIATE``, which waits (busy timeout, then a bounded retry) for the one write lock
before reading anything, so a transaction that reads then writes never finds its snapshot
stale; ``engine.connect()`` is for reading and never takes the write lock (WAL lets readers
and a writer run at once). On PostgreSQL documents and claims are inserted with ``ON
CONFLICT DO NOTHING``, so two ingests of overlapping folders skip each other's documents
instead of failing. A document that another writer stored first is reported as skipped
(already stored). Database errors become :class:`StoreError` naming the document, never a
message with SQL or its parameters.

The schema is versioned with Alembic (:mod:`geo.migrations`): :func:`open_db` creates it in
an empty database and refuses one that is behind; :func:`upgrade_db` (``controlmap db
upgrade``) brings one up to date. Timestamps are stored in UTC and read back as
timezone-aware datetimes on both backends.

Edits are appended, never deleted: a claim is rejected iff its latest edit is ``reject``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import shlex
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event

from geo import settings
from geo._bulk import insert_ignoring_conflicts, insert_rows
from geo.errors import ClaimError, DocumentStoreError, StoreError
from geo.records import CLAIM_KINDS, Claim, CountStatement, Document, Mention

#: ``meta.schema_version``, kept in step with the migrations for older readers.
SCHEMA_VERSION = 4
EDIT_ACTIONS: tuple[str, ...] = ("reject", "restore", "add")
#: How long SQLite waits for the write lock per attempt, and how many attempts a write
#: transaction makes before it gives up with a StoreError.
BUSY_TIMEOUT_MS = 10_000
LOCK_ATTEMPTS = 3
#: How many times :func:`save_batch` runs a batch that failed on a transient conflict
#: (a PostgreSQL deadlock or serialization failure) before it gives up.
BATCH_ATTEMPTS = 3
_BATCH = 5_000
_IN_CHUNK = 900  # values per ``IN (...)``: under SQLite's old 999-parameter limit
_SQLITE_HEADER = b"SQLite format 3\x00"
_PROVINCE_ISO = re.compile(r"^AF-[A-Z]{3}$")
_WRITE = "controlmap_write"  # execution option marking a write transaction
#: Key of the PostgreSQL advisory lock that serialises schema changes.
_SCHEMA_LOCK_KEY = 0x636D_6170_0001  # "cmap" 1


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and read back timezone-aware (``tzinfo=UTC``).

    PostgreSQL stores ``timestamptz``; SQLite stores UTC text without an offset, and a naive
    value (as older databases hold) is read as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        """Return ``value`` in UTC (a naive value is taken as UTC), naive for SQLite."""
        if value is None:
            return None
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        """Return the stored timestamp as an aware datetime in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


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
    sa.Column("ingested_at", UTCDateTime, nullable=False),
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


#: Materialised states (schema version 4): a cache of the model's intervals, see geo.states.
state_intervals = sa.Table(
    "state_intervals",
    metadata,
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("province_iso", sa.String(16), nullable=False),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("confirmed", sa.Boolean, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("since", sa.Date, nullable=True),
    sa.Column("last_report", sa.Date, nullable=True),
    sa.Column("follows", sa.String(16), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("contrary", sa.Text, nullable=False),
    sa.Column("anchor", sa.String(64), nullable=False),
    sa.Column("data_version", sa.String(64), nullable=False),
    sa.PrimaryKeyConstraint("level", "key", "start", name="pk_state_intervals"),
    sa.Index("ix_state_intervals_day", "level", "start", "end"),
    sa.Index("ix_state_intervals_province", "province_iso"),
)

state_builds = sa.Table(
    "state_builds",
    metadata,
    sa.Column("province_iso", sa.String(16), primary_key=True),
    sa.Column("fingerprint", sa.String(200), nullable=False),
    sa.Column("data_version", sa.String(64), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("first_day", sa.Date, nullable=True),
    sa.Column("last_day", sa.Date, nullable=True),
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
    sa.Column("created_at", UTCDateTime, nullable=False),
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


class _StoreEngine(sa.Engine):
    """An engine whose :meth:`begin` is a write transaction (``BEGIN IMMEDIATE`` on SQLite).

    ``engine.begin()`` is how this code base writes and ``engine.connect()`` how it reads;
    the write mark lets the SQLite ``begin`` listener take the write lock up front for the
    one and never for the other.
    """

    @contextlib.contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """Return a context manager delivering a connection in a write transaction."""
        with self.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn


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
    """Open (and cache) the engine of a database, creating its schema if it is empty.

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
        If the file is not a SQLite database, its folder is missing, the database holds
        other tables, or its schema is behind (the hint says to run ``controlmap db
        upgrade``) or unknown.
    """
    url = database_url(db)
    if url in _ENGINES:
        return _ENGINES[url]
    engine = _create_engine(url)
    try:
        _prepare_schema(engine, url)
    except sa.exc.SQLAlchemyError as err:
        engine.dispose()
        raise StoreError(
            f"Cannot open the database {describe_db(url)}: {_reason(err)}.",
            hint="Check the path or URL in CONTROLMAP_DB (or --db).",
        ) from err
    except StoreError:
        engine.dispose()
        raise
    _ENGINES[url] = engine
    return engine


def _prepare_schema(engine: sa.Engine, url: str) -> None:
    """Create the schema of an empty database, or check that it is at the head revision.

    Two first ingests of one new SQLite file race here: while one turns the file to WAL
    and creates the tables, the other's first statements can get "database is locked" at
    once, without the busy timeout (a lock SQLite will not wait for, to avoid a deadlock).
    That one is retried after a pause, :data:`LOCK_ATTEMPTS` times in all.
    """
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            with engine.connect() as conn:
                state = schema_state(conn)
            if state.empty:
                _upgrade(engine, url)
            else:
                _require_head(state, url)
            return
        except sa.exc.OperationalError as err:
            if attempt == LOCK_ATTEMPTS or not _is_busy(err.orig or err):
                raise
            engine.dispose()  # a connection half-set-up by the failed attempt
            time.sleep(random.uniform(0.1, 0.3) * attempt)


def close_db(db: str | None = None) -> None:
    """Dispose of the cached engine of ``db`` (all of them when ``db`` is None)."""
    urls = list(_ENGINES) if db is None else [database_url(db)]
    for url in urls:
        engine = _ENGINES.pop(url, None)
        if engine is not None:
            engine.dispose()


def describe_db(db: str | None = None) -> str:
    """Return how to name a database to a user: a SQLite file's quoted path, else the URL
    with its password masked."""
    url = database_url(db)
    try:
        path = _sqlite_path(url)
        return repr(str(path)) if path else sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:  # not a URL SQLAlchemy can parse: mask what looks secret
        return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


# --- the schema ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What schema a database holds.

    ``revision`` is the Alembic revision (None without an ``alembic_version`` row);
    ``legacy_version`` the ``meta.schema_version`` of a database made before migrations
    (None otherwise); ``tables`` every table's name.
    """

    revision: str | None
    legacy_version: str | None
    tables: frozenset[str]

    @property
    def empty(self) -> bool:
        """Return True if the database holds no table (an Alembic stub aside)."""
        return not (self.tables - {"alembic_version"})

    @property
    def is_legacy(self) -> bool:
        """Return True for a controlmap database made before migrations (version 1 or 2)."""
        return self.revision is None and self.legacy_version in ("1", "2")


def schema_state(conn: sa.Connection) -> SchemaState:
    """Return the schema state of the database on ``conn`` (reads only)."""
    tables = frozenset(sa.inspect(conn).get_table_names())
    revision = legacy = None
    if "alembic_version" in tables:
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    if revision is None and "meta" in tables:
        legacy = conn.execute(
            sa.select(meta.c.value).where(meta.c.key == "schema_version")
        ).scalar_one_or_none()
    return SchemaState(revision, legacy, tables)


def describe_schema(db: str | None = None) -> str:
    """Return the schema revision of a database in words (for ``controlmap db current``),
    e.g. ``"0002 (head)"``, without changing anything."""
    from geo.migrations import HEAD, REVISIONS

    url = database_url(db)
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return f"none (no database file at {str(path)!r} yet)"
    engine = _create_engine(url)
    try:
        with engine.connect() as conn:
            state = schema_state(conn)
    except sa.exc.SQLAlchemyError as err:
        raise StoreError(f"Cannot read the database {describe_db(url)}: {_reason(err)}.",
                         hint="Check the path or URL in CONTROLMAP_DB (or --db).") from err
    finally:
        engine.dispose()
    if state.empty:
        return "none (an empty database; `controlmap db upgrade` or any command creates it)"
    if state.revision == HEAD:
        return f"{HEAD} (head)"
    if state.revision in REVISIONS:
        return f"{state.revision} (behind {HEAD}: run `controlmap db upgrade`)"
    if state.is_legacy:
        return (f"none: schema version {state.legacy_version} made before migrations "
                "(run `controlmap db upgrade`)")
    if state.revision is not None:
        return f"{state.revision} (unknown to this controlmap, whose head is {HEAD})"
    return "none (not a controlmap database)"


def upgrade_db(db: str | None = None) -> tuple[str | None, str]:
    """Bring a database's schema up to the head revision (``controlmap db upgrade``).

    Safe when several processes do it at once: each takes the schema lock (SQLite's write
    lock, a PostgreSQL advisory lock) and looks again once it has it. A database made
    before migrations (``meta.schema_version`` 1 or 2) is stamped 0001, then upgraded.

    Returns
    -------
    tuple
        ``(before, after)``: the revision found (None for an empty or pre-migration
        database) and the head revision it is at now.

    Raises
    ------
    StoreError
        If the database is not a controlmap one or its revision is unknown.
    """
    url = database_url(db)
    engine = _ENGINES.get(url) or _create_engine(url)
    try:
        return _upgrade(engine, url)
    except sa.exc.SQLAlchemyError as err:
        raise StoreError(f"Cannot upgrade the database {describe_db(url)}: {_reason(err)}.",
                         hint="Nothing was changed; check the URL and the database's "
                         "permissions.") from err
    finally:
        if _ENGINES.get(url) is not engine:
            engine.dispose()


def _upgrade(engine: sa.Engine, url: str) -> tuple[str | None, str]:
    from geo import migrations

    with engine.begin() as conn:  # on SQLite: BEGIN IMMEDIATE, the write lock
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": _SCHEMA_LOCK_KEY})
        state = schema_state(conn)  # again, now that no one else can change it
        if state.revision == migrations.HEAD:
            return state.revision, migrations.HEAD
        if state.revision in migrations.REVISIONS or state.empty:
            migrations.upgrade(conn)
        elif state.is_legacy:
            migrations.upgrade(conn, stamp=migrations.LEGACY_BASE)
        else:
            _require_head(state, url)  # raises: not ours, or unknown
    return state.revision, migrations.HEAD


def _require_head(state: SchemaState, url: str) -> None:
    """Raise a StoreError saying what to do unless the schema is at the head revision."""
    from geo.migrations import HEAD, REVISIONS

    if state.revision == HEAD:
        return
    name = describe_db(url)
    upgrade = f"Run `controlmap db upgrade --db {_quote_arg(url)}` (back it up first)."
    if state.revision in REVISIONS:
        raise StoreError(f"The database {name} is at schema revision {state.revision}; "
                         f"this controlmap needs {HEAD}.", hint=upgrade)
    if state.is_legacy:
        raise StoreError(f"The database {name} has schema version {state.legacy_version} "
                         "from before migrations; this controlmap needs revision "
                         f"{HEAD}.", hint=upgrade)
    if state.revision is not None:
        raise StoreError(f"The database {name} is at schema revision {state.revision}, "
                         f"unknown to this controlmap (its newest is {HEAD}).",
                         hint="Use the controlmap that made it, or a new database file.")
    if state.legacy_version is not None:
        raise StoreError(f"The database {name} has schema version {state.legacy_version}; "
                         f"this controlmap uses revision {HEAD}.",
                         hint="Use a new database file (CONTROLMAP_DB or --db) and ingest "
                         "the documents again.")
    shown = ", ".join(sorted(state.tables)[:5])
    raise StoreError(f"The database {name} is not a controlmap database (it holds other "
                     f"tables: {shown}).",
                     hint="Point CONTROLMAP_DB (or --db) at a new file or an empty database.")


def _quote_arg(url: str) -> str:
    """Return the ``--db`` argument that names this database in a hint: a SQLite file's
    path (shell-quoted when needed), else a pointer to the URL (never its password)."""
    path = _sqlite_path(url)
    if path is None:
        return "<the same URL>"
    return shlex.quote(str(path))


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
            f"Cannot use the database URL {describe_db(url)}: {err}.",
            hint="Use a SQLite path or a sqlite:/// or postgresql:// URL (install "
            "controlmap[postgres] for PostgreSQL).",
        ) from err
    # create_engine has no engine-class argument; _StoreEngine only overrides begin().
    engine.__class__ = _StoreEngine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, url)
    return engine


def _configure_sqlite(engine: sa.Engine, url: str) -> None:
    """Set WAL, foreign keys and a busy timeout, and make BEGIN explicit.

    pysqlite defers BEGIN until the first write; taking over BEGIN makes a transaction
    cover the reads before the writes too (the SQLAlchemy-documented recipe). A write
    transaction (``engine.begin()``) starts with BEGIN IMMEDIATE: it takes the write lock
    before its first read, so no other writer can commit between its reads and its writes
    (which would fail it at once with "database is locked", whatever the busy timeout).
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
        if conn.get_execution_options().get(_WRITE):
            _begin_immediate(conn.connection.driver_connection, url)
        else:
            conn.exec_driver_sql("BEGIN")


def _begin_immediate(raw: Any, url: str) -> None:
    """Run BEGIN IMMEDIATE on a sqlite3 connection, waiting for the write lock up to
    :data:`LOCK_ATTEMPTS` busy timeouts; raise StoreError if it stays locked."""
    import sqlite3

    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as err:
            if not _is_busy(err) or attempt == LOCK_ATTEMPTS:
                waited = LOCK_ATTEMPTS * BUSY_TIMEOUT_MS / 1000
                reason = (f"another process held its write lock for {waited:g} s"
                          if _is_busy(err) else _reason(err))
                raise StoreError(
                    f"Cannot write to the database {describe_db(url)}: {reason}.",
                    hint="Wait for the other ingest or edit to finish, then run this again "
                    "(documents already stored are skipped).",
                ) from err
            time.sleep(random.uniform(0.01, 0.1))  # let the holder's waiters go first


# --- documents -----------------------------------------------------------------------------


class PreparedDocument(NamedTuple):
    """A document with what was extracted from it, ready to store in one piece."""

    doc: Document
    mentions: Sequence[Mention] = ()
    claims: Sequence[Claim] = ()
    counts: Sequence[CountStatement] = ()
    #: its near-copy signature (:func:`geo.signatures.signature_bytes`) when it was computed
    #: where the text was read (a parallel ingest's worker); None: computed when linked
    signature: bytes | None = None


def has_document(conn: sa.Connection, content_hash: str) -> bool:
    """Return True if a document with this content hash is stored."""
    query = sa.select(documents.c.doc_id).where(documents.c.content_hash == content_hash)
    return conn.execute(query.limit(1)).first() is not None


def stored_hashes(conn: sa.Connection, hashes: Iterable[str]) -> set[str]:
    """Return which of these content hashes are stored: one ``SELECT ... IN`` per
    :data:`_IN_CHUNK` hashes (one for a batch of documents).

    Raises
    ------
    StoreError
        If the database cannot be read (the message has no SQL or values).
    """
    wanted = list(dict.fromkeys(hashes))
    found: set[str] = set()
    try:
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            query = sa.select(documents.c.content_hash).where(
                documents.c.content_hash.in_(chunk))
            found.update(conn.execute(query).scalars())
    except sa.exc.SQLAlchemyError as err:
        raise _store_error(err) from err
    return found


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
        is already stored (or another writer stored it first).

    Raises
    ------
    DocumentStoreError
        If the database refuses the document (the message names it).
    """
    return save_documents(conn, [PreparedDocument(doc, mentions_, claims_, counts_)])[0]


#: Called inside the transaction once a batch's documents are inserted, with each new
#: document's ``doc_id`` and item in insertion order (the ingest links near-copies to their
#: story there, so the links are atomic with the documents).
OnStored = Callable[[sa.Connection, list[tuple[int, PreparedDocument]]], None]

#: Documents inserted by one statement at most: a few statements per batch instead of a
#: few per document (each a round trip to a PostgreSQL server), without one statement
#: carrying a whole batch of 2 MiB texts.
_INSERT_ROWS = 100
_INSERT_CHARS = 8_000_000


def save_documents(
    conn: sa.Connection,
    items: Iterable[PreparedDocument | tuple[Document, Sequence[Mention], Sequence[Claim],
                                              Sequence[CountStatement]]],
    on_stored: OnStored | None = None,
) -> list[bool]:
    """Store many prepared documents in the caller's transaction, one existence check for
    the batch.

    ``items`` are :class:`PreparedDocument` (or ``(doc, mentions, claims, counts)``
    tuples). Each document is stored whole or not at all; the caller commits the batch
    (``with engine.begin() as conn:``; :func:`save_batch` does it with retries). Documents
    are inserted in content-hash order, so concurrent PostgreSQL writers take the unique
    index's locks in one order and cannot deadlock on them.

    Returns
    -------
    list of bool
        One per item, in order: True if stored, False if its content was already stored,
        repeats an earlier item of the batch, or another writer stored it first.

    Raises
    ------
    DocumentStoreError
        If the database refuses a document (the message names it; roll the transaction
        back, it may hold part of that document).
    StoreError
        For any other database failure (connection lost, a lock not granted).
    """
    batch = [PreparedDocument(*item) for item in items]
    hashes = [item.doc.content_hash for item in batch]
    seen = stored_hashes(conn, hashes)
    todo: list[int] = []
    for i in sorted(range(len(batch)), key=hashes.__getitem__):
        if hashes[i] not in seen:
            seen.add(hashes[i])
            todo.append(i)
    todo_items = [batch[i] for i in todo]
    try:
        # the batch in a few statements; if the database refuses it, one document at a
        # time finds (and names) the one it refuses
        with conn.begin_nested():
            ids = _insert_batch(conn, todo_items, on_stored)
    except sa.exc.SQLAlchemyError as err:
        if len(todo_items) == 1:
            raise _store_error(err, todo_items[0].doc.name) from err
        ids = {}
        for item in todo_items:
            try:
                with conn.begin_nested():
                    ids.update(_insert_batch(conn, [item], on_stored))
            except sa.exc.SQLAlchemyError as one:
                raise _store_error(one, item.doc.name) from one
    inserted = {i for i in todo if hashes[i] in ids}
    return [i in inserted for i in range(len(batch))]


def _insert_batch(conn: sa.Connection, items: Sequence[PreparedDocument],
                  on_stored: OnStored | None) -> dict[str, int]:
    """Insert documents and their contents, call ``on_stored``; return the ``doc_id`` of
    each content hash inserted."""
    ids = _insert_documents(conn, items)
    stored = [(ids[item.doc.content_hash], item) for item in items
              if item.doc.content_hash in ids]
    _insert_contents(conn, stored)
    if on_stored is not None and stored:
        on_stored(conn, stored)
    return ids


def save_batch(
    engine: sa.Engine,
    items: Sequence[PreparedDocument | tuple[Document, Sequence[Mention], Sequence[Claim],
                                              Sequence[CountStatement]]],
    *,
    attempts: int = BATCH_ATTEMPTS,
    on_stored: OnStored | None = None,
) -> list[bool]:
    """Store prepared documents in one write transaction of their own; see
    :func:`save_documents`.

    A transient conflict (a PostgreSQL deadlock or serialization failure) rolls the batch
    back and runs it again, up to ``attempts`` times; the SQLite write lock is waited for
    (see :data:`LOCK_ATTEMPTS`).

    Returns
    -------
    list of bool
        As :func:`save_documents`.

    Raises
    ------
    DocumentStoreError
        If the database refuses a document (nothing of the batch is stored).
    StoreError
        If the database stays unavailable or locked.
    """
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return save_documents(conn, items, on_stored)
        except StoreError as err:
            if attempt == attempts or not _is_transient(err.__cause__):
                raise
        except sa.exc.SQLAlchemyError as err:  # at commit
            if attempt == attempts or not _is_transient(err):
                raise _store_error(err) from err
        time.sleep(random.uniform(0.05, 0.2) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _insert_documents(conn: sa.Connection, items: Sequence[PreparedDocument]) -> dict[str, int]:
    """Insert documents (their rows only) in the given order; return the ``doc_id`` of each
    content hash inserted. A hash another writer stored first is left out (the insert did
    nothing for it)."""
    insert = insert_ignoring_conflicts(conn, documents, "content_hash").returning(
        documents.c.content_hash, documents.c.doc_id)
    ids: dict[str, int] = {}
    now = _now()
    for chunk in _chunks_by_size(items):
        rows = [{"content_hash": item.doc.content_hash, "name": item.doc.name,
                 "source": item.doc.source, "title": item.doc.title,
                 "published": item.doc.published, "text": item.doc.text, "ingested_at": now,
                 "url": item.doc.url, "outlet": item.doc.outlet} for item in chunk]
        if len(rows) == 1:  # a single row: no executemany paging needed
            ids.update(conn.execute(insert.values(**rows[0])).all())
        else:
            ids.update(conn.execute(insert, rows).all())
    return ids


def _chunks_by_size(items: Sequence[PreparedDocument]) -> Iterator[Sequence[PreparedDocument]]:
    """Yield runs of ``items`` of at most :data:`_INSERT_ROWS` documents and, unless one
    document is larger alone, :data:`_INSERT_CHARS` characters of text."""
    start, size = 0, 0
    for i, item in enumerate(items):
        if i > start and (i - start >= _INSERT_ROWS or size + len(item.doc.text) > _INSERT_CHARS):
            yield items[start:i]
            start, size = i, 0
        size += len(item.doc.text)
    if start < len(items):
        yield items[start:]


def _insert_contents(conn: sa.Connection, stored: Sequence[tuple[int, PreparedDocument]]) -> None:
    """Insert the mentions, claims and counts of just-inserted documents: one statement a
    table for the whole batch."""
    insert_rows(conn, mentions,
                [_mention_row(m, doc_id) for doc_id, item in stored for m in item.mentions])
    claim_rows: dict[str, dict] = {}
    for doc_id, item in stored:
        for claim_id, claim in _unique_by_id(c.with_id() for c in item.claims).items():
            claim_rows.setdefault(claim_id, _claim_row(claim, doc_id))
    insert_rows(conn, claims, list(claim_rows.values()), skip_conflicts_on="claim_id")
    insert_rows(conn, counts,
                [{**asdict(c), "doc_id": doc_id} for doc_id, item in stored for c in item.counts])


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
    insert = insert_ignoring_conflicts(conn, claims, "claim_id")
    # ON CONFLICT DO NOTHING: an analyst adding the same claim at the same moment is told
    # so, rather than shown a database error.
    added = insert.values(**_claim_row(claim, None)).returning(claims.c.claim_id)
    if conn.execute(added).scalar_one_or_none() is None:
        raise ClaimError(
            f"This manual claim is already stored (id {claim.claim_id}).",
            hint="Change the note or the claim to add another one.",
        )
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
    return dt.datetime.now(dt.UTC)


def _reason(err: BaseException) -> str:
    """Return a database error's own one-line reason: no SQL, no parameters, no values."""
    orig = getattr(err, "orig", None) or err
    diag = getattr(orig, "diag", None)  # psycopg: the primary message without DETAIL
    text = (getattr(diag, "message_primary", None) or str(orig)).strip()
    line = text.splitlines()[0] if text else type(orig).__name__
    return line[:300]


def _is_busy(err: BaseException) -> bool:
    name = getattr(err, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(err)


def _is_transient(err: BaseException | None) -> bool:
    """Return True for a PostgreSQL conflict that running the transaction again resolves
    (a serialization failure or a deadlock); SQLite's lock is waited for at BEGIN."""
    if err is None:
        return False
    orig = getattr(err, "orig", None) or err
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in ("40001", "40P01")


_REFUSALS = (sa.exc.IntegrityError, sa.exc.DataError, sa.exc.ProgrammingError,
             sa.exc.InternalError)


def _store_error(err: sa.exc.SQLAlchemyError, document: str | None = None) -> StoreError:
    """Turn a SQLAlchemy error into a StoreError with the database's reason, never SQL or
    values; a refusal of one named document gives a DocumentStoreError naming it."""
    if document is not None and (isinstance(err, _REFUSALS) or _is_transient(err)):
        error = DocumentStoreError(
            f"The database refused to store {document!r}: {_reason(err)}.",
            hint="Nothing of it was stored; the rest of the batch goes on.",
        )
        error.document = document
        return error
    what = f"{document!r}" if document is not None else "a batch of documents"
    return StoreError(f"The database failed while reading or storing {what}: {_reason(err)}.",
                      hint="Check that the database is reachable, then run the ingest again "
                      "(documents already stored are skipped).")


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
