"""The database: SQLite by default, PostgreSQL by URL, one SQLAlchemy Core code path.

Every read takes a site and filters in SQL, so no report ever holds another site's rows, and the
CPR hash is never selected into a report frame.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ips_nb.data.schema import TABLES, TABLE_ORDER, stored_columns

DEFAULT_DB = "sqlite:///data/ips.db"

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
        sa.Table(name, md, *cols)
    return md


METADATA = _metadata()


def db_url(url: str | None = None) -> str:
    """The URL to use: an explicit one, else $IPS_NB_DB, else the embedded SQLite file.

    A notebook opened in JupyterLab runs in workbooks/, so the default file is also looked for
    one level up before a new one is made here.
    """
    if url or os.environ.get("IPS_NB_DB"):
        return url or os.environ["IPS_NB_DB"]
    up = Path("..") / DEFAULT_DB.removeprefix("sqlite:///")
    if not Path(DEFAULT_DB.removeprefix("sqlite:///")).exists() and up.exists():
        return f"sqlite:///{up.resolve()}"
    return DEFAULT_DB


def connect(url: str | None = None) -> sa.Engine:
    """An engine for the URL; an SQLite file's folder is created so a fresh clone just works."""
    url = db_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        # a concurrent writer waits up to 30 s for the lock instead of failing at once
        return sa.create_engine(url, connect_args={"timeout": 30})
    return sa.create_engine(url)


def create_schema(engine: sa.Engine) -> None:
    METADATA.create_all(engine)


@dataclass
class SiteData:
    """One site's tables as pandas frames; date columns are datetime64, empty is NaT/NA."""

    consultants: pd.DataFrame
    clinicians: pd.DataFrame
    candidates: pd.DataFrame
    goals: pd.DataFrame
    actions: pd.DataFrame
    contacts: pd.DataFrame
    employer_contacts: pd.DataFrame
    placements: pd.DataFrame
    fidelity: pd.DataFrame
    supervision: pd.DataFrame
    conferences: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def typed_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame the column types the metrics expect (dates as datetime64, numbers numeric)."""
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
    cols = [c for c in stored_columns(table) if c != "cpr_hash"]
    return typed_frame(table, pd.DataFrame({c: pd.Series([], dtype="object") for c in cols}))


def read_site(url: str | None, site: str) -> SiteData:
    """One site's data from a database URL, for a workbook that opens, reads and lets go."""
    engine = connect(url)
    try:
        return load_site(engine, site)
    finally:
        engine.dispose()


def load_site(engine: sa.Engine, site: str) -> SiteData:
    """Read one site's rows of every table (never the CPR hash)."""
    frames = {}
    with engine.connect() as conn:
        for name in TABLE_ORDER:
            t = METADATA.tables[name]
            cols = [c for c in t.columns if c.name != "cpr_hash"]
            order = [c for c in cols if c.name in (TABLES[name].key, "date", "review_date")]
            rows = conn.execute(sa.select(*cols).where(t.c.site == site).order_by(*order)).all()
            frame = pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in cols],
                                 dtype="object")
            frames[name] = typed_frame(name, frame)
    return SiteData(**frames)


def sites_in_db(engine: sa.Engine) -> list[str]:
    t = METADATA.tables["candidates"]
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(sa.select(t.c.site).distinct()))


def replace_sites(conn: sa.Connection, rows: dict[str, list[dict]], sites: set[str]) -> None:
    """Within the caller's transaction: delete these sites' rows, then insert the new ones."""
    for name in reversed(TABLE_ORDER):
        t = METADATA.tables[name]
        conn.execute(t.delete().where(t.c.site.in_(sorted(sites))))
    for name in TABLE_ORDER:
        if rows.get(name):
            conn.execute(METADATA.tables[name].insert(), rows[name])


def fingerprint(engine: sa.Engine, site: str | None = None) -> str:
    """A short hash of the database contents (one site or all), recorded with each run."""
    import hashlib

    h = hashlib.sha256()
    with engine.connect() as conn:
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
            rows.append(row)
        out[name] = rows
    return out


def write_sites(engine: sa.Engine, frames: dict[str, pd.DataFrame], key: bytes) -> set[str]:
    """Replace the sites present in `frames` with their rows, all in one transaction."""
    create_schema(engine)
    rows = to_rows(frames, key)
    sites = {r["site"] for name in rows for r in rows[name]}
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # one import at a time: a second one waits here instead of interleaving
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(4711)"))
        replace_sites(conn, rows, sites)
    return sites


def absolute_db_url(url: str) -> str:
    """Kernels may run elsewhere: make a relative SQLite path absolute before handing it on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        return "sqlite:///" + str(Path(url.removeprefix("sqlite:///")).resolve())
    return url
