"""circle names are no longer unique across all circles

A name unique across secret circles too told outsiders that a secret circle of that name
existed (creating or renaming to it answered "already exists"). Names are now unique only among
the circles the colleague can see (services.circles), so the database keeps a plain index for
listing by name instead of the unique constraint.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite keeps the constraint unnamed; the batch copy finds it under this name.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("circles", naming_convention=_SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint("uq_circles_name", type_="unique")
            batch_op.create_index("ix_circles_name", ["name"], unique=False)
        return
    op.drop_constraint("circles_name_key", "circles", type_="unique")
    op.create_index("ix_circles_name", "circles", ["name"], unique=False)


def downgrade() -> None:
    # Under the name each upgrade above looks for, so the two can run again and again.
    name = "uq_circles_name" if op.get_bind().dialect.name == "sqlite" else "circles_name_key"
    with op.batch_alter_table("circles") as batch_op:
        batch_op.drop_index("ix_circles_name")
        batch_op.create_unique_constraint(name, ["name"])
