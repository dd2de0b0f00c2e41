"""circles can be archived

An archived circle stays readable for whoever read it, but nobody writes, reacts or joins in it
and it leaves every list. A nullable timestamp: NULL is every circle as it was.

`op.add_column` rather than a batch: SQLite adds a nullable column in place, where a batch would
rebuild `circles` (see 0009 for what a rebuild must take care of).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("circles", sa.Column("archived_at", models.base.UTCDateTime(timezone=True), nullable=True))
    # Indexed: search asks "not archived" of every circle in a query PostgreSQL plans without
    # sequential scans (`services/search.py`), where an unindexed column made it crawl.
    op.create_index("ix_circles_archived_at", "circles", ["archived_at"])


def downgrade() -> None:
    op.drop_index("ix_circles_archived_at", table_name="circles")
    with op.batch_alter_table("circles", recreate="never") as batch_op:
        batch_op.drop_column("archived_at")
