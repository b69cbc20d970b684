"""Two imports at once: the second waits for the first, or fails cleanly; nothing is corrupted.

The test holds the database's write lock itself (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
advisory lock store.write_sites takes) while two import processes start, so both are sure to
be waiting at the same time; then it lets go.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import importdata as d
import psycopg
import pytest
from importdata import dump, run
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data.importer import sqlite_path

TESTS = Path(__file__).resolve().parents[1]
RUNNER = ("import sys; sys.path.insert(0, sys.argv[1]); from importdata import run; "
          "s, o, e = run(*sys.argv[2:]); sys.stdout.write(o); sys.stderr.write(e); sys.exit(s)")


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "concurrent " * 3)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


def start_import(source: Path, url: str, params: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(TESTS), "import", str(source),
                             "--db", url, "--params", str(params)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextmanager
def write_lock(url: str):
    """Hold what an import needs to write, until the block ends."""
    path = sqlite_path(url)
    if path is not None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield lambda: None
        finally:
            conn.rollback()
            conn.close()
        return
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(4711)")

        def waiting() -> int:
            with psycopg.connect(dsn) as other:
                return other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                     "AND NOT granted").fetchone()[0]
        try:
            yield waiting
        finally:
            conn.execute("SELECT pg_advisory_unlock(4711)")


def wait_until_both_wait(procs, waiting, url: str) -> None:
    deadline = time.monotonic() + 20
    if sqlite_path(url) is not None:
        time.sleep(4)  # process start and validation take a second or two; then they wait
    else:
        while waiting() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert waiting() == 2
    assert all(p.poll() is None for p in procs), "an import did not wait for the lock"


def east_like(site_rows: dict, consultant: str) -> dict:
    tables = {k: [list(r) for r in v] for k, v in site_rows.items()}
    tables["consultants"].append([consultant, "east", "Ny konsulent"])
    return tables


def test_two_imports_at_once_wait_and_both_land(tmp_path, params, db_url):
    assert run("import", d.write_csv(d.EAST, tmp_path / "east0"), "--db", db_url, "--params", params)[0] == 0
    a = d.write_csv(d.VALID, tmp_path / "a")
    b = d.write_csv(east_like(d.EAST, "e-k2"), tmp_path / "b")
    with write_lock(db_url) as waiting:
        procs = [start_import(a, db_url, params), start_import(b, db_url, params)]
        wait_until_both_wait(procs, waiting, db_url)
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    # the same as importing one after the other
    sequential = f"sqlite:///{tmp_path / 'sequential.db'}"
    for source in (a, b):
        assert run("import", source, "--db", sequential, "--params", params)[0] == 0
    assert dump(db_url) == dump(sequential)


def test_two_imports_claiming_one_id_one_fails_cleanly(tmp_path, params, db_url):
    assert run("import", d.write_csv(d.EAST, tmp_path / "east0"), "--db", db_url, "--params", params)[0] == 0
    before = dump(db_url)
    north = d.valid()
    north["consultants"].append(["x1", "north", "Ny"])
    a = d.write_csv(north, tmp_path / "a")
    b = d.write_csv(east_like(d.EAST, "x1"), tmp_path / "b")
    with write_lock(db_url) as waiting:
        procs = [start_import(a, db_url, params), start_import(b, db_url, params)]
        wait_until_both_wait(procs, waiting, db_url)
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert sorted(r[2] for r in results) == [0, 2], results
    loser = next(r for r in results if r[2] == 2)
    assert "Traceback" not in loser[1]
    assert "nothing was written" in loser[0] and "Run the import again" in loser[1]
    after = dump(db_url)
    owners = [row for row in after["consultants"] if row[0] == "x1"]
    assert len(owners) == 1
    if owners[0][1] == "north":  # a won: east is as it was
        assert [r for r in after["candidates"] if r[1] == "east"] == \
               [r for r in before["candidates"] if r[1] == "east"]
        assert [r for r in after["consultants"] if r[1] == "east"] == \
               [r for r in before["consultants"] if r[1] == "east"]
    else:  # b won: north and south never arrived
        assert {r[1] for r in after["candidates"]} == {"east"}
