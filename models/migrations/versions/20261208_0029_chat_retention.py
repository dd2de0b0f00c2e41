"""chat retention: a circle's own, shorter period for keeping chat messages

NULL follows the organisation's `KRING_CHAT_RETENTION_DAYS`; the periodic job in
services/chat_retention.py deletes what is older.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("circles", sa.Column("chat_retention_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("circles", recreate="never") as batch:
        batch.drop_column("chat_retention_days")
