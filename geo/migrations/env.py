"""Alembic's environment: run the migrations on the connection the caller hands over.

:func:`geo.migrations.alembic_config` puts an open connection in ``config.attributes``; the
migrations run inside that connection's transaction (the caller holds the schema lock and
commits). Without one (``alembic`` run by hand with ``-x url=...`` or ``sqlalchemy.url``),
a connection to that URL is opened and committed here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from geo.store import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters tables by copying them; only downgrades need it here.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("No database: run the migrations with `controlmap db upgrade --db`.")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


# Alembic sets up ``context`` before it runs this file; an import of it (pytest's
# doctest collection) finds no context and does nothing.
if hasattr(context, "config"):
    _main()
