"""The schema as it was before migrations (``meta.schema_version`` 1).

Spelled out column by column as the code of that time created it, so that a database made
by it and one made by this revision are the same.

Revision ID: 0001
Revises: -
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _doc_id(*, nullable: bool) -> sa.Column:
    return sa.Column("doc_id", sa.Integer,
                     sa.ForeignKey("documents.doc_id", ondelete="CASCADE"), nullable=nullable)


def upgrade() -> None:
    """Create meta, documents, mentions, claims, counts and edits with their indexes."""
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("doc_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("published", sa.Date, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("ingested_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_documents_content_hash", "documents", ["content_hash"], unique=True)
    op.create_table(
        "mentions",
        sa.Column("mention_id", sa.Integer, primary_key=True, autoincrement=True),
        _doc_id(nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("place_id", sa.String(200), nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("province_iso", sa.String(16)),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_mentions_doc_id", "mentions", ["doc_id"])
    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(64), primary_key=True),
        _doc_id(nullable=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("place_id", sa.String(200), nullable=False),
        sa.Column("place_kind", sa.String(32), nullable=False),
        sa.Column("province_iso", sa.String(16)),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("claimant", sa.String(64), nullable=False),
        sa.Column("geo_precision", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
    )
    op.create_index("ix_claims_doc_id", "claims", ["doc_id"])
    op.create_index("ix_claims_event_date", "claims", ["event_date", "claim_id"])
    op.create_index("ix_claims_province_iso", "claims", ["province_iso"])
    op.create_table(
        "counts",
        sa.Column("count_id", sa.Integer, primary_key=True, autoincrement=True),
        _doc_id(nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
    )
    op.create_index("ix_counts_doc_id", "counts", ["doc_id"])
    op.create_table(
        "edits",
        sa.Column("edit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(64),
                  sa.ForeignKey("claims.claim_id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("action IN ('reject', 'restore', 'add')", name="ck_edits_action"),
    )
    op.create_index("ix_edits_claim_id", "edits", ["claim_id"])
    op.bulk_insert(meta, [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    """Drop every table."""
    for table in ("edits", "counts", "claims", "mentions", "documents", "meta"):
        op.drop_table(table)
