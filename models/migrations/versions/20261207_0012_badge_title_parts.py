"""the tab title counts the parts of the badge a colleague chose

The badge gained unread circle chat beside notifications and direct messages; each colleague
chooses which of the three the tab title counts. The parts left out are kept as a JSON list, so
a colleague without a settings row, or with an empty list, counts all three.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_settings") as batch_op:
        batch_op.add_column(sa.Column("uncounted", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("notification_settings") as batch_op:
        batch_op.drop_column("uncounted")
