"""knowledge pages have a review date and can be archived, as documents can

`knowledge_pages.review_by` is when the page should be looked at again (Ids reminds its author
once it has passed); `archived_at` marks a page its author archived: kept, read and found, no
longer current and no longer due. Both empty for every page there is.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("knowledge_pages", sa.Column("review_by", sa.Date(), nullable=True))
    op.add_column("knowledge_pages", sa.Column("archived_at", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_pages", recreate="never") as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("review_by")
