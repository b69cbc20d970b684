"""The PostgreSQL role split of docs/deployment.md, on a real server: the owner role makes the
tables and the audit; the role the tool runs as may only INSERT and SELECT on `audit`. Run as that
role, a conference write lands and `ips-nb audit verify` passes, while UPDATE, DELETE, TRUNCATE,
DROP and `ALTER TABLE audit DISABLE TRIGGER ALL` are refused by the database itself, and a
redaction is left to the owner.

Without the split (today's single role owning everything) the same statements all succeed: the
append-only triggers can be disabled by their owner, which is the role the tool ran as.
"""
from __future__ import annotations

from datetime import date

import importdata as d
import psycopg
import pytest
import sqlalchemy as sa
from pgserver import pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb import cli
from ips_nb.data import audit, connection, store
from ips_nb.data import conference as conf

pytestmark = pytest.mark.system
KEY = b"audit roles test key, long enough"
DAY = date(2024, 3, 13)

# What docs/deployment.md grants the role the tool runs as, word for word (after USAGE on the schema).
GRANTS = [
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
    "REVOKE UPDATE, DELETE ON audit FROM {app}",
    "REVOKE INSERT, DELETE ON audit_head FROM {app}",
]


def _admin(server, dbname: str, *sql: str) -> None:
    with psycopg.connect(host="127.0.0.1", port=server.port, user="postgres", dbname=dbname,
                         autocommit=True) as conn:
        for s in sql:
            conn.execute(s)


@pytest.fixture
def roles(pg_server, pg_url, tmp_path):
    """(owner engine, app engine, app URL) on a database the owner role has filled."""
    dbname = pg_url.rsplit("/", 1)[1]
    owner, app = f"ips_owner_{dbname}", f"ips_app_{dbname}"
    _admin(pg_server, dbname, f"CREATE ROLE {owner} LOGIN", f"CREATE ROLE {app} LOGIN",
           f"GRANT CREATE, USAGE ON SCHEMA public TO {owner}", f"GRANT USAGE ON SCHEMA public TO {app}")
    base = f"postgresql+psycopg://{{}}@127.0.0.1:{pg_server.port}/{dbname}"
    owner_engine, app_engine = connection.connect(base.format(owner)), connection.connect(base.format(app))
    try:
        # the owner creates and migrates: the first import, the audit's table, head and guards
        store.write_sites(owner_engine, d.frames(tmp_path / "first", d.VALID), KEY)
        audit.prepare(owner_engine)
        with owner_engine.begin() as conn:
            for grant in GRANTS:
                conn.exec_driver_sql(grant.format(app=app))
        yield owner_engine, app_engine, base.format(app)
    finally:
        owner_engine.dispose()
        app_engine.dispose()
        _admin(pg_server, dbname, f"DROP OWNED BY {owner}, {app} CASCADE")
        _admin(pg_server, "postgres", f"DROP ROLE {app}", f"DROP ROLE {owner}")


REFUSED = ['UPDATE audit SET "user" = \'eve\'', "DELETE FROM audit", "TRUNCATE audit",
           "ALTER TABLE audit DISABLE TRIGGER ALL", "DROP TABLE audit"]


def test_the_runtime_role_writes_and_verifies_but_cannot_change_the_audit(roles, capsys):
    owner, app, app_url = roles
    conf.record_decision(app, "north", "c1", DAY, None, "Fortsæt jobsøgning", "anna", 0)
    conf.add_action(app, "north", "c1", "Ring til arbejdsgiver", "consultant", "2024-03-20", "bo", 1,
                    created=DAY)
    with app.begin() as conn:  # text stored before the import masked numbers
        conn.exec_driver_sql("UPDATE actions SET description = 'Ring til 010190-1234' "
                             "WHERE action_id = 'a1'")
    conf.mark_done(app, "north", "a1", "2024-03-14", "anna", 2)  # copies it into the audit
    assert conf.candidate_version(app, "north", "c1")[0] == 3
    for sql in REFUSED:
        with pytest.raises(sa.exc.ProgrammingError) as refused:
            with app.begin() as conn:
                conn.exec_driver_sql(sql)
        assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value), sql
    assert cli.main(["audit", "verify", "--db", app_url]) == 0
    assert "3 row(s) checked; the trail is whole" in capsys.readouterr().out
    # changing audit rows, even to redact them, is the owner's: the runtime role is told so
    with pytest.raises(audit.AuditError, match="owner role"):
        audit.redact(app, "coordinator")
    assert audit.redact(owner, "coordinator").rows == [3]  # the owner may
    verdict = audit.verify(app)
    assert (verdict.checked, verdict.problem) == (4, None)


def test_the_owner_could_disable_the_triggers_which_is_why_the_tool_does_not_run_as_it(roles):
    owner, app, _ = roles
    conf.record_decision(app, "north", "c1", DAY, None, "Fortsæt", "anna", 0)
    with owner.begin() as conn:  # the single-role setup of before: nothing stops this
        conn.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER ALL")
        conn.exec_driver_sql('UPDATE audit SET "user" = \'eve\'')
        conn.exec_driver_sql("ALTER TABLE audit ENABLE TRIGGER ALL")
    problem = audit.verify(app).problem  # ... but the chain shows it
    assert problem is not None and problem.row_id == 1 and "changed after it was written" in str(problem)
