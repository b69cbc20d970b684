"""The database triggers that keep the audit append-only, and lifting one for a chaining or a redaction.

SQLite: triggers refuse an UPDATE, a DELETE and an INSERT at or before the last id; PostgreSQL:
trigger functions refuse UPDATE, DELETE, TRUNCATE and an out-of-order INSERT. Made with the
table (data.audit.ensure); on PostgreSQL only the table's owner may make or lift them.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ips_nb.data import connection
from ips_nb.errors import BadInput

# The guards. SQLite: no UPDATE, no DELETE, and no INSERT at or before the last id (which is what
# INSERT OR REPLACE needs, and which bypasses the delete trigger unless recursive_triggers is on).
_SQLITE_GUARDS = {
    "audit_no_update": "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
                       "BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END",
    "audit_no_delete": "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
                       "BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END",
    "audit_in_order": "CREATE TRIGGER IF NOT EXISTS audit_in_order BEFORE INSERT ON audit "
                      "WHEN NEW.id <= (SELECT coalesce(max(id), 0) FROM audit) "
                      "BEGIN SELECT RAISE(ABORT, 'the audit is append-only: a row goes after the last'); END",
}
_PG_FUNCTIONS = [
    "CREATE OR REPLACE FUNCTION ips_nb_audit_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'the audit is append-only'; END $$ LANGUAGE plpgsql",
    "CREATE OR REPLACE FUNCTION ips_nb_audit_in_order() RETURNS trigger AS $$ BEGIN "
    "IF NEW.id <= (SELECT coalesce(max(id), 0) FROM audit) THEN "
    "RAISE EXCEPTION 'the audit is append-only: a row goes after the last'; END IF; "
    "RETURN NEW; END $$ LANGUAGE plpgsql",
]
_PG_GUARDS = {
    "audit_append_only": "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
                         "FOR EACH ROW EXECUTE FUNCTION ips_nb_audit_append_only()",
    "audit_no_truncate": "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
                         "FOR EACH STATEMENT EXECUTE FUNCTION ips_nb_audit_append_only()",
    "audit_in_order": "CREATE TRIGGER audit_in_order BEFORE INSERT ON audit "
                      "FOR EACH ROW EXECUTE FUNCTION ips_nb_audit_in_order()",
}
_PG_UPDATE_GUARD = "audit_append_only"  # the one trigger a chaining or a redaction lifts



class AuditError(BadInput):
    """The audit cannot be written or redacted as asked; one plain sentence for the operator
    (ips_nb.errors: exit status 2, nothing written)."""


def present_guards(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'audit'").scalars())
    if conn.dialect.name == "postgresql":
        return set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE tgrelid = "
                                        "'audit'::regclass AND NOT tgisinternal").scalars())
    return set()


def dialect_guards(conn: sa.Connection) -> dict[str, str]:
    return {"sqlite": _SQLITE_GUARDS, "postgresql": _PG_GUARDS}.get(conn.dialect.name, {})


def restore_guards(conn: sa.Connection, *, strict: bool = False) -> None:
    """Make the guards the table lacks. On PostgreSQL only the owner may: for the role the tool
    runs as, a failure is rolled back to a savepoint and the write goes on (verify notes it);
    `strict` (the table was just made, by its owner) lets the failure through."""
    present = present_guards(conn)
    missing = [sql for name, sql in dialect_guards(conn).items() if name not in present]
    if not missing:
        return
    if conn.dialect.name != "postgresql" or strict:
        for sql in [*(_PG_FUNCTIONS if conn.dialect.name == "postgresql" else []), *missing]:
            conn.exec_driver_sql(sql)
        return
    try:
        with conn.begin_nested():
            for sql in [*_PG_FUNCTIONS, *missing]:
                conn.exec_driver_sql(sql)
    except sa.exc.DBAPIError:
        pass


@contextmanager
def lifted(conn: sa.Connection) -> Iterator[None]:
    """Within the write transaction: the UPDATE guard off, then on again, so the only rows
    changed are the ones this transaction changes. SQLite: drop and remake the trigger;
    PostgreSQL: disable and enable it, which only the table's owner may."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_update")
        yield
        conn.exec_driver_sql(_SQLITE_GUARDS["audit_no_update"])
    elif conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f"ALTER TABLE audit DISABLE TRIGGER {_PG_UPDATE_GUARD}")
        except sa.exc.DBAPIError as exc:
            raise AuditError("changing audit rows on PostgreSQL needs the owner role of the audit "
                             f"table; connect as that role ({connection.first_line(exc)})") from None
        yield
        conn.exec_driver_sql(f"ALTER TABLE audit ENABLE TRIGGER {_PG_UPDATE_GUARD}")
    else:
        yield
