"""What only PostgreSQL has: its column types, its refusals, and the earlier round trips.

Set CONTROLMAP_TEST_POSTGRES to a SQLAlchemy URL (see tests/backends.py); without it these
tests skip. Every other store, ingest, concurrency and migration test runs on PostgreSQL
too, through the ``db_url`` fixtures.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from backends import NO_POSTGRES, POSTGRES, postgres_schema

from geo import store
from geo.errors import DocumentStoreError
from geo.ingest import ingest_document
from geo.records import Document

pytestmark = pytest.mark.skipif(not POSTGRES, reason=NO_POSTGRES)


@pytest.fixture
def engine():
    with postgres_schema() as url:
        yield store.open_db(url)


def test_timestamps_are_timestamptz_on_postgresql(engine) -> None:
    with engine.connect() as conn:
        columns = {(t, c["name"]): c["type"] for t in ("documents", "edits")
                   for c in sa.inspect(conn).get_columns(t)}  # fmt: skip
    assert columns[("documents", "ingested_at")].timezone is True
    assert columns[("edits", "created_at")].timezone is True


def test_a_nul_byte_is_a_clean_refusal_naming_the_document(engine) -> None:
    doc = Document("nul.txt", "Kunduz fell to the Taliban.\x00 secret text", dt.date(2021, 8, 8))
    with pytest.raises(DocumentStoreError) as err:
        store.save_batch(engine, [store.PreparedDocument(doc)])
    assert err.value.document == "nul.txt"
    assert "secret text" not in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_ingest_round_trip_and_idempotence_on_postgresql(engine) -> None:
    text = f"The Taliban captured Zaranj, the capital of Nimroz, on Friday. ({uuid.uuid4()})"
    doc = Document("pg.txt", text, dt.date(2021, 8, 7))
    assert ingest_document(engine, doc) is not None
    assert ingest_document(engine, doc) is None
    with engine.connect() as conn:
        claims = store.load_claims(conn)
    assert [(c.province_iso, c.event_date) for c in claims] == [("AF-NIM", dt.date(2021, 8, 6))]


def test_reject_and_restore_on_postgresql(engine) -> None:
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
