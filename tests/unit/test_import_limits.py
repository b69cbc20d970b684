"""An .xlsx over a limit is refused in one sentence with the numbers, before openpyxl opens it,
with little memory: a zip bomb (parts unpacking to more than IPS_NB_XLSX_MAX_MB), a sheet with
more rows than IPS_NB_XLSX_MAX_ROWS (counted, or numbered), more shared strings than
IPS_NB_XLSX_MAX_STRINGS. Exit 2, nothing written. Memory is measured with tracemalloc (every
byte zlib or openpyxl hands to Python counts), never the clock."""
from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import importdata as d
import pytest
from importdata import run

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "limits test key, long enough " * 2)
    for name in ("MB", "ROWS", "STRINGS", "RATIO"):
        monkeypatch.delenv(f"IPS_NB_XLSX_MAX_{name}", raising=False)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


def _rewrite(path: Path, change) -> Path:
    """The valid workbook written by openpyxl, its parts passed through `change(name, data, out)`
    (which writes what it wants to the new zip and returns True, or False to copy the part)."""
    base = io.BytesIO()
    d.write_xlsx(d.VALID, base)
    with zipfile.ZipFile(base) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        titles = _titles(src)
        for info in src.infolist():
            data = src.read(info)
            if not change(titles.get(info.filename, info.filename), data, out, info.filename):
                out.writestr(info, data)
    return path


def _appended(sheet: str, xml: bytes):
    """A change for `_rewrite`: `xml` added to the end of the sheet's data."""
    def change(title, data, out, name):
        if title != sheet:
            return False
        head, tail = data.split(b"</sheetData>")
        out.writestr(name, head + xml + b"</sheetData>" + tail)
        return True
    return change


def _titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part → sheet title (openpyxl writes sheetN.xml in the order of the sheets)."""
    return {f"xl/worksheets/sheet{i}.xml": name for i, name in enumerate(d.VALID, start=1)}


def _refused(tmp_path, params, path: Path) -> tuple[list[str], int]:
    """Import the workbook; (its error lines, peak bytes Python held meanwhile). Exit 2, nothing
    written, one error line."""
    db = tmp_path / "db" / "ips.db"
    # once before measuring, so what the command imports on first use is not counted
    run("validate", tmp_path / "absent.xlsx", "--db", f"sqlite:///{db}", "--params", params)
    tracemalloc.start()
    try:
        status, out, err = run("import", path, "--db", f"sqlite:///{db}", "--params", params)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    lines = [line for line in err.splitlines() if line.startswith("error")]
    assert status == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err + out
    assert not db.exists() and not (tmp_path / ".ips_nb_key").exists()
    return lines, peak


def test_a_zip_bomb_is_refused_from_its_directory_with_little_memory(tmp_path, params):
    def bomb(title, data, out, name):
        if title != "candidates":
            return False
        head, tail = data.split(b"</sheetData>")
        with out.open(name, "w", force_zip64=True) as fh:  # a 120 MB text cell, ~120 KB packed
            fh.write(head + b'<row r="99"><c r="E99" t="inlineStr"><is><t>')
            for _ in range(120):
                fh.write(b"A" * MB)
            fh.write(b"</t></is></c></row></sheetData>" + tail)
        return True
    path = _rewrite(tmp_path / "bomb.xlsx", bomb)
    assert path.stat().st_size < 1 * MB
    lines, peak = _refused(tmp_path, params, path)
    assert lines == ["error: bomb.xlsx: its parts unpack to 120.0 MB, more than the limit of "
                     "100 MB (IPS_NB_XLSX_MAX_MB), so it was not opened (a region's real "
                     "workbook unpacks to a few MB; a zip bomb to this)"]
    assert peak < 20 * MB, peak  # openpyxl would hold the 120 MB cell (and more) in memory


def test_the_bytes_are_counted_while_read_not_taken_from_the_directory(tmp_path, params):
    """Python's zipfile already stops a part at the size its directory declares (a directory
    that understates it gives a damaged part, which openpyxl refuses); the count of the bytes
    actually unpacked is the second fence, a chunk at a time, whatever the directory says."""
    from ips_nb.data.readers import _Refused, _scan_part

    path = _rewrite(tmp_path / "big.xlsx", _appended("goals", b"<!--" + b"x" * (6 * MB) + b"-->"))
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet5.xml")
        with pytest.raises(_Refused, match=r"^unpack to more than 5\.0 MB$"):
            _scan_part(zf, info, b"row", 5 * MB)
        read, rows, highest = _scan_part(zf, info, b"row", 7 * MB)
    assert (read, rows, highest) == (info.file_size, 4, 4)  # the header and 3 goals


def test_a_part_packed_like_a_bomb_is_refused_by_its_ratio(tmp_path, params, monkeypatch):
    path = _rewrite(tmp_path / "packed.xlsx", _appended("goals", b"<!--" + b" " * (5 * MB) + b"-->"))
    (line,), _ = _refused(tmp_path, params, path)
    assert line.startswith("error: packed.xlsx: its part xl/worksheets/sheet5.xml unpacks to ")
    assert "times its packed size (5.0 MB from 0.0 MB), more than the limit of 250 times " \
        "(IPS_NB_XLSX_MAX_RATIO)" in line


def _contacts(extra: int, *, numbered: int | None = None):
    """`extra` more contacts after the 5 of the valid source, and maybe one row far down."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>c1</t></is></c>'
                    b'<c r="B%d" t="inlineStr"><is><t>2024-01-15</t></is></c>'
                    b'<c r="C%d" t="inlineStr"><is><t>meeting</t></is></c></row>'
                    % ((i,) * 4) for i in range(7, 7 + extra))
    if numbered:  # one row far down: openpyxl yields every empty row above it
        rows += (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>c1</t></is></c></row>'
                 % (numbered, numbered))
    return _appended("contacts", rows)


def test_a_sheet_with_more_rows_than_the_limit_is_refused(tmp_path, params, monkeypatch):
    monkeypatch.setenv("IPS_NB_XLSX_MAX_ROWS", "1000")
    # contacts: the header and 5 rows, then 995 more = 1,001 rows
    path = _rewrite(tmp_path / "rows.xlsx", _contacts(995))
    lines, peak = _refused(tmp_path, params, path)
    assert lines == ["error: rows.xlsx: sheet 'contacts' has 1,001 rows, more than the limit of "
                     "1,000 rows a sheet (IPS_NB_XLSX_MAX_ROWS), so it was not read"]
    assert peak < 20 * MB, peak
    # at the limit: read and imported
    at = _rewrite(tmp_path / "at.xlsx", _contacts(994))
    status, _, err = run("import", at, "--db", f"sqlite:///{tmp_path / 'at.db'}", "--params", params)
    assert status == 0, err


def test_a_row_numbered_past_the_limit_counts_as_every_row_above_it(tmp_path, params):
    path = _rewrite(tmp_path / "far.xlsx", _contacts(0, numbered=900_000))
    assert path.stat().st_size < 100_000
    lines, _ = _refused(tmp_path, params, path)
    assert lines == ["error: far.xlsx: sheet 'contacts' has 900,000 rows, more than the limit of "
                     "500,000 rows a sheet (IPS_NB_XLSX_MAX_ROWS), so it was not read"]


def test_more_shared_strings_than_the_limit_are_refused(tmp_path, params, monkeypatch):
    monkeypatch.setenv("IPS_NB_XLSX_MAX_STRINGS", "10")

    def shared(title, data, out, name):
        if name == "[Content_Types].xml":  # openpyxl finds the shared strings by content type
            out.writestr(name, data.replace(b"</Types>", (
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')))
            out.writestr("xl/sharedStrings.xml", (
                b'<?xml version="1.0"?><x:sst xmlns:x="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main" count="11">'
                + b"".join(b"<x:si><x:t>s%d</x:t></x:si>" % i for i in range(11)) + b"</x:sst>"))
            return True
        return False
    path = _rewrite(tmp_path / "strings.xlsx", shared)
    lines, _ = _refused(tmp_path, params, path)
    assert lines == ["error: strings.xlsx: it holds 11 shared strings, more than the limit of 10 "
                     "(IPS_NB_XLSX_MAX_STRINGS), so it was not read"]


def test_a_limit_that_is_no_number_is_one_sentence(tmp_path, params, monkeypatch, capsys):
    """Checked with every IPS_NB_* variable (ips_nb.settings) before the command does anything."""
    from ips_nb.cli import main

    monkeypatch.setenv("IPS_NB_XLSX_MAX_ROWS", "lots")
    path = d.write_xlsx(d.VALID, tmp_path / "ok.xlsx")
    db = tmp_path / "db" / "ips.db"
    assert main(["import", str(path), "--db", f"sqlite:///{db}", "--params", str(params)]) == 2
    assert capsys.readouterr().err == ("ips-nb: IPS_NB_XLSX_MAX_ROWS must be a whole number of at least 1; "
                                       "it is 'lots'\n")
    assert not db.exists()


def test_a_sheet_whose_dimension_claims_every_cell_is_read_as_its_rows(tmp_path, params):
    """<dimension ref="A1:XFD1048576"/> made openpyxl pad every row to 16,384 cells and the sheet
    to a million rows; the rows are what the sheet holds."""
    def claim(title, data, out, name):
        if title != "goals":
            return False
        start = data.index(b"<dimension")
        end = data.index(b"/>", start) + 2
        out.writestr(name, data[:start] + b'<dimension ref="A1:XFD1048576"/>' + data[end:])
        return True
    from ips_nb.data.readers import read_source

    source = read_source(_rewrite(tmp_path / "dim.xlsx", claim))
    assert not source.problems
    assert [n for n, _ in source.tables["goals"].rows] == [2, 3, 4]


def test_rows_below_a_stale_dimension_are_read_not_dropped(tmp_path):
    """A sheet whose <dimension> was not updated (A1:D6 here, with 1,000 rows below the header):
    openpyxl believed it and stopped at row 6, so 995 contacts were lost without a word."""
    from ips_nb.data.readers import read_source

    source = read_source(_rewrite(tmp_path / "stale.xlsx", _contacts(995)))
    assert not source.problems
    assert len(source.tables["contacts"].rows) == 1000
