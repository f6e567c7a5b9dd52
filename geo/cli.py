"""The ``controlmap`` command line: geocode, ingest, claims, snapshot, timeline, demo, serve.

Package errors (:class:`geo.errors.ControlmapError`) become a one-line message with a hint
and exit code 1; a batch that refused some documents exits with code 3.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from geo.errors import ControlmapError

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


def main() -> None:
    """Run the CLI (the ``controlmap`` console script)."""
    app()
