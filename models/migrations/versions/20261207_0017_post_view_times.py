"""post views keep when they were first seen

Insight tells a news item's reach over time (seen within a day, within a week of publishing).
Nullable: a view recorded before this version has no known time and counts only in the total.
`op.add_column` rather than a batch, so SQLite adds it in place.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("post_views", sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post_views", recreate="never") as batch_op:
        batch_op.drop_column("at")
