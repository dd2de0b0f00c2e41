"""news proposals: colleagues propose news, editors publish, schedule or send it back

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATE = sa.Enum("proposed", "sent_back", "scheduled", "published", name="proposalstate", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "news_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("state", _STATE, nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("lead", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("cover", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("must_read", sa.Boolean(), nullable=False),
        sa.Column("featured_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("publish_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["proposer_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["editor_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_news_proposals_proposer_id", "news_proposals", ["proposer_id"])
    op.create_index("ix_news_proposals_state_publish_at", "news_proposals", ["state", "publish_at"])


def downgrade() -> None:
    op.drop_index("ix_news_proposals_state_publish_at", table_name="news_proposals")
    op.drop_index("ix_news_proposals_proposer_id", table_name="news_proposals")
    op.drop_table("news_proposals")
