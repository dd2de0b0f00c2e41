"""branding set in the admin console

One row holds what an administrator chose for the organisation's name, colour, logo, favicon
and its assistant's name and picture; an unset field keeps the environment's default.

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0016"
down_revision: str | None = "0012"
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


def downgrade() -> None:
    op.drop_table("branding")
