"""document versions keep the state of their preview

A version's preview (pictures of a PDF's first pages, or clean HTML of a DOCX, ODT or text file)
is made by the background runner, as its text is. Versions that exist already are marked
`pending` when their file has a preview, so the runner makes theirs after the upgrade
(`python -m server make-previews` makes them at once). `op.add_column`, so SQLite adds in place.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREVIEWABLE = ("pdf", "docx", "odt", "txt", "md")


def upgrade() -> None:
    op.add_column("document_versions", sa.Column("preview", sa.String(length=16), nullable=False, server_default="none"))
    op.add_column(
        "document_versions",
        sa.Column("preview_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=""),
    )
    op.add_column("document_versions", sa.Column("preview_pages", sa.Integer(), nullable=False, server_default="0"))
    versions = sa.table("document_versions", sa.column("file", sa.String), sa.column("preview", sa.String))
    op.execute(
        versions.update()
        .where(sa.or_(*(versions.c.file.like(f"%.{extension}") for extension in PREVIEWABLE)))
        .values(preview="pending")
    )


def downgrade() -> None:
    with op.batch_alter_table("document_versions", recreate="never") as batch_op:
        batch_op.drop_column("preview_pages")
        batch_op.drop_column("preview_error")
        batch_op.drop_column("preview")
