"""The audit of what the conference records: append-only, hash-chained, verifiable, redactable.

Why a chain: the append-only triggers stop a careless UPDATE or DELETE, but not everyone. On
SQLite `INSERT OR REPLACE` rewrote a row past the delete trigger, and `DROP TABLE audit` worked;
whoever can write the file can lift any trigger. So each row also carries

    content_hash = SHA-256 of its content (at, user, site, table, row_key, candidate_id, action,
                   before, after) as one canonical JSON array;
    prev_hash    = the hash of the row before it (GENESIS for the first);
    hash         = SHA-256 of the canonical JSON array [id, prev_hash, content_hash];

and the store keeps a head record beside it (`audit_head`: how many rows, the last id and its
hash), written in the same transaction as each row. `verify` recomputes all of it and names the
first row changed, removed or inserted out of order; a trail removed whole (the table and its
head) still shows where the conference tables hold rows recorded at the conference.

Appends happen inside the conference write transaction, which holds the store's write lock
from its first statement, so two appends cannot both chain onto the same row. Each row's id is
the last id + 1, given explicitly, because the hash covers the id; a new row chains onto the
head's last hash (not the last row present), so a row removed from the end shows at the next one.

What it does not do: a chain without a secret can be recomputed by whoever can rewrite the
whole table. With write access to an SQLite file anyone can rewrite everything; the chain shows it
unless they recompute it. The real guard is PostgreSQL's role split (docs/deployment.md): the role
the tool runs as may only INSERT and SELECT on `audit`.

Redaction (the law requires that a stored identity can be removed): `redact` masks identity
numbers (data.idscan) in the rows' text, keeps each row's content_hash (its original digest) and
so its place in the chain, marks it `redacted_at`, and appends one row per site that names the
rows it changed and the digest of each row's new content. `verify` accepts exactly those rows
with exactly that content, and still flags any other change.

Older databases: an audit table made before the chain lacks its columns; they are added, and
its rows chained in id order, by the first write (or `ips-nb audit prepare`) inside the write
transaction, lifting the append-only guard there and then (on PostgreSQL that needs the table's
owner, so under a role split the owner runs `ips-nb audit prepare` once). `verify` never writes.
The append-only triggers themselves are data.audit_guards.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa

from ips_nb.data import connection
from ips_nb.data.audit_guards import AuditError, dialect_guards, lifted, present_guards, restore_guards
from ips_nb.data.schema import ORIGIN_COLUMN, ORIGIN_TABLES
from ips_nb.data.tables import AUDIT, AUDIT_HEAD, AUDIT_METADATA, METADATA

GENESIS = "0" * 64  # the prev_hash of the first row
REDACT = "redact"  # the action of a redaction's own audit row
CONTENT = ("at", "user", "site", "table", "row_key", "candidate_id", "action", "before", "after")
CHAIN = ("prev_hash", "content_hash", "hash", "redacted_at")  # added to an older audit table
SCANNED = ("user", "row_key", "candidate_id", "before", "after")  # the text a redaction masks
JSON_FIELDS = ("before", "after")

# --- hashing ------------------------------------------------------------------------------------

def _canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _when(at: datetime) -> str:
    return at.isoformat(sep=" ", timespec="microseconds")


def content_digest(row: Mapping) -> str:
    """SHA-256 of a row's content, the nine fields in CONTENT order (`at` to the microsecond)."""
    values = [_when(row["at"]) if isinstance(row["at"], datetime) else row["at"],
              *(row[c] for c in CONTENT[1:])]
    return hashlib.sha256(_canonical(values)).hexdigest()


def link(row_id: int, prev_hash: str, content_hash: str) -> str:
    """A row's hash: its id, the previous row's hash and its content digest, in one."""
    return hashlib.sha256(_canonical([int(row_id), prev_hash, content_hash])).hexdigest()


def plain(row: Mapping | None) -> str | None:
    """A table row as the audit stores it: JSON, keys sorted, days and times in ISO form."""
    if row is None:
        return None
    return json.dumps({k: (v.isoformat() if isinstance(v, (date, datetime)) else v)
                       for k, v in row.items()}, sort_keys=True, ensure_ascii=False)


# --- the table, its guards, its head ------------------------------------------------------------

def _tables(conn: sa.Connection) -> set[str]:
    """Which of the audit's two tables exist, in one small query (each write asks; SQLAlchemy's
    inspector took ~4 ms a time)."""
    names = (AUDIT.name, AUDIT_HEAD.name)
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        f"AND name IN {names}").scalars())
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql(f"SELECT to_regclass('{names[0]}'), to_regclass('{names[1]}')").one()
        return {n for n, there in zip(names, found) if there is not None}
    return set(sa.inspect(conn).get_table_names()) & set(names)


def _columns(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql("SELECT name FROM pragma_table_info('audit')").scalars())
    if conn.dialect.name == "postgresql":
        return set(conn.exec_driver_sql("SELECT attname FROM pg_attribute WHERE attrelid = "
                                        "'audit'::regclass AND attnum > 0 AND NOT attisdropped")
                   .scalars())
    return {c["name"] for c in sa.inspect(conn).get_columns(AUDIT.name)}


def missing_guards(conn: sa.Connection) -> list[str]:
    """The append-only triggers the audit table lacks (a note for `verify`)."""
    if AUDIT.name not in _tables(conn):
        return []
    return sorted(set(dialect_guards(conn)) - present_guards(conn))


def _add_chain_columns(conn: sa.Connection) -> None:
    """Give an audit table made before the chain its columns (migration 0003 and `audit prepare`)."""
    missing = [c for c in CHAIN if c not in _columns(conn)]
    prep = conn.dialect.identifier_preparer
    try:
        with conn.begin_nested():
            for name in missing:
                kind = AUDIT.c[name].type.compile(conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE audit ADD COLUMN {prep.quote(name)} {kind}")
    except sa.exc.DBAPIError as exc:
        raise AuditError("the audit table is from before the hash chain and cannot be brought up "
                         "to date by this role: run `ips-nb audit prepare` as the owner "
                         f"({connection.first_line(exc)})") from None


def _chain_legacy(conn: sa.Connection) -> int:
    """Chain the rows of an audit from before the chain, in id order; returns how many."""
    a = AUDIT
    found = conn.execute(sa.select(a).order_by(a.c.id)).mappings().all()
    prev = GENESIS
    updates = []
    for row in found:
        content = content_digest(row)
        prev, old_prev = link(row["id"], prev, content), prev
        updates.append({"rid": row["id"], "p_prev": old_prev, "p_content": content, "p_hash": prev})
    if updates:
        with lifted(conn):
            conn.execute(a.update().where(a.c.id == sa.bindparam("rid"))
                         .values(prev_hash=sa.bindparam("p_prev"),
                                 content_hash=sa.bindparam("p_content"),
                                 hash=sa.bindparam("p_hash")), updates)
    last = found[-1]["id"] if found else 0
    conn.execute(AUDIT_HEAD.insert(), {"slot": 1, "row_count": len(found), "last_id": last,
                                             "last_hash": prev})
    return len(found)


def ensure(conn: sa.Connection, *, remake_head: bool = False) -> None:
    """Within the write transaction: the audit table, its head and its guards, made once.

    An audit table from before the chain gets its columns and its rows chained (its head is
    made then). A head that went missing from a chained trail is not remade here, so `verify`
    keeps saying so; `remake_head` (only `ips-nb audit prepare`) remakes it from the rows.
    """
    tables = _tables(conn)
    if AUDIT.name not in tables:
        AUDIT_METADATA.create_all(conn)
        conn.execute(AUDIT_HEAD.insert(), {"slot": 1, "row_count": 0, "last_id": 0,
                                                 "last_hash": GENESIS})
        restore_guards(conn, strict=True)
        return
    legacy = not set(CHAIN) <= _columns(conn)
    if legacy:
        _add_chain_columns(conn)
    if AUDIT_HEAD.name not in tables:
        a = AUDIT
        chained = conn.execute(sa.select(sa.func.count()).where(a.c.hash.is_not(None))).scalar()
        if legacy or not chained or remake_head:
            AUDIT_HEAD.create(conn)
            if chained and remake_head:
                _remake_head(conn)
            else:
                _chain_legacy(conn)
    restore_guards(conn)


def _remake_head(conn: sa.Connection) -> None:
    a = AUDIT
    count = conn.execute(sa.select(sa.func.count()).where(a.c.hash.is_not(None))).scalar()
    last = conn.execute(sa.select(a.c.id, a.c.hash).where(a.c.hash.is_not(None))
                        .order_by(a.c.id.desc()).limit(1)).first()
    conn.execute(AUDIT_HEAD.insert(), {"slot": 1, "row_count": count, "last_id": last.id,
                                             "last_hash": last.hash})


def prepare(engine: sa.Engine, *, remake_head: bool = False) -> None:
    """Make or bring up to date the audit table, its head and guards, in one write transaction:
    what the owner role runs once on PostgreSQL before the tool runs as a role that may not."""
    with connection.write_transaction(engine) as conn:
        ensure(conn, remake_head=remake_head)


# --- appending ----------------------------------------------------------------------------------

def _head(conn: sa.Connection) -> sa.Row | None:
    if AUDIT_HEAD.name not in _tables(conn):
        return None
    return conn.execute(sa.select(AUDIT_HEAD).where(AUDIT_HEAD.c.slot == 1)).first()


def append(conn: sa.Connection, user: str, site: str, table: str, key: str,
           candidate_id: str | None, action: str, before: Mapping | None, after: Mapping | None,
           *, at: datetime | None = None) -> int:
    """Within the write transaction (after `ensure`): one audit row, chained; returns its id.

    `before` and `after` are the table row as it was and is (stored as JSON, `plain`)."""
    a = AUDIT
    head = _head(conn)
    last = conn.execute(sa.select(sa.func.max(a.c.id))).scalar() or 0
    if head is not None:
        prev, row_id = head.last_hash, max(last, head.last_id) + 1
    else:  # the head went missing (verify says so): chain onto the last chained row
        found = conn.execute(sa.select(a.c.hash).where(a.c.hash.is_not(None))
                             .order_by(a.c.id.desc()).limit(1)).scalar()
        prev, row_id = found or GENESIS, last + 1
    row = {"at": at or datetime.now(UTC).replace(tzinfo=None), "user": user, "site": site,
           "table": table, "row_key": key, "candidate_id": candidate_id, "action": action,
           "before": plain(before), "after": plain(after)}
    content = content_digest(row)
    digest = link(row_id, prev, content)
    conn.execute(a.insert(), {**row, "id": row_id, "prev_hash": prev, "content_hash": content,
                              "hash": digest})
    conn.execute(AUDIT_HEAD.update().where(AUDIT_HEAD.c.slot == 1)
                 .values(row_count=AUDIT_HEAD.c.row_count + 1, last_id=row_id, last_hash=digest))
    return row_id


def rows(engine: sa.Engine, site: str) -> list[dict]:
    """The site's audit, oldest first (empty before the first conference write)."""
    with connection.snapshot(engine) as conn:
        if AUDIT.name not in _tables(conn):
            return []
        a = AUDIT
        have = _columns(conn)
        return [dict(r) for r in conn.execute(sa.select(*[c for c in a.c if c.name in have])
                                              .where(a.c.site == site).order_by(a.c.id)).mappings()]


# --- verifying ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """Where the trail stops being whole: the row (id, when, site; never its content) and why."""

    row_id: int | None
    at: datetime | None
    site: str | None
    message: str

    def __str__(self) -> str:
        if self.at is None:  # the message names the rows itself (one removed has no `at` left)
            return self.message
        return f"row {self.row_id} ({_when(self.at)[:19]} UTC, site {self.site}): {self.message}"


@dataclass
class Verdict:
    """What `verify` found: how many rows it checked, the first problem (None: the trail is
    whole), and notes that do not break the trail (a guard missing, redactions accepted)."""

    checked: int = 0
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)
    last_hash: str = GENESIS


def _redactions(found: list[Mapping]) -> dict[int, str]:
    """Row id → the digest of its redacted content, as the latest redaction row naming it says
    (a redaction names only rows before it; one whose own content was changed names nothing)."""
    named: dict[int, str] = {}
    for row in found:
        if row["action"] != REDACT or row["table"] != AUDIT.name or row["hash"] is None:
            continue
        if content_digest(row) != row["content_hash"]:
            continue
        try:
            listed = json.loads(row["after"] or "{}").get("rows", {})
            named.update({int(k): str(v) for k, v in listed.items() if int(k) < row["id"]})
        except (ValueError, TypeError, AttributeError):
            continue
    return named


def _check_rows(found: list[Mapping], head: sa.Row | None) -> tuple[Problem | None, str]:
    """The first problem in the rows, in id order, and the hash the chain ends on."""
    named = _redactions(found)
    prev, prev_id = GENESIS, 0
    head_last = head.last_id if head is not None else None
    for row in found:
        rid = row["id"]

        def problem(message: str, row: Mapping = row) -> Problem:
            return Problem(row["id"], row["at"], row["site"], message)

        if head_last is not None and rid > head_last:
            return problem(f"inserted out of order: the last row ips-nb wrote is row {head_last}"), prev
        if row["hash"] is None:
            return problem("carries no hash: replaced, or inserted out of order"), prev
        if row["prev_hash"] != prev:
            if rid > prev_id + 1:
                gone = f"row {prev_id + 1}" if rid == prev_id + 2 else f"rows {prev_id + 1}–{rid - 1}"
                return Problem(prev_id + 1, None, None,
                               f"{gone} removed: row {rid} ({_when(row['at'])[:19]} UTC, site "
                               f"{row['site']}) no longer follows row {prev_id or 'none'}"), prev
            return problem(f"inserted out of order, or replaced: it does not follow row {prev_id or 'none'}"), prev
        content = content_digest(row)
        if content != row["content_hash"] and named.get(rid) != content:
            redacted = " (marked redacted, but no redaction names this content)" \
                if row.get("redacted_at") is not None else ""
            return problem(f"changed after it was written{redacted}"), prev
        if row["hash"] != link(rid, prev, row["content_hash"]):
            return problem("changed after it was written (its hash does not match)"), prev
        prev, prev_id = row["hash"], rid
    if head is not None:
        if prev_id < head.last_id:
            gone = f"row {head.last_id}" if prev_id + 1 == head.last_id else f"rows {prev_id + 1}–{head.last_id}"
            return Problem(prev_id + 1, None, None,
                           f"{gone} removed: the head record says the trail ends at row "
                           f"{head.last_id}, the table at row {prev_id or 'none'}"), prev
        if prev != head.last_hash or len(found) != head.row_count:
            return Problem(head.last_id, found[-1]["at"] if found else None,
                           found[-1]["site"] if found else None,
                           "changed after it was written: the head record holds another hash "
                           "or count"), prev
    return None, prev


def _unaudited(conn: sa.Connection) -> tuple[int, str | None]:
    """Rows the conference recorded (origin 'conference'), and the first, for a trail gone whole."""
    count, first = 0, None
    have = set(sa.inspect(conn).get_table_names())
    for name in sorted(ORIGIN_TABLES):
        t = METADATA.tables[name]
        if name not in have or ORIGIN_COLUMN not in {c["name"] for c in sa.inspect(conn).get_columns(name)}:
            continue
        n = conn.execute(sa.select(sa.func.count()).where(t.c[ORIGIN_COLUMN] == "conference")).scalar()
        if n and first is None:
            site = conn.execute(sa.select(t.c.site).where(t.c[ORIGIN_COLUMN] == "conference")
                                .limit(1)).scalar()
            first = f"{name}, site {site}"
        count += n or 0
    return count, first


def verify(engine: sa.Engine) -> Verdict:
    """Recompute the chain from one snapshot; never writes (the runtime role may run it)."""
    verdict = Verdict()
    with connection.snapshot(engine) as conn:
        tables = _tables(conn)
        has_audit, has_head = AUDIT.name in tables, AUDIT_HEAD.name in tables
        if not has_audit:
            head = _head(conn)
            if head is not None:
                verdict.problem = Problem(1 if head.row_count else None, None, None,
                                          f"the audit table is gone: its head record counts "
                                          f"{head.row_count} row(s), up to row {head.last_id}")
                return verdict
            count, first = _unaudited(conn)
            if count:
                verdict.problem = Problem(None, None, None,
                                          f"there is no audit trail, yet {count} row(s) were "
                                          f"recorded at the conference (first in {first}): the "
                                          "trail was removed, or these rows came from another "
                                          "database's export")
            return verdict
        if not set(CHAIN) <= _columns(conn):
            n = conn.execute(sa.select(sa.func.count()).select_from(AUDIT)).scalar()
            verdict.problem = Problem(None, None, None,
                                      f"the audit's {n} row(s) are from before the hash chain: the "
                                      "next conference write, or `ips-nb audit prepare`, chains them")
            return verdict
        a = AUDIT
        found = conn.execute(sa.select(a).order_by(a.c.id)).mappings().all()
        head = _head(conn)
        if not has_head:
            chained = any(r["hash"] is not None for r in found)
            verdict.problem = Problem(None, None, None,
                                      "the audit's head record is gone: rows may have been removed "
                                      "from the end; `ips-nb audit prepare --remake-head` remakes it "
                                      "once you know why" if chained else
                                      f"the audit's {len(found)} row(s) are from before the hash "
                                      "chain: the next conference write, or `ips-nb audit "
                                      "prepare`, chains them")
            return verdict
        verdict.problem, verdict.last_hash = _check_rows(found, head)
        verdict.checked = len(found)
        missing = missing_guards(conn)
        if missing:
            verdict.notes.append(f"the append-only guard(s) {', '.join(missing)} are missing "
                                 "(the next conference write or `ips-nb audit prepare` remakes them)")
        redacted = sum(1 for r in found if r.get("redacted_at") is not None)
        if redacted and verdict.problem is None:
            verdict.notes.append(f"{redacted} row(s) redacted, each named by a later redaction row")
    return verdict


# --- redacting ----------------------------------------------------------------------------------

@dataclass
class Redacted:
    """What a redaction did: the audit rows it masked, how many numbers, the rows it appended."""

    rows: list[int] = field(default_factory=list)
    replacements: int = 0
    appended: list[int] = field(default_factory=list)


def _mask_value(value: object, mark: Callable[[str], tuple[str, int]]) -> tuple[object, int]:
    if isinstance(value, str):
        return mark(value)
    if isinstance(value, dict):
        out, n = {}, 0
        for k, v in value.items():
            out[k], m = _mask_value(v, mark)
            n += m
        return out, n
    if isinstance(value, list):
        pairs = [_mask_value(v, mark) for v in value]
        return [p[0] for p in pairs], sum(p[1] for p in pairs)
    return value, 0


def _mask_field(name: str, text: str | None, marker: str) -> tuple[str | None, int]:
    """A field with every identity number masked; JSON fields value by value (so an escaped
    tab between digits is seen as the tab it is), written back as `plain` writes them."""
    from ips_nb.data import idscan

    if text is None:
        return None, 0

    def mark(s: str) -> tuple[str, int]:
        return idscan.redact(s, marker)

    if name in JSON_FIELDS:
        try:
            parsed = json.loads(text)
        except ValueError:
            return mark(text)
        masked, n = _mask_value(parsed, mark)
        return (json.dumps(masked, sort_keys=True, ensure_ascii=False) if n else text), n
    return mark(text)


def _marker(marker: str | Callable[[str], str] | None, site: str) -> str:
    from ips_nb.data import idscan

    if marker is None:
        return idscan.marker_for("en")
    return marker(site) if callable(marker) else marker


def redact(conn_or_engine: sa.Engine | sa.Connection, user: str, *,
           marker: str | Callable[[str], str] | None = None, at: datetime | None = None) -> Redacted:
    """Mask every CPR number and personnummer (data.idscan) in the audit's rows, keeping the trail
    verifiable, and audit the redaction itself: one row per site, by `user`, naming the rows.

    `marker`: the text put in a number's place, one for every site or a function of the site
    (default the English one). Given an Engine, this is one write transaction of its own; given
    a Connection, it runs in the caller's write transaction (which must hold the write lock, as
    connection.write_transaction does), so masking the tables and the audit commits as one. On
    PostgreSQL it must run as the audit table's owner (AuditError otherwise)."""
    from ips_nb.data import idscan

    if not isinstance(user, str) or not user.strip() or len(user) > 100 \
            or idscan.contains_identity(user):
        raise AuditError("the user of a redaction must be a name of at most 100 characters, "
                         "without an identity number")
    if isinstance(conn_or_engine, sa.Engine):
        with connection.write_transaction(conn_or_engine) as conn:
            return redact(conn, user, marker=marker, at=at)
    conn = conn_or_engine
    if AUDIT.name not in _tables(conn):
        return Redacted()
    ensure(conn)
    at = at or datetime.now(UTC).replace(tzinfo=None)
    a = AUDIT
    done = Redacted()
    changes: dict[str, dict[int, dict]] = {}
    for row in conn.execute(sa.select(a).order_by(a.c.id)).mappings():
        if row["action"] == REDACT and row["table"] == a.name:
            # a redaction's own row holds row ids and SHA-256 digests, written here: a run of
            # hex digits can look like a date + 4 digits, and masking it would break the chain
            continue
        mark = _marker(marker, row["site"])
        new, n = {}, 0
        for name in SCANNED:
            value, m = _mask_field(name, row[name], mark)
            if m:
                new[name], n = value, n + m
        if n:
            changes.setdefault(row["site"], {})[row["id"]] = {**dict(row), **new}
            done.rows.append(row["id"])
            done.replacements += n
    if not changes:
        return done
    with lifted(conn):
        for site_rows in changes.values():
            for rid, row in site_rows.items():
                conn.execute(a.update().where(a.c.id == rid)
                             .values(**{c: row[c] for c in SCANNED}, redacted_at=at))
    for site, site_rows in sorted(changes.items()):
        listed = {str(rid): content_digest(row) for rid, row in site_rows.items()}
        done.appended.append(append(conn, user.strip(), site, AUDIT.name, REDACT, None, REDACT,
                                    None, {"rows": listed, "count": len(listed)}, at=at))
    return done
