"""Ids's care: the marks that keep each nudge single, unanswered questions, the newcomers' mark,
archived documents and the circles' weekly round-up

Booleans get a server default so existing rows read as "no"; `op.add_column` rather than a
batch, so SQLite adds them in place.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MARKED = ("documents", "knowledge_pages")


def upgrade() -> None:
    op.create_table(
        "care_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "subject", "user_id"),
    )
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asker_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unanswered_questions_key", "unanswered_questions", ["key"])
    op.create_index("ix_unanswered_questions_asked_at", "unanswered_questions", ["asked_at"])
    for table in _MARKED:
        op.add_column(table, sa.Column("for_newcomers", sa.Boolean(), nullable=False, server_default=sa.false()))
        op.add_column(
            table,
            sa.Column("newcomer_team", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False, server_default=""),
        )
    op.add_column("documents", sa.Column("archived_at", models.base.UTCDateTime(timezone=True), nullable=True))
    op.add_column("circles", sa.Column("weekly_roundup", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("circles") as batch_op:
        batch_op.drop_column("weekly_roundup")
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_column("archived_at")
    for table in _MARKED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("newcomer_team")
            batch_op.drop_column("for_newcomers")
    op.drop_index("ix_unanswered_questions_asked_at", table_name="unanswered_questions")
    op.drop_index("ix_unanswered_questions_key", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_table("care_marks")
