"""Mask the identity numbers a database already holds in free text: the tables and the audit.

Databases imported before the importer masked free text (validate.free_text_columns) hold
whatever a clinician typed, "Ring til 010190.1234" included, and so may the audit trail of the
conference writes, whose check let 20 of the corpus's 32 forms through. Data protection law
requires that a stored identity can be removed, so `ips-nb redact` finds them with the same
detector (idscan) and puts the site's marker in their place.

One write transaction holds the tables' masking and the audit's (audit.redact, which keeps the
trail verifiable and records the redaction as rows of its own): either both land or neither.
A row is found by its site, column and old text, not by a key (half the tables have none): rows
of one site with the same text get the same masked text anyway. Running it again changes
nothing, since a marker holds no digit.

An id, a reference or `site` holding a number is counted but left alone: rows point at each
other through them, so masking would break the links. The coordinator re-imports with other ids.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ips_nb.data import audit, connection, idscan
from ips_nb.data.params import ParamsError, load_params
from ips_nb.data.schema import TABLE_ORDER, TABLES
from ips_nb.data.tables import METADATA
from ips_nb.data.validate import free_text_columns


@dataclass
class Redacted:
    """What a redaction did: numbers masked by (table, column), rows changed, ids left alone,
    and the audit's part (None when the database has no audit table yet)."""

    masked: dict[tuple[str, str], int] = field(default_factory=dict)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    left: dict[tuple[str, str], int] = field(default_factory=dict)
    audit: audit.Redacted | None = None

    @property
    def total(self) -> int:
        return sum(self.masked.values())


def site_markers(params_dir: str | Path) -> Callable[[str], str]:
    """The marker of each site, from the language in its parameter file ('en' without one)."""
    languages: dict[str, str] = {}

    def marker(site: str) -> str:
        if site not in languages:
            try:
                languages[site] = load_params(params_dir, site).language
            except (ParamsError, OSError):
                languages[site] = "en"
        return idscan.marker_for(languages[site])
    return marker


def _text_columns(name: str) -> list[str]:
    """Text columns that are not free text: ids, references and `site` (counted, left alone)."""
    free = set(free_text_columns(name))
    return [c.name for c in TABLES[name].columns if c.kind == "str" and c.name not in free] + (
        ["site"] if "site" not in TABLES[name].column_names else [])


def redact_tables(conn: sa.Connection, marker: Callable[[str], str]) -> Redacted:
    """Within the caller's write transaction: mask every number in every free-text column."""
    done = Redacted()
    for name in TABLE_ORDER:
        t = METADATA.tables[name]
        for column in free_text_columns(name):
            col = t.c[column]
            found = conn.execute(sa.select(t.c.site, col).where(col.is_not(None)).distinct()).all()
            for site, text in found:
                masked, n = idscan.redact(text, marker(site))
                if not n:
                    continue
                changed = conn.execute(t.update().where(t.c.site == site, col == text)
                                       .values({column: masked})).rowcount
                done.masked[(name, column)] = done.masked.get((name, column), 0) + n * changed
                done.rows[(name, column)] = done.rows.get((name, column), 0) + changed
        for column in _text_columns(name):
            col = t.c[column]
            held = [v for (v,) in conn.execute(sa.select(col).where(col.is_not(None)).distinct())
                    if idscan.contains_identity(v)]
            if held:
                done.left[(name, column)] = conn.execute(
                    sa.select(sa.func.count()).select_from(t).where(col.in_(held))).scalar_one()
    return done


def redact(engine: sa.Engine, user: str, marker: Callable[[str], str]) -> Redacted:
    """Mask the numbers in the tables and in the audit trail, in one write transaction; the
    audit's redaction is recorded in the trail by `user`."""
    with connection.write_transaction(engine) as conn:
        done = redact_tables(conn, marker)
        done.audit = audit.redact(conn, user, marker=marker)
    return done
