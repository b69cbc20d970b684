"""`ips-nb upgrade` on a real PostgreSQL, with the databases this project's earlier states made
there (tests/data/upgrade/*.pg.sql: pg_dump of what commits b1dfc3d and 4eb7486 wrote into a
throwaway server, their own code and PostgreSQL triggers): refused before, upgraded in one
transaction, every row kept, the figures unchanged, the audit verified, a second run a no-op.
"""
from __future__ import annotations

import importdata as d
import pytest
import sqlalchemy as sa
import upgradedata as u
from pgserver import pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb import cli
from ips_nb.data import audit, connection
from ips_nb.data.frames import load_site
from ips_nb.data.tables import SCHEMA_HEAD

pytestmark = pytest.mark.system


@pytest.mark.parametrize("commit", u.COMMITS)
def test_an_earlier_postgresql_database_is_refused_then_upgraded_whole(pg_url, commit, tmp_path,
                                                                      monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", u.KEY)
    params = d.write_params(tmp_path / "params")
    u.load_pg(commit, pg_url)
    before = u.rows(pg_url)
    assert {name: sum(c.values()) for name, c in before.items() if c} == u.ROWS[commit]
    figures = {s: u.figures(u.site_data(pg_url, s), params, s) for s in u.SITES}

    for argv in (["export", "out", "--db", pg_url], ["audit", "verify", "--db", pg_url],
                 ["run", "supervision", "--db", pg_url, "--params", str(params), "--month", "2024-03"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert [line for line in err.splitlines() if "run `ips-nb upgrade`" in line] != [], err
    assert u.rows(pg_url) == before

    assert cli.main(["upgrade", "--db", pg_url]) == 0
    out = capsys.readouterr().out
    assert f"to {SCHEMA_HEAD}" in out and ".bak" not in out  # no file to copy on a server
    after = u.rows(pg_url)
    assert u.kept(before, after) == {}
    engine = connection.open_existing(pg_url)
    try:
        for site in u.SITES:
            assert u.figures(load_site(engine, site), params, site) == figures[site]
        verdict = audit.verify(engine)
        assert verdict.problem is None and verdict.notes == []
        assert verdict.checked == u.ROWS[commit].get("audit", 0)
        if commit == "4eb7486":  # the chained trail keeps its guards
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                with engine.begin() as conn:
                    conn.exec_driver_sql("DELETE FROM audit")
    finally:
        engine.dispose()

    assert cli.main(["upgrade", "--db", pg_url]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert u.rows(pg_url) == after
