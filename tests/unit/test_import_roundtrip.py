"""`ips-nb export` → `ips-nb import` gives back the same database (CSV folder and .xlsx)."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import importdata as d
import pandas as pd
import pytest
from importdata import dump, run
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
DEMO_TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "round trip " * 3)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


@pytest.fixture
def filled(tmp_path, params, db_url) -> str:
    for name, tables in (("east", d.EAST), ("valid", d.VALID)):
        status, _, err = run("import", d.write_csv(tables, tmp_path / name), "--db", db_url,
                             "--params", params)
        assert status == 0, err
    return db_url


@pytest.mark.parametrize("dest", ["out", "out.xlsx"])
def test_export_then_import_gives_the_same_database(tmp_path, params, filled, dest):
    status, out, err = run("export", tmp_path / dest, "--db", filled)
    assert status == 0, err
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    status, _, err = run("import", tmp_path / dest, "--db", fresh, "--params", params)
    assert status == 0, err
    assert dump(fresh) == dump(filled)
    # and into the database it came from: nothing changes
    before = dump(filled)
    assert run("import", tmp_path / dest, "--db", filled, "--params", params)[0] == 0
    assert dump(filled) == before


def test_an_export_holds_every_table_and_no_identity_number(tmp_path, filled):
    assert run("export", tmp_path / "out", "--db", filled)[0] == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(f"{name}.csv" for name in d.VALID)
    raw = (tmp_path / "out" / "candidates.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert "cpr" not in rows[0] and len(rows[0]["cpr_hash"]) == 64
    for number in ("010190", "1203852345", "900101", "0101901234"):
        assert number not in raw.decode("utf-8-sig")


def test_an_xlsx_export_has_real_date_cells(tmp_path, filled):
    import openpyxl

    assert run("export", tmp_path / "out.xlsx", "--db", filled)[0] == 0
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert wb.sheetnames == list(d.VALID)
    cell = wb["candidates"]["C2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"


def test_export_of_one_site(tmp_path, params, filled):
    assert run("export", tmp_path / "east", "--db", filled, "--site", "east")[0] == 0
    text = (tmp_path / "east" / "candidates.csv").read_text(encoding="utf-8-sig")
    assert "\ne-c1," in text and "\nc1," not in text
    status, _, err = run("export", tmp_path / "x", "--db", filled, "--site", "west")
    assert status == 2 and "no site west in the database" in err


def test_export_from_nothing_is_a_clear_error(tmp_path):
    status, _, err = run("export", tmp_path / "out", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert status == 2 and f"no ips-nb database at {tmp_path / 'none.db'}" in err
    assert not (tmp_path / "none.db").exists()


# --- the demo data ------------------------------------------------------------------------------

def _demo_source(folder: Path) -> Path:
    """The demo generator's frames written as the CSV files a site would send."""
    from ips_nb.data.export import text
    from ips_nb.demo import generate

    folder.mkdir()
    for name, frame in generate(DEMO_TODAY).items():
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(frame.columns)
            for rec in frame.itertuples(index=False):
                w.writerow(["" if v is None or (not isinstance(v, str) and pd.isna(v)) else text(v)
                            for v in rec])
    return folder


def test_the_demo_data_import_to_the_demo_database_and_round_trip(tmp_path, monkeypatch):
    from ips_nb.demo import build_demo_db

    key = "the demo's key, but 32 bytes long"  # an import refuses the demo's short default
    monkeypatch.setenv("IPS_NB_KEY", key)
    params = ROOT / "params"
    built = f"sqlite:///{tmp_path / 'built.db'}"
    build_demo_db(built, DEMO_TODAY, key=key.encode())
    imported = f"sqlite:///{tmp_path / 'imported.db'}"
    status, _, err = run("import", _demo_source(tmp_path / "demo"), "--db", imported,
                         "--params", params, "--today", DEMO_TODAY.isoformat())
    assert status == 0, err
    assert dump(imported) == dump(built)
    for dest in ("again", "again.xlsx"):
        assert run("export", tmp_path / dest, "--db", imported)[0] == 0
        fresh = f"sqlite:///{tmp_path / (dest + '.db')}"
        status, _, err = run("import", tmp_path / dest, "--db", fresh, "--params", params,
                             "--today", DEMO_TODAY.isoformat())
        assert status == 0, err
        assert dump(fresh) == dump(built)
