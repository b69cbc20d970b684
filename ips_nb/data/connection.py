"""Connecting to the database and the transactions everything else runs in.

SQLite by default, PostgreSQL by URL, one SQLAlchemy Core code path. Reads and writes are whole:
- a write (data.store's `write_sites`, `rekey_pseudonyms`, a conference save, the audit) is one
  `write_transaction` that holds the write lock from its first statement (SQLite: BEGIN
  IMMEDIATE; PostgreSQL: an advisory lock), so two imports queue instead of interleaving, and
  that marks the sites it writes as written (data.freshness) in the same transaction;
- a read of several tables (data.frames' `load_site`, an export) is one read transaction
  (`snapshot`), so an import that replaces the site meanwhile is seen whole or not at all.
A database that is read must exist and be ours (`open_existing`): a reader never creates one.

The schema is versioned (Alembic's `alembic_version` table, migrations in data/migrations): a new
database is made at the head revision and stamped so (`create_schema`); one made by an earlier
release is refused by every reader and writer in one sentence naming `ips-nb upgrade`
(data.upgrade), so reading an up-to-date database never needs DDL (a read-only role reads it as
it is).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from ips_nb.data import freshness
from ips_nb.data.location import DEFAULT_DB, db_url
from ips_nb.data.schema import KEY_TABLE, TABLE_ORDER
from ips_nb.data.tables import KEY_METADATA, METADATA, SCHEMA_HEAD, VERSION, VERSION_METADATA
from ips_nb.errors import BadInput

_LOCK = 4711  # PostgreSQL advisory lock: one writer at a time


class StoreError(BadInput):
    """The database cannot be used as asked; the message is one plain sentence for the operator
    (ips_nb.errors: exit status 2, nothing written)."""


class OutOfDate(StoreError):
    """The database's schema is not this release's: made by an earlier one (`ips-nb upgrade`
    brings it up to date) or by a later one (that release reads it). `code` is the label of
    the sentence in the pages' catalogue."""

    def __init__(self, where: str, revision: str | None):
        self.revision = revision
        if revision is not None and revision > SCHEMA_HEAD:
            self.code = "database_newer"
            super().__init__(f"the database {where} was made by a later release of ips-nb "
                             f"(schema {revision}, this one reads {SCHEMA_HEAD}); use that release")
        else:
            self.code = "database_out_of_date"
            super().__init__(f"the database {where} was made by an earlier release of ips-nb: "
                             "run `ips-nb upgrade` to bring it up to date (nothing was changed)")


def schema_revision(conn: sa.Connection, names: set[str] | None = None) -> str | None:
    """The database's revision (None: unversioned), asked with SELECTs only, never DDL.

    `names`, the database's tables when the caller has them, spares the question whether the
    version table is there (a SELECT of a missing table would end a PostgreSQL transaction)."""
    if names is None:
        if conn.dialect.name == "postgresql":
            there = conn.exec_driver_sql(f"SELECT to_regclass('{VERSION.name}')").scalar()
        elif conn.dialect.name == "sqlite":
            there = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         f"AND name = '{VERSION.name}'").scalar()
        else:
            there = sa.inspect(conn).has_table(VERSION.name)
        names = {VERSION.name} if there else set()
    if VERSION.name not in names:
        return None
    return conn.execute(sa.select(VERSION.c.version_num)).scalar()


def require_current(conn: sa.Connection, url: str, names: set[str] | None = None) -> None:
    """Refuse (OutOfDate) a database whose schema is not this release's; one with none of our
    tables (an empty file, a new folder) is no database of ours, not an old one (StoreError)."""
    revision = schema_revision(conn, names)
    if revision != SCHEMA_HEAD:
        if revision is None:
            there = names if names is not None else set(sa.inspect(conn).get_table_names())
            if not there & (set(TABLE_ORDER) | {KEY_TABLE}):
                raise StoreError(f"no ips-nb database at {shown(url)} (run `ips-nb import` or "
                                 "`ips-nb demo` first)")
        raise OutOfDate(shown(url), revision)


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory ones)."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def shown(url: str) -> str:
    """How a database is named in a message: an SQLite file's absolute path, else the URL
    without its password."""
    try:
        path = sqlite_file(url)
        if path is not None:
            return str(path.absolute())
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: show it as given
        return url


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _not_sqlite(exc: sa.exc.SQLAlchemyError) -> bool:
    return "file is not a database" in str(exc) or "not a database" in first_line(exc)


def foreign_tables(conn: sa.Connection) -> list[str]:
    """The tables of a database that holds none of ours (empty: ours, or an empty database)."""
    names = set(sa.inspect(conn).get_table_names())
    if names & (set(METADATA.tables) | {KEY_TABLE}):
        return []
    return sorted(names)


def check_importable(url: str) -> None:
    """Refuse a database an import must not write into: not a database, or another program's.

    An SQLite file that does not exist yet is fine (the import makes it and its folder, after
    validation). PostgreSQL databases are not judged by their other tables: a schema is often
    shared. The StoreError's sentence goes after the database's name ("<path>: is not …").
    """
    try:
        path = sqlite_file(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"not a database URL I can use ({exc})") from None
    if path is None or not path.exists():
        return
    if path.is_dir():
        raise StoreError("is a folder: give the database file")
    engine = sa.create_engine(f"sqlite:///{path.absolute()}")  # an existing file: never written
    try:
        with engine.connect() as conn:
            others = foreign_tables(conn)
    except sa.exc.SQLAlchemyError as exc:
        if _not_sqlite(exc):
            raise StoreError("is not an ips-nb database (it is not an SQLite file); give another "
                             "--db") from None
        raise StoreError(f"the database cannot be read: {first_line(exc)}") from None
    finally:
        engine.dispose()
    if others:
        raise StoreError(f"is not an ips-nb database (it holds other tables: "
                         f"{', '.join(others[:5])}{', …' if len(others) > 5 else ''}); give another --db")


def open_existing(url: str | None = None, *, current: bool = True) -> sa.Engine:
    """An engine on a database that exists and holds our tables; else StoreError, one sentence.

    For every command that reads (run, export, serve, a report's kernel): reading never creates
    a database, nor its folder. The sentence names the absolute path tried, which matters for the
    default `sqlite:///data/ips.db`, relative to wherever the command was started. `current`:
    refuse a database of another release's schema (OutOfDate); only `ips-nb upgrade` opens one.
    """
    url = db_url(url)
    try:
        path = sqlite_file(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"not a database URL I can use ({exc})") from None
    missing = f"no ips-nb database at {shown(url)} (run `ips-nb import` or `ips-nb demo` first)"
    if path is not None and not path.is_file():
        if url == DEFAULT_DB:
            missing += "; the default sqlite:///data/ips.db is relative to the current folder"
        raise StoreError(missing)
    try:
        engine = connect(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise StoreError(f"not a database URL I can use ({exc})") from None
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            revision = schema_revision(conn, names)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        if path is not None and _not_sqlite(exc):
            raise StoreError(f"{shown(url)} is not an ips-nb database (it is not an SQLite file)") from None
        if path is not None:
            raise StoreError(f"the database {shown(url)} cannot be read: {first_line(exc)}") from None
        raise StoreError(f"cannot reach the database at {shown(url)}: {first_line(exc)}") from None
    absent = [name for name in TABLE_ORDER if name not in names]
    if not names & (set(TABLE_ORDER) | {KEY_TABLE}):
        engine.dispose()
        if path is not None and names:
            raise StoreError(f"{shown(url)} is not an ips-nb database (it has none of its tables; "
                             "run `ips-nb import` or `ips-nb demo` to make one)")
        raise StoreError(missing)
    if current and revision != SCHEMA_HEAD:
        engine.dispose()
        raise OutOfDate(shown(url), revision)
    if absent and current:
        engine.dispose()
        raise StoreError(f"the database {shown(url)} lacks the tables {', '.join(absent)}: an "
                         "import (`ips-nb import`) adds them")
    return engine


def connect(url: str | None = None) -> sa.Engine:
    """An engine for the URL; an SQLite file's folder is created so a fresh clone just works."""
    from ips_nb.data.modes import create_sqlite_file, make_folder

    url = db_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        make_folder(Path(url.removeprefix("sqlite:///")).parent)
    if url.startswith("sqlite"):
        # a concurrent writer waits up to 30 s for the lock instead of failing at once
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        path = sqlite_file(url)
        if path is not None and not sa.engine.make_url(url).query.get("uri"):
            # a new file gets the owner-only mode (data.modes), not SQLite's by the umask
            sa.event.listen(engine, "do_connect", lambda *_: None if path.exists() else create_sqlite_file(path))
        return engine
    return sa.create_engine(url)


def create_schema(engine: sa.Engine) -> None:
    """Make a new database's tables at the head revision and stamp it so (the first import);
    on a database of this release, make only a table that went missing (SELECTs, no DDL, when
    none did). OutOfDate for a database of another release: `ips-nb upgrade` first.

    All in one transaction, on SQLite too (BEGIN IMMEDIATE; pysqlite would run each CREATE on its
    own): a first import that fails half-way (a full disk) leaves no tables without a version."""
    with _schema_transaction(engine) as conn:
        names = set(sa.inspect(conn).get_table_names())
        revision = schema_revision(conn, names)
        if revision != SCHEMA_HEAD and (revision is not None or names & (set(METADATA.tables) | {KEY_TABLE})):
            raise OutOfDate(shown(url_of(engine)), revision)
        METADATA.create_all(conn)
        KEY_METADATA.create_all(conn)
        freshness.create(conn)  # the write stamps (data.freshness), made by the owner with the rest
        if revision is None:
            VERSION_METADATA.create_all(conn)
            conn.execute(VERSION.insert(), {"version_num": SCHEMA_HEAD})


@contextmanager
def _schema_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction for DDL, committed on exit (no write stamp: it writes no site's rows)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


@contextmanager
def snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose every SELECT sees one and the same state of the database.

    SQLite: one transaction (BEGIN before the first SELECT; the shared lock, or in WAL mode the
    snapshot, is held until the end), which an import's commit cannot split. PostgreSQL:
    REPEATABLE READ, READ ONLY. Without it, each SELECT would see the database as it was at
    that moment, and a read during an import could pair new goals with old candidates.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        elif engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
        try:
            yield conn
        finally:
            conn.rollback()  # nothing was written: ending the read transaction is all


@contextmanager
def write_transaction(engine: sa.Engine, sites: Iterable[str] | None = None) -> Iterator[sa.Connection]:
    """One write transaction holding the write lock from its first statement; committed on exit.

    Taking the lock first means what is read inside (the key's fingerprint, the hashes a re-key
    replaces) cannot change before the commit. Every one marks the `sites` it writes (None: all)
    as written (data.freshness), in the same transaction, so a server never serves a page it
    prepared before this write.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits for another writer (busy timeout)
            try:
                freshness.bump(conn, sites)
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # one import at a time: a second one waits here instead of interleaving
            conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
        freshness.bump(conn, sites)
        yield conn


def url_of(engine: sa.Engine) -> str:
    """The engine's URL with its password, for the functions that name it (through shown)."""
    return engine.url.render_as_string(hide_password=False)  # shown() hides the password
