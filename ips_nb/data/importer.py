"""`ips-nb validate` and `ips-nb import`: read a SOURCE, check it all, then write it in one go.

A site's rows in the SOURCE replace that site's rows in the database, in one transaction; other
sites are untouched, and importing the same files twice gives the same database. Any error
means nothing is written: not the database, not even a new SQLite file or a key file.

The key that hashes CPR numbers: $IPS_NB_KEY, else the file named by $IPS_NB_KEY_FILE, else
`.ips_nb_key` in the current folder, created (mode 0600) by the first import that needs it. It
lives apart from the database on purpose: a copy of the data alone cannot be brute-forced back to
CPR numbers. Keep it (and back it up) with the project: another key hashes the same person
differently, so a person could no longer be recognised across imports.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ips_nb.data import identity

from ips_nb.data import store
from ips_nb.data.readers import read_source
from ips_nb.data.schema import TABLE_ORDER, TABLES
from ips_nb.data.problems import Problem, problem
from ips_nb.data.validate import Checked, Existing, check

KEY_FILE_ENV = "IPS_NB_KEY_FILE"


class DatabaseUnavailable(Exception):
    """The database cannot be opened or read (message is one plain line)."""


@dataclass
class Outcome:
    """How an import (or a validation) ended: exit status, every problem, what was written."""

    status: int
    problems: list[Problem] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    written: bool = False


def key_file() -> Path:
    return Path(os.environ.get(KEY_FILE_ENV) or ".ips_nb_key")


def existing_key() -> bytes | None:
    """The hashing key if one exists already; never creates one (validation writes nothing)."""
    if os.environ.get(identity.KEY_ENV):
        return os.environ[identity.KEY_ENV].encode()
    path = key_file()
    return path.read_text().strip().encode() if path.is_file() else None


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory ones)."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def read_existing(url: str) -> Existing:
    """Ids, row counts and CPR hashes the database holds; empty when there is no database yet."""
    try:
        path = sqlite_path(url)
        if path is not None and not path.exists():
            return Existing(key=existing_key())  # do not create the file just to look inside
        engine = store.connect(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise DatabaseUnavailable(f"not a database URL I can use ({exc})") from None
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            existing = Existing(key=existing_key())
            for name in TABLE_ORDER:
                if name not in tables:
                    continue
                t = store.METADATA.tables[name]
                existing.counts[name] = dict(
                    conn.execute(sa.select(t.c.site, sa.func.count()).group_by(t.c.site)).all())
                key = TABLES[name].key
                if key:
                    existing.owners[name] = dict(conn.execute(sa.select(t.c[key], t.c.site)).all())
            if "candidates" in tables:
                t = store.METADATA.tables["candidates"]
                q = sa.select(t.c.cpr_hash, t.c.site, t.c.candidate_id).where(t.c.cpr_hash.is_not(None))
                existing.hashes = {h: (s, c) for h, s, c in conn.execute(q)}
            return existing
    except sa.exc.SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"the database cannot be read: {first_line(exc)}") from None
    finally:
        engine.dispose()


def safe_url(url: str) -> str:
    """A database URL fit to print: any password hidden."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: print it as given
        return url


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def validate_source(source: str | Path, url: str, params_dir: str | Path, *,
                    need_db: bool = False) -> Checked:
    """Read and check a SOURCE; the database is consulted for ids of other sites.

    Without `need_db`, a database that cannot be read is a warning (the files are still
    checked); an import needs it and turns that into an error.
    """
    raw = read_source(source)
    try:
        existing = read_existing(url)
    except DatabaseUnavailable as exc:
        if need_db:
            raise
        existing = None
        raw.problems.append(problem(safe_url(url), None, None, None,
                                    f"{exc}; ids were not checked against other sites",
                                    level="warning"))
    return check(raw, params_dir, existing)


def _create_schema(engine: sa.Engine) -> None:
    """Create missing tables; two first imports at once may race, so a clash is retried."""
    for attempt in range(3):
        try:
            store.create_schema(engine)
            return
        except sa.exc.SQLAlchemyError:
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))


def import_source(source: str | Path, url: str, params_dir: str | Path) -> Outcome:
    """Validate, then replace the SOURCE's sites in one transaction; status 0 written, 2 not."""
    try:
        checked = validate_source(source, url, params_dir, need_db=True)
    except DatabaseUnavailable as exc:
        return Outcome(2, [problem(safe_url(url), None, None, None, str(exc))])
    if not checked.ok:
        return Outcome(2, checked.problems, checked.sites, checked.rows)
    problems = list(checked.problems)
    had_key = existing_key() is not None
    key = identity.load_key(key_file())
    engine = store.connect(url)
    try:
        if not had_key and _holds_hashes(engine):
            problems.append(problem(
                str(key_file()), None, None, None,
                "a new CPR key was made, but the database holds CPR hashes made with another key: "
                "people can no longer be recognised across imports (restore the old key file, or "
                f"set {identity.KEY_ENV})", level="warning"))
        _create_schema(engine)
        store.write_sites(engine, checked.frames, key)
    except sa.exc.IntegrityError as exc:
        problems.append(problem(safe_url(url), None, None, None,
                                "the database refused the rows, so nothing was written; did "
                                "another import write the same ids meanwhile? Run the import "
                                f"again ({first_line(exc)})"))
        return Outcome(2, problems, checked.sites, checked.rows)
    except sa.exc.OperationalError as exc:
        problems.append(problem(safe_url(url), None, None, None,
                                "nothing was written: the database is busy or unreachable "
                                f"({first_line(exc)}); try again"))
        return Outcome(2, problems, checked.sites, checked.rows)
    finally:
        engine.dispose()
    return Outcome(0, problems, checked.sites, checked.rows, written=True)


def _holds_hashes(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("candidates"):
            return False
        t = store.METADATA.tables["candidates"]
        return conn.execute(sa.select(t.c.cpr_hash).where(t.c.cpr_hash.is_not(None)).limit(1)).first() is not None
