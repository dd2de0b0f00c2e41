"""branding set in the admin console

One row (made here) holds what an administrator chose for the organisation's name, colour, logo, favicon
and its assistant's name and picture; an unset field keeps the environment's default.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "branding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("name", _text(80), nullable=True),
        sa.Column("color", _text(7), nullable=True),
        sa.Column("logo", _text(80), nullable=True),
        sa.Column("favicon", _text(80), nullable=True),
        sa.Column("assistant_name", _text(40), nullable=True),
        sa.Column("assistant_picture", _text(80), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    # The one row exists from the start: two first saves at once then update it in turn rather
    # than both inserting it (services.branding still makes it if it is missing).
    row = sa.table(
        "branding",
        sa.column("id", sa.Integer()),
        sa.column("revision", sa.Integer()),
        sa.column("updated_at", models.base.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(row, [{"id": 1, "revision": 0, "updated_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("branding")
