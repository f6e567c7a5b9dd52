"""What every Streamlit page shares: the database choice, read-only mode, the cached model.

Pages call :func:`page_setup` first; it returns the database URL in use and the control
model, built once per database content (keyed on :func:`geo.store.data_version`), so a
rerun of a page (moving the date slider) costs no database work.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import streamlit as st

from geo import databases, settings, store
from geo.errors import ControlmapError
from geo.model import ControlModel, load_model
from geo.resources import app_path
from geo.textsafe import escape_markdown, install_log_masking, mask_secrets

DB_KEY = "controlmap_db"  # the chosen database's name (plain state: it outlives pages)
DB_PICK = "controlmap_db_pick"  # the sidebar selectbox (widget state is per page)
DB_URL = "controlmap_db_url"  # the ?db= value this session wrote last
DB_PARAM = "db"


class ReadOnlyError(ControlmapError):
    """A write was asked of an app that runs read-only (CONTROLMAP_READ_ONLY=1)."""


def chosen_database() -> str:
    """Return the path or URL of the database chosen for this session.

    The operator configures the databases (:func:`geo.databases.configured`); the sidebar
    offers their names (or shows the one database, its password masked) and the choice
    travels with every page in session state and as ``?db=<name>`` (so reloads and shared
    links keep it). A visitor can never type a path.

    Raises
    ------
    UnknownDatabaseError
        When ``?db=`` names no configured database.
    """
    choices = databases.configured()
    names = list(choices)
    wanted = st.query_params.get(DB_PARAM)
    if wanted is not None and wanted != st.session_state.get(DB_URL):
        databases.resolve(wanted)  # an unknown name is an error naming it
        st.session_state[DB_KEY] = wanted
    if st.session_state.get(DB_KEY) not in choices:
        st.session_state[DB_KEY] = names[0]
    name = st.session_state[DB_KEY]
    if len(names) > 1:
        st.session_state[DB_PICK] = name
        st.sidebar.selectbox("Database", names, key=DB_PICK, on_change=_pick_database,
                             help="The databases the operator configured "
                             "(CONTROLMAP_DATABASES).")
        st.session_state[DB_URL] = name
        if st.query_params.get(DB_PARAM) != name:
            st.query_params[DB_PARAM] = name
    else:
        st.sidebar.caption("Database: " + escape_markdown(databases.describe(choices[name])))
    return choices[name]


def _pick_database() -> None:
    """Selectbox callback: keep the picked database for every page of the session."""
    st.session_state[DB_KEY] = st.session_state[DB_PICK]


def read_only() -> bool:
    """Return True when the app runs read-only (no ingest, no edits)."""
    return settings.read_only()


def check_writable() -> None:
    """Refuse a write when the app runs read-only (called by every action that writes,
    not only hidden by the pages).

    Raises
    ------
    ReadOnlyError
        When ``CONTROLMAP_READ_ONLY`` is set.
    """
    if read_only():
        raise ReadOnlyError("This controlmap is read-only: nothing can be ingested or edited.",
                            hint="ask its operator, or use the CLI on the database")


def database_version(db: str) -> str:
    """Return the data version token of ``db`` (changes when documents, claims or edits do)."""
    with store.open_db(db).connect() as conn:
        return store.data_version(conn)


@st.cache_resource(show_spinner="Computing control states…", max_entries=4)
def cached_model(db: str, version: str) -> ControlModel:
    """Return the control model of ``db`` at ``version`` (cached across reruns and sessions)."""
    return load_model(db)


#: The query parameters that travel from page to page (the chosen day and province).
CARRIED_PARAMS: tuple[str, ...] = ("date", "province")
_CARRIED_KEY = "controlmap_carried_params"


def carry_query_params() -> None:
    """Keep ``?date=`` and ``?province=`` across pages and reruns.

    A value in the URL is remembered for the session; a page opened without it (a click
    in the sidebar drops the query string) gets the remembered value back in its URL, so
    the Export page opens on the day the map showed.
    """
    carried = st.session_state.setdefault(_CARRIED_KEY, {})
    for name in CARRIED_PARAMS:
        value = st.query_params.get(name)
        if value:
            carried[name] = value
        elif carried.get(name):
            st.query_params[name] = carried[name]


def remember_query_param(name: str, value: str | None) -> None:
    """Record a page's own choice of a carried parameter (None forgets it)."""
    carried = st.session_state.setdefault(_CARRIED_KEY, {})
    if value:
        carried[name] = value
    else:
        carried.pop(name, None)


def page_setup(title: str) -> tuple[str, ControlModel] | None:
    """Set the page up: title, database choice, first start; return (db, model) or None.

    Errors are shown on the page (never a traceback) and None is returned.
    """
    st.set_page_config(page_title=f"controlmap · {title}", layout="wide")
    page_style()
    carry_query_params()
    try:
        db = databases.require_existing(chosen_database())
        return db, cached_model(db, database_version(db))
    except ControlmapError as err:
        show_error(err)
        return None


STYLE_PATH = app_path("static", "app.css")


def page_style() -> None:
    """Add the app's CSS (labels that wrap instead of being cut short) to the page."""
    st.html(f"<style>{STYLE_PATH.read_text(encoding='utf-8')}</style>")


def page_database(title: str) -> str | None:
    """Set a page up like :func:`page_setup` without building the control model.

    For pages that only query the database (Claims): their cost does not include the
    model's. Returns the database, or None after showing the error.
    """
    st.set_page_config(page_title=f"controlmap · {title}", layout="wide")
    page_style()
    carry_query_params()
    try:
        return databases.require_existing(chosen_database())
    except ControlmapError as err:
        show_error(err)
        return None


def claim_span(model: ControlModel) -> tuple[dt.date, dt.date] | None:
    """Return the first and last day with claims, or None after telling the user there are
    none yet (pages that need days stop there). When every claim falls on one day the span
    starts the day before, so that a date slider has two days to move between (the day
    before shows the map as it was without those reports)."""
    span = model.days()
    if span is None:
        st.info("The database holds no claims yet: ingest reports first (Ingest page).")
        return None
    if span[0] == span[1]:
        return span[0] - dt.timedelta(days=1), span[1]
    return span


def show_error(err: Exception) -> None:
    """Show a package error as a clean message with its hint: passwords masked, Markdown
    escaped (messages name files, URLs and values that came from outside)."""
    hint = getattr(err, "hint", "")
    message = str(err).split(" Hint: ")[0]
    text = escape_markdown(mask_secrets(message))
    st.error(text + (f"\n\n**Hint:** {escape_markdown(mask_secrets(hint))}" if hint else ""))


log = logging.getLogger("controlmap")
install_log_masking(log)  # a traceback in the server log may hold a database URL


def run_page(main: Callable[[], None], title: str) -> None:
    """Run a page's ``main``: package errors show cleanly, any other failure as one line.

    A failure stays on its page (the rest of the app works) and never shows a traceback;
    the details go to the server log.
    """
    try:
        main()
    except ControlmapError as err:
        show_error(err)
    except Exception as err:
        log.exception("The %s page failed", title)
        st.error(f"The {title} page failed ({type(err).__name__}). The rest of the app still "
                 "works; the details are in the server log.")
