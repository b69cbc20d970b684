"""What the team records at the conference: a decision per candidate, new actions, actions done.

Each write is one transaction that holds the store's write lock from its first statement
(SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock an import takes), so two saves, or a
save and an import, queue instead of interleaving. Inside it:

- the free text is checked first, and a refused text is never stored, logged or echoed: a text
  that holds a CPR number or personnummer in any form the identity detector knows (idscan: dots,
  slashes, any dash or space, zero-width characters, full-width digits, the serial a few words
  after the date) is refused, and so is a text longer than its cap
  (schema.DECISION_MAX, schema.DESCRIPTION_MAX), an owner outside the schema's choices, or a
  day not typed as YYYY-MM-DD or not in the calendar. Each field's check is in FIELD_CHECKS, and
  field_refusal(field, value) asks one of them without writing: the dashboard shows the reason
  beside the field as it is typed, with the very check the save applies;
- the candidate must be the site's and have consent;
- the candidate's version is compared with the one the writer saw: the version is the number of
  audit rows for that candidate, so any save to the candidate since (a decision, an action, an
  action done) raises Conflict(user, at) instead of being overwritten; the writer reloads and
  saves again. Of two people saving at once, one lands and the other gets Conflict: nothing is
  lost silently;
- the change is written, with origin 'conference' (kept by a re-import, see
  store.replace_sites), and one row is appended to the audit table (who, when in UTC, site,
  table, row key, what, the row before and after as JSON), chained by hash to the row before it
  (data.audit, which owns the table; `ips-nb audit verify` checks the chain). Nothing updates or
  deletes an audit row; the database refuses it (triggers on SQLite and PostgreSQL);
- the site is marked written (data.freshness), so a dashboard page prepared before this save is
  never served after it.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from ips_nb.data import audit, connection, idscan
from ips_nb.data.schema import ACTION_OWNERS, DECISION_MAX, DESCRIPTION_MAX, ORIGIN_COLUMN
from ips_nb.data.tables import AUDIT, METADATA

USER_MAX = 100
TEAM_MAX = 100
CONFERENCE = "conference"


class WriteRefused(Exception):
    """A value is not fit to store; `message` says why, and never repeats the value.

    `code` and `values` let a page say the same in its own language (catalogue keys
    `conference_refused_<code>`); `message` is the English for logs and tests."""

    def __init__(self, field: str, message: str, code: str = "other", **values: object):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code, self.values = field, message, code, values


class Conflict(Exception):
    """Someone else saved to the candidate since the writer's version: who and when (UTC)."""

    def __init__(self, user: str | None, at: datetime | None, version: int):
        when = at.strftime("%Y-%m-%d %H:%M UTC") if at else "meanwhile"
        super().__init__(f"{user or 'someone'} changed this candidate at {when}; reload to see it")
        self.user, self.at, self.version = user, at, version


@dataclass(frozen=True)
class Saved:
    """A write that landed: the row's key and the candidate's new version."""

    key: str
    version: int


# --- checks -------------------------------------------------------------------------------------

_DAY_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")  # the one way a day is typed: YYYY-MM-DD


def looks_like_identity(text: str) -> bool:
    """Whether a typed text holds a CPR number or personnummer: the one detector the importer
    and `ips-nb redact` use, so a form one of them catches the others catch too."""
    return idscan.contains_identity(text)


def check_text(field: str, value: object, limit: int, *, required: bool = True) -> str | None:
    """The text stripped, or WriteRefused: empty (when required), too long, or CPR-looking."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise WriteRefused(field, "is empty: write a few words", "empty")
        return None
    if not isinstance(value, str):
        raise WriteRefused(field, "must be text", "not_text")
    text = value.strip()
    if looks_like_identity(text):
        raise WriteRefused(field, "looks like it holds a CPR number or personnummer, which is never "
                                  "stored here; write it without the number", "identity")
    if len(text) > limit:
        raise WriteRefused(field, f"is {len(text)} characters long; at most {limit}", "too_long",
                           n=len(text), limit=limit)
    return text


def check_date(field: str, value: object) -> date:
    """A day given as a date or typed as YYYY-MM-DD; a typed day the calendar lacks (30 February)
    is told apart from a wrong format, so the person knows which to fix."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DAY_FORMAT.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise WriteRefused(field, "is not a day in the calendar", "no_such_day") from None
    raise WriteRefused(field, "is not a date (give it as YYYY-MM-DD)", "not_a_date")


def check_owner(value: object) -> str:
    if value not in ACTION_OWNERS:
        raise WriteRefused("owner", f"must be one of {', '.join(ACTION_OWNERS)}", "owner")
    return str(value)


def check_chosen(field: str, value: object) -> str:
    """A choice from a list (the open action to mark done): nothing chosen is refused."""
    if value is None or not str(value).strip():
        raise WriteRefused(field, "is not chosen", "not_chosen")
    return str(value)


# What the person types or picks, field by field, with the check each write applies to it: the
# dashboard's in-place messages and the writers below share these, so they cannot disagree.
FIELD_CHECKS: dict[str, Callable[[object], object]] = {
    "decision": lambda v: check_text("decision", v, DECISION_MAX),
    "description": lambda v: check_text("description", v, DESCRIPTION_MAX),
    "owner": check_owner,
    "due_date": lambda v: check_date("due_date", v),
    "done_date": lambda v: check_date("done_date", v),
    "action_id": lambda v: check_chosen("action_id", v),
}


def field_refusal(field: str, value: object) -> WriteRefused | None:
    """Why the writer would refuse this one field's value, or None when it would take it.

    Cheap and pure (no database): the dashboard runs it as the person types, so the reason shows
    beside the field before they save; the save itself checks again (and what needs the
    database, such as an action done before it was made, only then)."""
    try:
        FIELD_CHECKS[field](value)
    except WriteRefused as exc:
        return exc
    return None


def _user(user: object) -> str:
    return check_text("user", user, USER_MAX)


# --- versions -----------------------------------------------------------------------------------

def _version(conn: sa.Connection, site: str, candidate_id: str) -> tuple[int, str | None, datetime | None]:
    if not sa.inspect(conn).has_table(AUDIT.name):
        return 0, None, None
    a = AUDIT
    mine = sa.and_(a.c.site == site, a.c.candidate_id == candidate_id)
    count = conn.execute(sa.select(sa.func.count()).where(mine)).scalar() or 0
    last = conn.execute(sa.select(a.c.user, a.c.at).where(mine).order_by(a.c.id.desc())
                        .limit(1)).first()
    return count, (last.user if last else None), (last.at if last else None)


def candidate_version(engine: sa.Engine, site: str, candidate_id: str
                      ) -> tuple[int, str | None, datetime | None]:
    """(version, who saved last, when in UTC) of a candidate's conference record; (0, None, None)
    before any save."""
    with connection.snapshot(engine) as conn:
        return _version(conn, site, candidate_id)


def _candidate(conn: sa.Connection, site: str, candidate_id: str) -> sa.Row:
    t = METADATA.tables["candidates"]
    row = conn.execute(sa.select(t.c.candidate_id, t.c.consent_date, t.c.consultant_id)
                       .where(t.c.site == site, t.c.candidate_id == str(candidate_id))).first()
    if row is None:
        raise WriteRefused("candidate_id", f"is not a candidate of site {site}", "not_in_site")
    if row.consent_date is None:
        raise WriteRefused("candidate_id", "has not given consent: nothing is recorded for them", "no_consent")
    return row


def _begin(conn: sa.Connection, site: str, candidate_id: str, expected_version: int) -> sa.Row:
    audit.ensure(conn)
    cand = _candidate(conn, site, candidate_id)
    version, user, at = _version(conn, site, candidate_id)
    if expected_version != version:
        raise Conflict(user, at, version)
    return cand


def _row(conn: sa.Connection, table: sa.Table, where) -> dict | None:
    found = conn.execute(sa.select(table).where(where)).mappings().first()
    return dict(found) if found else None


# --- the writes ---------------------------------------------------------------------------------

def record_decision(engine: sa.Engine, site: str, candidate_id: str, day: object, team: str | None,
                    decision: str, user: str, expected_version: int) -> Saved:
    """The candidate was discussed on `day`, with this decision: one `conferences` row (the
    day's row of the candidate updated when there is one)."""
    decision = FIELD_CHECKS["decision"](decision)
    team = check_text("team", team, TEAM_MAX, required=False)
    day = check_date("date", day)
    user = _user(user)
    t = METADATA.tables["conferences"]
    with connection.write_transaction(engine, [site]) as conn:
        cand = _begin(conn, site, candidate_id, expected_version)
        where = sa.and_(t.c.site == site, t.c.date == day, t.c.candidate_id == str(candidate_id))
        before = _row(conn, t, where)
        values = {"decision": decision, "recorded_by": user, ORIGIN_COLUMN: CONFERENCE}
        if team is not None:
            values["team"] = team
        if before is None:
            conn.execute(t.insert(), {"site": site, "date": day, "candidate_id": str(candidate_id),
                                      "consultant_id": cand.consultant_id, "team": team, **values})
        else:
            conn.execute(t.update().where(where).values(**values))
        after = _row(conn, t, where)
        key = f"{day.isoformat()}/{candidate_id}"
        audit.append(conn, user, site, "conferences", key, str(candidate_id),
               "insert" if before is None else "update", before, after)
    return Saved(key, expected_version + 1)


def add_action(engine: sa.Engine, site: str, candidate_id: str, description: str, owner: str,
               due_date: object, user: str, expected_version: int, *,
               created: object = None) -> Saved:
    """A new open action for the candidate; Saved.key is its new action_id. `created`: the day
    it was agreed (the conference's), default today (UTC)."""
    description = FIELD_CHECKS["description"](description)
    owner = FIELD_CHECKS["owner"](owner)
    due = FIELD_CHECKS["due_date"](due_date)
    made = datetime.now(UTC).date() if created is None else check_date("created_date", created)
    user = _user(user)
    t = METADATA.tables["actions"]
    action_id = f"conf-{uuid.uuid4().hex[:12]}"
    with connection.write_transaction(engine, [site]) as conn:
        _begin(conn, site, candidate_id, expected_version)
        row = {"site": site, "action_id": action_id, "candidate_id": str(candidate_id),
               "description": description, "owner": owner, "due_date": due,
               "created_date": made, "done_date": None,
               ORIGIN_COLUMN: CONFERENCE}
        conn.execute(t.insert(), row)
        audit.append(conn, user, site, "actions", action_id, str(candidate_id), "insert", None,
               _row(conn, t, t.c.action_id == action_id))
    return Saved(action_id, expected_version + 1)


def mark_done(engine: sa.Engine, site: str, action_id: str, done_date: object, user: str,
              expected_version: int) -> Saved:
    """An open action of the site done on `done_date` (not before it was made)."""
    action_id = FIELD_CHECKS["action_id"](action_id)
    done = FIELD_CHECKS["done_date"](done_date)
    user = _user(user)
    t = METADATA.tables["actions"]
    with connection.write_transaction(engine, [site]) as conn:
        where = sa.and_(t.c.site == site, t.c.action_id == str(action_id))
        before = _row(conn, t, where)
        if before is None:
            raise WriteRefused("action_id", f"is not an action of site {site}", "not_in_site")
        _begin(conn, site, before["candidate_id"], expected_version)
        if before["done_date"] is not None:
            raise WriteRefused("done_date", "the action is done already", "done_already")
        if before["created_date"] is not None and done < before["created_date"]:
            raise WriteRefused("done_date", "is before the action was made", "done_before_made")
        # a source's action marked done here becomes ours: a re-import keeps it unless the
        # source carries the action again (then the source's word counts)
        conn.execute(t.update().where(where).values(done_date=done, **{ORIGIN_COLUMN: CONFERENCE}))
        audit.append(conn, user, site, "actions", str(action_id), before["candidate_id"], "update",
               before, _row(conn, t, where))
    return Saved(str(action_id), expected_version + 1)


def audit_rows(engine: sa.Engine, site: str) -> list[dict]:
    """The site's audit, oldest first (empty before the first conference write): data.audit.rows."""
    return audit.rows(engine, site)
