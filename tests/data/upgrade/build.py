"""Build the databases of an earlier state of ips-nb, once, and keep them as SQL dumps.

    git worktree add --detach /tmp/old-b1dfc3d b1dfc3d
    .venv/bin/python tests/data/upgrade/build.py b1dfc3d /tmp/old-b1dfc3d

The earlier commit's own code does the writing: a child process runs with PYTHONPATH pointing
at its worktree, imports that commit's small valid test source (its tests/importdata.py) with
that commit's `ips-nb import`, and, where that commit has conference writes, records a decision,
adds an action and marks one done through its own data.conference (so its audit rows, triggers
and columns are the ones it made). It does so into an SQLite file and into a database on a
throwaway PostgreSQL server (tests/pgserver.py), and the dumps are written here:
`<commit>.sqlite.sql` (Python's sqlite3 iterdump) and `<commit>.pg.sql` (pg_dump --inserts,
without owners and privileges, psql's backslash lines removed so a driver can run it).
This file is not a test; the README beside it says why the dumps exist.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEY = "an-upgrade-test-key-of-32-chars-or-more"

CHILD = r"""
import importlib.util, os, sys
from pathlib import Path

url, worktree, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
# the checkout's editable install answers for any ips_nb module the old tree lacks: not here
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
spec = importlib.util.spec_from_file_location("old_importdata", worktree / "tests" / "importdata.py")
d = importlib.util.module_from_spec(spec)
spec.loader.exec_module(d)
source = d.write_csv(d.VALID, work / "src")
params = d.write_params(work / "params")
from ips_nb.cli import main
argv = ["import", str(source), "--db", url, "--params", str(params)]
if "--today" in open(worktree / "ips_nb" / "cli_data.py").read():
    argv += ["--today", "2026-11-20"]
assert main(argv) == 0, "the old import failed"
import ips_nb
assert Path(ips_nb.__file__).resolve().is_relative_to(worktree.resolve()), ips_nb.__file__
if (worktree / "ips_nb" / "data" / "conference.py").exists():
    from ips_nb.data import conference as conf, connection
    engine = connection.connect(url)
    v = conf.candidate_version(engine, "north", "c1")[0]
    conf.record_decision(engine, "north", "c1", "2024-02-20", "Team Nord", "Ring arbejdsgiveren", "anna", v)
    saved = conf.add_action(engine, "north", "c1", "Book møde med Netto", "consultant", "2024-03-01",
                            "anna", v + 1, created="2024-02-20")
    conf.mark_done(engine, "north", saved.key, "2024-02-27", "bo", v + 2)
    v = conf.candidate_version(engine, "south", "c4")[0]
    conf.record_decision(engine, "south", "c4", "2024-02-14", None, "Fortsätt", "karin", v)
    engine.dispose()
print("built", url)
"""


def _old(commit: str, worktree: Path, url: str, work: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(worktree), "IPS_NB_KEY": KEY}
    env.pop("IPS_NB_DB", None)
    work.mkdir(parents=True)
    subprocess.run([sys.executable, "-c", CHILD, url, str(worktree), str(work)], check=True,
                   env=env, cwd=work)


def _sqlite_dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump()) + "\n"
    finally:
        conn.close()


def _pg_dump(server, dbname: str) -> str:  # noqa: ANN001 - tests.pgserver.PgServer
    from tests.pgserver import PG_BIN

    out = subprocess.run([str(PG_BIN / "pg_dump"), "--inserts", "--no-owner", "--no-privileges",
                          "--no-comments", "-h", "127.0.0.1", "-p", str(server.port),
                          "-U", "postgres", dbname], check=True, capture_output=True, text=True)
    return "".join(line for line in out.stdout.splitlines(keepends=True)
                   if not line.startswith("\\"))


def main(commit: str, worktree: str) -> None:
    from tests.pgserver import PgServer

    tree = Path(worktree).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "old.db"
        _old(commit, tree, f"sqlite:///{db}", work / "sqlite")
        (HERE / f"{commit}.sqlite.sql").write_text(_sqlite_dump(db), encoding="utf-8")
        server = PgServer()
        server.start()
        try:
            url = server.create_database()
            _old(commit, tree, url, work / "pg")
            dbname = url.rsplit("/", 1)[1]
            (HERE / f"{commit}.pg.sql").write_text(_pg_dump(server, dbname), encoding="utf-8")
        finally:
            server.stop()


if __name__ == "__main__":
    main(*sys.argv[1:3])
