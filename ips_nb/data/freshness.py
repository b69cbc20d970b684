"""Per-site write stamps: how a server tells whether something it prepared ahead from the database
(a preheated dashboard page, ips_nb.live.kernels) is older than the last write to that site.

Why: Voila's preheat runs a dashboard's notebook in a pooled kernel before anyone asks, reading the
database then. A conference decision saved afterwards ("Gemt.") and the page reloaded at once was
served that earlier rendering, without the decision (issue 24: a save that seemed lost). The
server cannot see inside a rendered page what it read, so every write leaves a mark it can see.

Every write transaction of the store (`connection.write_transaction`: an import, a conference save, a
redaction, a re-key) calls `bump` inside itself, under the store's write lock, so the mark commits
with the write or not at all: a refused or failed write leaves no mark. A write names its sites (an
import the sites it replaced, a conference save its one site); one that does not (a redaction of
the whole database) marks ALL, which every site's stamp includes. The stamp is the row count and
time of each mark, compared for equality only: a database replaced by another (the demo built
again) has other times even with the same counts.

The table is made with the exchange tables (connection.create_schema, which the first import runs, as
the owner role on PostgreSQL) or by the first write that finds it missing. A role that may not
create tables (docs/deployment.md's runtime role, on a database imported before this table
existed) writes on without a mark: the stamp then reads as None, and a server trusts nothing it
prepared (every page is computed when asked) until the next import makes the table.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

TABLE = "site_writes"
ALL = "*"  # a write that does not name its sites: it concerns every site (site ids never are "*")

METADATA = sa.MetaData()
SITE_WRITES = sa.Table(TABLE, METADATA,
                       sa.Column("site", sa.String, primary_key=True),
                       sa.Column("writes", sa.Integer, nullable=False),
                       sa.Column("at", sa.DateTime, nullable=False))  # UTC, without zone

# What a reader compares: (site, writes, at) per mark that concerns it, in site order.
Stamp = tuple[tuple[str, int, str], ...]


def create(bind: sa.Engine | sa.Connection) -> None:
    """Make the table if it is not there (connection.create_schema calls this)."""
    METADATA.create_all(bind)


def bump(conn: sa.Connection, sites: Iterable[str] | None = None) -> None:
    """Within the caller's write transaction: one more write to each of `sites` (None or empty:
    ALL). The caller holds the store's write lock, so the read-then-write below cannot race."""
    names = sorted(set(sites or ())) or [ALL]
    if not sa.inspect(conn).has_table(TABLE):
        try:
            with conn.begin_nested():  # a refusal must not abort the write it is part of
                SITE_WRITES.create(conn)
        except sa.exc.SQLAlchemyError:
            return  # a role that may not create tables: no mark, and readers get None (see above)
    t = SITE_WRITES
    now = datetime.now(UTC).replace(tzinfo=None)
    for site in names:
        updated = conn.execute(t.update().where(t.c.site == site).values(writes=t.c.writes + 1, at=now))
        if not updated.rowcount:
            conn.execute(t.insert(), {"site": site, "writes": 1, "at": now})


def stamp(engine: sa.Engine, site: str | None) -> Stamp | None:
    """The marks that concern `site` (its own and ALL; None: every site's, for a server whose page
    chooses among sites). None when they cannot be read (no table, no database): then nothing
    prepared may be trusted."""
    t = SITE_WRITES
    query = sa.select(t.c.site, t.c.writes, t.c.at).order_by(t.c.site)
    if site is not None:
        query = query.where(t.c.site.in_([site, ALL]))
    try:
        with engine.connect() as conn:
            return tuple((r.site, int(r.writes), str(r.at)) for r in conn.execute(query))
    except sa.exc.SQLAlchemyError:
        return None


def is_current(prepared: Stamp | None, now: Stamp | None) -> bool:
    """Whether something prepared at stamp `prepared` may be served at `now`: only when both
    were read and no write concerning the site came between them."""
    return prepared is not None and now is not None and prepared == now
