"""Documents get ``url``, ``outlet`` and ``story_id``; timestamps become timezone-aware.

``url`` is the article's own address, ``outlet`` who published it, ``story_id`` the
``doc_id`` of the first stored copy of the same story (None for an original). On
PostgreSQL ``ingested_at`` and ``created_at`` become ``timestamptz`` (the old values were
UTC); SQLite keeps its UTC text, which the store reads back as UTC.

Columns that are there already are left alone: a database made between schema version 2
and migrations (``meta.schema_version`` 2, no ``alembic_version``) is stamped 0001 and
upgraded through here like a version-1 one.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TIMESTAMPS = (("documents", "ingested_at"), ("edits", "created_at"))


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _indexes(table: str) -> set[str]:
    return {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table) if i["name"]}


def upgrade() -> None:
    """Add the three columns and the story index; make the timestamps timezone-aware."""
    have = _columns("documents")
    if "url" not in have:
        op.add_column("documents", sa.Column("url", sa.Text, nullable=False, server_default=""))
    if "outlet" not in have:
        op.add_column("documents",
                      sa.Column("outlet", sa.Text, nullable=False, server_default=""))
    if "story_id" not in have:
        op.add_column("documents", sa.Column("story_id", sa.Integer, nullable=True))
    if "ix_documents_story_id" not in _indexes("documents"):
        op.create_index("ix_documents_story_id", "documents", ["story_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table, column in _TIMESTAMPS:
            op.alter_column(table, column, type_=sa.DateTime(timezone=True),
                            postgresql_using=f"{column} AT TIME ZONE 'UTC'")
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    """Drop the three columns; make the timestamps naive UTC again."""
    if op.get_bind().dialect.name == "postgresql":
        for table, column in _TIMESTAMPS:
            op.alter_column(table, column, type_=sa.DateTime(timezone=False),
                            postgresql_using=f"{column} AT TIME ZONE 'UTC'")
    op.drop_index("ix_documents_story_id", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        for column in ("story_id", "outlet", "url"):
            batch.drop_column(column)
    op.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
