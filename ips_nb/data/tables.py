"""The store's table declarations (SQLAlchemy Core), made from the exchange format.

The exchange tables come from data.schema (one declaration for the importer, the validator, the
docs and the store); beside them the store's own bookkeeping (the key's fingerprint), the audit
and its head, and Alembic's version table with the revision this code reads and writes. Nothing
here connects: data.connection does, data.frames reads, data.store writes.
"""
from __future__ import annotations

import sqlalchemy as sa

from ips_nb.data.schema import AUDIT_TABLE, KEY_COLUMNS, KEY_TABLE, ORIGIN_COLUMN, ORIGIN_TABLES, TABLES

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


def readable_columns(name: str) -> list[sa.Column]:
    """A table's columns a read selects: never the CPR hash nor the origin."""
    return [c for c in METADATA.tables[name].columns if c.name not in ("cpr_hash", ORIGIN_COLUMN)]
