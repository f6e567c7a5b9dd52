"""Materialised states: ``state_intervals`` and ``state_builds`` (see :mod:`geo.states`).

``state_intervals`` holds every province's and place's state as intervals (``start``
inclusive, ``end`` exclusive, null while it holds), so ``controlmap snapshot`` and
``timeline`` read a day's states instead of rebuilding the model; ``state_builds`` records
per province the fingerprint of the claims the intervals were built from, so only the
provinces whose claims changed are rebuilt. Both are a cache: dropping them loses nothing.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the two tables (left alone if a build before migrations made them)."""
    have = set(sa.inspect(op.get_bind()).get_table_names())
    if "state_intervals" not in have:
        op.create_table(
            "state_intervals",
            sa.Column("level", sa.String(16), nullable=False),
            sa.Column("key", sa.String(200), nullable=False),
            sa.Column("province_iso", sa.String(16), nullable=False),
            sa.Column("start", sa.Date, nullable=False),
            sa.Column("end", sa.Date, nullable=True),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("holder", sa.String(64), nullable=False),
            sa.Column("confirmed", sa.Boolean, nullable=False),
            sa.Column("confidence", sa.Float, nullable=False),
            sa.Column("since", sa.Date, nullable=True),
            sa.Column("last_report", sa.Date, nullable=True),
            sa.Column("follows", sa.String(16), nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("evidence", sa.Text, nullable=False),
            sa.Column("contrary", sa.Text, nullable=False),
            sa.Column("anchor", sa.String(64), nullable=False),
            sa.Column("data_version", sa.String(64), nullable=False),
            sa.PrimaryKeyConstraint("level", "key", "start", name="pk_state_intervals"),
        )
        op.create_index("ix_state_intervals_day", "state_intervals", ["level", "start", "end"])
        op.create_index("ix_state_intervals_province", "state_intervals", ["province_iso"])
    if "state_builds" not in have:
        op.create_table(
            "state_builds",
            sa.Column("province_iso", sa.String(16), primary_key=True),
            sa.Column("fingerprint", sa.String(200), nullable=False),
            sa.Column("data_version", sa.String(64), nullable=False),
            sa.Column("model_version", sa.String(64), nullable=False),
            sa.Column("first_day", sa.Date, nullable=True),
            sa.Column("last_day", sa.Date, nullable=True),
        )
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    """Drop the two tables (a cache: nothing is lost)."""
    op.drop_table("state_builds")
    op.drop_index("ix_state_intervals_province", table_name="state_intervals")
    op.drop_index("ix_state_intervals_day", table_name="state_intervals")
    op.drop_table("state_intervals")
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
