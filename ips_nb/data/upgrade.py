"""`ips-nb upgrade`: bring a database made by an earlier release to this release's schema.

Why a command and not a change on first read: a read-only role cannot alter tables, and a
database changed by whichever command happened to touch it first is a surprise. So every other
command refuses an out-of-date database (connection.OutOfDate) and this one upgrades it:

- a database from before versioning is recognised by the shape of its schema (`baseline`) and
  stamped with the revision of that earlier state, then the migrations after it run
  (data/migrations; each adds what is missing, so a database between two states gets there too);
- all of it is one transaction that holds the store's write lock from its first statement: the
  upgrade is whole or nothing, and no import or conference save comes between;
- SQLite: inside that transaction, before any change, a copy of the file is written beside it
  (`<name>.<UTC time>.bak`, owner-only like the database) with SQLite's backup API, so the copy
  is exactly the database as it was;
- a second run finds the head revision and changes nothing (no copy either).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from alembic.util import CommandError

from ips_nb.data import connection
from ips_nb.data.location import db_url
from ips_nb.data.tables import SCHEMA_HEAD

# The shape of each earlier state, newest first: a table, or (table, column), it has.
SHAPES = (
    ("0002", ("phases", "pseudonym_key", ("conferences", "decision"), ("conferences", "recorded_by"),
              ("conferences", "origin"), ("actions", "origin"))),
    ("0001", ("consultants", "candidates", "conferences", "actions")),
)


@dataclass(frozen=True)
class Upgraded:
    """What an upgrade did: the revision found (None: the database carried none, `recognised`
    says which state its shape is), the revision now, and the copy made (SQLite)."""

    found: str | None
    recognised: str | None
    now: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.found != self.now


def baseline(conn: sa.Connection, where: str = "the database") -> str:
    """The revision of the earliest state a database without a version is at least: the newest
    state all of whose tables and columns it has. `where` names it in the refusal."""
    inspector = sa.inspect(conn)
    names = set(inspector.get_table_names())
    columns = {(t, c["name"]) for t in names for c in inspector.get_columns(t)}
    for revision, marks in SHAPES:
        if all((m in columns) if isinstance(m, tuple) else (m in names) for m in marks):
            return revision
    raise connection.StoreError(f"{where} does not have the tables of any release of ips-nb; nothing was changed")


def _backup(path: Path) -> Path:
    """A consistent copy of the SQLite file beside it, made while the caller holds the write
    lock (a reader may still read: the backup API reads as one)."""
    import sqlite3

    from ips_nb.data.modes import create_sqlite_file

    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")  # no run of digits a CPR
    copy, n = path.with_name(f"{path.name}.{stamp}.bak"), 1           # check would mask
    while copy.exists():
        n += 1
        copy = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    create_sqlite_file(copy)
    source, dest = sqlite3.connect(path), sqlite3.connect(copy)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    return copy.absolute()


def _migrate(conn: sa.Connection, start: str | None) -> None:
    """Alembic's upgrade to head on the caller's connection, inside the caller's transaction
    (`start`: stamp this revision first, for a database that carried none)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("ips_nb.data") / "migrations"))
    config.attributes["connection"] = conn
    if start is not None:
        command.stamp(config, start)
    command.upgrade(config, "head")


def upgrade(url: str | None = None) -> Upgraded:
    """Upgrade the database at `url` to the head revision, in one transaction; StoreError (one
    sentence) when it is no ips-nb database, is of a later release or names a revision this
    release does not know."""
    url = db_url(url)
    engine = connection.open_existing(url, current=False)
    try:
        with engine.connect() as conn:
            found = connection.schema_revision(conn)
        if found == SCHEMA_HEAD:
            return Upgraded(found, None, found, None)
        if found is not None and found > SCHEMA_HEAD:
            raise connection.OutOfDate(connection.shown(url), found)
        path = connection.sqlite_file(url)
        with connection.write_transaction(engine) as conn:
            found = connection.schema_revision(conn)  # under the lock: another upgrade may have run
            if found == SCHEMA_HEAD:
                return Upgraded(found, None, found, None)
            recognised = baseline(conn, f"the database {connection.shown(url)}") if found is None else None
            backup = _backup(path) if path is not None else None
            try:
                _migrate(conn, recognised)
            except CommandError as exc:  # a revision no release of ours wrote
                raise connection.StoreError(f"the database {connection.shown(url)} names a schema this release "
                                       f"does not know ({exc}); nothing was changed") from None
            now = connection.schema_revision(conn)
        return Upgraded(found, recognised, now or SCHEMA_HEAD, backup)
    finally:
        engine.dispose()
