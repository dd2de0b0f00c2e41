"""invitations and join answers keep their circle

Lines about a circle itself (an invitation, the answer to a join request) were stored without
their circle, so they stayed in the inbox, naming the circle, after it had become secret to
their recipient. They now carry it, and are shown while the circle exists for the recipient.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 22:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CIRCLE_OF_SUBJECT = "CAST(SUBSTR(notifications.subject, 8) AS INTEGER)"


def upgrade() -> None:
    op.execute(
        "UPDATE notifications SET circle_id = " + _CIRCLE_OF_SUBJECT + " "
        "WHERE kind IN ('invitation', 'join_answer') AND circle_id IS NULL AND subject LIKE 'circle:%' "
        "AND EXISTS (SELECT 1 FROM circles WHERE circles.id = " + _CIRCLE_OF_SUBJECT + ")"
    )


def downgrade() -> None:
    op.execute("UPDATE notifications SET circle_id = NULL WHERE kind IN ('invitation', 'join_answer')")
