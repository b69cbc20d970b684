"""The databases earlier states of ips-nb made (tests/data/upgrade), loaded, and what an upgrade
must keep of them: every row, and the figures each site had.

`rows` reads a database with plain SQL whatever its schema, and `site_data` reads a site the way
the store read an older database before versioning (a table it lacks as empty, a column it lacks
as NULL), so the figures "before" are figured from the old database itself, by this release's
figures code, and compared with those read through the store after the upgrade.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from ips_nb.data.frames import SiteData, typed_frame
from ips_nb.data.schema import TABLE_ORDER, TABLES
from ips_nb.data.tables import METADATA, readable_columns

HERE = Path(__file__).resolve().parent / "data" / "upgrade"
COMMITS = ("b1dfc3d", "4eb7486")
KEY = "an-upgrade-test-key-of-32-chars-or-more"  # the key build.py imported with
MONTHS = ("2024-01", "2024-02", "2024-03", "2024-09")
SITES = ("north", "south")
# Rows of each table the earlier states' dumps hold (what "every row" means, counted by hand
# from tests/data/upgrade/*.sql): the test source, and at 4eb7486 its conference writes.
ROWS = {
    "b1dfc3d": {"consultants": 3, "clinicians": 2, "candidates": 5, "goals": 3, "actions": 3,
                "contacts": 5, "employer_contacts": 3, "placements": 2, "fidelity": 3,
                "supervision": 2, "conferences": 3},
    "4eb7486": {"consultants": 3, "clinicians": 2, "candidates": 5, "phases": 10, "goals": 3,
                "actions": 4, "contacts": 5, "employer_contacts": 3, "placements": 2,
                "fidelity": 3, "supervision": 2, "conferences": 5, "pseudonym_key": 1, "audit": 4},
}


def load_sqlite(commit: str, path: Path) -> str:
    """The commit's SQLite dump as a database file at `path`; its URL."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript((HERE / f"{commit}.sqlite.sql").read_text(encoding="utf-8"))
    finally:
        conn.close()
    return f"sqlite:///{path}"


def load_pg(commit: str, url: str) -> None:
    """The commit's pg_dump into the (empty) PostgreSQL database at `url`."""
    import psycopg

    dsn = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute((HERE / f"{commit}.pg.sql").read_text(encoding="utf-8"))  # no parameters: one script


def rows(url: str) -> dict[str, Counter]:
    """Every row of every table but Alembic's, as {column: value} items, per table."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            return {name: Counter(tuple(sorted(r.items())) for r in
                                  conn.execute(sa.select(t)).mappings())
                    for name, t in meta.tables.items() if name != "alembic_version"}
    finally:
        engine.dispose()


def kept(before: dict[str, Counter], after: dict[str, Counter]) -> dict[str, int]:
    """Tables whose rows before the upgrade are not all found after it (each row compared on
    the columns it had), with how many are missing; empty when every row is there."""
    lost = {}
    for name, found in before.items():
        if not found:
            continue
        columns = {c for row in found for c, _ in row}
        now = Counter(tuple(sorted((c, v) for c, v in row if c in columns)) for row in after.get(name, ()))
        missing = sum((found - now).values())
        if missing:
            lost[name] = missing
    return lost


def site_data(url: str, site: str) -> SiteData:
    """A site read from a database of any earlier schema, as the store read one before
    versioning: a table it lacks is empty, a column it lacks is NULL."""
    import pandas as pd

    engine = sa.create_engine(url)
    frames = {}
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = set(inspector.get_table_names())
            for name in TABLE_ORDER:
                t = METADATA.tables[name]
                have = {c["name"] for c in inspector.get_columns(name)} if name in names else set()
                cols = [(t.c[c.name] if c.name in have else sa.null().label(c.name))
                        for c in readable_columns(name)]
                found = []
                if name in names:
                    order = [t.c[c] for c in TABLES[name].order] or \
                        [c for c in cols if c.name in (TABLES[name].key, "date", "review_date")]
                    found = [tuple(r) for r in conn.execute(sa.select(*cols).where(t.c.site == site)
                                                            .order_by(*order))]
                frames[name] = typed_frame(name, pd.DataFrame(found, columns=[c.name for c in cols],
                                                                    dtype="object"))
    finally:
        engine.dispose()
    return SiteData(**frames)


def figures(data: SiteData, params_dir: Path, site: str) -> dict[str, dict]:
    """The supervision pack's figures of each month in MONTHS (this release's figures code)."""
    from ips_nb.data.params import load_params
    from ips_nb.figures.pack_figures import supervision_figures
    from ips_nb.figures.periods import Month

    params = load_params(params_dir, site)
    return {m: supervision_figures(data, params, Month.parse(m)) for m in MONTHS}
