"""Read an exchange-format SOURCE (a folder of `<table>.csv`, or one .xlsx) into raw text cells.

Nothing here judges a value: every cell comes out as stripped text ('' = empty) together with
the row number the user sees in a spreadsheet (the header is row 1), so the validator can point
at the very cell. What only the file format knows is settled here:

- CSV: UTF-8 with or without a byte-order mark. A file that is not UTF-8 is read as Windows-1252
  (what Excel's plain "CSV" writes on Windows) with a warning; UTF-16 and binary files are
  errors. The separator is the one the header line uses most: comma, semicolon or tab. A cell
  `ips-nb export` protected against formula injection (a quote before a leading `=`, `+`, `-`,
  `@`, tab or carriage return) gets exactly that quote removed again (`csv_value`).
- .xlsx: openpyxl read-only with cached values (`data_only`). Date cells and date-formatted
  numbers become ISO dates; a plain number in a date column is taken as an Excel serial date;
  whole numbers lose their `.0`; TRUE/FALSE become true/false. Blank rows (trailing ones are
  common) are skipped, but row numbers stay as the spreadsheet shows them.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ips_nb.data.schema import HASH_COLUMN, TABLES  # noqa: F401 - HASH_COLUMN: tools/make_docs.py
from ips_nb.data.problems import Problem, problem

# HASH_COLUMN: a column the exchange format does not declare but the importer knows: the keyed
# hash of a CPR number, as `ips-nb export` writes it (the store never holds the number itself).
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

# A spreadsheet takes a cell that starts with one of these for a formula (OWASP, "CSV
# injection"). `ips-nb export` writes such a text with one quote in front; a text that already
# starts with quotes and then one of these gets one more, so removing one quote is exact.
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_PROTECTED = re.compile(r"'+[=+\-@\t\r]")


def csv_value(text: str) -> str:
    """A CSV cell as it was before `ips-nb export` protected it (export.csv_text's inverse)."""
    return text[1:] if _PROTECTED.match(text) else text


@dataclass
class RawTable:
    """One table as read: normalised header names and rows of text cells with their row numbers."""

    name: str
    label: str  # how the user finds it: "candidates.csv" or "region.xlsx [candidates]"
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class Source:
    path: Path
    kind: str  # "folder" or "xlsx"
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def label(self, table: str) -> str:
        """How a table's file (or sheet) is named in messages, present or not."""
        if table in self.tables:
            return self.tables[table].label
        return f"{table}.csv" if self.kind == "folder" else f"{self.path.name} [{table}]"


def header_name(text: object) -> str:
    """'Candidate ID*' → 'candidate_id': case, surrounding blanks and a required-marker ignored."""
    name = str(text if text is not None else "").replace("\ufeff", "").strip().lower()
    name = name.rstrip("*").strip()
    return re.sub(r"[\s-]+", "_", name)


def read_source(path: str | Path) -> Source:
    """Read a folder of CSV files or one .xlsx; unreadable parts become problems, never exceptions."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() in EXCEL_SUFFIXES and path.is_file():
        return _read_xlsx(path)
    source = Source(path, "folder")
    if not path.exists():
        msg = "does not exist: give a folder of <table>.csv files or an .xlsx workbook"
    elif path.suffix.lower() == ".xls":
        msg = "is an old-style .xls workbook: save it as .xlsx (Excel Workbook) and try again"
    elif path.suffix.lower() == ".csv":
        msg = "is one CSV file: put the <table>.csv files in a folder and give the folder"
    else:
        msg = "is neither a folder of CSV files nor an .xlsx workbook"
    source.problems.append(problem(str(path), None, None, None, msg))
    return source


# --- CSV ----------------------------------------------------------------------------------------

def _read_folder(folder: Path) -> Source:
    source = Source(folder, "folder")
    found: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.startswith((".", "~$")):
            continue
        if p.suffix.lower() != ".csv":
            continue
        name = header_name(p.stem)
        if name not in TABLES:
            source.problems.append(problem(
                p.name, None, None, None,
                "not a table of the exchange format; the file is ignored", level="warning"))
            continue
        if name in found:
            source.problems.append(problem(
                p.name, None, None, None, f"{found[name].name} holds the same table; keep one of them"))
            continue
        found[name] = p
    for name, p in found.items():
        table = _read_csv(p, name, source.problems)
        if table is not None:
            source.tables[name] = table
    return source


def _decode(raw: bytes, label: str, problems: list[Problem]) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(problem(label, None, None, None,
                                "is UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8'"))
        return None
    if b"\x00" in raw:
        problems.append(problem(label, None, None, None,
                                "is not a text file (it holds binary data): save it as 'CSV UTF-8'"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        problems.append(problem(label, None, None, None,
                                "is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8'"))
        return None
    problems.append(problem(
        label, None, None, None,
        "is not UTF-8; it was read as Windows-1252 (Excel's plain 'CSV'): check that æ, ø, å, ä "
        "and ö look right, and save it as 'CSV UTF-8' next time", level="warning"))
    return text


def _separator(first_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(path: Path, name: str, problems: list[Problem]) -> RawTable | None:
    label = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(problem(label, None, None, None, f"cannot be read: {exc.strerror or exc}"))
        return None
    text = _decode(raw, label, problems)
    if text is None:
        return None
    if not text.strip():
        problems.append(problem(label, None, None, None, "is empty: it needs at least a header row"))
        return None
    sep = _separator(next(line for line in text.splitlines() if line.strip()))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    table: RawTable | None = None
    record = 0
    try:
        for record, cells in enumerate(reader, start=1):
            if table is None:
                header = [header_name(c) for c in cells]
                if not any(header):
                    continue  # leading blank lines: the header is the first line with text
                table = _start(name, label, header, record, problems)
                continue
            _add_row(table, record, [csv_value(c.strip()) for c in cells], problems)
    except csv.Error as exc:
        problems.append(problem(label, record + 1, None, None, f"cannot be read as CSV: {exc}"))
        return None
    if table is None:
        problems.append(problem(label, None, None, None, "is empty: it needs at least a header row"))
    return table


def _start(name: str, label: str, header: list[str], row: int, problems: list[Problem]) -> RawTable:
    if row != 1:
        problems.append(problem(label, row, None, None,
                                "the header should be in row 1; rows above it are blank",
                                level="warning"))
    seen: set[str] = set()
    for col in header:
        if col and col in seen:
            problems.append(problem(label, row, col, None,
                                    "this column appears twice in the header; the first is read"))
        seen.add(col)
    return RawTable(name, label, header)


def _add_row(table: RawTable, row: int, cells: list[str], problems: list[Problem]) -> None:
    """Keep a row unless blank; extra cells beyond the header are an error (a stray separator)."""
    if not any(cells):
        return
    width = len(table.header)
    extra = [c for c in cells[width:] if c]
    if extra:
        problems.append(problem(
            table.label, row, None, extra[0],
            f"this row has {len(cells)} cells but the header has {width}: a separator inside a "
            "value? Put the value in quotes"))
    values = {}
    for col, value in zip(table.header, cells):
        if col and col not in values:
            values[col] = value
    table.rows.append((row, values))


# --- xlsx ---------------------------------------------------------------------------------------

def _read_xlsx(path: Path) -> Source:
    import openpyxl

    source = Source(path, "xlsx")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a valid .xlsx file"
        source.problems.append(problem(path.name, None, None, None, f"cannot be read: {detail}"))
        return source
    try:
        sheets: dict[str, str] = {}
        for title in wb.sheetnames:
            name = header_name(title)
            if name not in TABLES:
                source.problems.append(problem(
                    f"{path.name} [{title}]", None, None, None,
                    "not a table of the exchange format; the sheet is ignored", level="warning"))
            elif name in sheets:
                source.problems.append(problem(
                    f"{path.name} [{title}]", None, None, None,
                    f"sheet {sheets[name]!r} holds the same table; keep one of them"))
            else:
                sheets[name] = title
        for name, title in sheets.items():
            table = _read_sheet(wb[title], name, f"{path.name} [{title}]", wb.epoch,
                                source.problems)
            if table is not None:
                source.tables[name] = table
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        source.problems.append(problem(path.name, None, None, None,
                                       f"cannot be read: the workbook is damaged ({exc})"))
    finally:
        wb.close()
    return source


def _read_sheet(ws, name: str, label: str, epoch: datetime, problems: list[Problem]) -> RawTable | None:
    if not hasattr(ws, "iter_rows"):
        problems.append(problem(label, None, None, None, "is a chart, not a sheet of rows"))
        return None
    kinds = {c.name: c.kind for c in TABLES[name].columns}
    table: RawTable | None = None
    for row, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if table is None:
            header = [header_name(v) for v in values]
            if not any(header):
                continue  # leading blank rows: the header is the first row with text
            table = _start(name, label, header, row, problems)
            continue
        cells = [excel_text(v, kinds.get(table.header[i]) if i < len(table.header) else None, epoch)
                 for i, v in enumerate(values)]
        _add_row(table, row, cells, problems)
    if table is None:
        problems.append(problem(label, None, None, None, "is empty: it needs at least a header row"))
    return table


def excel_text(value: object, kind: str | None, epoch: datetime) -> str:
    """One cell's value as the text a user would have typed, given the column's kind."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if kind == "date" or value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        if kind == "date" and 1 <= value < 2958466:  # an Excel serial date without a date format
            from openpyxl.utils.datetime import from_excel

            return from_excel(value, epoch).date().isoformat()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value) if isinstance(value, int) else repr(value)
        if kind == "cpr" and isinstance(value, int) and len(text) in (9, 11):
            text = text.zfill(len(text) + 1)  # a number cell drops a CPR's leading zero
        return text
    return str(value).replace("\xa0", " ").strip()
