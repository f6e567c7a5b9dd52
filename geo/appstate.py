"""What every Streamlit page shares: the database choice, first start, the cached model.

Pages call :func:`page_setup` first; it returns the database URL in use and the control
model, built once per database content (keyed on :func:`geo.store.data_version`), so a
rerun of a page (moving the date slider) costs no database work.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from geo import settings, store
from geo.errors import ControlmapError
from geo.model import ControlModel, load_model

DB_KEY = "controlmap_db"


def chosen_database() -> str:
    """Return the database the user chose in the sidebar (default: CONTROLMAP_DB)."""
    if DB_KEY not in st.session_state:
        st.session_state[DB_KEY] = settings.DB.value()
    st.sidebar.text_input(
        "Database", key=DB_KEY, help=settings.DB.help + " Set CONTROLMAP_DB to change the default."
    )
    return st.session_state[DB_KEY].strip() or settings.DB.default


def is_new_database(db: str) -> bool:
    """Return True when ``db`` is a SQLite file that does not exist yet (or has no documents)."""
    url = store.database_url(db)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return True
    engine = store.open_db(db)
    with engine.connect() as conn:
        return store.count_rows(conn)["documents"] == 0


@st.cache_resource(show_spinner="Building the database from the demo corpus…")
def build_demo_database(db: str) -> str:
    """Ingest the demo corpus into ``db`` once; return a summary for the page to show."""
    from geo.ingest import ingest_paths

    report = ingest_paths(store.open_db(db), [Path(settings.DEMO_DIR.value())])
    from geo.baselines import add_theatre_baseline; add_theatre_baseline(store.open_db(db))  # noqa: E702, I001  baseline (#10.3)
    return (
        "No database was found, so controlmap built one from the demo corpus: "
        f"{report.summary()}."
    )


def database_version(db: str) -> str:
    """Return the data version token of ``db`` (changes when documents, claims or edits do)."""
    with store.open_db(db).connect() as conn:
        return store.data_version(conn)


@st.cache_resource(show_spinner="Computing control states…", max_entries=4)
def cached_model(db: str, version: str) -> ControlModel:
    """Return the control model of ``db`` at ``version`` (cached across reruns and sessions)."""
    return load_model(db)


def page_setup(title: str) -> tuple[str, ControlModel] | None:
    """Set the page up: title, database choice, first start; return (db, model) or None.

    Errors are shown on the page (never a traceback) and None is returned.
    """
    st.set_page_config(page_title=f"controlmap · {title}", layout="wide")
    db = chosen_database()
    try:
        if is_new_database(db):
            st.info(build_demo_database(db))
        return db, cached_model(db, database_version(db))
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
    """Show a package error as a clean message with its hint."""
    hint = getattr(err, "hint", "")
    message = str(err).split(" Hint: ")[0]
    st.error(message + (f"\n\n**Hint:** {hint}" if hint else ""))


log = logging.getLogger("controlmap")


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
