"""The store on a real PostgreSQL server, when one is given (CI starts one).

Set CONTROLMAP_TEST_POSTGRES to a SQLAlchemy URL of an empty database, e.g.
``postgresql+psycopg://cm:cm@127.0.0.1/cm``; without it these tests skip.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import sqlalchemy as sa

from geo import store
from geo.ingest import ingest_document
from geo.records import Document

URL = os.environ.get("CONTROLMAP_TEST_POSTGRES", "")
pytestmark = pytest.mark.skipif(
    not URL, reason="CONTROLMAP_TEST_POSTGRES is not set (no PostgreSQL server to test on)"
)


def _empty(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for table in ("edits", "counts", "claims", "mentions", "documents"):
            conn.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def engine():
    engine = store.open_db(URL)
    _empty(engine)
    yield engine
    _empty(engine)


def test_ingest_round_trip_and_idempotence_on_postgresql(engine):
    text = f"The Taliban captured Zaranj, the capital of Nimroz, on Friday. ({uuid.uuid4()})"
    doc = Document("pg.txt", text, dt.date(2021, 8, 7))
    assert ingest_document(engine, doc) is not None
    assert ingest_document(engine, doc) is None
    with engine.connect() as conn:
        claims = store.load_claims(conn)
    assert [(c.province_iso, c.event_date) for c in claims] == [("AF-NIM", dt.date(2021, 8, 6))]


def test_reject_and_restore_on_postgresql(engine):
    doc = Document("pg2.txt", "Kunduz fell to the Taliban on Sunday.", dt.date(2021, 8, 8))
    ingest_document(engine, doc)
    with engine.begin() as conn:
        claim_id = store.load_claims(conn)[0].claim_id
        store.reject_claim(conn, claim_id, author="ci")
    with engine.connect() as conn:
        assert store.load_claims(conn) == []
    with engine.begin() as conn:
        store.restore_claim(conn, claim_id, author="ci")
        assert [c.claim_id for c in store.load_claims(conn)] == [claim_id]
