"""Writing the store: an import's sites replaced whole, a re-key, and the contents' fingerprint.

Each write is one data.connection.write_transaction (the write lock from its first statement,
the sites written stamped for data.freshness). The first write records the fingerprint of the
key behind every cpr_hash; a write with another key is refused (KeyMismatch), since its
pseudonyms would not match the stored ones.

The table declarations are data.tables, connecting and the transactions data.connection, the
frames a report reads data.frames.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ips_nb.data.connection import StoreError, create_schema, require_current, snapshot, url_of, write_transaction
from ips_nb.data.frames import to_rows
from ips_nb.data.schema import KEY_TABLE, ORIGIN_COLUMN, ORIGIN_TABLES, TABLE_ORDER
from ips_nb.data.tables import KEY, METADATA

if TYPE_CHECKING:
    import pandas as pd

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
        require_current(conn, url_of(engine))
        for name in TABLE_ORDER:
            t = METADATA.tables[name]
            q = sa.select(*t.columns)
            if site:
                q = q.where(t.c.site == site)
            for r in sorted(conn.execute(q).all(), key=lambda r: tuple(map(str, r))):
                h.update(repr(tuple(r)).encode())
    return h.hexdigest()[:16]


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
    with write_transaction(engine, sites) as conn:
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
    with write_transaction(engine) as conn:
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


# The names this module held before it was split (connection and transactions, table
# declarations, frames): kept here so a workbook or script written against `store.<name>` still
# runs. The code of ips_nb imports them from where they live.
from ips_nb.data.connection import (  # noqa: E402,F401
    DEFAULT_DB,
    OutOfDate,
    check_importable,
    connect,
    db_url,
    first_line,
    foreign_tables,
    open_existing,
    schema_revision,
    shown,
    sqlite_file,
)
from ips_nb.data.frames import SiteData, empty_frame, load_site, read_site, sites_in_db, typed_frame  # noqa: E402,F401
from ips_nb.data.location import absolute_db_url  # noqa: E402,F401
from ips_nb.data.tables import (  # noqa: E402,F401
    AUDIT,
    AUDIT_HEAD,
    AUDIT_METADATA,
    KEY_METADATA,
    SCHEMA_HEAD,
    VERSION,
    VERSION_METADATA,
    readable_columns,
)
