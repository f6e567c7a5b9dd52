"""The ``controlmap`` command line, run in-process with typer's CliRunner on real files."""

from __future__ import annotations

import csv
import io
import itertools
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo import store
from geo.cli import app

MENTION_KEYS = {
    "text", "start", "end", "place", "kind", "province_iso", "country", "lat", "lon",
    "confidence", "reason",
}  # fmt: skip
CLAIM_COLUMNS = [
    "document", "event_date", "place", "province_iso", "actor", "kind", "claimant",
    "geo_precision", "confidence", "quote", "source",
]  # fmt: skip

ZARANJ = "The Taliban captured Zaranj, the capital of Nimroz province, on Friday."
KUNDUZ_HELD = (
    "Government forces retook Kunduz, the capital of Kunduz province, on Sunday, officials said."
)
KUNDUZ_LOST = (
    "The Taliban captured Kunduz, the capital of Kunduz province, on Sunday, residents said."
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch) -> None:
    """Never touch a controlmap.db outside tmp_path, whatever a command defaults to."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTROLMAP_DB", raising=False)
    yield
    store.close_db()


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def assert_clean_error(result, *needles: str) -> None:
    """Exit 1 with one line on stderr naming the bad value, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for needle in needles:
        assert needle in lines[0]


def write_reports(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "kunduz-held.txt").write_text(f"date 2021-08-01\n\n{KUNDUZ_HELD}")
    (folder / "zaranj.txt").write_text(f"date 2021-08-06\n\n{ZARANJ}")
    (folder / "kunduz-lost.txt").write_text(f"date 2021-08-08\n\n{KUNDUZ_LOST}")
    return folder


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "reports.db")
    result = run("ingest", str(write_reports(tmp_path / "reports")), "--db", path)
    assert result.exit_code == 0, result.output
    return path


def n_documents(path: str | Path) -> int:
    with closing(sqlite3.connect(path)) as raw:
        return raw.execute("SELECT count(*) FROM documents").fetchone()[0]


# --------------------------------------------------------------------------- geocode


def test_geocode_prints_a_json_array_of_mentions_with_exactly_the_documented_keys() -> None:
    text = "Fighting reached Zaranj in Nimroz province and Kunduz."

    result = run("geocode", text)

    assert result.exit_code == 0, result.output
    mentions = json.loads(result.stdout)
    assert isinstance(mentions, list)
    assert [m["place"] for m in mentions] == ["Zaranj", "Nimroz", "Kunduz"]
    for m in mentions:
        assert set(m) == MENTION_KEYS
        assert text[m["start"] : m["end"]] == m["text"]
    assert mentions[0]["province_iso"] == "AF-NIM"
    assert mentions[0]["country"] == "AF"


def test_geocode_of_a_text_without_places_prints_an_empty_array() -> None:
    result = run("geocode", "Bread prices rose on Tuesday.")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_geocode_dash_reads_stdin() -> None:
    result = run("geocode", "-", stdin=ZARANJ)

    assert result.exit_code == 0, result.output
    assert [m["place"] for m in json.loads(result.stdout)] == ["Zaranj", "Nimroz"]


def test_geocode_of_a_path_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kunduz.txt"
    path.write_text(KUNDUZ_LOST, encoding="utf-8")

    result = run("geocode", str(path))

    assert result.exit_code == 0, result.output
    mentions = json.loads(result.stdout)
    assert {m["province_iso"] for m in mentions} == {"AF-KDZ"}
    assert all(KUNDUZ_LOST[m["start"] : m["end"]] == m["text"] for m in mentions)


def test_geocode_of_a_file_that_is_not_utf8_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Zaranj caf\xe9".encode("latin-1"))

    assert_clean_error(run("geocode", str(path)), "latin.txt")


# --------------------------------------------------------------------------- claims


def test_claims_csv_starts_with_the_documented_columns_in_order(db: str) -> None:
    result = run("claims", "--format", "csv", "--db", db)

    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames[: len(CLAIM_COLUMNS)] == CLAIM_COLUMNS
    claims = list(reader)
    assert [(c["document"], c["event_date"], c["province_iso"], c["actor"], c["kind"])
            for c in claims] == [
        ("kunduz-held.txt", "2021-08-01", "AF-KDZ", "government", "recaptured"),
        ("zaranj.txt", "2021-08-06", "AF-NIM", "taliban", "captured"),
        ("kunduz-lost.txt", "2021-08-08", "AF-KDZ", "taliban", "captured"),
    ]  # fmt: skip
    assert claims[1]["quote"] == ZARANJ


def test_claims_csv_is_the_default_format(db: str) -> None:
    assert run("claims", "--db", db).stdout == run("claims", "--format", "csv", "--db", db).stdout


def test_claims_json_lists_the_same_claims_as_the_csv(db: str) -> None:
    as_json = run("claims", "--format", "json", "--db", db)
    as_csv = run("claims", "--format", "csv", "--db", db)

    assert as_json.exit_code == 0, as_json.output
    records = json.loads(as_json.stdout)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["quote"] for r in records] == [r["quote"] for r in rows]
    assert all(list(r)[: len(CLAIM_COLUMNS)] == CLAIM_COLUMNS for r in records)
    assert {r["source"] for r in records} == {
        str(Path(db).parent / "reports" / n)
        for n in ("kunduz-held.txt", "zaranj.txt", "kunduz-lost.txt")
    }


def test_claims_output_option_writes_the_file(db: str, tmp_path: Path) -> None:
    out = tmp_path / "claims.csv"

    result = run("claims", "--db", db, "-o", str(out))

    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 3


def test_claims_with_an_unknown_format_is_a_clean_one_line_error(db: str) -> None:
    assert_clean_error(run("claims", "--format", "xml", "--db", db), "'xml'", "csv", "json")


# --------------------------------------------------------------------------- snapshot


def test_snapshot_of_the_seed_article(seed_text: str, tmp_path: Path) -> None:
    db = str(tmp_path / "seed.db")
    seed = tmp_path / "seed.txt"
    seed.write_text(seed_text, encoding="utf-8")
    assert run("ingest", str(seed), "--db", db).exit_code == 0
    out = tmp_path / "2021-08-12.geojson"

    result = run("snapshot", "--date", "2021-08-12", "--db", db, "-o", str(out))

    assert result.exit_code == 0, result.output
    import geopandas

    frame = geopandas.read_file(out)
    assert len(frame) == 34
    status = dict(zip(frame["iso_3166_2"], frame["status"], strict=True))
    assert status.pop("AF-GHA") == "taliban"
    assert status.pop("AF-HEL") == "contested"
    assert status.pop("AF-KAB") == "government"
    assert len(status) == 31
    assert set(status.values()) == {"unknown"}


def test_snapshot_without_output_prints_the_geojson(db: str) -> None:
    result = run("snapshot", "--date", "2021-08-07", "--db", db)

    assert result.exit_code == 0, result.output
    collection = json.loads(result.stdout)
    status = {f["properties"]["iso_3166_2"]: f["properties"]["status"]
              for f in collection["features"]}  # fmt: skip
    assert (status["AF-KDZ"], status["AF-NIM"], status["AF-KAB"]) == (
        "government", "taliban", "unknown")  # fmt: skip


@pytest.mark.parametrize("bad", ["notadate", "2021-02-30", "12/08/2021", ""])
def test_snapshot_with_a_bad_date_is_a_clean_error(db: str, bad: str) -> None:
    assert_clean_error(run("snapshot", "--date", bad, "--db", db), repr(bad))


def test_snapshot_without_a_date_says_the_option_is_missing(db: str) -> None:
    result = run("snapshot", "--db", db)

    assert result.exit_code == 2
    assert "--date" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- timeline


def test_timeline_csv_has_one_row_per_province_and_change(db: str) -> None:
    result = run("timeline", "--db", db)

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["province_iso"], r["date"], r["status"]) for r in rows] == [
        ("AF-KDZ", "2021-08-01", "government"),
        ("AF-NIM", "2021-08-06", "taliban"),
        ("AF-KDZ", "2021-08-08", "taliban"),
    ]
    assert rows[2]["quote"] == KUNDUZ_LOST


def test_timeline_csv_repeats_no_state_for_a_province(tmp_path: Path) -> None:
    db = str(tmp_path / "twice.db")
    folder = tmp_path / "in"
    folder.mkdir()
    for day in ("2021-08-08", "2021-08-09", "2021-08-10"):  # the same fact, reported thrice
        (folder / f"{day}.txt").write_text(f"date {day}\n\nOn {day} the Taliban still held "
                                           "Kunduz, the capital of Kunduz province, residents "
                                           "said.")  # fmt: skip
    assert run("ingest", str(folder), "--db", db).exit_code == 0

    rows = list(csv.DictReader(io.StringIO(run("timeline", "--db", db).stdout)))

    kunduz = [(r["status"], r["confirmed"]) for r in rows if r["province_iso"] == "AF-KDZ"]
    assert kunduz
    assert all(a != b for a, b in itertools.pairwise(kunduz))


def test_timeline_geojson_has_one_feature_per_province_and_interval(db: str) -> None:
    result = run("timeline", "--format", "geojson", "--db", db)

    assert result.exit_code == 0, result.output
    features = [f["properties"] for f in json.loads(result.stdout)["features"]]
    assert len({p["iso_3166_2"] for p in features}) == 34
    kunduz = [(p["start"], p["end"], p["status"]) for p in features
              if p["iso_3166_2"] == "AF-KDZ"]  # fmt: skip
    assert kunduz == [("2021-08-01", "2021-08-08", "government"),
                      ("2021-08-08", None, "taliban")]


def test_timeline_with_an_unknown_format_is_a_clean_error(db: str) -> None:
    assert_clean_error(run("timeline", "--format", "kml", "--db", db), "'kml'")


# --------------------------------------------------------------------------- demo


def test_demo_builds_a_database_of_the_demo_corpus(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"

    result = run("demo", "--db", str(db))

    assert result.exit_code == 0, result.output
    assert "refused" in result.stderr
    assert n_documents(db) >= 30
    snapshot = json.loads(run("snapshot", "--date", "2021-08-16", "--db", str(db)).stdout)
    status = {f["properties"]["iso_3166_2"]: f["properties"]["status"]
              for f in snapshot["features"]}  # fmt: skip
    not_taliban = {iso for iso, s in status.items() if s != "taliban"}
    assert not_taliban == {"AF-PAN"}  # every capital but Bazarak had fallen by 16 August


# --------------------------------------------------------------------------- the database


@pytest.mark.parametrize("command", [
    ["claims"], ["snapshot", "--date", "2021-08-12"], ["timeline"], ["demo"],
    ["ingest", "."],
])  # fmt: skip
def test_a_db_that_is_not_sqlite_is_a_clean_error_naming_it(
    tmp_path: Path, command: list[str]
) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("my notes, not a database\n" * 10)

    result = run(*command, "--db", str(notes))

    assert_clean_error(result, str(notes), "not a SQLite database")
    assert notes.read_text().startswith("my notes")


def test_a_db_in_a_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "x.db"

    assert_clean_error(run("claims", "--db", str(missing)), str(missing))


def test_db_defaults_to_the_controlmap_db_environment_variable(
    tmp_path: Path, monkeypatch
) -> None:
    from_env = tmp_path / "from-env.db"
    monkeypatch.setenv("CONTROLMAP_DB", str(from_env))

    result = run("ingest", str(write_reports(tmp_path / "reports")))

    assert result.exit_code == 0, result.output
    assert n_documents(from_env) == 3
    assert not (tmp_path / "controlmap.db").exists()
    rows = list(csv.DictReader(io.StringIO(run("claims").stdout)))
    assert len(rows) == 3


def test_the_db_option_wins_over_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CONTROLMAP_DB", str(tmp_path / "from-env.db"))
    given = tmp_path / "given.db"

    result = run("ingest", str(write_reports(tmp_path / "reports")), "--db", str(given))

    assert result.exit_code == 0
    assert n_documents(given) == 3
    assert not (tmp_path / "from-env.db").exists()


def test_without_db_or_environment_the_database_is_controlmap_db_here(tmp_path: Path) -> None:
    result = run("ingest", str(write_reports(tmp_path / "reports")))

    assert result.exit_code == 0
    assert n_documents(tmp_path / "controlmap.db") == 3


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """Return the local addresses with a socket listening on ``port`` (from /proc/net)."""
    import ipaddress

    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # /proc writes each 32-bit word of the address in host (little-endian) order
            words = b"".join(raw[k:k + 4][::-1] for k in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(words)))
    return found


def start_serve(*args: str):
    """Start ``controlmap serve`` as a subprocess; return (process, port) once it answers."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    cmd = [sys.executable, "-c", "from geo.cli import main; main()", "serve", "--port",
           str(port), *args]
    # unbuffered: wait_for_line selects on the pipe, so no line may wait in a buffer
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               bufsize=0)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                if r.status == 200:
                    return process, port
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise AssertionError("controlmap serve did not answer: " + process.stderr.read().decode())


def wait_for_line(process, text: str, timeout: float = 120) -> str:
    """Return the first line of ``process``'s stderr that holds ``text``; fail after
    ``timeout`` seconds, or when the process ends first."""
    import select
    import time

    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if not ready:
            continue
        line = process.stderr.readline().decode()
        if not line:
            break  # the process closed its stderr: it ended
        if text in line:
            return line
        seen.append(line)
    raise AssertionError(f"no line with {text!r} within {timeout} s: {''.join(seen)[-2000:]}")


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except Exception:
        process.kill()
        process.wait(timeout=20)


def test_serve_listens_on_loopback_only_and_serves_its_assets_locally(tmp_path: Path) -> None:
    import urllib.request

    db = tmp_path / "serve.db"
    assert run("init", "--db", str(db)).exit_code == 0
    process, port = start_serve("--db", str(db))
    try:
        assert listening_addresses(port) == {"127.0.0.1"}
        leaflet = f"http://127.0.0.1:{port}/app/static/leaflet/leaflet.js"
        with urllib.request.urlopen(leaflet) as response:
            assert b"Leaflet" in response.read(300)
    finally:
        stop(process)


def test_serve_says_when_its_warm_up_is_done(tmp_path: Path) -> None:
    from geo.cli import READY_LINE

    db = tmp_path / "serve.db"
    assert run("demo", "--db", str(db)).exit_code == 0
    process, _port = start_serve("--db", str(db))
    try:
        line = wait_for_line(process, READY_LINE)
        assert f"the map of {db} built in" in line, line
    finally:
        stop(process)


def test_streamlit_run_app_py_binds_loopback_through_the_shipped_config() -> None:
    import tomllib

    from geo.resources import app_path

    root_config = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
    for path in (root_config, app_path(".streamlit", "config.toml")):
        with path.open("rb") as fh:
            assert tomllib.load(fh)["server"]["address"] == "127.0.0.1", path


def test_a_first_serve_with_no_database_set_builds_the_demo_here(tmp_path: Path,
                                                                  monkeypatch) -> None:
    monkeypatch.delenv("CONTROLMAP_DATABASES", raising=False)
    process, _port = start_serve()
    try:
        assert n_documents(tmp_path / "controlmap.db") >= 30
    finally:
        stop(process)


def test_serve_of_a_database_that_does_not_exist_is_a_clean_error(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"

    assert_clean_error(run("serve", "--db", str(missing), "--port", str(free_port())),
                       str(missing), "controlmap demo --db PATH")
    assert not missing.exists()


@pytest.mark.parametrize("command", [
    ["claims"], ["snapshot", "--date", "2021-08-12"], ["timeline"],
    ["reject", "c0ffee"], ["restore", "c0ffee"],
])  # fmt: skip
def test_reading_commands_refuse_a_database_that_does_not_exist_and_create_none(
    tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "reprots.db"

    result = run(*command, "--db", str(typo))

    assert_clean_error(result, f"There is no database {str(typo)!r}", "controlmap init")
    assert not typo.exists()


def test_init_creates_an_empty_database_once(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"

    first = run("init", "--db", str(path))
    again = run("init", "--db", str(path))

    assert first.exit_code == again.exit_code == 0, first.output
    assert "created an empty database" in first.stderr
    assert n_documents(path) == 0
    assert "exists already (0 documents); nothing changed" in again.stderr
    assert run("claims", "--db", str(path)).stdout.startswith("document,")


SECRET_URL = "postgresql+psycopg://u:secret@127.0.0.1:1/x"


@pytest.mark.parametrize("command", [
    ["claims"], ["snapshot", "--date", "2021-08-12"], ["timeline"], ["demo"], ["init"],
    ["ingest", "."], ["reject", "c0ffee"],
])  # fmt: skip
def test_a_database_password_never_reaches_the_cli_output(command: list[str]) -> None:
    pytest.importorskip("psycopg")

    result = run(*command, "--db", SECRET_URL)

    assert result.exit_code == 1
    assert "secret" not in result.output
    assert "u:***@127.0.0.1" in result.stderr
    assert "Traceback" not in result.output


def test_a_database_password_is_masked_in_the_environment_too(monkeypatch) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("CONTROLMAP_DB", SECRET_URL)

    result = run("timeline")

    assert "secret" not in result.output
    assert "u:***@" in result.stderr


def test_demo_names_a_server_database_with_its_password_masked() -> None:
    import os

    url = os.environ.get("CONTROLMAP_TEST_POSTGRES")
    if not url:
        pytest.skip("CONTROLMAP_TEST_POSTGRES is not set (no PostgreSQL to build the demo in)")
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    if not password:
        pytest.skip("the test database URL has no password to mask")

    result = run("init", "--db", url)

    assert result.exit_code == 0, result.output
    assert f":{password}@" not in result.output
    assert ":***@" in result.stderr


# --------------------------------------------------------------------------- engines


def test_ingest_with_an_unknown_engine_is_a_clean_error_and_stores_nothing(tmp_path: Path):
    path = tmp_path / "x.db"
    result = run("ingest", str(write_reports(tmp_path / "reports")), "--db", str(path),
                 "--engine", "regex")
    assert_clean_error(result, "'regex'", "rules, learned")
    assert not path.exists()


@pytest.mark.parametrize("engine", ["rules", "learned"])
def test_ingest_with_either_engine_gives_the_same_claims_csv_columns(tmp_path: Path, engine):
    path = str(tmp_path / f"{engine}.db")
    assert run("ingest", str(write_reports(tmp_path / "reports")), "--db", path,
               "--engine", engine).exit_code == 0
    out = run("claims", "--db", path).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[: len(CLAIM_COLUMNS)] == CLAIM_COLUMNS
    assert {(r["province_iso"], r["actor"]) for r in rows} >= {("AF-NIM", "taliban")}


def write_corpus(folder: Path) -> Path:
    write_reports(folder)
    (folder / "expected_claims.csv").write_text(
        "file,claim_date,place,province_iso,polarity,required,note\n"
        "zaranj.txt,2021-08-06,Zaranj,AF-NIM,taliban,yes,\n"
        "kunduz-lost.txt,2021-08-08,Kunduz,AF-KDZ,taliban,yes,\n"
        "kunduz-held.txt,2021-08-01,Kunduz,AF-KDZ,government,yes,\n", encoding="utf-8")
    return folder


def test_evaluate_prints_the_figures_and_the_misses(tmp_path: Path):
    result = run("evaluate", str(write_corpus(tmp_path / "corpus")), "--engine", "rules",
                 "--show")
    assert result.exit_code == 0, result.output
    assert "engine rules: precision 1.00 recall 1.00 F1 1.00" in result.stdout


def test_evaluate_of_a_folder_without_labels_is_a_clean_error(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    assert_clean_error(run("evaluate", str(tmp_path / "empty")), "expected_claims.csv")


def test_label_list_shows_candidates_with_the_proposal(tmp_path: Path):
    folder = write_reports(tmp_path / "reports")
    result = run("label", str(folder / "zaranj.txt"), "--list", "--labels",
                 str(tmp_path / "l.csv"))
    assert result.exit_code == 0, result.output
    assert "AF-NIM" in result.stdout
    assert "proposal=taliban" in result.stdout
    assert not (tmp_path / "l.csv").exists()


def test_label_records_a_typed_verdict(tmp_path: Path):
    folder = write_reports(tmp_path / "reports")
    labels = tmp_path / "l.csv"
    result = run("label", str(folder / "zaranj.txt"), "--labels", str(labels), stdin="t\n")
    assert result.exit_code == 0, result.output
    assert "zaranj.txt" in labels.read_text(encoding="utf-8")


def test_label_asks_again_after_a_mistyped_verdict_and_keeps_what_was_typed(tmp_path: Path):
    folder = write_reports(tmp_path / "reports")
    labels = tmp_path / "l.csv"
    result = run("label", str(folder / "zaranj.txt"), "--labels", str(labels),
                 stdin="x\nt\n")
    assert result.exit_code == 0, result.output
    assert "unknown verdict 'x'" in result.stderr
    assert "AF-NIM,taliban" in labels.read_text(encoding="utf-8")
