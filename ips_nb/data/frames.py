"""A site's rows as pandas frames, and frames back into store rows.

Every read takes a site and filters in SQL, so no report ever holds another site's rows, and the
CPR hash is never selected into a report frame. pandas is imported where frames are made: the
coordinator of a run never needs it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ips_nb.data.connection import open_existing, require_current, snapshot, url_of
from ips_nb.data.schema import ORIGIN, ORIGIN_COLUMN, ORIGIN_TABLES, ORIGINS, TABLE_ORDER, TABLES, stored_columns
from ips_nb.data.tables import METADATA, readable_columns

if TYPE_CHECKING:
    import pandas as pd

@dataclass
class SiteData:
    """One site's tables as pandas frames; date columns are datetime64, empty is NaT/NA."""

    consultants: pd.DataFrame
    clinicians: pd.DataFrame
    candidates: pd.DataFrame
    phases: pd.DataFrame
    goals: pd.DataFrame
    actions: pd.DataFrame
    contacts: pd.DataFrame
    employer_contacts: pd.DataFrame
    placements: pd.DataFrame
    fidelity: pd.DataFrame
    supervision: pd.DataFrame
    conferences: pd.DataFrame
    followups: pd.DataFrame
    surveys: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def typed_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame the column types the metrics expect (dates as datetime64, numbers numeric)."""
    import pandas as pd

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
    import pandas as pd

    cols = [c for c in stored_columns(table) if c != "cpr_hash"]
    return typed_frame(table, pd.DataFrame({c: pd.Series([], dtype="object") for c in cols}))


def read_site(url: str | None, site: str) -> SiteData:
    """One site's data from a database URL, for a workbook that opens, reads and lets go.

    StoreError (one sentence) when there is no such database: a report never creates one.
    """
    engine = open_existing(url)
    try:
        return load_site(engine, site)
    finally:
        engine.dispose()


def load_site(engine: sa.Engine, site: str) -> SiteData:
    """Read one site's rows of every table (never the CPR hash), all from one snapshot.

    The rows are fetched inside the read transaction and made into frames after it, so a writer
    waits for the SELECTs only.
    """
    import pandas as pd

    fetched: dict[str, tuple[list[str], list[tuple]]] = {}
    with snapshot(engine) as conn:
        require_current(conn, url_of(engine))  # an older database: one sentence, not a missing column
        for name in TABLE_ORDER:
            t = METADATA.tables[name]
            cols = readable_columns(name)
            order = [t.c[c] for c in TABLES[name].order] or \
                [c for c in cols if c.name in (TABLES[name].key, "date", "review_date")]
            rows = conn.execute(sa.select(*cols).where(t.c.site == site).order_by(*order)).all()
            fetched[name] = ([c.name for c in cols], [tuple(r) for r in rows])
    frames = {name: typed_frame(name, pd.DataFrame(rows, columns=columns, dtype="object"))
              for name, (columns, rows) in fetched.items()}
    return SiteData(**frames)


def sites_in_db(engine: sa.Engine) -> list[str]:
    t = METADATA.tables["candidates"]
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(sa.select(t.c.site).distinct()))


def _site_lookup(frames: dict[str, pd.DataFrame], table: str) -> dict[str, str]:
    f = frames.get(table)
    if f is None or f.empty:
        return {}
    return dict(zip(f[TABLES[table].key].astype(str), f["site"].astype(str)))


def to_rows(frames: dict[str, pd.DataFrame], key: bytes) -> dict[str, list[dict]]:
    """Exchange-format frames (clean, typed) to store rows: CPR hashed, every row given its site."""
    import pandas as pd

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
            if name in ORIGIN_TABLES:  # a file's `origin` (an export re-imported), else the source's
                origin = rec.get(ORIGIN_COLUMN)
                row[ORIGIN_COLUMN] = origin if origin in ORIGINS else ORIGIN.default
            rows.append(row)
        out[name] = rows
    return out
