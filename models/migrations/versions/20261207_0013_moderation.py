"""moderation: reports, and posts, comments and messages hidden by a moderator

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HIDDEN_ON = ("posts", "comments", "messages")


def upgrade() -> None:
    for table in _HIDDEN_ON:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("hidden_at", models.base.UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "item_kind",
            sa.Enum("post", "comment", "message", name="reportedkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column(
            "state",
            sa.Enum("open", "hidden", "kept", name="reportstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("is_open", sa.Boolean(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_kind", "item_id", "reporter_id", "is_open"),
    )
    op.create_index("ix_reports_state_id", "reports", ["state", "id"])
    op.create_index("ix_reports_item", "reports", ["item_kind", "item_id"])
    op.create_index("ix_reports_circle_id", "reports", ["circle_id"])
    op.create_index("ix_reports_reporter_id", "reports", ["reporter_id"])


def downgrade() -> None:
    op.drop_table("reports")
    for table in reversed(_HIDDEN_ON):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("hidden_reason")
            batch_op.drop_column("hidden_at")
