"""Schema migrations of the store, with Alembic, configured in code (no ``alembic.ini``).

Each revision in ``versions/`` changes the schema one step; ``alembic_version`` in the
database records the revision it is at. ``controlmap db upgrade`` (or
:func:`geo.store.upgrade_db`) brings a database to :data:`HEAD`, and :func:`geo.store.open_db`
does so by itself on an empty database; a database that is behind is refused with a hint to
run ``controlmap db upgrade``.

Revisions:

- ``0001`` the schema as it was before migrations (``meta.schema_version`` 1): meta,
  documents, mentions, claims, counts, edits.
- ``0002`` documents get ``url``, ``outlet`` and ``story_id`` (schema version 2); timestamps
  become timezone-aware (``timestamptz`` on PostgreSQL, UTC text on SQLite).
- ``0003`` ``document_minhash`` (near-copy signatures, schema version 3); stored content
  hashes recomputed over normalised text.
- ``0004`` ``state_intervals`` and ``state_builds`` (materialised states, :mod:`geo.states`;
  schema version 4).

Adding revision 0003 (a new table, say):

1. Change the tables in :mod:`geo.store` (its ``metadata``).
2. Copy ``versions/0002_document_source.py`` to ``versions/0003_<what>.py``; set
   ``revision = "0003"`` and ``down_revision = "0002"``; write ``upgrade()`` (and
   ``downgrade()``) with ``op.create_table``/``op.add_column``, spelling out the columns
   (never import the live tables: a revision must keep meaning what it meant).
3. Append ``"0003"`` to :data:`REVISIONS` below (a test checks it matches the files) and
   bump ``SCHEMA_VERSION`` in :mod:`geo.store` if you keep ``meta.schema_version`` in step.
4. ``tests/test_migrations.py`` checks, on SQLite and PostgreSQL, that upgrading an empty
   database gives exactly the tables of ``geo.store.metadata``.

The migrations run inside the caller's transaction, which holds the schema lock (SQLite's
write lock, a PostgreSQL advisory lock), so two processes upgrading at once take turns and
an upgrade that fails leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

#: Every revision, oldest first; the last is the one this code needs.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004")
HEAD = REVISIONS[-1]
#: The revision that a database made before migrations (``meta.schema_version`` 1 or 2,
#: no ``alembic_version`` table) is stamped with before it is upgraded.
LEGACY_BASE = "0001"

_HERE = Path(__file__).resolve().parent


def alembic_config(connection: sa.Connection) -> Config:
    """Return an Alembic configuration that runs the migrations on ``connection``.

    ``env.py`` takes the connection from ``config.attributes`` and runs inside its
    transaction, so the caller decides when it commits.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: sa.Connection, *, stamp: str | None = None,
            target: str = "head") -> None:
    """Upgrade the schema on ``connection`` to ``target``, first stamping ``stamp`` (for a
    database made before migrations) when given. Returns nothing; the caller commits."""
    from alembic import command

    config = alembic_config(connection)
    if stamp is not None:
        command.stamp(config, stamp)
    command.upgrade(config, target)


def script_heads() -> tuple[str, ...]:
    """Return the head revisions of the files in ``versions/`` (one, if all is well)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(_HERE))
    return tuple(script.get_heads())
