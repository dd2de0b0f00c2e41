"""search terms and synonyms: Dutch analysis in Python, matched the same way on both backends

"declareren" found nothing where the regulation says "Declareer" and "declaratieformulier", and
"vakantiedagen" nothing where it says "vakantieverlof": a stemmer alone knows neither compounds
nor a verb's noun. Each catalogue entry now keeps `terms`, made by services/dutch_words.py, and
the full-text index covers them: a fourth FTS5 column on SQLite, a part of `document`
on PostgreSQL. What exists is analysed here, so an upgraded installation finds it at once.
`search_synonyms` holds the organisation's synonyms (services/synonyms.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_FTS = """
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, tags, body, {terms}
    content='search_items', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3 4'{detail}
)"""


def _sqlite_triggers(columns: str) -> tuple[str, ...]:
    new = ", ".join(f"new.{name}" for name in columns.split(", "))
    old = ", ".join(f"old.{name}" for name in columns.split(", "))
    return (
        f"""CREATE TRIGGER search_items_fts_insert AFTER INSERT ON search_items BEGIN
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER search_items_fts_delete AFTER DELETE ON search_items BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER search_items_fts_update AFTER UPDATE OF {columns} ON search_items BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new});
        END""",
    )


def _rebuild_sqlite(with_terms: bool) -> None:
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER search_items_fts_{name}")
    op.execute("DROP TABLE search_fts")
    # With the terms, the index holds the columns a word is in but not its positions: search
    # asks for single words only (a column filter, never a phrase), and the positions of twice
    # the words made an import half again as slow.
    if with_terms:
        op.execute(_SQLITE_FTS.format(terms="terms,", detail=", detail=column"))
    else:
        op.execute(_SQLITE_FTS.format(terms="", detail=""))
    for trigger in _sqlite_triggers("title, tags, body, terms" if with_terms else "title, tags, body"):
        op.execute(trigger)
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def _document(with_terms: bool) -> tuple[str, ...]:
    # The terms are words already (`services.dutch_words`), each taken as it is: running them
    # through a text parser again took as long as parsing the body.
    terms = " || setweight(array_to_tsvector(string_to_array(terms, ' ')), 'D')" if with_terms else ""
    return (
        "DROP INDEX ix_search_items_document",
        "ALTER TABLE search_items DROP COLUMN document",
        "ALTER TABLE search_items ADD COLUMN document tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('kring'::regconfig, title), 'A') || "
        "setweight(to_tsvector('kring'::regconfig, tags), 'B') || "
        f"setweight(to_tsvector('kring'::regconfig, body), 'C'){terms}) STORED",
        "CREATE INDEX ix_search_items_document ON search_items USING gin (document)",
    )


def _analyse_what_exists() -> None:
    # The analysis lives in the application; a migration that runs it keeps one definition.
    from services.dutch_words import index_terms

    bind = op.get_bind()
    items = sa.table(
        "search_items", sa.column("id"), sa.column("title"), sa.column("tags"), sa.column("body"), sa.column("terms")
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(items.c.id, items.c.title, items.c.tags, items.c.body)
            .where(items.c.id > last)
            .order_by(items.c.id)
            .limit(500)
        ).all()
        if not rows:
            return
        bind.execute(
            items.update().where(items.c.id == sa.bindparam("item_id")),
            [{"item_id": row.id, "terms": index_terms(row.title, row.tags, row.body)} for row in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    op.create_table(
        "search_synonyms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("words", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Plain ALTER TABLE on both (SQLite has it): a batch copy of the table would lose its triggers.
    op.add_column("search_items", sa.Column("terms", sa.Text(), nullable=False, server_default=""))
    _analyse_what_exists()
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_terms=True)
    else:
        for statement in _document(with_terms=True):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_terms=False)
    else:
        for statement in _document(with_terms=False):
            op.execute(statement)
    op.drop_column("search_items", "terms")
    op.drop_table("search_synonyms")
