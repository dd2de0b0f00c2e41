"""single sign-on: provider accounts linked to colleagues, and sign-ins under way

`sign_on_links` maps an OpenID provider's issuer and subject to a colleague; `sign_on_requests`
holds each sign-in sent to the provider (state digest, nonce, PKCE verifier) until its callback
takes it, once.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_on_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_sign_on_links_issuer_subject"),
    )
    op.create_index("ix_sign_on_links_user_id", "sign_on_links", ["user_id"])
    op.create_table(
        "sign_on_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("next_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state_hash"),
    )
    op.create_index("ix_sign_on_requests_expires_at", "sign_on_requests", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_on_requests_expires_at", table_name="sign_on_requests")
    op.drop_table("sign_on_requests")
    op.drop_index("ix_sign_on_links_user_id", table_name="sign_on_links")
    op.drop_table("sign_on_links")
