"""`ips-nb export`: the database's sites back out in the exchange format (CSV folder or .xlsx).

What comes out imports again to the same database: every table is written (header only when a
site has no rows of it), dates as ISO dates (real date cells in .xlsx), and candidates carry
`cpr_hash` where the exchange format has `cpr`, because the store never holds the number itself.
The hash is pseudonymous, not anonymous: treat an export like the database it came from.
CSV files are UTF-8 with a byte-order mark, so Excel shows æ, ø, å, ä and ö right.
"""
from __future__ import annotations

import csv
import os
import tempfile
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ips_nb.data import store
from ips_nb.data.schema import TABLE_ORDER, TABLES
from ips_nb.data.readers import EXCEL_SUFFIXES


class ExportError(Exception):
    """Bad usage of export (no such site, a destination that cannot be written)."""


def export_columns(table: str) -> list[str]:
    return ["cpr_hash" if c.kind == "cpr" else c.name for c in TABLES[table].columns]


def all_sites(engine: sa.Engine) -> list[str]:
    found: set[str] = set()
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        for name in TABLE_ORDER:
            if name in names:
                t = store.METADATA.tables[name]
                found.update(conn.execute(sa.select(t.c.site).distinct()).scalars())
    return sorted(found)


def read_tables(engine: sa.Engine, sites: list[str]) -> dict[str, list[tuple]]:
    """Each table's rows for these sites (scoped in the query), in a stable order."""
    out = {}
    with engine.connect() as conn:
        for name in TABLE_ORDER:
            t = store.METADATA.tables[name]
            cols = [t.c[c] for c in export_columns(name)]
            keys = [c for c in (TABLES[name].key, "date", "review_date", "item", "set_date",
                                "due_date", "start_date") if c and c in t.c]
            order = [t.c.site, *(t.c[k] for k in keys)]
            q = sa.select(*cols).where(t.c.site.in_(sites)).order_by(*order)
            rows = [tuple(r) for r in conn.execute(q)]
            # ties on the order columns: sort the rest too, so an export is always the same
            out[name] = sorted(rows, key=lambda r: tuple((v is not None, str(v)) for v in r)) \
                if not TABLES[name].key else rows
    return out


def text(value: object) -> str:
    """A stored value as exchange-format text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv_folder(tables: dict[str, list[tuple]], dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} is a file: give a folder, or a name ending in .xlsx")
    dest.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(export_columns(name))
            w.writerows([text(v) for v in r] for r in rows)
        os.replace(tmp, dest / f"{name}.csv")


def write_xlsx(tables: dict[str, list[tuple]], dest: Path) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        ws.append(export_columns(name))
        for r in rows:
            cells = []
            for v in r:
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            ws.append(cells)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)


def export(url: str, dest: str | Path, sites: list[str] | None = None) -> dict[str, int]:
    """Write these sites (default: every site) to DEST; returns rows written per table."""
    dest = Path(dest)
    from ips_nb.data.importer import first_line, sqlite_path

    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise ExportError(f"there is no database at {path}")
    engine = store.connect(url)
    try:
        present = all_sites(engine)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise ExportError(f"the database cannot be read: {first_line(exc)}") from None
    try:
        if not present:
            raise ExportError("the database holds no site")
        unknown = sorted(set(sites or []) - set(present))
        if unknown:
            raise ExportError(f"no site {', '.join(unknown)} in the database "
                              f"(it holds {', '.join(present)})")
        tables = read_tables(engine, sorted(set(sites or present)))
    finally:
        engine.dispose()
    if dest.suffix.lower() in EXCEL_SUFFIXES:
        write_xlsx(tables, dest)
    else:
        write_csv_folder(tables, dest)
    return {name: len(rows) for name, rows in tables.items()}
