"""Bulk writes of a batch's rows: as little per-row work as the database allows.

On PostgreSQL, rows go in with ``COPY ... FROM STDIN`` (psycopg's copy protocol) inside the
caller's transaction: psycopg's ``executemany`` sends and reads back each row on its own,
in Python, and the server plans and runs each ``INSERT``; at ~16 rows a document that was
most of a batch writer's time (``bench/bench_parallel.py --profile --postgres``). Rows
whose key may already be stored go through a temporary staging table and one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING``. Elsewhere (SQLite) ``executemany``,
which the sqlite3 module runs in C.

A database error is raised as SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError`, as any
statement of the store would raise it, so the store's handling (a savepoint rolled back,
the refused document named) is the same on every path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from typing import Any

import sqlalchemy as sa


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]],
                *, skip_conflicts_on: str | None = None) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the caller's
    transaction; with ``skip_conflicts_on`` (a unique column), a row whose key is stored
    already is left out, as ``ON CONFLICT DO NOTHING``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, rows, skip_conflicts_on)
        return
    statement = (sa.insert(table) if skip_conflicts_on is None
                 else insert_ignoring_conflicts(conn, table, skip_conflicts_on))
    if conn.dialect.name == "sqlite" and _no_python_defaults(table, rows[0]):
        _execute_many(conn, table, statement, rows)
    else:
        conn.execute(statement, list(rows))


def _no_python_defaults(table: sa.Table, row: Mapping[str, Any]) -> bool:
    """Return whether every column the rows leave out has no default computed in Python
    (which only SQLAlchemy's own executemany would fill in)."""
    return all(c.default is None for c in table.c if c.key not in row)


def _execute_many(conn: sa.Connection, table: sa.Table, statement: Any,
                  rows: Sequence[Mapping[str, Any]]) -> None:
    """Run ``statement`` for ``rows`` with the driver's own ``executemany``.

    What SQLAlchemy's executemany does, without its per-row work (a parameter dict built
    and checked for each row: 35 % of a batch writer's time on SQLite): the statement is
    compiled once, and each column's bind processor (dates as ISO text, and so on) is the
    one SQLAlchemy would apply.
    """
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    order = compiled.positiontup
    assert order is not None  # SQLite's paramstyle (qmark) is positional
    processors = [table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
                  for key in order]
    values = [tuple(row[key] if process is None else process(row[key])
                    for key, process in zip(order, processors, strict=True)) for row in rows]
    sql = str(compiled)
    with _raw_cursor(conn, sql) as cursor:
        cursor.executemany(sql, values)


def update_column(conn: sa.Connection, table: sa.Table, key: str, column: str,
                  values: Sequence[tuple[int, int | None]]) -> None:
    """Set ``column`` to each pair's second value on the row whose integer ``key`` is the
    first, in one statement on PostgreSQL (an ``UPDATE ... FROM unnest(...)``)."""
    if not values:
        return
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        name = conn.dialect.identifier_preparer.format_table(table)
        sql = (f"UPDATE {name} SET {quote(column)} = v.value "
               f"FROM unnest(%s::bigint[], %s::bigint[]) AS v(key, value) "
               f"WHERE {name}.{quote(key)} = v.key")
        keys, new = [k for k, _ in values], [v for _, v in values]
        with _raw_cursor(conn, sql) as cursor:
            cursor.execute(sql, (keys, new))
        return
    conn.execute(sa.update(table).where(table.c[key] == sa.bindparam("b_key"))
                 .values({column: sa.bindparam("b_value")}),
                 [{"b_key": k, "b_value": v} for k, v in values])


def _copy_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]],
               skip_conflicts_on: str | None) -> None:
    preparer = conn.dialect.identifier_preparer
    columns = list(rows[0])
    names = ", ".join(preparer.quote(c) for c in columns)
    target = preparer.format_table(table)
    into = target if skip_conflicts_on is None else preparer.quote(f"_stage_{table.name}")
    copy_sql = f"COPY {into} ({names}) FROM STDIN"
    with _raw_cursor(conn, copy_sql) as cursor:
        if skip_conflicts_on is not None:
            # a temporary table of the session, emptied after each use; LIKE copies the
            # columns and their NOT NULL constraints, so a bad row fails here as it would
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {into} "
                           f"(LIKE {target} INCLUDING DEFAULTS)")
        with cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        if skip_conflicts_on is not None:
            cursor.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {into} "
                           f"ON CONFLICT ({preparer.quote(skip_conflicts_on)}) DO NOTHING")
            cursor.execute(f"TRUNCATE {into}")


@contextmanager
def _raw_cursor(conn: sa.Connection, statement: str) -> Iterator[Any]:
    """Yield a cursor of the connection's own DBAPI connection (in its transaction);
    a DBAPI error leaves it as SQLAlchemy's DBAPIError."""
    dbapi = conn.dialect.loaded_dbapi
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        with closing(raw.cursor()) as cursor:  # sqlite3's cursor is no context manager
            yield cursor
    except dbapi.Error as err:
        raise sa.exc.DBAPIError.instance(statement, None, err, dbapi.Error) from err


def insert_ignoring_conflicts(conn: sa.Connection, table: sa.Table, key: str) -> Any:
    """Return ``INSERT ... ON CONFLICT (key) DO NOTHING`` for the connection's dialect."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=[key])
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=[key])
    return sa.insert(table)
