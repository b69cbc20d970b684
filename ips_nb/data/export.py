"""`ips-nb export`: the database's sites back out in the exchange format (CSV folder or .xlsx).

What comes out imports again to the same database: every table is written (header only when a
site has no rows of it), dates as ISO dates (real date cells in .xlsx), and candidates carry
`cpr_hash` where the exchange format has `cpr`, because the store never holds the number itself,
with `cpr_key`, the short fingerprint of the key that made it, so the export is only re-imported
where that key is. The hash is pseudonymous, not anonymous: treat an export like the database it
came from. CSV files are UTF-8 with a byte-order mark, so Excel shows æ, ø, å, ä and ö right.
`conferences` and `actions` carry `origin` ('source' or 'conference'): a row recorded at the
conference comes back as the conference's, so a later import of the site's own source keeps it
(store.replace_sites) instead of deleting it as a row the source no longer has.

A text that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a
carriage return: a goal, an employer, a name) never becomes one: in .xlsx every text is a string
cell (never a formula; Excel's quote prefix on those that look like one), in CSV such a text gets
a quote in front, as OWASP recommends, which the importer removes again (readers.csv_value).

All tables are read in one read transaction, so an import running meanwhile is exported whole or
not at all. Nothing is left half-written: files are written under temporary names and moved into
place only when all of them are complete.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ips_nb.data import connection, store
from ips_nb.data.readers import EXCEL_SUFFIXES, FORMULA_START
from ips_nb.data.schema import HASH_COLUMN, HASH_KEY_COLUMN, TABLE_ORDER, TABLES, file_columns
from ips_nb.data.tables import METADATA


class ExportError(Exception):
    """Bad usage of export (no such site, a destination that cannot be written)."""


def export_columns(table: str) -> list[str]:
    """A table's columns in a file: `cpr_hash` and `cpr_key` for `cpr`, and `origin` last where
    the store keeps it (schema.file_columns), so what the conference recorded stays its own
    through an export re-imported."""
    names = []
    for c in file_columns(table):
        names += [HASH_COLUMN, HASH_KEY_COLUMN] if c.kind == "cpr" else [c.name]
    return names


def _stored_columns(table: str) -> list[str]:
    return [c for c in export_columns(table) if c != HASH_KEY_COLUMN]


def _all_sites(conn: sa.Connection) -> list[str]:
    found: set[str] = set()
    names = set(sa.inspect(conn).get_table_names())
    for name in TABLE_ORDER:
        if name in names:
            t = METADATA.tables[name]
            found.update(conn.execute(sa.select(t.c.site).distinct()).scalars())
    return sorted(found)


def read_tables(engine: sa.Engine, sites: list[str]) -> dict[str, list[tuple]]:
    """Each table's rows for these sites (scoped in the query), in a stable order, from one
    snapshot of the database."""
    with connection.snapshot(engine) as conn:
        return _read_tables(conn, sites)


def _read_tables(conn: sa.Connection, sites: list[str]) -> dict[str, list[tuple]]:
    recorded = store.stored_fingerprint(conn)
    made_with = recorded[:12] if recorded else None
    out = {}
    for name in TABLE_ORDER:
        t = METADATA.tables[name]
        columns = _stored_columns(name)
        cols = [t.c[c] for c in columns]
        keys = TABLES[name].order or [
            c for c in (TABLES[name].key, "date", "review_date", "item", "set_date",
                        "due_date", "start_date") if c and c in t.c]
        order = [t.c.site, *(t.c[k] for k in keys)]
        q = sa.select(*cols).where(t.c.site.in_(sites)).order_by(*order)
        rows = [tuple(r) for r in conn.execute(q)]
        if name == "candidates":  # the key's fingerprint beside each hash
            at = _stored_columns(name).index(HASH_COLUMN) + 1
            rows = [r[:at] + ((made_with if r[at - 1] else None),) + r[at:] for r in rows]
        if not TABLES[name].key:
            # ties on the order columns: sort the rest too, so an export is always the same
            # (a declared order first: a candidate's phase history reads oldest to newest)
            first = [columns.index(k) for k in TABLES[name].order]
            out[name] = sorted(rows, key=lambda r: tuple(
                (r[i] is not None, str(r[i])) for i in [*first, *range(len(r))]))
        else:
            out[name] = rows
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


def csv_text(value: str) -> str:
    """A text as a CSV cell no spreadsheet takes for a formula: one quote in front when it
    starts (after any quotes) with =, +, -, @, a tab or a carriage return."""
    return "'" + value if FORMULA_START.match(value) else value


def _csv_cell(value: object) -> str:
    return csv_text(value) if isinstance(value, str) else text(value)


def _cannot_write(where: Path, exc: OSError) -> ExportError:
    return ExportError(f"cannot write to {where.absolute()}: {exc.strerror or exc}; nothing "
                       "was exported")


def write_csv_folder(tables: dict[str, list[tuple]], dest: Path) -> None:
    """Every table to DEST/<table>.csv; all files are complete before any replaces an old one."""
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} is a file: give a folder, or a name ending in .xlsx")
    made = not dest.exists()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(dest, exc) from None
    staged: list[tuple[str, str]] = []
    try:
        for name, rows in tables.items():
            fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{name}.", suffix=".tmp")
            staged.append((tmp, name))
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(export_columns(name))
                w.writerows([_csv_cell(v) for v in r] for r in rows)
        for tmp, name in staged:
            os.replace(tmp, dest / f"{name}.csv")
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        if made:
            try:
                dest.rmdir()
            except OSError:
                pass
        raise _cannot_write(dest, exc) from None


def _workbook_bytes(tables: dict[str, list[tuple]]) -> bytes:
    """The .xlsx in memory: every text a string cell, so nothing in it is ever a formula."""
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
                if isinstance(v, str):
                    cell.data_type = "s"  # openpyxl would take a leading '=' for a formula
                    if FORMULA_START.match(v):
                        cell.quotePrefix = True  # and Excel keeps it text when it is edited
                elif isinstance(v, date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_xlsx(tables: dict[str, list[tuple]], dest: Path) -> None:
    """The workbook is made in memory, then written under a temporary name and moved into place."""
    data = _workbook_bytes(tables)
    tmp = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(dest.parent if tmp is None else dest, exc) from None


def export(url: str, dest: str | Path, sites: list[str] | None = None) -> dict[str, int]:
    """Write these sites (default: every site) to DEST; returns rows written per table."""
    dest = Path(dest)
    try:
        engine = connection.open_existing(url)
    except connection.StoreError as exc:
        raise ExportError(str(exc)) from None
    try:
        with connection.snapshot(engine) as conn:
            present = _all_sites(conn)
            if not present:
                raise ExportError("the database holds no site")
            unknown = sorted(set(sites or []) - set(present))
            if unknown:
                raise ExportError(f"no site {', '.join(unknown)} in the database "
                                  f"(it holds {', '.join(present)})")
            tables = _read_tables(conn, sorted(set(sites or present)))
    except sa.exc.SQLAlchemyError as exc:
        raise ExportError(f"the database cannot be read: {connection.first_line(exc)}") from None
    finally:
        engine.dispose()
    if dest.suffix.lower() in EXCEL_SUFFIXES:
        write_xlsx(tables, dest)
    else:
        write_csv_folder(tables, dest)
    return {name: len(rows) for name, rows in tables.items()}
