"""the assistant: an account of kind `assistant`, and the questions it answers

`users.kind` tells the organisation's virtual colleague ("Ids") from people; the assistant's row
itself is made on first need (`services.assistant.assistant_user`), so a truncated or fresh
database gets one too. `assistant_questions` holds each question until one worker has claimed
and answered it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("kind", sa.String(16), nullable=False, server_default="person"))
    op.create_index("ix_users_kind", "users", ["kind"])
    op.create_table(
        "assistant_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("circle_id", sa.Integer(), sa.ForeignKey("circles.id"), nullable=True),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("known", sa.Boolean(), nullable=True),
        sa.UniqueConstraint("source", "source_id"),
    )
    op.create_index("ix_assistant_questions_state", "assistant_questions", ["state"])


def downgrade() -> None:
    op.drop_index("ix_assistant_questions_state", table_name="assistant_questions")
    op.drop_table("assistant_questions")
    op.drop_index("ix_users_kind", table_name="users")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("kind")
