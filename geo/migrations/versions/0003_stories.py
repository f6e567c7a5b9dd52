"""Documents get a MinHash signature (near-copies as one story); hashes become normalised.

``document_minhash`` keeps each document's MinHash signature of 5-word shingles, so the
near-copy index (:mod:`geo.stories`) is rebuilt without rehashing every text. The content
hash is now taken over the normalised text (NFC, whitespace collapsed): every stored hash is
recomputed, every signature backfilled and near-copies already stored linked to their story
(:func:`geo.stories.rehash_documents`); nothing is deleted.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``document_minhash`` and rehash the stored documents over normalised text."""
    if "document_minhash" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "document_minhash",
            sa.Column("doc_id", sa.Integer,
                      sa.ForeignKey("documents.doc_id", ondelete="CASCADE"), primary_key=True),
            sa.Column("minhash", sa.LargeBinary, nullable=False),
        )
    # A data step: the hash function changed, so every stored hash is computed again.
    from geo.stories import rehash_documents

    rehash_documents(op.get_bind())
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    """Drop ``document_minhash`` (the normalised hashes stay: they are still unique)."""
    op.drop_table("document_minhash")
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
