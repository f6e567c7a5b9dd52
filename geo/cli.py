"""The ``controlmap`` command line: geocode, ingest, claims, snapshot, timeline, demo, serve.

Package errors (:class:`geo.errors.ControlmapError`) become a one-line message with a hint
and exit code 1; a batch that refused some documents exits with code 3.
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
            typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
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
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .jsonl).")],
    date: Annotated[str | None, typer.Option("--date", help="Publication date YYYY-MM-DD for "
                                            "documents that carry none.")] = None,
    db: DbOption = None,
    engine_name: EngineOption = None,
) -> None:
    """Ingest documents: extract their dated control claims into the database.

    Each document is stored atomically; the same content twice is skipped. Exit code 3
    means some documents were refused (the rest were ingested).
    """
    from rich.progress import Progress

    from geo import store
    from geo.ingest import ingest_paths

    default_date = _parse_date(date, "--date")
    if engine_name is not None:
        from geo.extraction import check_engine

        check_engine(engine_name)
    engine = store.open_db(db)
    with Progress(transient=True, console=_stderr_console()) as progress:
        task = progress.add_task("ingesting", total=None)

        def advance(name: str, outcome: str) -> None:
            progress.update(task, advance=1, description=f"{outcome.split(':')[0]} {name}")

        report = ingest_paths(engine, paths, default_date=default_date, on_document=advance,
                              extractor=engine_name)
    typer.echo(report.summary(), err=True)
    for name, reason in report.refused:
        typer.secho(f"refused {name}: {reason}", fg=typer.colors.YELLOW, err=True)
    if report.refused:
        raise typer.Exit(EXIT_REFUSED)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


@app.command()
@clean_errors
def claims(
    format: Annotated[str, typer.Option("--format", "-f", help="csv or json.")] = "csv",
    include_rejected: Annotated[bool, typer.Option(help="Also list rejected claims.")] = False,
    db: DbOption = None,
    output: OutOption = None,
) -> None:
    """List the claims: document, event date, place, province, actor, kind, quote, source."""
    from geo import export, store

    if format not in ("csv", "json"):
        raise ControlmapError(f"unknown format {format!r}", "use --format csv or --format json")
    engine = store.open_db(db)
    with engine.connect() as conn:
        rows = store.load_claims(conn, include_rejected=include_rejected)
    text = export.claims_csv(rows) if format == "csv" else export.claims_json(rows)
    _write(text, output)


@app.command()
@clean_errors
def snapshot(
    date: Annotated[str, typer.Option("--date", help="Day of the snapshot, YYYY-MM-DD.")],
    db: DbOption = None,
    output: OutOption = None,
) -> None:
    """Write the GeoJSON FeatureCollection of the 34 provinces' states on a day."""
    from geo import export
    from geo import model as control_model

    day = _parse_date(date, "--date")
    # The stored state intervals of that day (rebuilt only where claims changed).
    model = control_model.load_materialised(db, day)
    _write(export.snapshot_geojson(model, day), output)


@app.command()
@clean_errors
def timeline(
    format: Annotated[str, typer.Option("--format", "-f", help="csv or geojson.")] = "csv",
    db: DbOption = None,
    output: OutOption = None,
) -> None:
    """Write the timeline: one row per province and change of status."""
    from geo import export
    from geo import model as control_model

    model = control_model.load_materialised(db, places=False)
    if format == "csv":
        _write(export.timeline_csv(model), output)
    elif format == "geojson":
        _write(export.timeline_geojson(model), output)
    else:
        raise ControlmapError(f"unknown format {format!r}", "use --format csv or geojson")


@app.command()
@clean_errors
def demo(db: DbOption = None) -> None:
    """Build a database from the demo corpus in data/demo/."""
    from geo import settings, store
    from geo.ingest import ingest_paths

    engine = store.open_db(db)
    report = ingest_paths(engine, [Path(settings.DEMO_DIR.value())])
    from geo.baselines import add_theatre_baseline; add_theatre_baseline(engine)  # noqa: E702, I001  baseline (#10.3)
    typer.echo(f"demo: {report.summary()} into {store.database_url(db)}", err=True)
    if report.refused:
        raise typer.Exit(EXIT_REFUSED)


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

    engine = store.open_db(db)
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


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8501,
    db: DbOption = None,
) -> None:
    """Open the map app (Streamlit) on the demo data or --db."""
    import os

    from geo.settings import PROJECT_DIR

    if db:
        os.environ["CONTROLMAP_DB"] = db
    os.chdir(PROJECT_DIR)  # Streamlit reads .streamlit/config.toml from the working folder
    # Import what the pages need before the server starts, so that the first visitor does
    # not wait ~2 s for folium, pandas and SQLAlchemy to load (`streamlit run` imports them
    # on the first session only).
    from streamlit.web import bootstrap

    import geo.mapview  # noqa: F401
    from geo import appstate

    flags = {"server.port": port, "server.headless": True, "browser.gatherUsageStats": False}
    bootstrap.load_config_options(flag_options=flags)
    threading.Thread(target=_warm_model, args=(appstate,), daemon=True).start()
    bootstrap.run(str(PROJECT_DIR / "app.py"), False, [], flags)


def _warm_model(appstate) -> None:
    """Build the chosen database's control model into the app's cache while the server
    starts (nothing is built when the database is new: the first visit says so)."""
    import logging

    from geo import settings

    # Calling a cached function outside a session is fine; say nothing about it.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR)
    db = settings.DB.value()
    try:
        if not appstate.is_new_database(db):
            appstate.cached_model(db, appstate.database_version(db))
    except ControlmapError:
        pass  # the page shows the error to the visitor


def main() -> None:
    """Run the CLI (the ``controlmap`` console script)."""
    app()
