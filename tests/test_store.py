"""The store on real databases: schema, atomic and batched saves, writers taking turns,
edits, manual claims and loading. Every test that is not about SQLite itself runs on a
SQLite file and, when CONTROLMAP_TEST_POSTGRES is set, on PostgreSQL (tests/backends.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from backends import BACKENDS, database
from factories import StatementLog, make_claim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import migrations, store
from geo.errors import ClaimError, DocumentStoreError, StoreError
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


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path: Path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str):
    return store.open_db(db_url)


@pytest.fixture
def db_path(tmp_path: Path):
    path = str(tmp_path / "controlmap.db")
    yield path
    store.close_db(path)


@pytest.fixture
def sqlite_engine(db_path: str):
    return store.open_db(db_path)


def test_database_url_turns_a_path_into_an_absolute_sqlite_url(tmp_path: Path) -> None:
    url = store.database_url(str(tmp_path / "a.db"))
    assert url == f"sqlite:///{tmp_path / 'a.db'}"


def test_database_url_passes_urls_through() -> None:
    assert store.database_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_database_url_defaults_to_the_setting(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONTROLMAP_DB", str(tmp_path / "from-env.db"))
    assert store.database_url() == f"sqlite:///{tmp_path / 'from-env.db'}"


def test_open_db_creates_the_schema_and_records_its_version(engine) -> None:
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        tables = set(inspector.get_table_names())
        indexes = {i["name"] for t in tables for i in inspector.get_indexes(t)}
        version = conn.execute(sa.text("SELECT value FROM meta WHERE key='schema_version'"))
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert version.scalar() == str(store.SCHEMA_VERSION)
    assert {"meta", "documents", "mentions", "claims", "edits", "counts"} <= tables
    assert revision == "0004"
    assert {"ix_claims_event_date", "ix_claims_province_iso", "ix_documents_content_hash",
            "ix_documents_story_id"} <= indexes  # fmt: skip


def test_open_db_turns_on_wal_and_foreign_keys(sqlite_engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == store.BUSY_TIMEOUT_MS


def test_open_db_reuses_the_engine_of_a_url(engine, db_url: str) -> None:
    assert store.open_db(db_url) is engine


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


def test_a_process_killed_before_commit_leaves_nothing_behind(db_url: str) -> None:
    engine = store.open_db(db_url)
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(PROJECT)!r})
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from geo import store
        from test_store import make_claim, make_doc, make_mention
        engine = store.open_db({db_url!r})
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


def test_creating_a_database_does_not_load_the_near_copy_library(tmp_path: Path) -> None:
    # an empty database has no stored documents to rehash or link (migration 0003), so
    # opening one should not pay for importing datasketch and SciPy (~0.5 s)
    db = tmp_path / "new.db"
    script = (f"import sys; from geo import store; store.open_db({str(db)!r}); "
              "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    with store.open_db(str(db)).connect() as conn:
        assert store.schema_state(conn).revision == migrations.HEAD


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


def test_bulk_saved_claims_load_back_in_two_queries_whatever_their_number(engine) -> None:
    claims = [
        make_claim(event_date=dt.date(2021, 5, 1) + dt.timedelta(days=i % 120), start=i)
        for i in range(10_000)
    ]
    with engine.begin() as conn:
        assert store.save_claims_bulk(conn, [*claims, claims[0]]) == 10_000
    with StatementLog(engine) as log, engine.connect() as conn:
        loaded = store.load_claims(conn)
    assert {c.claim_id for c in loaded} == {c.with_id().claim_id for c in claims}
    assert len(log.queries()) <= 2, log.queries()


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


def test_foreign_keys_are_enforced_on_every_backend(engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(store.mentions).values(
            doc_id=12345, **make_mention()._asdict()))  # fmt: skip


# --------------------------------------------------------------------------- timestamps


def test_timestamps_are_stored_in_utc_and_read_back_timezone_aware(engine) -> None:
    before = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        store.save_document(conn, make_doc(), [], [make_claim()])
        store.reject_claim(conn, make_claim().with_id().claim_id, author="ana")
    after = dt.datetime.now(dt.UTC)
    with engine.connect() as conn:
        [doc] = store.load_documents(conn)
        [edit] = store.load_edits(conn)
    for stamp in (doc["ingested_at"], edit["created_at"]):
        assert stamp.tzinfo is not None
        assert stamp.utcoffset() == dt.timedelta(0)
        assert before - dt.timedelta(seconds=1) <= stamp <= after + dt.timedelta(seconds=1)


def test_a_timestamp_in_another_zone_is_stored_as_the_same_instant(engine) -> None:
    kabul = dt.timezone(dt.timedelta(hours=4, minutes=30))
    moment = dt.datetime(2021, 8, 15, 14, 0, tzinfo=kabul)
    claim = make_claim().with_id()
    with engine.begin() as conn:
        store.save_claims_bulk(conn, [claim])
        conn.execute(sa.insert(store.edits).values(
            claim_id=claim.claim_id, action="reject", author="a", note="", created_at=moment))
    with engine.connect() as conn:
        [edit] = store.load_edits(conn)
    assert edit["created_at"] == moment
    assert edit["created_at"].hour == 9
    assert edit["created_at"].tzinfo == dt.UTC


# --------------------------------------------------------------------------- batches


def doc_n(i: int) -> Document:
    return make_doc(f"Report {i}: the Taliban captured Kunduz city on Sunday, residents said.")


def prepared_n(i: int) -> store.PreparedDocument:
    return store.PreparedDocument(doc_n(i), [make_mention()],
                                  [make_claim(document=f"r{i}.txt", start=i)])


def test_save_documents_reports_stored_and_already_stored_in_input_order(engine) -> None:
    with engine.begin() as conn:
        assert store.save_documents(conn, [prepared_n(1)]) == [True]
    items = [prepared_n(3), prepared_n(1), prepared_n(2), prepared_n(3)]
    with engine.begin() as conn:
        assert store.save_documents(conn, items) == [True, False, True, False]
    with engine.connect() as conn:
        assert store.count_rows(conn) == {"documents": 3, "mentions": 3, "claims": 3,
                                          "edits": 0}  # fmt: skip
        names = {d["content_hash"] for d in store.load_documents(conn)}
    assert names == {doc_n(i).content_hash for i in (1, 2, 3)}


def test_save_documents_takes_plain_tuples_too(engine) -> None:
    with engine.begin() as conn:
        assert store.save_documents(conn, [(doc_n(1), [make_mention()], [make_claim()], [])]) == [
            True]


def test_save_documents_checks_existence_once_per_batch(engine) -> None:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.begin() as conn:
            assert all(store.save_documents(conn, [prepared_n(i) for i in range(60)]))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    checks = [s for s in statements if s.lstrip().upper().startswith("SELECT")
              and "content_hash IN" in s.replace("documents.content_hash", "content_hash")]
    assert len(checks) == 1, checks
    assert not any(s.lstrip().upper().startswith("SELECT") for s in statements if s not in checks)


def test_a_batch_with_a_document_the_database_refuses_raises_naming_it(engine) -> None:
    bad = store.PreparedDocument(doc_n(2), [make_mention()._replace(lat=None)], [])
    with pytest.raises(DocumentStoreError) as err:
        store.save_batch(engine, [prepared_n(1), bad, prepared_n(3)])
    message = str(err.value)
    assert err.value.document == "kunduz.txt"
    assert "'kunduz.txt'" in message
    assert "INSERT" not in message  # no SQL
    assert "Report 2" not in message  # no parameters: the text is not shown
    assert len(message.splitlines()) == 1
    with engine.connect() as conn:
        assert store.count_rows(conn)["documents"] == 0  # the batch was one transaction


def test_save_batch_skips_a_document_another_writer_is_storing(engine) -> None:
    """A lost race: the other writer's transaction holds the same content uncommitted; the
    batch waits for it (PostgreSQL: the unique index; SQLite: the write lock) and skips."""
    results: list[list[bool]] = []
    with engine.begin() as conn:
        assert store.save_documents(conn, [prepared_n(1)]) == [True]
        racer = threading.Thread(
            target=lambda: results.append(store.save_batch(engine, [prepared_n(2),
                                                                    prepared_n(1)])))
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive()  # it waits for this transaction
    racer.join(timeout=30)
    assert results == [[True, False]]
    with engine.connect() as conn:
        assert store.count_rows(conn)["documents"] == 2
        assert store.count_rows(conn)["claims"] == 2


def test_concurrent_batches_of_overlapping_documents_store_each_once(engine) -> None:
    batches = [[prepared_n(i) for i in range(k, k + 20)] for k in (0, 5, 10, 15)]
    outcomes: list[list[bool]] = []
    errors: list[BaseException] = []

    def write(batch) -> None:
        try:
            for start in range(0, len(batch), 4):
                outcomes.append(store.save_batch(engine, batch[start:start + 4]))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(r.count(True) for r in outcomes) == 35
    with engine.connect() as conn:
        rows = store.count_rows(conn)
    assert rows["documents"] == rows["mentions"] == rows["claims"] == 35


def test_an_app_edit_while_a_batch_is_being_written_waits_and_is_kept(engine) -> None:
    claim = make_claim().with_id()
    with engine.begin() as conn:
        store.save_claims_bulk(conn, [claim])
    edits_done: list[str] = []
    with engine.begin() as conn:
        store.save_documents(conn, [prepared_n(i) for i in range(10)])
        editor = threading.Thread(target=lambda: edits_done.append(_edit(engine, claim)))
        editor.start()
        time.sleep(0.3)
    editor.join(timeout=30)
    assert edits_done == ["added"]
    with engine.connect() as conn:
        assert len(store.load_edits(conn)) == 2
        assert store.count_rows(conn)["documents"] == 10


def _edit(engine: sa.Engine, claim) -> str:
    with engine.begin() as conn:  # as the Claims page does
        store.reject_claim(conn, claim.claim_id, author="ana")
        store.add_manual_claim(conn, make_claim(start=500), author="ana", note="by phone")
    return "added"


# --------------------------------------------------------------------------- SQLite's lock


def test_a_sqlite_write_transaction_holds_the_write_lock_from_its_start(
    sqlite_engine, db_path: str
) -> None:
    with (sqlite_engine.begin(),
          closing(sqlite3.connect(db_path, timeout=0, isolation_level=None)) as other,
          pytest.raises(sqlite3.OperationalError, match="locked")):
        other.execute("BEGIN IMMEDIATE")
    with closing(sqlite3.connect(db_path, timeout=0, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")


def test_sqlite_reads_do_not_wait_for_a_writer(sqlite_engine, db_path: str) -> None:
    with sqlite_engine.begin() as conn:
        store.save_document(conn, make_doc(), [], [make_claim()])
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with closing(sqlite3.connect(db_path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM claims")
        # A reader that had to wait would time out on this connection instead of reading.
        with sqlite_engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout = 0")
            assert len(store.load_claims(conn)) == 1  # the committed state
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {store.BUSY_TIMEOUT_MS}")
        writer.execute("ROLLBACK")


def test_a_sqlite_lock_held_too_long_is_a_clean_store_error(
    tmp_path: Path, monkeypatch
) -> None:
    path = str(tmp_path / "locked.db")
    store.open_db(path)
    store.close_db(path)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(store, "LOCK_ATTEMPTS", 2)
    engine = store.open_db(path)
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as holder:
            holder.execute("BEGIN IMMEDIATE")
            began = time.perf_counter()
            with pytest.raises(StoreError, match="write lock") as err:
                store.save_batch(engine, [prepared_n(1)])
            elapsed = time.perf_counter() - began
            holder.execute("ROLLBACK")
    finally:
        store.close_db(path)
    assert elapsed > 0.35  # it waited out its busy timeouts before giving up
    assert "locked.db" in str(err.value)
    assert err.value.hint
    assert not isinstance(err.value, DocumentStoreError)


def test_store_errors_name_the_database_without_its_password() -> None:
    url = "postgresql+nosuchdriver://ana:s3cret@127.0.0.1/cm"
    with pytest.raises(StoreError) as err:
        store.open_db(url)
    assert "s3cret" not in str(err.value)
    assert store.describe_db("postgresql://ana:s3cret@db/cm") == "postgresql://ana:***@db/cm"



@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(st.integers(0, 6), max_size=8), min_size=1, max_size=4))
def test_each_content_is_stored_once_by_the_first_batch_item_that_brings_it(
    tmp_path: Path, batches: list[list[int]]
) -> None:
    path = str(tmp_path / f"batches-{time.perf_counter_ns()}.db")
    engine = store.open_db(path)
    try:
        stored: set[int] = set()
        for batch in batches:
            results = store.save_batch(engine, [prepared_n(i) for i in batch])
            expected = []
            for i in batch:
                expected.append(i not in stored)
                stored.add(i)
            assert results == expected
        with engine.connect() as conn:
            rows = store.count_rows(conn)
        assert rows["documents"] == rows["mentions"] == rows["claims"] == len(stored)
    finally:
        store.close_db(path)
