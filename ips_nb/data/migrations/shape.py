"""What a migration step asks of the database it upgrades, and the tolerant changes it makes.

Databases were made by many commits between the states the steps are named after (a table came
one week, a column the next), so each step adds what is missing and leaves what is there: a
database between two states reaches the same end as one exactly at either.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def create_missing(name: str, *cols: sa.Column, site_index: bool = True) -> None:
    """The table as `MetaData.create_all` makes it (its `site` indexed), unless it is there."""
    if name in tables():
        return
    op.create_table(name, *cols)
    if site_index:
        op.create_index(f"ix_{name}_site", name, ["site"])


def add_missing(table: str, *cols: sa.Column) -> None:
    """Columns a table made earlier lacks (a table that is not there at all is left alone)."""
    if table not in tables():
        return
    have = columns(table)
    for col in cols:
        if col.name not in have:
            op.add_column(table, col)


def site() -> sa.Column:
    return sa.Column("site", sa.String, nullable=False)


def required(name: str, kind: type[sa.types.TypeEngine] = sa.String) -> sa.Column:
    return sa.Column(name, kind(), nullable=False)


def origin() -> sa.Column:
    """Where a row came from (schema.ORIGIN_COLUMN): every row so far came from a source."""
    return sa.Column("origin", sa.String, nullable=False, server_default="source")
