"""Make the database itself refuse updates and deletes of transfers and entries."""

from __future__ import annotations

TABLES = ("ledger_transfer", "ledger_entry")


def _sqlite(action: str, table: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger is append-only: {table} {action.lower()} refused'); END"
    )


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger is append-only: % % refused', TG_TABLE_NAME, TG_OP;
END $$ LANGUAGE plpgsql
"""


def guards_install(schema_editor_or_cursor, vendor: str, *, actions=("UPDATE", "DELETE")) -> None:
    """Install the append-only triggers (idempotent)."""

    def run(sql: str) -> None:
        # No parameters: the "%" in the function body must reach the server as written.
        schema_editor_or_cursor.execute(sql, None)

    if vendor == "sqlite":
        for table in TABLES:
            for action in actions:
                run(_sqlite(action, table))
    elif vendor == "postgresql":
        run(POSTGRES_FUNCTION)
        for table in TABLES:
            run(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            # Row triggers: TRUNCATE (test teardown only) is not affected.
            run(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )


def sqlite_delete_guards_remove(cursor) -> None:
    """Drop SQLite's delete triggers so a test database can be flushed (tests only)."""
    for table in TABLES:
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
