"""Which database: the operator's choice (``--db``, ``CONTROLMAP_DB`` or a named list in
``CONTROLMAP_DATABASES``), never a path a visitor types; and whether it exists.

The app offers the configured databases by name (:func:`configured`); a name that is not
configured is an error (:class:`UnknownDatabaseError`). Reading commands and the app never
create a database: :func:`require_existing` refuses a SQLite file that is not there, with
a hint on how to build one (``controlmap demo``, ``controlmap init``, ``controlmap
ingest`` create). Every database is shown by :func:`describe`, its password masked.
"""

from __future__ import annotations

import re
from pathlib import Path

from geo import settings
from geo.errors import ControlmapError, StoreError
from geo.textsafe import mask_url

DEFAULT_NAME = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
CREATE_HINT = ("build one with `controlmap demo --db PATH` (the demo corpus) or `controlmap "
               "init --db PATH` (empty), or fix the path in CONTROLMAP_DB, "
               "CONTROLMAP_DATABASES or --db")


class UnknownDatabaseError(ControlmapError):
    """A database name that the operator did not configure (a crafted ``?db=``)."""


class DatabaseSettingError(ControlmapError):
    """``CONTROLMAP_DATABASES`` cannot be read."""


def configured() -> dict[str, str]:
    """Return the databases the app may open, name -> path or URL, the default first:
    ``CONTROLMAP_DATABASES`` when set (see :func:`parse_databases`), else ``CONTROLMAP_DB``
    alone under the name ``default``."""
    raw = settings.DATABASES.value().strip()
    if not raw:
        return {DEFAULT_NAME: settings.DB.value().strip() or settings.DB.default}
    return parse_databases(raw)


def parse_databases(raw: str) -> dict[str, str]:
    """Return the databases of a ``name=url;name=url`` list, in its order.

    Examples
    --------
    >>> parse_databases("live=/srv/live.db; demo=demo.db;")
    {'live': '/srv/live.db', 'demo': 'demo.db'}

    Raises
    ------
    DatabaseSettingError
        For an entry without ``=``, an empty URL, a name with other signs than letters,
        digits, ``.``, ``_`` and ``-``, a name given twice, or an empty list.
    """
    found: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in raw.split(";"))):
        name, sep, db = (s.strip() for s in entry.partition("="))
        if not sep or not db or not _NAME.match(name):
            raise DatabaseSettingError(
                f"CONTROLMAP_DATABASES has an entry {mask_url(entry)!r} that is not name=url",
                "write it as name=path-or-URL;name=path-or-URL (names of letters, digits, "
                "'.', '_' and '-')")
        if name in found:
            raise DatabaseSettingError(f"CONTROLMAP_DATABASES names {name!r} twice",
                                       "give every database its own name")
        found[name] = db
    if not found:
        raise DatabaseSettingError("CONTROLMAP_DATABASES lists no database",
                                   "write it as name=path-or-URL;name=path-or-URL")
    return found


def resolve(name: str) -> str:
    """Return the path or URL of the configured database ``name``.

    Raises
    ------
    UnknownDatabaseError
        If no configured database has that name (the message names it, escaped by the
        page that shows it).
    """
    choices = configured()
    if name not in choices:
        raise UnknownDatabaseError(
            f"There is no database named {name[:80]!r} here.",
            hint="pick one of " + ", ".join(repr(n) for n in choices) + " in the sidebar "
            "(the operator sets the list in CONTROLMAP_DATABASES)")
    return choices[name]


def describe(db: str) -> str:
    """Return how ``db`` is shown to people: a path as given, a URL with its password
    masked."""
    return mask_url(db)


def sqlite_file(db: str) -> Path | None:
    """Return the file of a SQLite database setting (path or ``sqlite:///`` URL), else None
    (an in-memory database or a server)."""
    if db in ("", ":memory:", "sqlite://") or db.startswith("sqlite:///:memory:"):
        return None
    if db.startswith("sqlite:///"):
        return Path(db.removeprefix("sqlite:///").split("?")[0]).expanduser()
    if "://" in db:
        return None
    return Path(db).expanduser()


def exists(db: str) -> bool:
    """Return False when ``db`` is a SQLite file that is not there (a server counts as
    existing: whether it answers is for opening it to tell)."""
    path = sqlite_file(db)
    return path is None or path.is_file()


def require_existing(db: str | None) -> str:
    """Return ``db`` (None: the ``CONTROLMAP_DB`` setting) after checking it exists.

    Raises
    ------
    StoreError
        If it is a SQLite file that does not exist: reading never creates a database,
        so a mistyped path is an error, not a new empty (or demo) database.
    """
    db = settings.DB.value() if db is None else db
    if not exists(db):
        raise StoreError(f"There is no database {describe(db)!r}.", hint=CREATE_HINT)
    return db
