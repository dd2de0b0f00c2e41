"""posts can be questions with an accepted answer; search knows which questions are open

`posts.question` marks a question, `posts.accepted_comment_id` its accepted answer (no foreign
key: comments refer to posts already, and the service that deletes a comment clears it);
`search_items.question` is "open" or "answered" on a question's row and NULL on every other.
`op.add_column` rather than a batch, so SQLite adds each in place without rebuilding the tables.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("question", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("posts", sa.Column("accepted_comment_id", sa.Integer(), nullable=True))
    op.add_column(
        "search_items",
        sa.Column(
            "question",
            sa.Enum("open", "answered", name="questionstate", native_enum=False, length=16),
            nullable=True,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("search_items", recreate="never") as batch_op:
        batch_op.drop_column("question")
    with op.batch_alter_table("posts", recreate="never") as batch_op:
        batch_op.drop_column("accepted_comment_id")
        batch_op.drop_column("question")
