"""Read an exchange-format SOURCE (a folder of `<table>.csv`, or one .xlsx) into raw text cells.

Nothing here judges a value: every cell comes out as stripped text ('' = empty) together with
the row number the user sees in a spreadsheet (the header is row 1), so the validator can point
at the very cell. What only the file format knows is settled here:

- CSV: UTF-8 with or without a byte-order mark. A file that is not UTF-8 is read as Windows-1252
  (what Excel's plain "CSV" writes on Windows) with a warning; UTF-16 and binary files are
  errors, and so is a file that mixes the two (rows pasted from a UTF-8 file into a
  Windows-1252 one): read as Windows-1252 its UTF-8 rows would be stored as `Ã…rhus`, so it is
  refused naming the rows of each kind (`_mixed_rows`). The separator is the one the header line
  uses most: comma, semicolon or tab. A cell
  `ips-nb export` protected against formula injection (a quote before a leading `=`, `+`, `-`,
  `@`, tab or carriage return) gets exactly that quote removed again (`csv_value`).
- .xlsx: openpyxl read-only with cached values (`data_only`). Date cells and date-formatted
  numbers become ISO dates; a plain number in a date column is taken as an Excel serial date;
  whole numbers lose their `.0`; TRUE/FALSE become true/false. Blank rows (trailing ones are
  common) are skipped, but row numbers stay as the spreadsheet shows them.
- .xlsx limits: before openpyxl opens a workbook, its zip directory and then its parts are
  checked against XlsxLimits (environment variables, generous defaults): what the parts unpack
  to (declared, and counted while reading), how much a part is packed, rows per sheet and shared
  strings. A workbook over a limit is refused in one sentence with the numbers, in seconds and a
  few MB, instead of openpyxl unpacking a zip bomb into memory (a 410 KB file once took 908 MB)
  or walking a million rows for minutes.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ips_nb.data.problems import Problem, problem
from ips_nb.data.schema import HASH_COLUMN, TABLES  # noqa: F401 - HASH_COLUMN: tools/make_docs.py
from ips_nb.settings import default, env_name, settings

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
    utf8, cp1252 = _mixed_rows(raw, text)
    if utf8 and cp1252:
        problems.append(problem(
            label, None, None, None,
            f"mixes two encodings, so it was not read: {_rows(utf8)} UTF-8 (read as "
            f"Windows-1252 they would be stored as 'Ã…rhus' for 'Århus'), {_rows(cp1252)} "
            "Windows-1252; save the whole file as 'CSV UTF-8' and import it again"))
        return None
    problems.append(problem(
        label, None, None, None,
        "is not UTF-8; it was read as Windows-1252 (Excel's plain 'CSV'): check that æ, ø, å, ä "
        "and ö look right, and save it as 'CSV UTF-8' next time", level="warning"))
    return text


# The UTF-8 of the letters and signs a Nordic text holds beyond ASCII (æ ø å ä ö é, the no-break
# space, °, §, the dashes and quotes, €), as bytes. Read as Windows-1252 they are 'Ã…', 'Ã¸',
# 'Â§', 'â€“': an upper-case letter and a symbol, which Danish and Swedish text never holds.
_UTF8_CHARACTER = re.compile(rb"\xc3[\x80-\xbf]|\xc2[\xa0-\xbf]|\xe2(?:\x80[\x80-\xbf]|\x82\xac)")


def _mixed_rows(raw: bytes, text: str) -> tuple[list[int], list[int]]:
    """Of a file that is not UTF-8 as a whole: (rows holding UTF-8 characters, rows holding
    bytes only Windows-1252 reads), numbered as the rest of the reader numbers them.

    A row that is valid UTF-8 with a character beyond ASCII is UTF-8; a row that is not valid
    UTF-8 is Windows-1252, and UTF-8 as well when it holds a UTF-8 character beside those bytes
    (a cell pasted from the other file). Rows are found with the same CSV reader and separator
    on the bytes read one to one (latin-1), so a quoted line break keeps the row numbers right."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(raw.decode("latin-1"), newline=""), delimiter=_separator(first))
    utf8: list[int] = []
    cp1252: list[int] = []
    try:
        for record, cells in enumerate(reader, start=1):
            data = "\x00".join(cells).encode("latin-1")
            if data.isascii():
                continue
            try:
                data.decode("utf-8")
                utf8.append(record)
                continue
            except UnicodeDecodeError:
                cp1252.append(record)
            if _UTF8_CHARACTER.search(data):
                utf8.append(record)
    except csv.Error:
        return [], []  # the reader proper says what is wrong
    return utf8, cp1252


def _rows(numbers: list[int]) -> str:
    """'row 3 is', 'rows 2, 5 and 9 are', 'rows 2, 3, … and 12 more are' (at most ten named)."""
    if len(numbers) == 1:
        return f"row {numbers[0]} is"
    shown = [str(n) for n in numbers[:10]]
    if len(numbers) > 10:
        return f"rows {', '.join(shown)} and {len(numbers) - 10} more are"
    return f"rows {', '.join(shown[:-1])} and {shown[-1]} are"


def _separator(first_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
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


# --- xlsx limits --------------------------------------------------------------------------------

@dataclass(frozen=True)
class XlsxLimits:
    """What a workbook may hold before anything reads it for real; each is an environment variable.

    The defaults are far above a region's real workbook (a few thousand candidates, some tens of
    thousands of contacts: a few MB unpacked) and far below what hurts: openpyxl holds every
    shared string in memory, and reads a row in some tens of microseconds.
    """

    unpacked_mb: int = default("xlsx_max_mb")  # all parts together, as declared and as counted while reading
    rows: int = default("xlsx_max_rows")  # per sheet (counted as openpyxl would yield them: the highest row number)
    strings: int = default("xlsx_max_strings")  # shared strings (openpyxl keeps every one in memory)
    ratio: int = default("xlsx_max_ratio")  # unpacked ÷ packed, for a part over 1 MB (real sheets: 5 to 30)


_XLSX_FIELDS = {"unpacked_mb": "xlsx_max_mb", "rows": "xlsx_max_rows", "strings": "xlsx_max_strings",
                "ratio": "xlsx_max_ratio"}  # XlsxLimits' names → the settings' (ips_nb.settings)
XLSX_LIMIT_ENV = {name: env_name(field) for name, field in _XLSX_FIELDS.items()}
_MB = 1024 * 1024
_CHUNK = _MB
_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r")  # what may follow a tag's name
# The number of a row (r="…" among the tag's attributes), after the row tag's own opener: the
# highest one is how many rows openpyxl yields, since it fills the gaps with empty rows.
_ROW_NUMBER = rb"(?=[\s/>])[^>]{0,200}?\br\s*=\s*[\"'](\d{1,12})"
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]{0,31}:)?[A-Za-z_][\w.-]*")  # the first element's name


class _Refused(Exception):
    """A workbook over a limit: the sentence that says so (after the file's name)."""


def xlsx_limits() -> XlsxLimits:
    """The limits in force: the defaults, each replaced by its environment variable when set.

    ValueError (SettingsError, one sentence) for a value that is not a whole number of at least 1."""
    now = settings()
    return XlsxLimits(**{name: getattr(now, field) for name, field in _XLSX_FIELDS.items()})


def _count(value: int) -> str:
    return f"{value:,}"


def _megabytes(size: int) -> str:
    return f"{size / _MB:,.1f}"


def _sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet title, from the workbook and its relationships (small parts, read with
    their own cap); a part it cannot place is named by its part name instead."""
    from xml.etree import ElementTree

    def root(name: str):
        try:
            info = zf.getinfo(name)
        except KeyError:
            return None
        if info.file_size > 4 * _MB:
            return None
        with zf.open(info) as fh:
            data = fh.read(4 * _MB + 1)
        try:
            return ElementTree.fromstring(data)
        except ElementTree.ParseError:
            return None

    book, rels = root("xl/workbook.xml"), root("xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    titles = {}
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            if rid in targets:
                titles[targets[rid]] = el.get("name", "")
    return titles


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, tag: bytes | None,
               budget: int) -> tuple[int, int, int]:
    """Read one part in chunks: (bytes it unpacked to, `tag` elements, highest row number).

    Stops with _Refused once more than `budget` bytes come out: the directory's sizes are not
    taken on trust. Tags are counted with bytes.count (text in XML never holds a raw '<'), in the
    namespace prefix the part's root element uses, so a million rows take a second, not minutes;
    memory stays at a chunk or two whatever the part holds."""
    read = tags = highest = 0
    opener = carry = tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            read += len(chunk)
            if read > budget:
                raise _Refused(f"unpack to more than {_megabytes(budget)} MB")
            if tag is None:
                continue
            if not opener:  # the root's prefix (<x:worksheet …> → x:), taken from the first chunk
                root = _ROOT.search(re.sub(rb"<[?!][^>]*>", b"", chunk[:4096]))
                opener = b"<" + ((root.group(1) or b"") if root else b"") + tag
                numbered = re.compile(re.escape(opener) + _ROW_NUMBER)  # a literal start: fast
            # a tag split across two chunks is counted once: the carry is shorter than a match
            buf = carry + chunk
            tags += sum(map(buf.count, (opener + end for end in _ENDS)))
            carry = buf[-len(opener):]
            if tag == b"row":  # the highest number: a tag seen twice does no harm
                numbers = numbered.findall(tail + chunk)
                highest = max(highest, max(map(int, numbers), default=0))
                tail = chunk[-256:]
    return read, tags, highest


def check_xlsx_limits(path: Path, limits: XlsxLimits) -> str | None:
    """Why this workbook is refused (one sentence with the limit and what was found), or None.

    First the zip directory (declared sizes, packing ratios: nothing is unpacked), then every
    part is unpacked in chunks and thrown away, counting bytes, rows per sheet and shared
    strings. A file that is no zip is left to openpyxl, which says so."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    cap = limits.unpacked_mb * _MB
    mb_env, rows_env = XLSX_LIMIT_ENV["unpacked_mb"], XLSX_LIMIT_ENV["rows"]
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        declared = sum(i.file_size for i in infos)
        if declared > cap:
            return (f"its parts unpack to {_megabytes(declared)} MB, more than the limit of "
                    f"{_count(limits.unpacked_mb)} MB ({mb_env}), so it was not opened (a "
                    "region's real workbook unpacks to a few MB; a zip bomb to this)")
        for i in infos:
            if i.file_size > _MB and i.file_size > limits.ratio * max(i.compress_size, 1):
                return (f"its part {i.filename} unpacks to {i.file_size // max(i.compress_size, 1):,} "
                        f"times its packed size ({_megabytes(i.file_size)} MB from "
                        f"{_megabytes(i.compress_size)} MB), more than the limit of "
                        f"{_count(limits.ratio)} times ({XLSX_LIMIT_ENV['ratio']}): a real "
                        "workbook packs 5 to 30 times, a zip bomb about 1,000; it was not opened")
        titles = _sheet_titles(zf)
        left = cap
        strings = 0
        for i in infos:
            name = i.filename
            sheet = name in titles or (not titles and name.startswith("xl/worksheets/")
                                       and name.endswith(".xml"))
            shared = name.lower().endswith("sharedstrings.xml")
            try:
                read, tags, highest = _scan_part(zf, i, b"row" if sheet else b"si" if shared
                                                 else None, left)
            except _Refused as exc:
                return (f"its parts {exc} when read (the limit, {mb_env}; its zip directory "
                        f"declared {_megabytes(declared)} MB), so it was not opened")
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                return None  # damaged: openpyxl says so
            left -= read
            if sheet and max(tags, highest) > limits.rows:
                where = f"sheet {titles[name]!r}" if name in titles else f"part {name}"
                return (f"{where} has {_count(max(tags, highest))} rows, more than the limit of "
                        f"{_count(limits.rows)} rows a sheet ({rows_env}), so it was not read")
            strings += tags if shared else 0
        if strings > limits.strings:
            return (f"it holds {_count(strings)} shared strings, more than the limit of "
                    f"{_count(limits.strings)} ({XLSX_LIMIT_ENV['strings']}), so it was not read")
    return None


# --- xlsx ---------------------------------------------------------------------------------------

def _read_xlsx(path: Path) -> Source:
    import openpyxl

    source = Source(path, "xlsx")
    try:
        refused = check_xlsx_limits(path, xlsx_limits())
    except ValueError as exc:  # a limit set to something that is no number
        refused = str(exc)
    if refused:
        source.problems.append(problem(path.name, None, None, None, refused))
        return source
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
    # the sheet's own <dimension> is not believed: A1:XFD1048576 would pad every row to 16,384
    # cells and the sheet to a million rows (the rows are counted by check_xlsx_limits instead)
    ws.reset_dimensions()
    for row, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if table is None:
            header = [header_name(v) for v in values]
            if not any(header):
                continue  # leading blank rows: the header is the first row with text
            table = _start(name, label, header, row, problems)
            kinds_at = [kinds.get(col) for col in table.header]
            continue
        width = len(kinds_at)
        cells = [excel_text(v, kind, epoch) for v, kind in zip(values, kinds_at)]
        rest = values[width:]
        if rest.count(None) != len(rest):  # cells right of the header: a stray value (an error)
            cells += [excel_text(v, None, epoch) for v in rest]
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
