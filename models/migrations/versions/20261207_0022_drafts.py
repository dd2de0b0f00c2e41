"""drafts: what a colleague is writing, kept per colleague and form

The editor saves a form's text while it is typed, so a reload or another device finds it.
One row per colleague and form key; removed with the colleague.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("form_key", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "form_key", name="uq_drafts_user_form"),
    )


def downgrade() -> None:
    op.drop_table("drafts")
