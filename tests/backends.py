"""The databases tests run on: a SQLite file, and PostgreSQL when one is given.

Set ``CONTROLMAP_TEST_POSTGRES`` to a SQLAlchemy URL of a database the user may create
schemas in (CI starts one), e.g.
``postgresql+psycopg://controlmap:controlmap@127.0.0.1/controlmap_store``; without it the
PostgreSQL cases skip. Each PostgreSQL case gets a schema of its own (a fresh, empty
database to the code under test, through ``search_path``), dropped afterwards.

A test module asks for both with::

    @pytest.fixture(params=BACKENDS)
    def db_url(request, tmp_path):
        with database(request.param, tmp_path) as url:
            yield url
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo import store

POSTGRES = os.environ.get("CONTROLMAP_TEST_POSTGRES", "")
NO_POSTGRES = "CONTROLMAP_TEST_POSTGRES is not set (no PostgreSQL server to test on)"
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES, reason=NO_POSTGRES)),
]


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL schema; drop it (and its tables) after."""
    schema = f"cm_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = (sa.make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
           .render_as_string(hide_password=False))
    try:
        yield url
    finally:
        store.close_db(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield a new, empty database of ``backend`` ("sqlite" or "postgresql") as the string
    ``--db`` takes; close its engines after."""
    if backend == "postgresql":
        with postgres_schema() as url:
            yield url
        return
    path = str(tmp_path / "controlmap.db")
    try:
        yield path
    finally:
        store.close_db(path)


def backend_of(db: str) -> str:
    """Return "postgresql" or "sqlite" for a database string."""
    return "postgresql" if db.startswith("postgresql") else "sqlite"
