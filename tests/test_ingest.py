"""Ingest on real files and real databases: counts, idempotence, refusals, atomicity, batches.

The ``db`` fixture is a SQLite file and, when CONTROLMAP_TEST_POSTGRES is set, a PostgreSQL
schema of its own (tests/backends.py); the kill test reads its SQLite file directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from backends import BACKENDS, database
from factories import StatementLog
from typer.testing import CliRunner

from geo import store
from geo.cli import app
from geo.errors import DocumentStoreError
from geo.extraction import extract
from geo.gazetteer import load_gazetteer
from geo.ingest import ingest_document, ingest_paths
from geo.records import Document

PROJECT = Path(__file__).resolve().parent.parent

ZARANJ = "The Taliban captured Zaranj, the capital of Nimroz province, on Friday."
SHEBERGHAN = "The Taliban captured Sheberghan, the capital of Jowzjan province, on Saturday."
KUNDUZ = "The Taliban captured Kunduz, the capital of Kunduz province, on Sunday, residents said."
TALOQAN = "The Taliban captured Taloqan, the capital of Takhar province, on Sunday."
AYBAK = "The Taliban captured Aybak, the capital of Samangan province, on Monday."
NO_PLACES = "Bread prices rose in the market on Tuesday, shopkeepers said."

CAPITALS = (
    ("Zaranj", "Nimroz"), ("Sheberghan", "Jowzjan"), ("Kunduz", "Kunduz"),
    ("Taloqan", "Takhar"), ("Aybak", "Samangan"), ("Farah", "Farah"), ("Ghazni", "Ghazni"),
    ("Qalat", "Zabul"), ("Tarinkot", "Uruzgan"), ("Faizabad", "Badakhshan"),
)  # fmt: skip

HTML_PAGE = """<!DOCTYPE html>
<html><head>
<title>Kunduz falls</title>
<meta property="article:published_time" content="2021-08-08T10:00:00Z">
</head><body>
<nav><a href="/">Home</a> | <a href="/kabul">Kabul news</a> | <a href="/herat">Herat</a></nav>
<article><h1>Kunduz falls</h1>
<p>{kunduz}</p>
<p>Fighting continued near the airport as soldiers withdrew from the city centre.</p>
</article>
<footer>Copyright Kandahar Media. Offices in Mazar-i-Sharif and Jalalabad.</footer>
</body></html>
"""


def dated(text: str, day: str = "2021-08-06") -> str:
    return f"date {day}\n\n{text}"


def write_corpus(folder: Path) -> Path:
    """Write one file of each supported format; the .jsonl has two articles and a bad line."""
    folder.mkdir(exist_ok=True)
    (folder / "zaranj.txt").write_text(dated(ZARANJ), encoding="utf-8")
    (folder / "sheberghan.md").write_text(
        "---\ntitle: Sheberghan falls\ndate: 2021-08-07\n---\n\n"
        f"{SHEBERGHAN.replace('Sheberghan', '**Sheberghan**', 1)}\n",
        encoding="utf-8",
    )
    (folder / "kunduz.html").write_text(HTML_PAGE.format(kunduz=KUNDUZ), encoding="utf-8")
    lines = [
        json.dumps({"text": TALOQAN, "date": "2021-08-08", "url": "https://example.org/taloqan"}),
        "{this line is not json",
        json.dumps({"text": AYBAK, "date": "2021-08-09"}),
    ]
    (folder / "wires.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path: Path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db: str) -> sa.Engine:
    return store.open_db(db)


def rows(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return store.count_rows(conn)


def stored_documents(engine: sa.Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {d["name"]: d for d in store.load_documents(conn)}


def stored_claims_by_document(engine: sa.Engine) -> dict[str, list]:
    out: dict[str, list] = {}
    with engine.connect() as conn:
        for claim in store.load_claims(conn, include_rejected=True):
            out.setdefault(claim.document, []).append(claim)
    return out


# --------------------------------------------------------------------------- a folder


def test_ingest_of_a_folder_reports_what_it_stored_and_refused(tmp_path: Path, engine) -> None:
    report = ingest_paths(engine, [write_corpus(tmp_path / "in")])

    assert report.documents == 5
    assert report.skipped == []
    assert len(report.refused) == 1
    assert "wires.jsonl#2" in report.refused[0][1]
    assert "not valid JSON" in report.refused[0][1]
    stored = rows(engine)
    assert stored["documents"] == 5
    assert stored["claims"] == report.claims


def test_claims_name_their_file_or_the_url_of_a_json_line(tmp_path: Path, engine) -> None:
    folder = write_corpus(tmp_path / "in")
    ingest_paths(engine, [folder])

    by_doc = stored_claims_by_document(engine)
    assert set(by_doc) == {
        "zaranj.txt", "sheberghan.md", "kunduz.html", "https://example.org/taloqan",
        "wires.jsonl#3",
    }  # fmt: skip
    place = {doc: {c.place for c in claims} for doc, claims in by_doc.items()}
    assert place["zaranj.txt"] == {"Zaranj"}
    assert place["sheberghan.md"] == {"Sheberghan"}
    assert place["kunduz.html"] == {"Kunduz"}
    assert place["https://example.org/taloqan"] == {"Taloqan"}
    assert place["wires.jsonl#3"] == {"Aybak"}
    [taloqan] = by_doc["https://example.org/taloqan"]
    assert taloqan.source == "https://example.org/taloqan"
    [zaranj] = by_doc["zaranj.txt"]
    assert (zaranj.event_date, zaranj.actor, zaranj.kind) == (dt.date(2021, 8, 6), "taliban",
                                                              "captured")
    assert zaranj.source == str(folder / "zaranj.txt")


def test_each_format_gives_its_own_publication_date(tmp_path: Path, engine) -> None:
    ingest_paths(engine, [write_corpus(tmp_path / "in")])

    published = {name: d["published"] for name, d in stored_documents(engine).items()}
    assert published == {
        "zaranj.txt": dt.date(2021, 8, 6),  # 'date' first line
        "sheberghan.md": dt.date(2021, 8, 7),  # front matter
        "kunduz.html": dt.date(2021, 8, 8),  # meta article:published_time
        "https://example.org/taloqan": dt.date(2021, 8, 8),
        "wires.jsonl#3": dt.date(2021, 8, 9),
    }


def test_html_navigation_and_footer_are_not_ingested(tmp_path: Path, engine) -> None:
    ingest_paths(engine, [write_corpus(tmp_path / "in")])

    doc = stored_documents(engine)["kunduz.html"]
    with engine.connect() as conn:
        text = store.load_document(conn, doc["doc_id"])["text"]
        places = {m.place for m in store.load_mentions(conn, doc["doc_id"])}
    assert KUNDUZ in text
    for furniture in ("Home", "Kabul news", "Copyright", "Mazar-i-Sharif", "Jalalabad"):
        assert furniture not in text
    assert places == {"Kunduz"}


def test_markdown_markup_and_front_matter_are_not_ingested(tmp_path: Path, engine) -> None:
    ingest_paths(engine, [write_corpus(tmp_path / "in")])

    doc = stored_documents(engine)["sheberghan.md"]
    with engine.connect() as conn:
        text = store.load_document(conn, doc["doc_id"])["text"]
    assert text == SHEBERGHAN
    assert doc["title"] == "Sheberghan falls"


# --------------------------------------------------------------------------- idempotence


def test_ingesting_the_same_folder_twice_stores_nothing_new(tmp_path: Path, engine) -> None:
    folder = write_corpus(tmp_path / "in")
    first = ingest_paths(engine, [folder])
    after_first = rows(engine)

    second = ingest_paths(engine, [folder])

    assert rows(engine) == after_first
    assert (second.documents, second.claims) == (0, 0)
    assert sorted(second.skipped) == sorted(
        ["zaranj.txt", "sheberghan.md", "kunduz.html", "https://example.org/taloqan",
         "wires.jsonl#3"]
    )  # fmt: skip
    assert second.refused == first.refused  # the bad line is refused again, not stored


def test_the_same_text_under_another_file_name_is_skipped(tmp_path: Path, engine) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "zaranj.txt").write_text(dated(ZARANJ))
    ingest_paths(engine, [folder])
    before = rows(engine)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "zaranj-mirror.txt").write_text(dated(ZARANJ))

    report = ingest_paths(engine, [copy])

    assert report.skipped == ["zaranj-mirror.txt"]
    assert report.documents == 0
    assert rows(engine) == before
    assert set(stored_documents(engine)) == {"zaranj.txt"}


def test_different_line_ends_of_the_same_text_are_the_same_content(tmp_path: Path, engine) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "unix.txt").write_bytes(dated(ZARANJ + "\n\n" + KUNDUZ).encode())
    (folder / "windows.txt").write_bytes(dated(ZARANJ + "\n\n" + KUNDUZ).replace("\n", "\r\n")
                                         .encode())

    report = ingest_paths(engine, [folder])

    assert (report.documents, report.skipped) == (1, ["windows.txt"])


# --------------------------------------------------------------------------- refusals

FUTURE = (dt.date.today() + dt.timedelta(days=400)).isoformat()


def _write_bytes(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def _huge(path: Path) -> None:
    path.write_text(dated(" ".join([ZARANJ] * 40)), encoding="utf-8")


BAD_INPUTS: dict[str, tuple[str, Callable[[Path], None], str]] = {
    # case: (file name, how to write it, what the message says)
    "empty": ("empty.txt", _write_bytes(b""), "empty"),
    "whitespace": ("blank.txt", _write_bytes(b"  \n\t \r\n   \n"), "whitespace"),
    "nul bytes": ("nul.txt", _write_bytes(b"date 2021-08-06\n" + b"Zaranj\x00\x00fell" * 20),
                  "binary"),
    "png": ("photo.txt", _write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
            "binary"),
    "latin-1": ("latin.txt", _write_bytes(dated(ZARANJ + " Caf\xe9 owners fled.")
                                          .encode("latin-1")), "not UTF-8"),
    "huge": ("huge.txt", _huge, "limit"),
    "no date": ("nodate.txt", _write_bytes(ZARANJ.encode()), "no publication date"),
    "future date": ("future.txt", _write_bytes(dated(ZARANJ, FUTURE).encode()), "future"),
    "bad date": ("baddate.txt", _write_bytes(dated(ZARANJ, "2021-13-45").encode()), "not a date"),
    "empty jsonl": ("empty.jsonl", _write_bytes(b""), "empty"),
    "html without text": ("blank.html", _write_bytes(
        b"<html><head><meta name='date' content='2021-08-06'></head><body></body></html>"),
        "no text"),
}  # fmt: skip


@pytest.fixture
def small_limit(monkeypatch) -> None:
    monkeypatch.setenv("CONTROLMAP_MAX_DOCUMENT_BYTES", "1000")


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_naming_the_file_and_the_batch_goes_on(
    case: str, tmp_path: Path, engine, small_limit
) -> None:
    name, write, says = BAD_INPUTS[case]
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / name)
    (folder / "good.txt").write_text(dated(KUNDUZ, "2021-08-08"))

    report = ingest_paths(engine, [folder])

    [(_, message)] = report.refused
    assert name in message
    assert says in message
    assert "Hint:" in message  # says what to do about it
    assert report.documents == 1
    assert set(stored_documents(engine)) == {"good.txt"}
    assert set(stored_claims_by_document(engine)) == {"good.txt"}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_alone_changes_nothing(case: str, tmp_path: Path, engine, small_limit) -> None:
    name, write, _ = BAD_INPUTS[case]
    write(tmp_path / name)

    report = ingest_paths(engine, [tmp_path / name])

    assert len(report.refused) == 1
    assert report.documents == 0
    assert rows(engine) == {"documents": 0, "mentions": 0, "claims": 0, "edits": 0}


def test_the_size_limit_follows_the_environment(tmp_path: Path, engine, monkeypatch) -> None:
    _huge(tmp_path / "huge.txt")
    monkeypatch.setenv("CONTROLMAP_MAX_DOCUMENT_BYTES", "1000")
    assert len(ingest_paths(engine, [tmp_path / "huge.txt"]).refused) == 1

    monkeypatch.setenv("CONTROLMAP_MAX_DOCUMENT_BYTES", "100000")
    report = ingest_paths(engine, [tmp_path / "huge.txt"])
    assert (report.documents, report.refused) == (1, [])


def test_a_huge_json_line_is_refused_and_the_next_line_is_ingested(
    tmp_path: Path, engine, small_limit
) -> None:
    path = tmp_path / "wires.jsonl"
    lines = [json.dumps({"text": " ".join([ZARANJ] * 40), "date": "2021-08-06"}),
             json.dumps({"text": TALOQAN, "date": "2021-08-08"})]
    path.write_text("\n".join(lines) + "\n")

    report = ingest_paths(engine, [path])

    [(_, message)] = report.refused
    assert "wires.jsonl#1" in message
    assert "limit" in message
    assert set(stored_documents(engine)) == {"wires.jsonl#2"}


def test_a_missing_date_is_taken_from_the_default_date(tmp_path: Path, engine) -> None:
    (tmp_path / "nodate.txt").write_text(ZARANJ)

    report = ingest_paths(engine, [tmp_path / "nodate.txt"], default_date=dt.date(2021, 8, 6))

    assert (report.documents, report.refused) == (1, [])
    assert stored_documents(engine)["nodate.txt"]["published"] == dt.date(2021, 8, 6)


def test_a_document_own_date_wins_over_the_default_date(tmp_path: Path, engine) -> None:
    (tmp_path / "zaranj.txt").write_text(dated(ZARANJ, "2021-08-06"))

    ingest_paths(engine, [tmp_path / "zaranj.txt"], default_date=dt.date(2021, 8, 20))

    assert stored_documents(engine)["zaranj.txt"]["published"] == dt.date(2021, 8, 6)


def test_a_document_without_known_places_is_ingested_with_no_claims(
    tmp_path: Path, engine
) -> None:
    (tmp_path / "bread.txt").write_text(dated(NO_PLACES))

    report = ingest_paths(engine, [tmp_path / "bread.txt"])

    assert (report.documents, report.claims, report.refused) == (1, 0, [])
    [doc] = stored_documents(engine).values()
    assert (doc["name"], doc["n_mentions"], doc["n_claims"]) == ("bread.txt", 0, 0)


def test_a_wrong_extension_named_explicitly_is_refused(tmp_path: Path, engine) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04 a word document")

    report = ingest_paths(engine, [path])

    [(_, message)] = report.refused
    assert "report.docx" in message
    assert "not a supported format" in message
    assert rows(engine)["documents"] == 0


def test_unsupported_files_inside_a_folder_are_passed_over(tmp_path: Path, engine) -> None:
    (tmp_path / "report.docx").write_bytes(b"PK\x03\x04 a word document")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "zaranj.txt").write_text(dated(ZARANJ))

    report = ingest_paths(engine, [tmp_path])

    assert (report.documents, report.refused) == (1, [])


def test_a_missing_path_is_refused_naming_it(tmp_path: Path, engine) -> None:
    report = ingest_paths(engine, [tmp_path / "nowhere.txt"])

    [(_, message)] = report.refused
    assert "nowhere.txt" in message
    assert "does not exist" in message


def test_the_refused_list_names_each_refused_document(tmp_path: Path, engine) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin.txt").write_bytes(dated(ZARANJ + " caf\xe9").encode("latin-1"))
    (tmp_path / "wires.jsonl").write_text("{not json\n")

    report = ingest_paths(engine, [tmp_path])

    assert sorted(name for name, _ in report.refused) == [
        "empty.txt", "latin.txt", "wires.jsonl#1"]  # fmt: skip


# --------------------------------------------------------------------------- atomicity


def two_capitals() -> Document:
    return Document(
        name="two.txt",
        text=f"{ZARANJ} {SHEBERGHAN}",
        published=dt.date(2021, 8, 7),
        source="https://example.org/two",
    )


def refuse_claims_about(engine: sa.Engine, place_id: str) -> None:
    """Install a trigger that makes the database itself fail on inserting such a claim."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.place_id = '{place_id}' THEN "
                "RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$")
            conn.exec_driver_sql("CREATE TRIGGER refuse_claim BEFORE INSERT ON claims "
                                 "FOR EACH ROW EXECUTE FUNCTION refuse_claim()")
            return
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse_claim BEFORE INSERT ON claims "
            f"WHEN NEW.place_id = '{place_id}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
        )


def drop_refusal(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        on = " ON claims" if conn.dialect.name == "postgresql" else ""
        conn.exec_driver_sql(f"DROP TRIGGER refuse_claim{on}")


def test_a_database_failure_mid_document_leaves_no_partial_document(engine) -> None:
    doc = two_capitals()
    places = {c.place_id for c in extract(doc, load_gazetteer()).claims}
    assert {"cap:AF-NIM", "cap:AF-JOW"} <= places  # the first claim inserts, the second fails
    refuse_claims_about(engine, "cap:AF-JOW")

    with pytest.raises(DocumentStoreError, match="refused by test trigger") as err:
        ingest_document(engine, doc)

    assert err.value.document == "two.txt"
    assert "two.txt" in str(err.value)
    assert "INSERT" not in str(err.value)
    assert "Taliban" not in str(err.value)  # no SQL parameters: the text is not shown

    assert rows(engine) == {"documents": 0, "mentions": 0, "claims": 0, "edits": 0}
    with engine.connect() as conn:
        assert not store.has_document(conn, doc.content_hash)


def test_a_document_that_failed_is_ingested_once_the_failure_is_gone(engine) -> None:
    doc = two_capitals()
    refuse_claims_about(engine, "cap:AF-JOW")
    with pytest.raises(DocumentStoreError):
        ingest_document(engine, doc)
    drop_refusal(engine)

    extraction = ingest_document(engine, doc)

    assert extraction is not None
    stored = rows(engine)
    assert stored["documents"] == 1
    assert stored["claims"] == len(extraction.claims) >= 2
    assert stored["mentions"] == len(extraction.mentions)


def test_ingest_document_returns_none_for_content_already_stored(engine) -> None:
    doc = two_capitals()
    assert ingest_document(engine, doc) is not None
    before = rows(engine)

    assert ingest_document(engine, dataclasses.replace(doc, name="again.txt")) is None
    assert rows(engine) == before


def test_a_document_the_database_refuses_is_reported_and_the_rest_of_its_batch_stored(
    tmp_path: Path, engine
) -> None:
    refuse_claims_about(engine, "cap:AF-JOW")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-zaranj.txt").write_text(dated(ZARANJ))
    (folder / "b-sheberghan.txt").write_text(dated(SHEBERGHAN))
    (folder / "c-kunduz.txt").write_text(dated(KUNDUZ))
    outcomes: list[tuple[str, str]] = []

    report = ingest_paths(engine, [folder], on_document=lambda *a: outcomes.append(a))

    assert report.documents == 2
    assert [name for name, _ in report.failed] == ["b-sheberghan.txt"]
    assert "refused by test trigger" in report.failed[0][1]
    assert report.summary().endswith(", 1 failed")
    assert [(n, o.split(":")[0]) for n, o in outcomes] == [
        ("a-zaranj.txt", "ingested"), ("b-sheberghan.txt", "failed"), ("c-kunduz.txt", "ingested")]
    assert set(stored_documents(engine)) == {"a-zaranj.txt", "c-kunduz.txt"}


def test_cli_ingest_reports_a_document_the_database_refuses_without_a_traceback(
    tmp_path: Path, db: str
) -> None:
    refuse_claims_about(store.open_db(db), "cap:AF-JOW")
    (tmp_path / "sheberghan.txt").write_text(dated(SHEBERGHAN))
    (tmp_path / "zaranj.txt").write_text(dated(ZARANJ))

    result = run_cli("ingest", str(tmp_path / "sheberghan.txt"), str(tmp_path / "zaranj.txt"),
                     "--db", db)

    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert "failed sheberghan.txt: The database refused to store 'sheberghan.txt'" in (
        result.stderr)
    assert "INSERT" not in result.stderr
    assert "Sheberghan, the capital" not in result.stderr  # no SQL parameters
    assert "1 documents ingested" in result.stderr


def test_small_batches_store_what_one_big_batch_stores(tmp_path: Path, db: str) -> None:
    folder = write_many(tmp_path / "many", n=12)
    big = ingest_paths(store.open_db(db), [folder])
    small_db = str(tmp_path / "small.db")
    outcomes: list[str] = []
    small = ingest_paths(store.open_db(small_db), [folder], batch_size=5,
                         on_document=lambda name, outcome: outcomes.append(name))
    store.close_db(small_db)

    assert (small.documents, small.claims) == (big.documents, big.claims) == (12, small.claims)
    assert outcomes == sorted(p.name for p in folder.iterdir())
    assert db_claim_ids(small_db) == db_claim_ids(db)


def db_claim_ids(db: str) -> set[str]:
    with store.open_db(db).connect() as conn:
        return {c.claim_id for c in store.load_claims(conn, include_rejected=True)}


def test_ingest_checks_which_documents_are_stored_twice_per_batch_not_per_document(
    tmp_path: Path, engine
) -> None:
    folder = write_many(tmp_path / "many", n=10)
    with StatementLog(engine) as log:
        report = ingest_paths(engine, [folder])
    checks = [q for q in log.queries() if "content_hash IN" in q]
    assert report.documents == 10
    assert len(checks) == 2  # before extracting (read), and inside the write transaction


def test_ingest_writes_a_batch_in_a_few_statements_not_a_few_per_document(
    tmp_path: Path, engine
) -> None:
    # each statement is a round trip to a PostgreSQL server: per document they were the
    # single writer's limit (bench/README.md, parallel ingest)
    folder = write_many(tmp_path / "many", n=30)
    with StatementLog(engine) as log:
        report = ingest_paths(engine, [folder])
    writes = [s.split("(")[0] for s in log.statements
              if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert report.documents == 30
    assert len(writes) <= 8, writes
    with engine.connect() as conn:
        assert store.count_rows(conn)["documents"] == 30


def test_repeats_within_one_batch_are_stored_once(tmp_path: Path, engine) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(dated(ZARANJ))

    report = ingest_paths(engine, [folder])

    assert (report.documents, report.skipped) == (1, ["b.txt", "c.txt"])
    assert rows(engine)["documents"] == 1


# --------------------------------------------------------------------------- kill midway

N_KILL_DOCS = 150


def write_many(folder: Path, n: int = N_KILL_DOCS) -> Path:
    """Write ``n`` distinct dated reports, each a few claims long."""
    folder.mkdir()
    for i in range(n):
        city, province = CAPITALS[i % len(CAPITALS)]
        day = dt.date(2021, 7, 1) + dt.timedelta(days=i % 60)
        lead = (
            f"Report {i}: the Taliban captured {city}, the capital of {province} province, "
            f"on Friday, {i + 3} residents said."
        )
        body = [lead]
        body += [f"Government forces retook {city} after {i + j} hours of fighting, officials "
                 "said." for j in range(12)]  # fmt: skip
        (folder / f"report_{i:03d}.txt").write_text(dated(" ".join(body), day.isoformat()))
    return folder


def cli_ingest(folder: Path, db: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from geo.cli import main; main()", "ingest", str(folder),
         "--db", db],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def stored_document_count(db: str) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as raw:
            return raw.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or its schema not yet committed
        return 0


def db_snapshot(db: str) -> dict:
    """What a database holds: per document its claim ids, mention and count totals."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as raw:
        docs = raw.execute(
            "SELECT doc_id, name, text, published, source, title, content_hash FROM documents"
        ).fetchall()
        out = {}
        for doc_id, name, text, published, source, title, content_hash in docs:
            claim_ids = {r[0] for r in raw.execute(
                "SELECT claim_id FROM claims WHERE doc_id = ?", (doc_id,))}
            n_mentions = raw.execute(
                "SELECT count(*) FROM mentions WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            n_counts = raw.execute(
                "SELECT count(*) FROM counts WHERE doc_id = ?", (doc_id,)).fetchone()[0]
            doc = Document(name=name, text=text, published=dt.date.fromisoformat(published),
                           source=source, title=title)
            out[name] = {"doc": doc, "hash": content_hash, "claims": claim_ids,
                         "mentions": n_mentions, "counts": n_counts}  # fmt: skip
        totals = {
            "claim_rows": raw.execute("SELECT count(*) FROM claims").fetchone()[0],
            "distinct_claim_ids": raw.execute(
                "SELECT count(DISTINCT claim_id) FROM claims").fetchone()[0],
            "distinct_hashes": raw.execute(
                "SELECT count(DISTINCT content_hash) FROM documents").fetchone()[0],
        }
    return {"documents": out, "totals": totals}


def test_a_killed_ingest_leaves_whole_documents_and_resumes_to_a_clean_result(
    tmp_path: Path,
) -> None:
    folder = write_many(tmp_path / "reports")
    db = str(tmp_path / "killed.db")

    proc = cli_ingest(folder, db)
    try:
        deadline = time.monotonic() + 60
        while stored_document_count(db) < 5:
            assert proc.poll() is None, "the ingest ended before it could be killed"
            assert time.monotonic() < deadline, "the ingest stored nothing within 60 s"
            time.sleep(0.005)
        assert proc.poll() is None, "the ingest ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    # Every stored document is whole: exactly what a fresh extraction of it yields.
    gaz = load_gazetteer()
    partial = db_snapshot(db)
    assert 5 <= len(partial["documents"]) < N_KILL_DOCS
    for name, stored in partial["documents"].items():
        fresh = extract(stored["doc"], gaz)
        assert stored["claims"] == {c.with_id().claim_id for c in fresh.claims}, name
        assert stored["mentions"] == len(fresh.mentions), name
        assert stored["counts"] == len(fresh.counts), name
        assert stored["claims"], name  # each report has claims: an empty set is a partial one

    # Resuming finishes the batch; the result equals a clean run into a fresh database.
    resumed = cli_ingest(folder, db)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr.decode()
    clean_db = str(tmp_path / "clean.db")
    ingest_paths(store.open_db(clean_db), [folder])
    store.close_db(clean_db)

    after, clean = db_snapshot(db), db_snapshot(clean_db)
    assert len(after["documents"]) == len(clean["documents"]) == N_KILL_DOCS
    assert {n: d["claims"] for n, d in after["documents"].items()} == {
        n: d["claims"] for n, d in clean["documents"].items()
    }
    assert after["totals"] == clean["totals"]
    assert after["totals"]["claim_rows"] == after["totals"]["distinct_claim_ids"]
    assert after["totals"]["distinct_hashes"] == N_KILL_DOCS


# --------------------------------------------------------------------------- the command


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_cli_ingest_exits_0_and_summarises_a_clean_batch(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "zaranj.txt").write_text(dated(ZARANJ))
    (folder / "kunduz.txt").write_text(dated(KUNDUZ, "2021-08-08"))

    result = run_cli("ingest", str(folder), "--db", db)

    assert result.exit_code == 0, result.output
    summary = result.stderr.strip().splitlines()[-1]
    assert summary == "2 documents ingested, 2 claims, 0 skipped (already stored), 0 refused"


def test_cli_ingest_notes_a_sentence_too_long_to_read_whole(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "run-on.txt").write_text(dated("The Taliban seized Herat on Friday, " * 80))

    result = run_cli("ingest", str(folder), "--db", db)

    assert result.exit_code == 0, result.output
    [note] = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert note.startswith("note: run-on.txt: the sentence at characters")
    assert "characters long" in note


def test_cli_ingest_exits_3_when_something_was_refused(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "zaranj.txt").write_text(dated(ZARANJ))
    (folder / "empty.txt").write_bytes(b"")

    result = run_cli("ingest", str(folder), "--db", db)

    assert result.exit_code == 3, result.output
    for word in ("documents", "claims", "skipped", "refused"):
        assert word in result.stderr
    assert "1 documents ingested" in result.stderr
    assert "1 refused" in result.stderr
    assert "empty.txt" in result.stderr
    assert "Traceback" not in result.output
    assert rows(store.open_db(db))["documents"] == 1


def test_cli_ingest_of_an_already_stored_folder_exits_0_and_counts_skips(
    tmp_path: Path, db: str
) -> None:
    (tmp_path / "zaranj.txt").write_text(dated(ZARANJ))
    assert run_cli("ingest", str(tmp_path / "zaranj.txt"), "--db", db).exit_code == 0

    result = run_cli("ingest", str(tmp_path / "zaranj.txt"), "--db", db)

    assert result.exit_code == 0
    assert "0 documents ingested, 0 claims, 1 skipped" in result.stderr


def test_cli_ingest_date_option_dates_undated_documents(tmp_path: Path, db: str) -> None:
    (tmp_path / "nodate.txt").write_text(ZARANJ)

    refused = run_cli("ingest", str(tmp_path / "nodate.txt"), "--db", db)
    dated_run = run_cli("ingest", str(tmp_path / "nodate.txt"), "--date", "2021-08-06",
                        "--db", db)

    assert refused.exit_code == 3
    assert "--date" in refused.stderr  # the hint says how to fix it
    assert dated_run.exit_code == 0, dated_run.output
    assert stored_documents(store.open_db(db))["nodate.txt"]["published"] == dt.date(2021, 8, 6)


def test_cli_ingest_with_a_malformed_date_option_is_a_clean_error(
    tmp_path: Path, db: str
) -> None:
    (tmp_path / "nodate.txt").write_text(ZARANJ)

    result = run_cli("ingest", str(tmp_path / "nodate.txt"), "--date", "12/08/2021", "--db", db)

    assert result.exit_code == 1
    assert "12/08/2021" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1

