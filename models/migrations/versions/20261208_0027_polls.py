"""polls in circle posts and chat messages

`polls` hangs on its item by `target` ("post:12", "message:7"), as reactions do; its options in
`poll_options`. A named poll's votes are `poll_votes` (who chose what); an anonymous poll keeps
who voted (`poll_voters`) apart from what was chosen under a keyed hash (`poll_ballots`), with no
id or time that could pair the two (services/polls.py).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("target", sa.String(length=40), nullable=False, unique=True),
        sa.Column("circle_id", sa.Integer(), _fk("circles.id"), nullable=True),
        sa.Column("author_id", sa.Integer(), _fk("users.id"), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("closes_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("poll_id", sa.Integer(), _fk("polls.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
    )
    op.create_table(
        "poll_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("poll_id", sa.Integer(), _fk("polls.id"), nullable=False, index=True),
        sa.Column("option_id", sa.Integer(), _fk("poll_options.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), _fk("users.id"), nullable=False),
        sa.UniqueConstraint("option_id", "user_id"),
    )
    op.create_table(
        "poll_voters",
        sa.Column("poll_id", sa.Integer(), _fk("polls.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), _fk("users.id"), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", "user_id"),
    )
    op.create_table(
        "poll_ballots",
        sa.Column("poll_id", sa.Integer(), _fk("polls.id"), nullable=False),
        sa.Column("ballot", sa.String(length=64), nullable=False),
        sa.Column("option_id", sa.Integer(), _fk("poll_options.id"), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", "ballot", "option_id"),
    )


def downgrade() -> None:
    for table in ("poll_ballots", "poll_voters", "poll_votes", "poll_options", "polls"):
        op.drop_table(table)
