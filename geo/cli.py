"""The ``controlmap`` command line: geocode, ingest, claims, snapshot, timeline, html, demo,
init, serve, ``db upgrade``/``db current`` for the database's schema (and the analysts'
reject, restore, evaluate, label).

Database URLs are shown with their password masked (:func:`geo.textsafe.mask_secrets`);
reading commands refuse a SQLite file that does not exist (:mod:`geo.databases`).

Package errors (:class:`geo.errors.ControlmapError`) become a one-line message with a hint
and exit code 1; a batch that refused some documents (or whose documents the database
refused) exits with code 3.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from geo.errors import ControlmapError, DateError
from geo.textsafe import mask_secrets

app = typer.Typer(
    name="controlmap",
    help="Turn news reports about a war into a day-by-day map of who controls what.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
F = TypeVar("F", bound=Callable)


@app.callback()
def _root() -> None:
    """Turn news reports about a war into a day-by-day map of who controls what."""


def clean_errors(func: F) -> F:
    """Return ``func`` wrapped so that package errors print a clean message, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ControlmapError as err:
            typer.secho(f"Error: {mask_secrets(str(err))}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def read_text_argument(text: str) -> str:
    """Return the text given as TEXT: '-' reads stdin, an existing file path reads the file."""
    if text == "-":
        return sys.stdin.read()
    if len(text) < 4096 and "\n" not in text:
        path = Path(text)
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ControlmapError(f"cannot read {text}: {err}", "give a UTF-8 text file") from err
    return text


@app.command()
@clean_errors
def geocode(
    text: Annotated[str, typer.Argument(help="Text to geocode, '-' for stdin, or a file path.")],
) -> None:
    """Print the place mentions in TEXT as a JSON array."""
    from geo.geocode import geocode as run_geocode

    mentions = run_geocode(read_text_argument(text))
    typer.echo(json.dumps([m.to_dict() for m in mentions], ensure_ascii=False, indent=2))


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or database URL [env CONTROLMAP_DB; default "
                 "controlmap.db]."),
]
EngineOption = Annotated[
    str | None,
    typer.Option("--engine", help="Extraction engine: learned or rules [env CONTROLMAP_ENGINE; "
                 "default learned]."),
]
OutOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
EXIT_REFUSED = 3
#: by default, inputs smaller than this are ingested in this process (no cluster)
SMALL_INPUT_DOCS = 1000


def _parse_date(value: str | None, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DateError(f"{what} {value!r} is not a date", "write it as YYYY-MM-DD") from None


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ControlmapError(f"cannot write {output}: {err.strerror}",
                              "choose a writable path") from err
    typer.secho(f"wrote {output}", err=True)


@app.command()
@clean_errors
def ingest(
    # readable=False: typer's default check would stop the whole batch (exit 2) at an
    # unreadable path; the reader refuses it by name instead and the batch goes on (exit 3)
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .jsonl).",
                                                readable=False)],
    date: Annotated[str | None, typer.Option("--date", help="Publication date YYYY-MM-DD for "
                                            "documents that carry none.")] = None,
    db: DbOption = None,
    engine_name: EngineOption = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Update stored documents re-ingested with another date, title, URL "
        "or outlet (their claims are extracted again; runs in this process).")] = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1,
        help="Extract in N worker processes of a local Dask cluster (default: the number of "
        "cores). With 1, or by default for an input of fewer than "
        f"{SMALL_INPUT_DOCS} documents, everything runs in this process: starting a cluster "
        "costs more than it saves there (see bench/README.md).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Send the extraction to the running Dask cluster at "
        "tcp://HOST:PORT (its workers need controlmap installed); the writes still go to "
        "--db, typically PostgreSQL.")] = None,
) -> None:
    """Ingest documents: extract their dated control claims into the database.

    Each document is stored atomically; the same content twice (whitespace and format
    aside) is skipped, unless --replace is given and its date or metadata changed. Exit
    code 3 means some documents were refused (the rest were ingested). A large JSON Lines
    file is streamed: memory does not grow with its size.
    """
    import time

    from geo import parallel, store
    from geo.ingest import ingest_paths

    default_date = _parse_date(date, "--date")
    if engine_name is not None:
        from geo.extraction import check_engine

        check_engine(engine_name)
    n_workers = 0 if replace else _workers_for(paths, workers, scheduler)
    if n_workers and not scheduler:
        parallel.start_fork_server()  # it imports the workers' modules while we go on
    engine = store.open_db(db)
    progress = parallel.Progress(on_change=parallel.ProgressLine())
    progress.total = parallel.count_documents(paths)
    started = time.perf_counter()
    try:
        if n_workers == 0:
            report = ingest_paths(engine, paths, default_date=default_date,
                                  on_document=lambda _name, _outcome: progress.advance(),
                                  extractor=engine_name, replace=replace)
        else:
            client = (parallel.remote_client(scheduler) if scheduler
                      else parallel.local_client(n_workers))
            try:
                report = parallel.ingest_parallel(engine, paths, client,
                                                  default_date=default_date,
                                                  extractor=engine_name, progress=progress)
            finally:
                parallel.close_client(client)
    finally:
        if progress.on_change is not None:
            progress.on_change.close()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    where = (f"on {scheduler}" if scheduler else
             f"on {n_workers} workers" if n_workers else "in one process")
    typer.echo(f"{progress.done:,} documents read in {elapsed:.1f} s "
               f"({progress.done / elapsed if elapsed else 0:,.0f} docs/s) {where}", err=True)
    typer.echo(report.summary(), err=True)
    for name in report.outdated:
        typer.secho(f"skipped {name} (already stored; use --replace to update it)",
                    fg=typer.colors.YELLOW, err=True)
    for name in report.replaced:
        typer.echo(f"replaced {name}", err=True)
    for _, note in report.notes:
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)
    for name, reason in report.refused:
        typer.secho(f"refused {name}: {reason}", fg=typer.colors.YELLOW, err=True)
    for name, reason in report.failed:
        typer.secho(f"failed {name}: {reason}", fg=typer.colors.YELLOW, err=True)
    if report.refused or report.failed:
        raise typer.Exit(EXIT_REFUSED)


def _workers_for(paths: list[Path], workers: int | None, scheduler: str | None) -> int:
    """Return how many local workers to start: 0 means ingest in this process."""
    import os

    from geo.parallel import count_documents

    if scheduler:
        return 1  # the cluster's own workers; none is started here
    if workers is not None:
        return 0 if workers == 1 else workers
    cores = os.cpu_count() or 1
    if cores < 2:
        return 0
    total = count_documents(paths)
    if total is None:  # JSON Lines: judge by size (~2 KB a document)
        size = sum(p.stat().st_size for p in _input_files(paths))
        total = size // 2048
    return 0 if total < SMALL_INPUT_DOCS else cores


def _input_files(paths: list[Path]):
    for path in paths:
        if path.is_dir():
            yield from (p for p in path.rglob("*.jsonl") if p.is_file())
        elif path.is_file():
            yield path


@app.command()
@clean_errors
def claims(
    format: Annotated[str, typer.Option("--format", "-f", help="csv, json or acled (a CSV in "
                                        "ACLED's column names).")] = "csv",
    include_rejected: Annotated[bool, typer.Option(help="Also list rejected claims.")] = False,
    db: DbOption = None,
    output: OutOption = None,
) -> None:
    """List the claims: document, event date, place, province, actor, kind, quote, source."""
    from geo import export, store
    from geo.boundaries import load_province_table

    if format not in ("csv", "json", "acled"):
        raise ControlmapError(f"unknown format {format!r}",
                              "use --format csv, --format json or --format acled")
    engine = store.open_db(_existing(db))
    with engine.connect() as conn:
        rows = store.load_claims(conn, include_rejected=include_rejected)
    if format == "acled":
        provinces = {row["iso_3166_2"]: row for row in load_province_table()}
        text = export.acled_csv(rows, provinces)
    else:
        text = export.claims_csv(rows) if format == "csv" else export.claims_json(rows)
    _write(text, output)


@app.command()
@clean_errors
def snapshot(
    date: Annotated[str, typer.Option("--date", help="Day of the snapshot, YYYY-MM-DD.")],
    places: Annotated[bool, typer.Option("--places", help="Add the places below province "
                                         "level as Point features (level 'place').")] = False,
    evidence: Annotated[Path | None, typer.Option(
        "--evidence", help="Also write the full evidence (one row per state and claim, "
        "joined on 'key') to this CSV file.")] = None,
    db: DbOption = None,
    output: OutOption = None,
) -> None:
    """Write the GeoJSON FeatureCollection of the 34 provinces' states on a day (flat
    properties: status, holder, confirmed, since, last_report, n_sources, top_quote...)."""
    from geo import export
    from geo import model as control_model

    day = _parse_date(date, "--date")
    assert day is not None  # --date is a required option
    # The stored state intervals of that day (rebuilt only where claims changed).
    model = control_model.load_materialised(_existing(db), day)
    _write(export.snapshot_geojson(model, day, places=places), output)
    if evidence is not None:
        _write(export.evidence_csv(model, day, places=places), evidence)


@app.command()
@clean_errors
def timeline(
    format: Annotated[str, typer.Option("--format", "-f", help="csv (one row per change) or "
                                        "geojson (one feature per interval).")] = "csv",
    db: DbOption = None,
    output: OutOption = None,
) -> None:
    """Write the timeline: CSV, one row per province and change of status; GeoJSON, one
    feature per province and state interval with start and end (end exclusive, null while
    it holds), for QGIS's temporal controller."""
    from geo import export
    from geo import model as control_model

    if format not in ("csv", "geojson"):
        raise ControlmapError(f"unknown format {format!r}", "use --format csv or geojson")
    model = control_model.load_materialised(_existing(db), places=False)
    if format == "csv":
        _write(export.timeline_csv(model), output)
    else:
        _write(export.timeline_geojson(model), output)


@app.command()
@clean_errors
def html(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    start: Annotated[str | None, typer.Option("--from", help="First day of the slider, "
                                              "YYYY-MM-DD [default: the first claim].")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of the slider, "
                                            "YYYY-MM-DD [default: the last claim].")] = None,
    db: DbOption = None,
) -> None:
    """Write the map as one self-contained HTML file (Leaflet inlined, no network): the
    provinces, a date slider with play, the legend and each day's evidence."""
    from geo import htmlmap
    from geo import model as control_model

    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    model = control_model.load_model(_existing(db))
    _write(htmlmap.map_html(model, first, last), output)


def _existing(db: str | None) -> str:
    """Return the database of a reading command, which must exist (never created by
    reading: a mistyped path is an error with a hint)."""
    from geo.databases import require_existing

    return require_existing(db)


@app.command()
@clean_errors
def demo(db: DbOption = None) -> None:
    """Build a database from the demo corpus (creating it if it does not exist)."""
    from geo import settings, store
    from geo.baselines import add_theatre_baseline
    from geo.databases import describe
    from geo.ingest import ingest_paths

    engine = store.open_db(db)
    report = ingest_paths(engine, [Path(settings.DEMO_DIR.value())])
    add_theatre_baseline(engine)  # the analyst's starting point (data/theatre.json)
    typer.echo(f"demo: {report.summary()} into {describe(store.database_url(db))}", err=True)
    if report.refused:
        raise typer.Exit(EXIT_REFUSED)


@app.command()
@clean_errors
def init(db: DbOption = None) -> None:
    """Create an empty database (its tables) at --db or CONTROLMAP_DB, ready to ingest."""
    from geo import store
    from geo.databases import describe, exists

    existed = exists(store.database_url(db))
    with store.open_db(db).connect() as conn:
        documents = store.count_rows(conn)["documents"]
    where = describe(store.database_url(db))
    if existed:
        typer.echo(f"{where} exists already ({documents} documents); nothing changed", err=True)
    else:
        typer.echo(f"created an empty database {where}", err=True)


db_app = typer.Typer(
    name="db",
    help="The database's schema: which revision it is at, and upgrading it.",
    no_args_is_help=True,
)
app.add_typer(db_app)


@db_app.command("upgrade")
@clean_errors
def db_upgrade(db: DbOption = None) -> None:
    """Create the schema in an empty database or upgrade it to this controlmap's revision
    (a database made before migrations too). Safe to run by several processes at once."""
    from geo import store

    before, after = store.upgrade_db(db)
    where = store.describe_db(db)
    if before == after:
        typer.echo(f"{where} is at revision {after} (head); nothing to do", err=True)
    else:
        typer.echo(f"upgraded {where} from {before or 'nothing'} to revision {after}", err=True)


@db_app.command("current")
@clean_errors
def db_current(db: DbOption = None) -> None:
    """Print the schema revision of the database (changes nothing)."""
    from geo import store

    typer.echo(store.describe_schema(db))


@app.command()
@clean_errors
def baseline(
    date: Annotated[str, typer.Option("--date", help="Day the baseline holds from, "
                                      "YYYY-MM-DD.")],
    status: Annotated[str, typer.Option("--status", help="The side that holds the places: "
                                        "government, taliban or resistance.")],
    note: Annotated[str, typer.Option("--note", help="What the baseline rests on.")],
    isos: Annotated[list[str] | None, typer.Argument(
        help="Province ISO codes (with --provinces); none: every province or capital.",
        show_default=False)] = None,
    capitals: Annotated[bool, typer.Option("--capitals", help="Every provincial capital "
                                           "(the default).")] = False,
    provinces: Annotated[bool, typer.Option("--provinces", help="Whole provinces: every "
                                            "one, or the ISO codes given.")] = False,
    db: DbOption = None,
) -> None:
    """Set a baseline: STATUS holds the capitals (or provinces) from DATE until evidence
    says otherwise. Stored as attributed manual claims (origin baseline); reject them like
    any claim."""
    from geo import settings, store
    from geo.baselines import build_baseline, save_baseline
    from geo.gazetteer import load_gazetteer

    day = _parse_date(date, "--date")
    assert day is not None  # --date is a required option
    if capitals and (provinces or isos):
        raise ControlmapError("--capitals takes no ISO codes and excludes --provinces",
                              "list provinces with --provinces AF-KAB AF-BAL ...")
    places: str | list[str] = list(isos) if isos else ("provinces" if provinces else
                                                       "capitals")
    claims_ = build_baseline(load_gazetteer(), day, status.strip().lower(), places, note=note,
                             author=settings.EDITOR.value())
    with store.open_db(db).begin() as conn:
        added = save_baseline(conn, claims_)
    typer.echo(f"baseline: {added} claims added ({len(claims_) - added} already stored), "
               f"{status} from {day.isoformat()}", err=True)


def _edit(claim_id: str, note: str, db: str | None, action: str) -> None:
    from geo import settings, store

    engine = store.open_db(_existing(db))
    with engine.begin() as conn:
        change = store.reject_claim if action == "reject" else store.restore_claim
        change(conn, claim_id, author=settings.EDITOR.value(), note=note)
    past = {"reject": "rejected", "restore": "restored"}[action]
    typer.echo(f"{past} claim {claim_id}", err=True)


@app.command()
@clean_errors
def reject(
    claim_id: Annotated[str, typer.Argument(help="The claim's id (see `controlmap claims`).")],
    note: Annotated[str, typer.Option(help="Why the claim is rejected.")] = "",
    db: DbOption = None,
) -> None:
    """Reject an extracted claim: the map no longer uses it (kept, attributed, reversible)."""
    _edit(claim_id, note, db, "reject")


@app.command()
@clean_errors
def restore(
    claim_id: Annotated[str, typer.Argument(help="The claim's id.")],
    note: Annotated[str, typer.Option(help="Why the claim is restored.")] = "",
    db: DbOption = None,
) -> None:
    """Restore a rejected claim."""
    _edit(claim_id, note, db, "restore")


@app.command()
@clean_errors
def evaluate(
    corpus: Annotated[Path, typer.Argument(help="Folder of *.txt reports with "
                                           "expected_claims.csv (like shared/eval/dev).")],
    engine_name: EngineOption = None,
    show: Annotated[bool, typer.Option("--show", help="List every miss, extra and "
                                       "misdated claim.")] = False,
) -> None:
    """Score claim extraction against a hand-labelled folder: precision, recall, F1, date
    accuracy, and the misses and extras by error family."""
    from geo.evaluate import evaluate as run_evaluate
    from geo.extraction import Extractor

    extractor = Extractor.for_engine(engine_name)
    result, _ = run_evaluate(corpus, extractor.extract)
    if show:
        for key in result.missed:
            typer.echo("missed  " + " ".join(key))
        for key in result.extra:
            typer.echo("extra   " + " ".join(key))
        for key in result.misdated:
            typer.echo("date    " + " ".join(key))
    typer.echo(f"engine {extractor.name}: {result.summary()}")
    for family, n in sorted(result.families.items()):
        typer.echo(f"  {family:<22} {n}")


@app.command()
@clean_errors
def label(
    document: Annotated[Path, typer.Argument(help="A report (.txt with a ' date' line, .md, "
                                             ".html) whose candidates to label.")],
    labels: Annotated[Path | None, typer.Option(
        "--labels", help="The labels CSV to add to [default: the project's "
        "data/labels/dev_candidates.csv].")] = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only print the candidates with "
                                            "the engine's proposal and any label.")] = False,
) -> None:
    """Label the candidates of a report: show each sentence-and-province with the learned
    engine's proposal and record a verdict (offsets and verdicts only, never the text).
    Each verdict is saved as it is typed; a mistyped one is asked again."""
    from geo import labelling
    from geo.extraction.training import DEFAULT_LABELS

    path = labels or DEFAULT_LABELS
    session = labelling.LabellingSession.open(document, path)
    for item in session.items():
        typer.echo(labelling.describe(item))
        if list_only:
            continue
        while True:
            answer = typer.prompt("verdict [n]one [t]aliban [g]overnment [c]ontested, "
                                  "'+' to join, [s]kip, [q]uit", default="s")
            if answer.strip().lower() == "q":
                typer.echo(f"{len(session.rows)} labels in {path}", err=True)
                return
            try:
                if session.record(item, answer):
                    session.save()
                break
            except ControlmapError as err:
                typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
    if not list_only:
        typer.echo(f"{len(session.rows)} labels in {path}", err=True)


LOOPBACK = "127.0.0.1"
#: how the line starts that ``controlmap serve`` prints on stderr once its warm-up is done
#: (see _warm_model; scripts and benchmarks wait for it)
READY_LINE = "controlmap: ready"


@app.command()
@clean_errors
def serve(
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8501,
    host: Annotated[str, typer.Option(
        help="Address to listen on. The default answers this machine only; 0.0.0.0 (or a "
        "LAN address) lets anyone who can reach it read every claim and, unless "
        "CONTROLMAP_READ_ONLY=1, ingest and edit.")] = LOOPBACK,
    db: DbOption = None,
) -> None:
    """Open the map app (Streamlit) on http://127.0.0.1:PORT with --db, CONTROLMAP_DB or
    the databases of CONTROLMAP_DATABASES. Without any of them, a first start builds
    controlmap.db from the demo corpus."""
    import os

    from geo import settings
    from geo.resources import app_path

    if db:
        os.environ[settings.DB.env] = db
        os.environ.pop(settings.DATABASES.env, None)  # --db is the one database
    _prepare_databases()
    if host not in (LOOPBACK, "localhost", "::1"):
        typer.secho(f"warning: listening on {host}: anyone who can reach it can read every "
                    "claim" + ("" if settings.read_only() else " and ingest or edit (set "
                               "CONTROLMAP_READ_ONLY=1 to prevent it)"),
                    fg=typer.colors.YELLOW, err=True)  # fmt: skip
    # Import what the pages need before the server starts, so that the first visitor does
    # not wait ~2 s for folium, pandas and SQLAlchemy to load (`streamlit run` imports them
    # on the first session only).
    from streamlit.web import bootstrap

    import geo.mapview  # noqa: F401
    from geo import _server, appstate

    _server.send_responses_without_delay()

    flags = {**_streamlit_config(), "server.port": port, "server.address": host,
             "server.headless": True, "browser.gatherUsageStats": False}  # fmt: skip
    bootstrap.load_config_options(flag_options=flags)
    threading.Thread(target=_warm_model, args=(appstate,), daemon=True).start()
    typer.echo(f"controlmap: serving http://{host}:{port}", err=True)
    bootstrap.run(str(app_path("app.py")), False, [], flags)


def _prepare_databases() -> None:
    """Check the databases the app will offer exist; on a first start with no database
    set at all, build the default controlmap.db from the demo corpus (a new SQLite file
    only: never into a server database, never into a path someone typed)."""
    import os

    from geo import databases, settings, store
    from geo.ingest import ingest_paths

    choices = databases.configured()
    unset = not any(os.environ.get(s.env) for s in (settings.DB, settings.DATABASES))
    for db in choices.values():
        if unset and not databases.exists(db):
            typer.echo(f"no database yet: building {databases.describe(db)} from the demo "
                       "corpus (once)", err=True)
            report = ingest_paths(store.open_db(db), [Path(settings.DEMO_DIR.value())])
            typer.echo(f"demo: {report.summary()}", err=True)
        databases.require_existing(db)


def _streamlit_config() -> dict[str, object]:
    """Return the app's shipped .streamlit/config.toml as Streamlit flag options, so that
    an installed app runs with them from any working folder."""
    import tomllib

    from geo.resources import app_path

    with app_path(".streamlit", "config.toml").open("rb") as fh:
        config = tomllib.load(fh)
    return {f"{section}.{key}": value for section, options in config.items()
            for key, value in options.items()}


def _warm_model(appstate) -> None:
    """Build the default database's control model into the app's cache while the server
    starts, then freeze what start-up built (:func:`geo._server.freeze_startup_objects`)
    and say on stderr that the server is ready.

    Until then the build shares the server's interpreter with the first visitors (~3 s at
    150k claims, during which their pages answer slower); the line tells a user, a script
    or a benchmark when the server runs at its usual speed.
    """
    import logging
    import time

    from geo import _server, databases

    started = time.perf_counter()
    # Calling a cached function outside a session is fine; say nothing about it.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR)
    try:
        db = next(iter(databases.configured().values()))
        appstate.cached_model(db, appstate.database_version(db))
        built = f"the map of {databases.describe(db)} built in"
    except ControlmapError:  # the page shows the error to the visitor
        built = "no map built (the pages say why); warm-up took"
    _server.freeze_startup_objects()
    typer.echo(f"{READY_LINE} ({built} {time.perf_counter() - started:.1f} s)", err=True)


def main() -> None:
    """Run the CLI (the ``controlmap`` console script)."""
    app()
