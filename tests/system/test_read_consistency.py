"""A site is read from one snapshot, even while an import replaces it.

A background process writes two versions of site `north` in turn, as fast as it can, each one
the whole site in one import transaction (`store.write_sites`). Version A's candidates are
`a-c1…`, version B's `b-c1…`, and each candidate has goals and actions. Meanwhile the test
reads the site again and again (`read_site`, as a report does, and `export`, which reads
every table too) and checks every read: all its candidates come from one version, and every
goal's and action's candidate is among them. Reading table by table outside one transaction
mixes the versions; one read transaction never does.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from pgserver import pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import connection
from ips_nb.data.frames import SiteData, load_site, read_site

TESTS = Path(__file__).resolve().parents[1]
CANDIDATES = 120
SECONDS = 8.0

WRITER = r'''
import sys, time
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/system"]
url, folder, n = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
from test_read_consistency import version_frames
from ips_nb.data import connection, store
versions = [version_frames(v, n, folder) for v in "ab"]
engine = connection.connect(url)
key = b"read consistency key, 32 bytes or more"
store.write_sites(engine, versions[0], key)
(folder / "ready").touch()
i = 1
while not (folder / "stop").exists():
    store.write_sites(engine, versions[i % 2], key)
    i += 1
engine.dispose()
print(i)
'''


def version_frames(tag: str, n: int, folder: Path) -> dict:
    """Version `tag` of site north as the validator's clean frames (written once, then reused)."""
    import importdata as d

    from ips_nb.data.readers import read_source
    from ips_nb.data.validate import check

    tables = {
        "consultants": [["consultant_id", "site", "name"], [f"{tag}-k1", "north", f"K {tag}"]],
        "candidates": [["candidate_id", "site", "referral_date", "consultant_id"]]
        + [[f"{tag}-c{i}", "north", "2024-01-10", f"{tag}-k1"] for i in range(n)],
        "goals": [["candidate_id", "kind", "description", "set_date"]]
        + [[f"{tag}-c{i}", "job", f"goal {tag}{i}", "2024-01-20"] for i in range(n)],
        "actions": [["action_id", "candidate_id", "description", "owner", "due_date"]]
        + [[f"{tag}-a{i}", f"{tag}-c{i}", "call", "consultant", "2024-02-01"] for i in range(n)],
        "contacts": [["candidate_id", "date", "kind"]]
        + [[f"{tag}-c{i}", "2024-01-15", "meeting"] for i in range(n)],
    }
    params = d.write_params(folder / "params")
    checked = check(read_source(d.write_csv(tables, folder / f"src-{tag}")), params)
    assert checked.ok, checked.errors
    return checked.frames


@pytest.fixture(params=["sqlite", "sqlite-wal", pytest.param("postgresql", marks=pytest.mark.system)])
def url(request, tmp_path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    path = tmp_path / "ips.db"
    if request.param == "sqlite-wal":
        import sqlite3

        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    return f"sqlite:///{path}"


def inconsistencies(data: SiteData) -> list[str]:
    """What is wrong with one read of the site (empty: a consistent read)."""
    ids = set(data.candidates["candidate_id"])
    found = []
    tags = {i.split("-")[0] for i in ids}
    if len(tags) != 1 or len(ids) != CANDIDATES:
        found.append(f"candidates of versions {sorted(tags)}, {len(ids)} of them")
    for table in ("goals", "actions", "contacts"):
        orphans = set(getattr(data, table)["candidate_id"]) - ids
        if orphans:
            found.append(f"{len(orphans)} {table} of candidates not read")
    consultants = set(data.consultants["consultant_id"])
    if {c.split("-")[0] for c in consultants} != tags:
        found.append(f"consultants {sorted(consultants)} beside candidates of {sorted(tags)}")
    return found


def start_writer(tmp_path: Path, url: str) -> subprocess.Popen:
    """The process that re-imports versions a and b of the site until told to stop, once it is ready."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(TESTS), url,
                               str(tmp_path), str(CANDIDATES)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    try:
        while not (tmp_path / "ready").exists():
            assert writer.poll() is None, writer.communicate()
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.05)
    except BaseException:
        writer.kill()
        writer.communicate()
        raise
    return writer


def test_every_read_of_a_site_is_one_version(tmp_path, url):
    writer = start_writer(tmp_path, url)
    try:
        reads, bad, versions = 0, [], set()
        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            data = read_site(url, "north")
            reads += 1
            problems = inconsistencies(data)
            if problems:
                bad.append(problems)
            else:
                versions.add(data.candidates["candidate_id"].iloc[0][0])
    finally:
        (tmp_path / "stop").touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    writes = int(out.strip())
    assert writes > 10 and reads > 10, (writes, reads)
    assert not bad, f"{len(bad)} of {reads} reads mixed versions ({writes} writes): {bad[:3]}"
    assert versions == {"a", "b"}, versions  # the reads did overlap the writes


def test_an_export_is_one_version(tmp_path, url):
    """`ips-nb export` reads every table too: from one snapshot, or it could export orphans."""
    from ips_nb.data.export import read_tables

    writer = start_writer(tmp_path, url)
    try:
        reads, bad = 0, 0
        engine = connection.connect(url)
        end = time.monotonic() + SECONDS / 2
        while time.monotonic() < end:
            tables = read_tables(engine, ["north"])
            reads += 1
            ids = {r[0] for r in tables["candidates"]}
            goals = {r[0] for r in tables["goals"]}
            if not goals <= ids or len({i[0] for i in ids}) != 1:
                bad += 1
        engine.dispose()
    finally:
        (tmp_path / "stop").touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert reads > 5
    assert bad == 0, f"{bad} of {reads} exports mixed versions"


def test_the_sqlite_read_transaction_is_one_begin_and_one_end(tmp_path):
    """One BEGIN before the first SELECT, and the transaction ends after the last one."""
    url = f"sqlite:///{tmp_path / 'ips.db'}"
    engine = connection.connect(url)
    connection.create_schema(engine)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *a: statements.append(statement.split()[0]))
    load_site(engine, "north")
    engine.dispose()
    assert statements[0] == "BEGIN" and statements.count("BEGIN") == 1
    assert statements[1:] == ["SELECT"] * (len(statements) - 1)
