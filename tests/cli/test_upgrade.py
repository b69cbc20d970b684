"""`ips-nb upgrade` on SQLite, with the databases this project's earlier states made
(tests/data/upgrade: commit b1dfc3d's first schema, commit 4eb7486's with phases, the key's
fingerprint and an unchained audit): before it every other command refuses them in one sentence
naming it; it upgrades in one transaction after a copy beside the file; every row is still there,
the figures are the ones the old database gave, the audit verifies; a second run changes nothing.
"""
from __future__ import annotations

import re
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
import upgradedata as u

from ips_nb import cli
from ips_nb.data import audit, connection, store, upgrade
from ips_nb.data import conference as conf
from ips_nb.data.frames import load_site, read_site
from ips_nb.data.tables import SCHEMA_HEAD, VERSION

SENTENCE = re.compile(r"the database /\S+ was made by an earlier release of ips-nb: "
                      r"run `ips-nb upgrade` to bring it up to date \(nothing was changed\)$")


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", u.KEY)
    monkeypatch.delenv("IPS_NB_DB", raising=False)
    d.write_params(tmp_path / "params")
    return tmp_path


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("commit", u.COMMITS)
def test_every_other_command_refuses_an_earlier_database_in_one_sentence(work, commit, capsys):
    url = u.load_sqlite(commit, work / "old.db")
    before = (work / "old.db").read_bytes()
    source = d.write_csv(d.VALID, work / "src")
    commands = [
        ("run", "supervision", "--db", url, "--params", "params", "--month", "2024-03", "--out", "out"),
        ("export", "out", "--db", url),
        ("import", str(source), "--db", url, "--params", "params", "--today", "2026-11-20"),
        ("audit", "verify", "--db", url),
        ("audit", "prepare", "--db", url),
        ("serve", "--db", url, "--params", "params"),  # refused before any server starts
        ("hub", "--db", url, "--params", "params", "--state", "hub"),
    ]
    for argv in commands:
        status, out, err = _cli(capsys, *argv)
        assert status == 2, (argv, out, err)
        lines = [line for line in err.splitlines() if "ips-nb upgrade" in line]
        assert len(lines) == 1 and SENTENCE.search(lines[0]), (argv, err)
    with pytest.raises(connection.OutOfDate, match="run `ips-nb upgrade`"):
        read_site(url, "north")
    engine = connection.connect(url)  # a live page reads through load_site with its own engine
    try:
        with pytest.raises(connection.OutOfDate) as refused:
            load_site(engine, "north")
        assert refused.value.code == "database_out_of_date"
    finally:
        engine.dispose()
    assert (work / "old.db").read_bytes() == before
    assert not (work / "out").exists()


@pytest.mark.parametrize("commit", u.COMMITS)
def test_upgrade_keeps_every_row_and_the_figures_and_a_second_run_changes_nothing(work, commit, capsys):
    url = u.load_sqlite(commit, work / "old.db")
    original = _dump(work / "old.db")
    rows_before = u.rows(url)
    assert {name: sum(c.values()) for name, c in rows_before.items() if c} == u.ROWS[commit]
    figures_before = {s: u.figures(u.site_data(url, s), work / "params", s) for s in u.SITES}

    status, out, err = _cli(capsys, "upgrade", "--db", url)
    assert status == 0, err
    baseline = {"b1dfc3d": "0001", "4eb7486": "0002"}[commit]
    assert f"brought from unversioned, recognised as schema {baseline} to {SCHEMA_HEAD}" in out
    copies = list(work.glob("old.db.*.bak"))
    assert len(copies) == 1 and _dump(copies[0]) == original  # the copy is the database as it was
    assert str(copies[0]) in out

    after = u.rows(url)
    assert u.kept(rows_before, after) == {}
    engine = connection.open_existing(url)
    try:
        for site in u.SITES:
            assert u.figures(load_site(engine, site), work / "params", site) == figures_before[site]
        assert {dict(r)["origin"] for r in after["actions"]} == \
            ({"source"} if commit == "b1dfc3d" else {"source", "conference"})
    finally:
        engine.dispose()

    upgraded = (work / "old.db").read_bytes()
    status, out, _ = _cli(capsys, "upgrade", "--db", url)
    assert status == 0 and "nothing to do" in out
    assert (work / "old.db").read_bytes() == upgraded and len(list(work.glob("old.db.*.bak"))) == 1


def test_the_upgraded_audit_verifies_and_takes_the_next_write(work, capsys):
    url = u.load_sqlite("4eb7486", work / "old.db")
    assert _cli(capsys, "upgrade", "--db", url)[0] == 0
    status, out, err = _cli(capsys, "audit", "verify", "--db", url)
    assert status == 0 and "4 row(s) checked; the trail is whole" in out, err
    engine = connection.open_existing(url)
    try:
        version = conf.candidate_version(engine, "north", "c1")[0]
        assert version == 3  # the three writes 4eb7486 audited for c1
        conf.record_decision(engine, "north", "c1", "2024-02-27", None, "Ny aftale", "anna", version)
        assert audit.verify(engine).checked == 5 and audit.verify(engine).problem is None
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):  # the guards are in place
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE audit SET \"user\" = 'eve'")
    finally:
        engine.dispose()


@pytest.mark.parametrize("commit", u.COMMITS)
def test_an_upgraded_database_has_the_schema_a_new_one_has(work, commit):
    old = u.load_sqlite(commit, work / "old.db")
    upgrade.upgrade(old)
    new = f"sqlite:///{work / 'new.db'}"
    engine = connection.connect(new)
    store.write_sites(engine, d.frames(work / "first", d.VALID), u.KEY.encode())
    engine.dispose()
    if commit == "4eb7486":  # the audit of a new database comes with its first conference write
        with d.valid_store(new, work / "again", u.KEY) as engine:
            audit.prepare(engine)
    assert _schema(old) == _schema(new)


def _dump(path: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _schema(url: str) -> dict:
    """Tables, their columns (name, type, nullable, default), indexes and the revision."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            i = sa.inspect(conn)
            found = {t: ([(c["name"], str(c["type"]), c["nullable"], c["default"])
                          for c in sorted(i.get_columns(t), key=lambda c: c["name"])],
                         sorted((x["name"], tuple(x["column_names"])) for x in i.get_indexes(t)),
                         i.get_pk_constraint(t)["constrained_columns"])
                     for t in i.get_table_names()}
            found["revision"] = connection.schema_revision(conn)
            return found
    finally:
        engine.dispose()


def test_the_upgrade_is_one_transaction(work, capsys, monkeypatch):
    """A step that fails after others have run leaves the database as it was."""
    url = u.load_sqlite("4eb7486", work / "old.db")
    before = u.rows(url)

    def broken(conn, **_):
        raise sa.exc.OperationalError("chaining", {}, Exception("disk I/O error"))

    monkeypatch.setattr(audit, "ensure", broken)  # the last thing 0003 does
    status, _, err = _cli(capsys, "upgrade", "--db", url)
    assert status == 2 and "nothing was changed" in err and "disk I/O error" in err
    assert u.rows(url) == before
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert not names & {"followups", "surveys", "alembic_version", "audit_head"}


def test_a_new_database_is_made_at_the_head_and_read_without_ddl(work):
    url = f"sqlite:///{work / 'new.db'}"
    with d.valid_store(url, work, u.KEY) as engine:
        with engine.connect() as conn:
            assert connection.schema_revision(conn) == SCHEMA_HEAD
    statements: list[str] = []
    ro = connection.connect(f"sqlite:///file:{work / 'new.db'}?mode=ro&uri=true")  # a read-only reader
    sa.event.listen(ro, "before_cursor_execute", lambda c, cur, sql, *a: statements.append(sql))
    try:
        assert len(load_site(ro, "north").candidates) == 3
        store.fingerprint(ro)
    finally:
        ro.dispose()
    assert statements and all(s.lstrip().upper().startswith(("SELECT", "BEGIN", "PRAGMA"))
                              for s in statements), statements


def test_the_head_revision_is_the_last_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(upgrade.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_a_database_of_a_later_release_is_refused_by_upgrade_too(work, capsys):
    url = f"sqlite:///{work / 'new.db'}"
    with d.valid_store(url, work, u.KEY) as engine:
        with engine.begin() as conn:
            conn.execute(VERSION.update().values(version_num="0099"))
    status, _, err = _cli(capsys, "upgrade", "--db", url)
    assert status == 2 and "made by a later release of ips-nb (schema 0099" in err
    status, _, err = _cli(capsys, "export", "out", "--db", url)
    assert status == 2 and "later release" in err
    assert not list(work.glob("*.bak"))


@pytest.mark.parametrize("lang, sentence", [
    ("da", "Databasen er lavet af en tidligere version af ips-nb: koordinatoren kører `ips-nb upgrade`"),
    ("sv", "Databasen är skapad av en tidigare version av ips-nb: samordnaren kör `ips-nb upgrade`"),
    ("en", "The database was made by an earlier release of ips-nb: the coordinator runs `ips-nb upgrade`"),
])
def test_a_dashboard_on_an_earlier_database_says_so_in_the_sites_language(work, lang, sentence):
    import html

    from ips_nb.live import board_settings, dashboard

    url = u.load_sqlite("4eb7486", work / "old.db")
    (work / "params" / "north.yaml").write_text(
        (work / "params" / "north.yaml").read_text(encoding="utf-8").replace("language: da", f"language: {lang}"),
        encoding="utf-8")
    settings = board_settings.Settings(site="north", month="2024-03", week="2024-W10", db_url=url,
                                       params_dir=str(work / "params"), lang=lang)
    board = dashboard.SupervisionDashboard(settings)
    assert board.error.layout.display == "" and board.body.layout.display == "none"
    assert sentence in html.unescape(board.error.value)


def test_a_database_naming_an_unknown_revision_is_refused_whole(work, capsys):
    url = f"sqlite:///{work / 'new.db'}"
    with d.valid_store(url, work, u.KEY) as engine:
        with engine.begin() as conn:
            conn.execute(VERSION.update().values(version_num="0002x"))
    before = u.rows(url)
    status, _, err = _cli(capsys, "upgrade", "--db", url)
    assert status == 2 and "names a schema this release does not know" in err and "nothing was changed" in err
    assert u.rows(url) == before


def test_a_database_of_no_release_is_not_upgraded(work, capsys):
    import sqlite3

    conn = sqlite3.connect(work / "odd.db")
    conn.execute("CREATE TABLE candidates (candidate_id TEXT, site TEXT)")  # ours by name only
    conn.close()
    status, _, err = _cli(capsys, "upgrade", "--db", f"sqlite:///{work / 'odd.db'}")
    assert status == 2 and "does not have the tables of any release of ips-nb" in err
    assert not list(work.glob("*.bak"))
