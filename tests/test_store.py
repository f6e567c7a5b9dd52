"""The store on real SQLite files: schema, atomic saves, edits, manual claims and loading."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from factories import make_claim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import store
from geo.errors import ClaimError, StoreError
from geo.records import Document, Mention

PROJECT = Path(__file__).resolve().parent.parent


def make_doc(text: str = "The Taliban captured Kunduz city on Sunday, residents said.") -> Document:
    return Document(
        name="kunduz.txt",
        text=text,
        published=dt.date(2021, 8, 9),
        source="https://example.org/kunduz",
        title="Kunduz falls",
    )


def make_mention() -> Mention:
    return Mention(
        text="Kunduz",
        start=21,
        end=27,
        place="Kunduz",
        place_id="prov:AF-KDZ",
        kind="capital",
        province_iso="AF-KDZ",
        country="AF",
        lat=36.73,
        lon=68.86,
        confidence=0.9,
        reason="exact name",
    )


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "controlmap.db")


@pytest.fixture
def engine(db_path: str):
    engine = store.open_db(db_path)
    yield engine
    store.close_db(db_path)


def test_database_url_turns_a_path_into_an_absolute_sqlite_url(tmp_path: Path) -> None:
    url = store.database_url(str(tmp_path / "a.db"))
    assert url == f"sqlite:///{tmp_path / 'a.db'}"


def test_database_url_passes_urls_through() -> None:
    assert store.database_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_database_url_defaults_to_the_setting(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONTROLMAP_DB", str(tmp_path / "from-env.db"))
    assert store.database_url() == f"sqlite:///{tmp_path / 'from-env.db'}"


def test_open_db_creates_the_schema_and_records_its_version(engine, db_path: str) -> None:
    with sqlite3.connect(db_path) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"meta", "documents", "mentions", "claims", "edits"} <= tables
    assert version == (str(store.SCHEMA_VERSION),)
    assert {"ix_claims_event_date", "ix_claims_province_iso", "ix_documents_content_hash"} <= (
        indexes
    )


def test_open_db_turns_on_wal_and_foreign_keys(engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == store.BUSY_TIMEOUT_MS


def test_open_db_reuses_the_engine_of_a_url(engine, db_path: str) -> None:
    assert store.open_db(db_path) is engine


def test_open_db_refuses_another_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        raw.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    with pytest.raises(StoreError, match="schema version 99") as err:
        store.open_db(str(path))
    assert err.value.hint


def test_open_db_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 20)
    with pytest.raises(StoreError, match=r"notes\.db"):
        store.open_db(str(path))
    assert path.read_text().startswith("these are my notes")


def test_open_db_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder does not exist"):
        store.open_db(str(tmp_path / "nowhere" / "x.db"))


def test_saved_claims_load_back_with_every_field(engine) -> None:
    claims = [make_claim(), make_claim(place_id="gn:1", lat=None, lon=None, province_iso=None)]
    with engine.begin() as conn:
        assert store.save_document(conn, make_doc(), [make_mention()], claims)
    with engine.connect() as conn:
        loaded = store.load_claims(conn, include_rejected=True)
    assert sorted(loaded, key=lambda c: c.claim_id) == sorted(
        (c.with_id() for c in claims), key=lambda c: c.claim_id
    )
    assert all(type(c.event_date) is dt.date for c in loaded)


def test_saved_document_and_mentions_load_back(engine) -> None:
    doc = make_doc()
    with engine.begin() as conn:
        store.save_document(conn, doc, [make_mention()], [make_claim()])
    with engine.connect() as conn:
        [listed] = store.load_documents(conn)
        full = store.load_document(conn, listed["doc_id"])
        mentions = store.load_mentions(conn, listed["doc_id"])
    assert "text" not in listed
    assert (listed["n_mentions"], listed["n_claims"]) == (1, 1)
    assert full["text"] == doc.text
    assert full["published"] == doc.published
    assert full["content_hash"] == doc.content_hash
    assert mentions == [make_mention()]


def test_load_document_of_an_unknown_id_raises_store_error(engine) -> None:
    with engine.connect() as conn, pytest.raises(StoreError, match="42"):
        store.load_document(conn, 42)


def test_same_content_twice_is_saved_once(engine) -> None:
    with engine.begin() as conn:
        assert store.save_document(conn, make_doc(), [make_mention()], [make_claim()])
    with engine.begin() as conn:
        before = store.count_rows(conn)
        renamed = dataclasses.replace(make_doc(), name="copy.txt")
        assert not store.save_document(conn, renamed, [make_mention()], [make_claim(start=1)])
        assert store.count_rows(conn) == before
        assert store.has_document(conn, make_doc().content_hash)


def test_duplicate_claims_within_a_document_are_kept_once(engine) -> None:
    with engine.begin() as conn:
        store.save_document(conn, make_doc(), [], [make_claim(), make_claim()])
        assert store.count_rows(conn)["claims"] == 1


def test_a_failing_save_inside_begin_leaves_nothing_behind(engine) -> None:
    def save_then_crash() -> None:
        with engine.begin() as conn:
            store.save_document(conn, make_doc(), [make_mention()], [make_claim()])
            raise RuntimeError("the parser crashed after saving")

    with pytest.raises(RuntimeError, match="crashed"):
        save_then_crash()
    with engine.connect() as conn:
        assert store.count_rows(conn) == {"documents": 0, "mentions": 0, "claims": 0, "edits": 0}
        assert not store.has_document(conn, make_doc().content_hash)


def test_a_process_killed_before_commit_leaves_nothing_behind(engine, db_path: str) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(PROJECT)!r})
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from geo import store
        from test_store import make_claim, make_doc, make_mention
        engine = store.open_db({db_path!r})
        with engine.begin() as conn:
            assert store.save_document(conn, make_doc(), [make_mention()] * 500, [make_claim()])
            print("saved", flush=True)
            os._exit(1)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "saved" in done.stdout
    with engine.connect() as conn:
        assert store.count_rows(conn) == {"documents": 0, "mentions": 0, "claims": 0, "edits": 0}
    with engine.begin() as conn:
        assert store.save_document(conn, make_doc(), [make_mention()], [make_claim()])


def test_reject_then_restore_and_the_latest_edit_wins(engine) -> None:
    claim = make_claim().with_id()
    with engine.begin() as conn:
        store.save_document(conn, make_doc(), [], [claim])
    with engine.begin() as conn:
        store.reject_claim(conn, claim.claim_id, author="ana", note="misread")
    with engine.connect() as conn:
        assert store.load_claims(conn) == []
        assert store.load_claims(conn, include_rejected=True) == [claim]
        [row] = store.load_claim_rows(conn, include_rejected=True)
        assert row["status"] == "rejected"
        assert row["document_name"] == "kunduz.txt"
    with engine.begin() as conn:
        store.restore_claim(conn, claim.claim_id, author="ben")
    with engine.connect() as conn:
        assert store.load_claims(conn) == [claim]
        assert store.load_claim_rows(conn)[0]["status"] == "active"
        edits = store.load_edits(conn, claim.claim_id)
    assert [(e["action"], e["author"]) for e in edits] == [("restore", "ben"), ("reject", "ana")]
    assert edits[1]["note"] == "misread"
    assert isinstance(edits[0]["created_at"], dt.datetime)


def test_editing_an_unknown_claim_raises_claim_error(engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(ClaimError, match="nope"):
            store.reject_claim(conn, "nope", author="ana")
        with pytest.raises(ClaimError, match="nope"):
            store.restore_claim(conn, "nope", author="ana")


def test_edits_are_never_deleted(engine) -> None:
    claim = make_claim().with_id()
    with engine.begin() as conn:
        store.save_claims_bulk(conn, [claim])
        for _ in range(3):
            store.reject_claim(conn, claim.claim_id, author="ana")
            store.restore_claim(conn, claim.claim_id, author="ana")
        assert len(store.load_edits(conn)) == 6


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(st.sampled_from(["reject", "restore"]), max_size=12))
def test_a_claim_is_rejected_iff_its_last_edit_is_reject(tmp_path: Path, actions) -> None:
    path = tmp_path / f"edits-{time.perf_counter_ns()}.db"
    engine = store.open_db(str(path))
    try:
        claim = make_claim().with_id()
        other = make_claim(start=99).with_id()
        with engine.begin() as conn:
            store.save_claims_bulk(conn, [claim, other])
            store.reject_claim(conn, other.claim_id, author="x")
            for action in actions:
                edit = store.reject_claim if action == "reject" else store.restore_claim
                edit(conn, claim.claim_id, author="ana")
        with engine.connect() as conn:
            active = {c.claim_id for c in store.load_claims(conn)}
            rows = {
                r["claim_id"]: r["status"]
                for r in store.load_claim_rows(conn, include_rejected=True)
            }
        rejected = bool(actions) and actions[-1] == "reject"
        assert (claim.claim_id not in active) == rejected
        assert rows[claim.claim_id] == ("rejected" if rejected else "active")
        assert other.claim_id not in active
    finally:
        store.close_db(str(path))


def test_add_manual_claim_stores_it_with_an_add_edit(engine) -> None:
    with engine.begin() as conn:
        added = store.add_manual_claim(
            conn, make_claim(document="", start=0, end=0), author="ana", note="phone call"
        )
    assert (added.origin, added.author, added.note) == ("manual", "ana", "phone call")
    assert added.claim_id
    with engine.connect() as conn:
        assert store.load_claims(conn) == [added]
        [edit] = store.load_edits(conn)
        [row] = store.load_claim_rows(conn)
    assert (edit["claim_id"], edit["action"], edit["author"]) == (added.claim_id, "add", "ana")
    assert row["doc_id"] is None


def test_adding_the_same_manual_claim_twice_raises_claim_error(engine) -> None:
    with engine.begin() as conn:
        store.add_manual_claim(conn, make_claim(), author="ana", note="n")
        with pytest.raises(ClaimError, match="already stored"):
            store.add_manual_claim(conn, make_claim(), author="ana", note="n")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "liberated"),
        ("actor", ""),
        ("actor", "   "),
        ("province_iso", "KDZ"),
        ("province_iso", "AF-kdz"),
        ("province_iso", None),
        ("confidence", 1.5),
        ("confidence", -0.1),
        ("quote", ""),
    ],
)
def test_add_manual_claim_refuses_a_bad_field(engine, field: str, value: object) -> None:
    with engine.begin() as conn:
        with pytest.raises(ClaimError, match=field) as err:
            store.add_manual_claim(conn, make_claim(**{field: value}), author="ana", note="")
        assert repr(value) in str(err.value)
        assert store.count_rows(conn)["claims"] == 0


def test_add_manual_claim_refuses_an_empty_author(engine) -> None:
    with engine.begin() as conn, pytest.raises(ClaimError, match="author"):
        store.add_manual_claim(conn, make_claim(), author="", note="")


def test_load_claims_filters_by_dates_and_province(engine) -> None:
    claims = [
        make_claim(event_date=dt.date(2021, 8, day), province_iso=iso, start=day)
        for day, iso in [(1, "AF-KDZ"), (5, "AF-HER"), (9, "AF-KDZ"), (12, "AF-KAB")]
    ]
    with engine.begin() as conn:
        store.save_claims_bulk(conn, claims)
    with engine.connect() as conn:
        window = store.load_claims(conn, start=dt.date(2021, 8, 5), end=dt.date(2021, 8, 9))
        kunduz = store.load_claims(conn, province_iso="AF-KDZ")
        both = store.load_claims(conn, start=dt.date(2021, 8, 2), province_iso="AF-KDZ")
        rows = store.load_claim_rows(conn, end=dt.date(2021, 8, 1))
    assert [c.event_date.day for c in window] == [5, 9]
    assert [c.event_date.day for c in kunduz] == [1, 9]
    assert [c.event_date.day for c in both] == [9]
    assert [r["event_date"] for r in rows] == [dt.date(2021, 8, 1)]


def test_load_claims_orders_by_date_then_id(engine) -> None:
    claims = [make_claim(event_date=dt.date(2021, 8, 10 - i % 3), start=i) for i in range(12)]
    with engine.begin() as conn:
        store.save_claims_bulk(conn, claims)
    with engine.connect() as conn:
        loaded = store.load_claims(conn)
    assert [(c.event_date, c.claim_id) for c in loaded] == sorted(
        (c.event_date, c.claim_id) for c in loaded
    )
    assert len(loaded) == 12


def test_bulk_saved_claims_load_back_quickly(engine) -> None:
    claims = [
        make_claim(event_date=dt.date(2021, 5, 1) + dt.timedelta(days=i % 120), start=i)
        for i in range(10_000)
    ]
    with engine.begin() as conn:
        assert store.save_claims_bulk(conn, [*claims, claims[0]]) == 10_000
    with engine.connect() as conn:
        began = time.perf_counter()
        loaded = store.load_claims(conn)
        elapsed = time.perf_counter() - began
    assert {c.claim_id for c in loaded} == {c.with_id().claim_id for c in claims}
    assert elapsed < 1.0


def test_data_version_changes_with_documents_claims_and_edits(engine) -> None:
    claim = make_claim().with_id()
    with engine.connect() as conn:
        versions = [store.data_version(conn)]
    with engine.begin() as conn:
        store.save_document(conn, make_doc(), [], [claim])
    with engine.connect() as conn:
        versions.append(store.data_version(conn))
        assert store.data_version(conn) == versions[-1]
    with engine.begin() as conn:
        store.add_manual_claim(conn, make_claim(), author="ana", note="")
    with engine.connect() as conn:
        versions.append(store.data_version(conn))
    with engine.begin() as conn:
        store.reject_claim(conn, claim.claim_id, author="ana")
    with engine.connect() as conn:
        versions.append(store.data_version(conn))
    assert len(set(versions)) == 4


def test_count_rows_counts_every_table(engine) -> None:
    with engine.begin() as conn:
        store.save_document(conn, make_doc(), [make_mention(), make_mention()], [make_claim()])
        store.reject_claim(conn, make_claim().with_id().claim_id, author="ana")
        assert store.count_rows(conn) == {"documents": 1, "mentions": 2, "claims": 1, "edits": 1}


def test_foreign_keys_are_enforced(engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.insert(store.edits).values(
                claim_id="ghost",
                action="reject",
                author="a",
                note="",
                created_at=dt.datetime(2021, 8, 1),
            )
        )
