"""Bulk writes (geo._bulk) on SQLite and PostgreSQL: COPY there, executemany here, the same
rows and the same errors either way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from backends import BACKENDS, database

from geo import store
from geo._bulk import insert_rows, update_column
from tests.factories import make_claim


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path: Path):
    with database(request.param, tmp_path) as url:
        yield store.open_db(url)


def _document(conn: sa.Connection, name: str) -> int:
    return conn.execute(sa.insert(store.documents).values(
        content_hash=name * 8, name=name, source="", title="", published=dt.date(2021, 8, 8),
        text="Kunduz fell. It's \"quoted\", with a tab\tand a backslash \\ too.",
        ingested_at=dt.datetime(2021, 8, 8, tzinfo=dt.UTC)).returning(
        store.documents.c.doc_id)).scalar_one()


def _claim_row(doc_id: int, claim_id: str, quote: str) -> dict:
    row = {name: getattr(make_claim(quote=quote), name) for name in store.CLAIM_FIELDS}
    return {**row, "claim_id": claim_id, "doc_id": doc_id}


def test_rows_whose_key_is_stored_are_skipped_and_the_rest_inserted(engine) -> None:
    with engine.begin() as conn:
        doc = _document(conn, "a")
        insert_rows(conn, store.claims, [_claim_row(doc, "c1", "first")],
                    skip_conflicts_on="claim_id")
        # twice more in the same transaction: the staging table starts empty each time
        for _ in range(2):
            insert_rows(conn, store.claims,
                        [_claim_row(doc, "c1", "again"), _claim_row(doc, "c2", "tab\there")],
                        skip_conflicts_on="claim_id")
        rows = conn.execute(sa.select(store.claims.c.claim_id, store.claims.c.quote)
                            .order_by(store.claims.c.claim_id)).all()
    assert [tuple(r) for r in rows] == [("c1", "first"), ("c2", "tab\there")]


def test_values_of_every_column_type_come_back_as_they_went_in(engine) -> None:
    row = _claim_row(0, "c9", "a \\N-looking \\N quote, NULL, \"quotes\"\nand a new line")
    row.update(lat=None, lon=34.5, province_iso=None)
    with engine.begin() as conn:
        row["doc_id"] = _document(conn, "b")
        insert_rows(conn, store.claims, [row])
        back = conn.execute(sa.select(*[store.claims.c[k] for k in row])).one()
    assert dict(zip(row, back, strict=True)) == row


def test_update_column_sets_each_key_its_value(engine) -> None:
    with engine.begin() as conn:
        a, b, c = (_document(conn, name) for name in "abc")
        update_column(conn, store.documents, "doc_id", "story_id", [(b, a), (c, a)])
        update_column(conn, store.documents, "doc_id", "story_id", [])
        stories = dict(conn.execute(sa.select(store.documents.c.doc_id,
                                              store.documents.c.story_id)).all())
    assert stories == {a: None, b: a, c: a}


def test_a_refused_row_is_a_dbapi_error_and_a_savepoint_keeps_the_rest(engine) -> None:
    with engine.begin() as conn:
        doc = _document(conn, "a")
        bad = {**_claim_row(doc, "c1", "x"), "place": None}  # NOT NULL
        with pytest.raises(sa.exc.DBAPIError), conn.begin_nested():
            insert_rows(conn, store.claims, [_claim_row(doc, "c0", "kept?"), bad],
                        skip_conflicts_on="claim_id")
        insert_rows(conn, store.claims, [_claim_row(doc, "c2", "after")],
                    skip_conflicts_on="claim_id")
    with engine.connect() as conn:
        kept = conn.execute(sa.select(store.claims.c.claim_id)).scalars().all()
    assert kept == ["c2"]


def test_sqlite_rows_are_stored_as_sqlalchemy_itself_would_store_them(tmp_path: Path) -> None:
    # insert_rows runs the driver's executemany with SQLAlchemy's bind processors: the text
    # stored for dates, booleans and NULLs must be byte for byte what SQLAlchemy writes
    engine = store.open_db(str(tmp_path / "raw.db"))
    with engine.begin() as conn:
        doc = _document(conn, "r")
        ours, theirs = _claim_row(doc, "ours", "q"), _claim_row(doc, "theirs", "q")
        for row in (ours, theirs):
            row.update(lat=None, province_iso=None)
        insert_rows(conn, store.claims, [ours])
        conn.execute(sa.insert(store.claims), [theirs])
        stored = conn.exec_driver_sql("SELECT * FROM claims ORDER BY claim_id").all()
    columns = list(store.claims.c.keys())
    as_stored = [{k: v for k, v in zip(columns, r, strict=True) if k != "claim_id"}
                 for r in stored]
    assert as_stored[0] == as_stored[1]
    assert any(isinstance(v, str) and v.count("-") == 2 for v in as_stored[0].values())
