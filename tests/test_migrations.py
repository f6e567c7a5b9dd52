"""Schema migrations (geo/migrations) on SQLite and, when CONTROLMAP_TEST_POSTGRES is set,
PostgreSQL: an empty database gets exactly the tables of ``geo.store.metadata``; revision
0001 is the schema the code before migrations made (tests/schema_v1/, dumped from it); such
a database is refused until ``controlmap db upgrade`` brings it, and its rows, up to date.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tomllib
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from backends import BACKENDS, backend_of, database
from typer.testing import CliRunner

from geo import migrations, store
from geo.cli import app
from geo.errors import StoreError
from geo.ingest import ingest_paths
from geo.records import content_hash_of

PROJECT = Path(__file__).resolve().parent.parent
SCHEMA_V1 = Path(__file__).resolve().parent / "schema_v1"
DEMO = PROJECT / "data" / "demo"


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path: Path):
    with database(request.param, tmp_path) as url:
        yield url


def raw_engine(db_url: str) -> sa.Engine:
    """Return an engine that does not check or create the schema (store._create_engine)."""
    return store._create_engine(store.database_url(db_url))


def differences(db_url: str) -> list:
    engine = raw_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, store.metadata)
    finally:
        engine.dispose()


def structure(db_url: str) -> dict:
    """Return every table's columns (name, type, nullable), indexes and foreign keys."""
    engine = raw_engine(db_url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {
                table: (
                    [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
                    sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                           for i in insp.get_indexes(table)),
                    sorted((tuple(f["constrained_columns"]), f["referred_table"])
                           for f in insp.get_foreign_keys(table)),
                )
                for table in insp.get_table_names() if table != "alembic_version"
            }
    finally:
        engine.dispose()


def make_v1_database(db_url: str) -> None:
    """Create the schema the code before migrations made, with a document, claim and edit."""
    rows = [
        ("INSERT INTO documents (content_hash, name, source, title, published, text, "
         "ingested_at) VALUES ('abc', 'old.txt', '', 'Old', '2021-08-01', "
         "'Kunduz fell to the Taliban.', '2021-08-02 10:30:00')"),
        ("INSERT INTO claims (claim_id, doc_id, document, event_date, place, place_id, "
         "place_kind, province_iso, actor, kind, claimant, geo_precision, confidence, quote, "
         "start, \"end\", source, lat, lon, origin, note, author) VALUES ('c1', 1, 'old.txt', "
         "'2021-08-01', 'Kunduz', 'prov:AF-KDZ', 'capital', 'AF-KDZ', 'taliban', 'captured', "
         "'media', 1, 0.8, 'Kunduz fell to the Taliban.', 0, 27, '', 36.7, 68.9, 'extracted', "
         "'', '')"),
        ("INSERT INTO edits (claim_id, action, author, note, created_at) VALUES ('c1', "
         "'reject', 'ana', 'misread', '2021-08-03 08:00:00')"),
    ]
    sql = (SCHEMA_V1 / f"{backend_of(db_url)}.sql").read_text(encoding="utf-8")
    sql = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    statements = [s for s in sql.split(";\n") if s.strip()]
    engine = raw_engine(db_url)
    try:
        with engine.begin() as conn:
            for statement in [*statements, *rows]:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_revision_list_matches_the_revision_files() -> None:
    assert migrations.script_heads() == (migrations.HEAD,)
    files = sorted(p.name[:4] for p in (PROJECT / "geo/migrations/versions").glob("0*.py"))
    assert tuple(files) == migrations.REVISIONS


def test_an_empty_database_gets_exactly_the_tables_of_the_code(db_url: str) -> None:
    store.open_db(db_url)
    assert differences(db_url) == []


def test_revision_0001_is_the_schema_before_migrations(db_url: str, tmp_path: Path) -> None:
    engine = raw_engine(db_url)
    with engine.begin() as conn:
        migrations.upgrade(conn, target="0001")
    engine.dispose()
    with database(backend_of(db_url), tmp_path / "old") as old_url:
        (tmp_path / "old").mkdir(exist_ok=True)
        make_v1_database(old_url)
        assert structure(db_url) == structure(old_url)


def test_a_version_1_database_is_refused_until_upgraded(db_url: str) -> None:
    make_v1_database(db_url)

    with pytest.raises(StoreError, match="schema version 1") as err:
        store.open_db(db_url)

    assert "controlmap db upgrade" in err.value.hint
    assert "made before migrations" in run_cli("db", "current", "--db", db_url).stdout


def test_db_upgrade_brings_a_version_1_database_and_its_rows_up_to_date(db_url: str) -> None:
    make_v1_database(db_url)

    result = run_cli("db", "upgrade", "--db", db_url)

    assert result.exit_code == 0, result.output
    assert "to revision 0004" in result.stderr
    assert differences(db_url) == []
    engine = store.open_db(db_url)
    with engine.connect() as conn:
        [doc] = store.load_documents(conn)
        [edit] = store.load_edits(conn)
        assert store.load_claims(conn) == []  # still rejected
        assert store.schema_state(conn).legacy_version is None
        version = conn.execute(sa.text("SELECT value FROM meta")).scalar()
    assert version == "4"
    assert (doc["name"], doc["url"], doc["outlet"], doc["story_id"]) == ("old.txt", "", "", None)
    with engine.connect() as conn:  # 0003 recomputed the hash over the normalised text
        text = store.load_document(conn, doc["doc_id"])["text"]
    assert doc["content_hash"] == content_hash_of(text)
    assert doc["ingested_at"] == dt.datetime(2021, 8, 2, 10, 30, tzinfo=dt.UTC)
    assert edit["created_at"] == dt.datetime(2021, 8, 3, 8, 0, tzinfo=dt.UTC)
    report = ingest_paths(engine, [DEMO / "2021-07-04_panjwai.txt"])
    assert report.documents == 1
    assert run_cli("db", "current", "--db", db_url).stdout.strip() == "0004 (head)"


def test_a_database_behind_is_refused_with_a_hint_and_upgraded_by_db_upgrade(
    db_url: str,
) -> None:
    engine = raw_engine(db_url)
    with engine.begin() as conn:
        migrations.upgrade(conn, target="0001")
    engine.dispose()

    with pytest.raises(StoreError, match="revision 0001") as err:
        store.open_db(db_url)
    assert "controlmap db upgrade --db" in err.value.hint
    assert "behind" in run_cli("db", "current", "--db", db_url).stdout

    assert store.upgrade_db(db_url) == ("0001", "0004")
    assert differences(db_url) == []
    store.open_db(db_url)


def test_downgrading_to_0001_and_upgrading_again_gives_the_same_schema(db_url: str) -> None:
    store.open_db(db_url)
    store.close_db(db_url)
    engine = raw_engine(db_url)
    with engine.begin() as conn:
        from alembic import command

        command.downgrade(migrations.alembic_config(conn), "0001")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("documents")}
    engine.dispose()
    assert "story_id" not in columns
    store.upgrade_db(db_url)
    assert differences(db_url) == []


def test_an_unknown_revision_is_refused(db_url: str) -> None:
    store.open_db(db_url)
    store.close_db(db_url)
    engine = raw_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="0999"):
        store.open_db(db_url)
    with pytest.raises(StoreError, match="0999"):
        store.upgrade_db(db_url)


def test_a_database_of_something_else_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("CREATE TABLE notes (body TEXT)")
        raw.commit()
    with pytest.raises(StoreError, match="not a controlmap database"):
        store.open_db(str(path))
    result = run_cli("db", "upgrade", "--db", str(path))
    assert result.exit_code == 1
    assert "notes" in result.stderr
    with closing(sqlite3.connect(path)) as raw:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["notes"]


def test_db_current_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    result = run_cli("db", "current", "--db", str(path))
    assert result.exit_code == 0
    assert "no database file" in result.stdout
    assert not path.exists()


def test_the_package_configuration_ships_the_migrations() -> None:
    """The wheel must carry env.py, the revisions and the template (``pip install .``)."""
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    packages = setuptools.get("packages", [])
    if isinstance(packages, dict):  # a find: directive finds every package with __init__.py
        assert (PROJECT / "geo/migrations/versions/__init__.py").exists()
    else:
        assert {"geo.migrations", "geo.migrations.versions"} <= set(packages)
    assert "script.py.mako" in setuptools["package-data"]["geo.migrations"]
    assert (PROJECT / "geo/migrations/__init__.py").exists()
