"""A real, throwaway PostgreSQL 15 for tests and benchmarks.

`PgServer.start()` makes a cluster in a temporary folder (owned by `postgres` when we run as
root), listens on 127.0.0.1 on a free port with its socket in that folder, and `stop()` shuts it
down (`pg_ctl -m fast`) and removes the folder. The pytest fixtures below give a session-wide
server and, per test, a fresh database on it; `db_url` is parametrised over SQLite and
PostgreSQL so one test runs against both. The benchmarks import `PgServer` from here.

Without the PostgreSQL binaries the PostgreSQL tests are skipped, except when $CI is set: in CI
a skipped system test is a failure.
"""
from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _pg_bin() -> Path:
    """$IPS_NB_PG_BIN, else the newest Debian PostgreSQL installed (15 on bookworm, 17 on trixie)."""
    if os.environ.get("IPS_NB_PG_BIN"):
        return Path(os.environ["IPS_NB_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")


def available() -> bool:
    return all((PG_BIN / b).is_file() for b in ("initdb", "pg_ctl", "postgres"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One throwaway cluster: `start()`, `url(dbname)`, `create_database()`, `stop()`."""

    def __init__(self, fast: bool = True):
        self.fast = fast
        self.folder: Path | None = None
        self.port: int | None = None
        self._names = itertools.count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PgServer:
        self.folder = Path(tempfile.mkdtemp(prefix="ips-nb-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        try:
            self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--no-sync", "--locale=C")
            for attempt in range(5):  # the free port may be taken between finding and binding it
                self.port = _free_port()
                options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
                try:
                    self._run("pg_ctl", "-D", str(data), "-w", "-l", str(self.folder / "log"),
                              "-o", options + (" " + FAST if self.fast else ""), "start")
                    break
                except subprocess.CalledProcessError:
                    if attempt == 4:
                        raise
        except subprocess.CalledProcessError as exc:
            log = (self.folder / "log")
            detail = log.read_text()[-2000:] if log.exists() else exc.stderr
            self._remove()
            raise RuntimeError(f"PostgreSQL did not start: {detail}") from None
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = name or f"t{next(self._names)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        finally:
            self._remove()

    def _remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def require_postgres() -> None:
    """Skip without PostgreSQL; fail instead under CI (the one rule in conftest.need_system)."""
    from conftest import need_system

    need_system(f"PostgreSQL ({PG_BIN})", available())


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for the whole session (started on first use)."""
    require_postgres()
    server = PgServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty PostgreSQL database for one test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.system)])
def db_url(request, tmp_path):
    """A fresh database URL: an SQLite file (not created yet) or an empty PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'ips.db'}"
    else:
        yield request.getfixturevalue("pg_url")
