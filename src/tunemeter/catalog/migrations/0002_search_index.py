"""Index catalog_searchentry for full-text prefix search: FTS5 on SQLite, GIN on PostgreSQL."""

from __future__ import annotations

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
        title, context, content='catalog_searchentry', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2", prefix='1 2 3')""",
    # External-content FTS5 tables are kept in step by triggers (SQLite FTS5 docs, §4.4.3).
    """CREATE TRIGGER catalog_search_ai AFTER INSERT ON catalog_searchentry BEGIN
        INSERT INTO catalog_search_fts(rowid, title, context)
        VALUES (new.id, new.title, new.context); END""",
    """CREATE TRIGGER catalog_search_ad AFTER DELETE ON catalog_searchentry BEGIN
        INSERT INTO catalog_search_fts(catalog_search_fts, rowid, title, context)
        VALUES ('delete', old.id, old.title, old.context); END""",
    """CREATE TRIGGER catalog_search_au AFTER UPDATE ON catalog_searchentry BEGIN
        INSERT INTO catalog_search_fts(catalog_search_fts, rowid, title, context)
        VALUES ('delete', old.id, old.title, old.context);
        INSERT INTO catalog_search_fts(rowid, title, context)
        VALUES (new.id, new.title, new.context); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_search_au",
    "DROP TRIGGER IF EXISTS catalog_search_ad",
    "DROP TRIGGER IF EXISTS catalog_search_ai",
    "DROP TABLE IF EXISTS catalog_search_fts",
]
POSTGRES_FORWARD = [
    """CREATE INDEX catalog_search_tsv ON catalog_searchentry USING GIN ((
        setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', context), 'B')))""",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS catalog_search_tsv"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
