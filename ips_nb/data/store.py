"""The database: SQLite by default, PostgreSQL by URL, one SQLAlchemy Core code path.

Every read takes a site and filters in SQL, so no report ever holds another site's rows, and the
CPR hash is never selected into a report frame.

Reads and writes are whole:
- a write (`write_sites`, `rekey_pseudonyms`) is one transaction that holds the write lock from
  its first statement (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so two imports
  queue instead of interleaving;
- a read of several tables (`load_site`, an export) is one read transaction (`snapshot`), so an
  import that replaces the site meanwhile is seen whole or not at all, never half.
A database that is read must exist and be ours (`open_existing`): a reader never creates one.

The schema is versioned (Alembic's `alembic_version` table, migrations in data/migrations): a new
database is made at the head revision and stamped so; one made by an earlier release is refused
by every reader and writer in one sentence naming `ips-nb upgrade` (data.upgrade), so reading an
up-to-date database never needs DDL (a read-only role reads it as it is).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ips_nb.data import freshness
from ips_nb.data.location import DEFAULT_DB, absolute_db_url, db_url  # noqa: F401 - store's API too
from ips_nb.data.schema import (AUDIT_TABLE, KEY_COLUMNS, KEY_TABLE, ORIGIN, ORIGIN_COLUMN,
                                 ORIGIN_TABLES, ORIGINS, TABLES, TABLE_ORDER, stored_columns)

if TYPE_CHECKING:  # pandas is imported where frames are made: the coordinator of a run never needs it
    import pandas as pd

_TYPES = {"str": sa.String, "enum": sa.String, "cpr": sa.String, "date": sa.Date,
          "float": sa.Float, "int": sa.Integer, "bool": sa.Boolean}


def _metadata() -> sa.MetaData:
    md = sa.MetaData()
    for name, table in TABLES.items():
        cols = []
        if "site" not in table.column_names:
            cols.append(sa.Column("site", sa.String, nullable=False, index=True))
        for c in table.columns:
            colname = "cpr_hash" if c.kind == "cpr" else c.name
            cols.append(sa.Column(colname, _TYPES[c.kind](), nullable=not c.required,
                                  primary_key=(colname == table.key),
                                  index=(colname == "site")))
        if name in ORIGIN_TABLES:  # where the row came from (schema.ORIGIN_COLUMN): store only
            cols.append(sa.Column(ORIGIN_COLUMN, sa.String, nullable=False, default="source",
                                  server_default="source"))
        sa.Table(name, md, *cols)
    return md


METADATA = _metadata()

# The schema's version: the revision of data/migrations this code reads and writes. A database
# made by this code carries it in Alembic's table; any other is out of date (data.upgrade).
SCHEMA_HEAD = "0003"
VERSION_METADATA = sa.MetaData()
VERSION = sa.Table("alembic_version", VERSION_METADATA,  # as Alembic makes it
                   sa.Column("version_num", sa.String(32), nullable=False),
                   sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))

# The store's own bookkeeping, apart from the exchange tables (so nothing that walks those tables
# meets it): the fingerprint of the key behind every cpr_hash, in one row (schema.KEY_TABLE).
KEY_METADATA = sa.MetaData()
KEY = sa.Table(KEY_TABLE, KEY_METADATA,
               sa.Column(KEY_COLUMNS[0], sa.Integer, sa.CheckConstraint(f"{KEY_COLUMNS[0]} = 1"),
                         primary_key=True),
               sa.Column(KEY_COLUMNS[1], sa.String(64), nullable=False))
_LOCK = 4711  # PostgreSQL advisory lock: one writer at a time

# The append-only, hash-chained audit of the conference writes (schema.AUDIT_TABLE), apart from
# the exchange tables like the key: no import, replace or export walks it. Made by the first
# conference write or `ips-nb audit prepare` (data.audit, which owns it), not by an import. The
# last four columns came with the chain (an older table gets them from data.audit.ensure).
AUDIT_METADATA = sa.MetaData()
AUDIT = sa.Table(AUDIT_TABLE, AUDIT_METADATA,
                 sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                 sa.Column("at", sa.DateTime, nullable=False),  # UTC, without zone
                 sa.Column("user", sa.String, nullable=False),
                 sa.Column("site", sa.String, nullable=False, index=True),
                 sa.Column("table", sa.String, nullable=False),
                 sa.Column("row_key", sa.String, nullable=False),
                 sa.Column("candidate_id", sa.String, nullable=True, index=True),
                 sa.Column("action", sa.String, nullable=False),
                 sa.Column("before", sa.Text, nullable=True),
                 sa.Column("after", sa.Text, nullable=True),
                 sa.Column("prev_hash", sa.String(64), nullable=True),  # NULL: not chained yet
                 sa.Column("content_hash", sa.String(64), nullable=True),
                 sa.Column("hash", sa.String(64), nullable=True),
                 sa.Column("redacted_at", sa.DateTime, nullable=True))  # UTC; see data.audit.redact
# The audit's head, one row written with each audit row: so a trail emptied, dropped or cut at
# its end shows in `ips-nb audit verify`.
AUDIT_HEAD = sa.Table(f"{AUDIT_TABLE}_head", AUDIT_METADATA,
                      sa.Column("slot", sa.Integer, sa.CheckConstraint("slot = 1"), primary_key=True,
                                autoincrement=False),
                      sa.Column("row_count", sa.Integer, nullable=False),
                      sa.Column("last_id", sa.Integer, nullable=False),
                      sa.Column("last_hash", sa.String(64), nullable=False))



class StoreError(Exception):
    """The database cannot be used as asked; the message is one plain sentence for the operator."""


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
    """Refuse (OutOfDate) a database whose schema is not this release's."""
    revision = schema_revision(conn, names)
    if revision != SCHEMA_HEAD:
        raise OutOfDate(shown(url), revision)


class KeyMismatch(StoreError):
    """The database's pseudonyms were made with another key than the one given."""

    def __init__(self, stored: str, given: str):
        super().__init__(f"the database's pseudonyms were made with another key "
                         f"(fingerprint {stored[:12]}, the given key's {given[:12]})")
        self.stored, self.given = stored, given


class Unmatched(StoreError):
    """A re-key found stored pseudonyms it has no new value for: (site, candidate_id) of each."""

    def __init__(self, candidates: list[tuple[str, str]]):
        super().__init__(f"{len(candidates)} stored pseudonym(s) have no number to re-key them")
        self.candidates = candidates


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
            raise OutOfDate(shown(_url(engine)), revision)
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


def readable_columns(name: str) -> list[sa.Column]:
    """A table's columns a read selects: never the CPR hash nor the origin."""
    return [c for c in METADATA.tables[name].columns if c.name not in ("cpr_hash", ORIGIN_COLUMN)]


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
def _write_transaction(engine: sa.Engine, sites: Iterable[str] | None = None) -> Iterator[sa.Connection]:
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


def stored_fingerprint(conn: sa.Connection) -> str | None:
    """The fingerprint of the key behind the database's pseudonyms (None: none recorded yet)."""
    if not sa.inspect(conn).has_table(KEY_TABLE):
        return None
    return conn.execute(sa.select(KEY.c.fingerprint).where(KEY.c.slot == 1)).scalar()


def _settle_key(conn: sa.Connection, fingerprint: str) -> None:
    """Within a write transaction: record the key's fingerprint, or refuse a different key."""
    stored = stored_fingerprint(conn)
    if stored is None:
        conn.execute(KEY.insert(), {"slot": 1, "fingerprint": fingerprint})
    elif stored != fingerprint:
        raise KeyMismatch(stored, fingerprint)


@dataclass
class SiteData:
    """One site's tables as pandas frames; date columns are datetime64, empty is NaT/NA."""

    consultants: pd.DataFrame
    clinicians: pd.DataFrame
    candidates: pd.DataFrame
    phases: pd.DataFrame
    goals: pd.DataFrame
    actions: pd.DataFrame
    contacts: pd.DataFrame
    employer_contacts: pd.DataFrame
    placements: pd.DataFrame
    fidelity: pd.DataFrame
    supervision: pd.DataFrame
    conferences: pd.DataFrame
    followups: pd.DataFrame
    surveys: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def typed_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame the column types the metrics expect (dates as datetime64, numbers numeric)."""
    import pandas as pd

    frame = frame.copy()
    for c in TABLES[table].columns:
        if c.name not in frame.columns:
            continue
        if c.kind == "date":
            frame[c.name] = pd.to_datetime(frame[c.name]).astype("datetime64[s]")
        elif c.kind in ("float",):
            frame[c.name] = pd.to_numeric(frame[c.name]).astype("float64")
        elif c.kind == "int":
            frame[c.name] = pd.to_numeric(frame[c.name]).astype("Int64")
        elif c.kind == "bool":
            frame[c.name] = frame[c.name].astype("boolean")
        else:
            frame[c.name] = frame[c.name].astype("str").where(frame[c.name].notna(), None) \
                if len(frame) else frame[c.name].astype("str")
    return frame


def empty_frame(table: str) -> pd.DataFrame:
    import pandas as pd

    cols = [c for c in stored_columns(table) if c != "cpr_hash"]
    return typed_frame(table, pd.DataFrame({c: pd.Series([], dtype="object") for c in cols}))


def read_site(url: str | None, site: str) -> SiteData:
    """One site's data from a database URL, for a workbook that opens, reads and lets go.

    StoreError (one sentence) when there is no such database: a report never creates one.
    """
    engine = open_existing(url)
    try:
        return load_site(engine, site)
    finally:
        engine.dispose()


def load_site(engine: sa.Engine, site: str) -> SiteData:
    """Read one site's rows of every table (never the CPR hash), all from one snapshot.

    The rows are fetched inside the read transaction and made into frames after it, so a writer
    waits for the SELECTs only.
    """
    import pandas as pd

    fetched: dict[str, tuple[list[str], list[tuple]]] = {}
    with snapshot(engine) as conn:
        require_current(conn, _url(engine))  # an older database: one sentence, not a missing column
        for name in TABLE_ORDER:
            t = METADATA.tables[name]
            cols = readable_columns(name)
            order = [t.c[c] for c in TABLES[name].order] or \
                [c for c in cols if c.name in (TABLES[name].key, "date", "review_date")]
            rows = conn.execute(sa.select(*cols).where(t.c.site == site).order_by(*order)).all()
            fetched[name] = ([c.name for c in cols], [tuple(r) for r in rows])
    frames = {name: typed_frame(name, pd.DataFrame(rows, columns=columns, dtype="object"))
              for name, (columns, rows) in fetched.items()}
    return SiteData(**frames)


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)  # shown() hides the password


def sites_in_db(engine: sa.Engine) -> list[str]:
    t = METADATA.tables["candidates"]
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(sa.select(t.c.site).distinct()))


def replace_sites(conn: sa.Connection, rows: dict[str, list[dict]], sites: set[str]) -> dict[str, int]:
    """Within the caller's transaction: delete these sites' rows, then insert the new ones.

    Rows recorded at the conference (origin 'conference', data.conference) are kept unless the
    new rows carry the same row (conferences: same site, date and candidate; actions: same
    action_id) or their candidate is no longer the site's. Returns how many were kept per table.
    """
    listed = sorted(sites)
    kept: dict[str, int] = {}
    candidates = {(r["site"], r["candidate_id"]) for r in rows.get("candidates", [])}
    for name in reversed(TABLE_ORDER):
        t = METADATA.tables[name]
        if name not in ORIGIN_TABLES:
            conn.execute(t.delete().where(t.c.site.in_(listed)))
            continue
        ours = t.c[ORIGIN_COLUMN] == "conference"
        conn.execute(t.delete().where(t.c.site.in_(listed), sa.not_(ours)))
        if name == "conferences":
            same = {(r["site"], r["date"], r["candidate_id"]) for r in rows.get(name, [])}
            found = conn.execute(sa.select(t.c.site, t.c.date, t.c.candidate_id)
                                 .where(t.c.site.in_(listed), ours)).all()
            drop = [tuple(r) for r in found if tuple(r) in same or (r[0], r[2]) not in candidates]
            for site, day, cid in drop:
                conn.execute(t.delete().where(t.c.site == site, t.c.date == day,
                                              t.c.candidate_id == cid, ours))
        else:
            same = {r["action_id"] for r in rows.get(name, [])}
            found = conn.execute(sa.select(t.c.action_id, t.c.site, t.c.candidate_id)
                                 .where(t.c.site.in_(listed), ours)).all()
            drop = [r[0] for r in found if r[0] in same or (r[1], r[2]) not in candidates]
            if drop:
                conn.execute(t.delete().where(t.c.action_id.in_(drop)))
        kept[name] = len(found) - len(drop)
    for name in TABLE_ORDER:
        if rows.get(name):
            conn.execute(METADATA.tables[name].insert(), rows[name])
    return kept


def fingerprint(engine: sa.Engine, site: str | None = None) -> str:
    """A short hash of the database contents (one site or all), recorded with each run."""
    import hashlib

    h = hashlib.sha256()
    with snapshot(engine) as conn:
        require_current(conn, _url(engine))
        for name in TABLE_ORDER:
            t = METADATA.tables[name]
            q = sa.select(*t.columns)
            if site:
                q = q.where(t.c.site == site)
            for r in sorted(conn.execute(q).all(), key=lambda r: tuple(map(str, r))):
                h.update(repr(tuple(r)).encode())
    return h.hexdigest()[:16]


def _site_lookup(frames: dict[str, pd.DataFrame], table: str) -> dict[str, str]:
    f = frames.get(table)
    if f is None or f.empty:
        return {}
    return dict(zip(f[TABLES[table].key].astype(str), f["site"].astype(str)))


def to_rows(frames: dict[str, pd.DataFrame], key: bytes) -> dict[str, list[dict]]:
    """Exchange-format frames (clean, typed) to store rows: CPR hashed, every row given its site."""
    import pandas as pd

    from ips_nb.data.identity import cpr_hash

    sites = {"candidates": _site_lookup(frames, "candidates"),
             "consultants": _site_lookup(frames, "consultants")}
    out: dict[str, list[dict]] = {}
    for name in TABLE_ORDER:
        frame = frames.get(name)
        if frame is None or frame.empty:
            out[name] = []
            continue
        table = TABLES[name]
        rows = []
        for rec in frame.to_dict("records"):
            row = {}
            for c in table.columns:
                v = rec.get(c.name)
                v = None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
                if c.kind == "cpr":
                    # a frame may carry the hash itself (an export re-imported) instead of the number
                    given = rec.get("cpr_hash")
                    row["cpr_hash"] = cpr_hash(v, key) if v else (given if isinstance(given, str) and given else None)
                    continue
                if c.kind == "date" and v is not None:
                    v = pd.Timestamp(v).date()
                elif c.kind == "int" and v is not None:
                    v = int(v)
                elif c.kind == "float" and v is not None:
                    v = float(v)
                elif c.kind == "bool" and v is not None:
                    v = bool(v)
                elif v is not None:
                    v = str(v)
                row[c.name] = v
            if "site" not in row:
                via = "candidates" if table.site_via == "candidate_id" else "consultants"
                row["site"] = sites[via][str(rec[table.site_via])]
            if name in ORIGIN_TABLES:  # a file's `origin` (an export re-imported), else the source's
                origin = rec.get(ORIGIN_COLUMN)
                row[ORIGIN_COLUMN] = origin if origin in ORIGINS else ORIGIN.default
            rows.append(row)
        out[name] = rows
    return out


def write_sites(engine: sa.Engine, frames: dict[str, pd.DataFrame], key: bytes,
                kept: dict[str, int] | None = None) -> set[str]:
    """Replace the sites present in `frames` with their rows, all in one transaction.

    The first write records the key's fingerprint; a later write with another key raises
    KeyMismatch and writes nothing, because its pseudonyms would not match the stored ones.
    `kept`, when given, is filled with how many rows recorded at the conference were kept per
    table (replace_sites).
    """
    from ips_nb.data.identity import key_fingerprint

    create_schema(engine)
    rows = to_rows(frames, key)
    sites = {r["site"] for name in rows for r in rows[name]}
    with _write_transaction(engine, sites) as conn:
        _settle_key(conn, key_fingerprint(key))
        counted = replace_sites(conn, rows, sites)
    if kept is not None:
        kept.update(counted)
    return sites


def rekey_pseudonyms(engine: sa.Engine, old_fingerprint: str, new_fingerprint: str,
                     new_hash: Callable[[str], str | None]) -> int:
    """Replace every stored cpr_hash by `new_hash(old)`, and the key's fingerprint, in one go.

    `new_hash` knows the number behind an old pseudonym only from files read again (an HMAC
    cannot be turned back): when it has no answer for even one stored pseudonym, Unmatched is
    raised and nothing changes. KeyMismatch when the database records another old key. Returns
    the number of candidates re-keyed.
    """
    create_schema(engine)
    t = METADATA.tables["candidates"]
    with _write_transaction(engine) as conn:
        stored = stored_fingerprint(conn)
        if stored is not None and stored != old_fingerprint:
            raise KeyMismatch(stored, old_fingerprint)
        rows = conn.execute(sa.select(t.c.site, t.c.candidate_id, t.c.cpr_hash)
                            .where(t.c.cpr_hash.is_not(None))
                            .order_by(t.c.site, t.c.candidate_id)).all()
        new = {h: new_hash(h) for h in {r.cpr_hash for r in rows}}
        unmatched = [(r.site, r.candidate_id) for r in rows if new[r.cpr_hash] is None]
        if unmatched:
            raise Unmatched(unmatched)
        # two steps, so a new value that equals another row's old value is never overwritten
        for old, fresh in new.items():
            conn.execute(t.update().where(t.c.cpr_hash == old).values(cpr_hash="~" + fresh))
        conn.execute(t.update().where(t.c.cpr_hash.like("~%"))
                     .values(cpr_hash=sa.func.substr(t.c.cpr_hash, 2)))
        conn.execute(KEY.delete())
        conn.execute(KEY.insert(), {"slot": 1, "fingerprint": new_fingerprint})
    return len(rows)
