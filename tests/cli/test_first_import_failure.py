"""A first import that fails half-way (a full disk) leaves no database behind, nor its key file:
a later `ips-nb run` says there is no database (an empty one made it report "3 of 3 done")."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
from conftest import fill_disk, need_system

IPS_NB = Path(sys.executable).parent / "ips-nb"


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("IPS_NB_KEY", "IPS_NB_KEY_FILE", "IPS_NB_DB"):
        monkeypatch.delenv(name, raising=False)
    d.write_params(tmp_path / "params")
    return tmp_path


def _bigger() -> dict[str, list[list[str]]]:
    """The valid source with 2,000 more contacts: more than the empty tables' pages hold."""
    tables = d.valid()
    tables["contacts"] += [["c1", "2024-01-15", "meeting", "k1"]] * 2000
    return tables


def _schema_pages(tmp_path: Path) -> int:
    """How many pages the empty tables take (so a limit just above fails writing the rows)."""
    from ips_nb.data import connection

    engine = connection.connect(f"sqlite:///{tmp_path / 'scratch' / 'schema.db'}")
    try:
        connection.create_schema(engine)
        with engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA page_count").scalar()
    finally:
        engine.dispose()
        shutil.rmtree(tmp_path / "scratch")


@pytest.fixture
def disk_of(monkeypatch):
    """Every SQLite database opened from now on holds at most this many pages: SQLite answers
    "database or disk is full" (SQLITE_FULL), as on a full disk."""
    pages: dict[str, int] = {}

    def limit(dbapi_conn, _record):
        if "max" in pages:
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages['max']}")
    sa.event.listen(sa.engine.Engine, "connect", limit)
    yield pages
    sa.event.remove(sa.engine.Engine, "connect", limit)


def _nothing_left(work: Path) -> None:
    assert not (work / "data").exists(), sorted(p.name for p in (work / "data").iterdir())
    assert not (work / ".ips_nb_key").exists()


def _run_says_no_database(work: Path, db: str) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IPS_NB_")}
    r = subprocess.run([str(IPS_NB), "run", "supervision", "--month", "2024-02", "--db", db],
                       cwd=work, env=environ, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip() == (f"ips-nb: no ips-nb database at {work / 'data' / 'ips.db'} (run "
                                "`ips-nb import` or `ips-nb demo` first)"), r.stderr
    assert "done" not in r.stdout


@pytest.mark.parametrize("where", ["making the tables", "writing the rows"])
def test_a_first_import_failing_half_way_leaves_no_database_and_no_key(work, disk_of, where):
    disk_of["max"] = 5 if where == "making the tables" else _schema_pages(work) + 2
    db = f"sqlite:///{work / 'data' / 'ips.db'}"
    status, out, err = d.run("import", d.write_csv(_bigger(), work / "src"), "--db", db,
                             "--params", work / "params")
    assert status == 2
    assert err.splitlines() == [f"error: {work / 'data' / 'ips.db'}: nothing was written: the disk "
                                "is full (database or disk is full); free some space and import "
                                "again"]
    _nothing_left(work)
    _run_says_no_database(work, db)
    # with room again, the same import makes the database, and its key
    disk_of.clear()
    status, out, err = d.run("import", work / "src", "--db", db, "--params", work / "params")
    assert status == 0, err
    assert sorted(p.name for p in (work / "data").iterdir()) == ["ips.db"]
    assert (work / ".ips_nb_key").exists()


def test_a_first_import_killed_half_way_leaves_no_database(work):
    """Killed while writing the rows (nothing cleans up after a kill): where the database
    belongs there is still none, only a hidden file beside it, and `run` says so."""
    db = f"sqlite:///{work / 'data' / 'ips.db'}"
    d.write_csv(d.VALID, work / "src")
    script = (
        "import os, sys\n"
        "from ips_nb.data import importer, store\n"
        "real = store.replace_sites\n"
        "def dying(conn, rows, sites):\n"
        "    real(conn, rows, sites)\n"
        "    os._exit(9)  # the rows are written, the transaction never commits\n"
        "store.replace_sites = dying\n"
        f"importer.import_source('src', {db!r}, 'params')\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IPS_NB_")}
    r = subprocess.run([sys.executable, "-c", script], cwd=work, env=environ,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 9, r.stderr
    assert not (work / "data" / "ips.db").exists()
    left = sorted(p.name for p in (work / "data").iterdir())  # the hidden file, its journal
    assert left and all(name.startswith(".ips.db.") for name in left), left
    _run_says_no_database(work, db)


@pytest.mark.system
def test_on_a_really_full_disk_the_first_import_leaves_nothing(tmp_path):
    need_system("root, to mount a small tmpfs", os.geteuid() == 0 and bool(shutil.which("mount")))
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=True)
    try:
        d.write_params(disk / "params")
        d.write_csv(_bigger(), tmp_path / "src")
        fill_disk(disk, leave=96 * 1024)  # room for the key file and the start of the database
        environ = {k: v for k, v in os.environ.items() if not k.startswith("IPS_NB_")}
        r = subprocess.run([str(IPS_NB), "import", str(tmp_path / "src"), "--db",
                            f"sqlite:///{disk / 'data' / 'ips.db'}"], cwd=disk, env=environ,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "nothing was written: the disk is full" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "params"]
        _run_says_no_database(disk, f"sqlite:///{disk / 'data' / 'ips.db'}")
    finally:
        if subprocess.run(["umount", str(disk)]).returncode:
            subprocess.run(["umount", "-l", str(disk)], check=True)
