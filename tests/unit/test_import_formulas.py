"""Text that looks like a formula leaves `ips-nb export` as text, and comes back unchanged.

A goal, an employer or a name that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
must not become a formula in the spreadsheet a coordinator opens (CSV or .xlsx injection), and
the export must still import to the same database.
"""
from __future__ import annotations

import csv
from pathlib import Path

import importdata as d
import pytest
from importdata import dump, run
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

DANGEROUS = {
    ("goals", 1, "description"): "=HYPERLINK(\"http://evil.example\",\"klik\")",
    ("goals", 2, "description"): "+45 1234 5678",
    ("goals", 3, "description"): "-Komvux",
    ("actions", 1, "description"): "@SUM(A1:A9)",
    ("actions", 2, "description"): "=cmd|' /C calc'!A0",
    ("actions", 3, "description"): "'=already quoted",
    ("employer_contacts", 1, "employer"): "=1+1",
    ("placements", 1, "employer"): "-2+3",
    ("consultants", 1, "name"): "@Anne Holm",
    ("clinicians", 1, "team"): "+Team Nord",
    ("candidates", 1, "municipality"): "''=twice quoted",
    ("supervision", 1, "supervisor"): "-",
    ("conferences", 2, "team"): "=Team Nord",
}
# what the database holds: a CSV cell protected with a quote (by ips-nb export, or by hand)
# loses exactly that quote on import
LANDED = {k: v[1:] if v.startswith("'") else v for k, v in DANGEROUS.items()}


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "formula test key " * 3)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


def dangerous_source(folder: Path) -> Path:
    tables = d.valid()
    for (table, row, column), value in DANGEROUS.items():
        tables[table][row][tables[table][0].index(column)] = value
    return d.write_csv(tables, folder)


@pytest.fixture
def filled(tmp_path, params, db_url) -> str:
    status, _, err = run("import", dangerous_source(tmp_path / "src"), "--db", db_url,
                         "--params", params)
    assert status == 0, err
    return db_url


def test_the_source_lands_as_text(filled):
    db = dump(filled)
    goals = {r[3] for r in db["goals"]}
    assert "=HYPERLINK(\"http://evil.example\",\"klik\")" in goals and "-Komvux" in goals
    # a CSV cell protected with a quote (by ips-nb export, or by hand) loses exactly that quote
    actions = {r[3] for r in db["actions"]}
    assert "=already quoted" in actions
    assert "'=twice quoted" in {r[7] for r in db["candidates"]}


def test_a_csv_export_neutralises_formula_prefixes_with_a_quote(tmp_path, filled):
    assert run("export", tmp_path / "out", "--db", filled)[0] == 0
    cells = set()
    for path in (tmp_path / "out").glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                cells.update(row)
    for value in LANDED.values():
        assert "'" + value in cells, value
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_an_xlsx_export_holds_no_formula(tmp_path, filled):
    import openpyxl

    assert run("export", tmp_path / "out.xlsx", "--db", filled)[0] == 0
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")  # formulas as formulas, not cached values
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert set(LANDED.values()) <= texts  # as they are: a string cell is never evaluated


@pytest.mark.parametrize("dest", ["out", "out.xlsx"])
def test_export_then_import_gives_the_same_database(tmp_path, params, filled, dest):
    assert run("export", tmp_path / dest, "--db", filled)[0] == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    status, _, err = run("import", tmp_path / dest, "--db", fresh, "--params", params)
    assert status == 0, err
    assert dump(fresh) == dump(filled)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "'=x", "''=x", "'x",
                                   "x'", "'", "''", "=", "", "plain", "'\t", "a=b"])
def test_the_csv_neutralisation_is_undone_exactly(value):
    from ips_nb.data.export import csv_text
    from ips_nb.data.readers import csv_value

    written = csv_text(value)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csv_value(written) == value
