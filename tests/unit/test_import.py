"""`ips-nb import`: what a good SOURCE becomes in the database, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import stat
from datetime import date, datetime
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
from importdata import dump, errors, run
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import connection
from ips_nb.data.tables import METADATA


@pytest.fixture(autouse=True)
def _workdir(tmp_path, monkeypatch):
    """Run in a scratch folder with no key set, as a coordinator would on a fresh checkout."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IPS_NB_KEY", raising=False)
    monkeypatch.delenv("IPS_NB_KEY_FILE", raising=False)
    monkeypatch.delenv("IPS_NB_DB", raising=False)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


@pytest.fixture
def src(tmp_path) -> Path:
    return d.write_csv(d.valid(), tmp_path / "src")


def do_import(source, url, params) -> tuple[int, str, str]:
    return run("import", source, "--db", url, "--params", params)


def site_rows(url: str, table: str, site: str) -> list[dict]:
    engine = connection.connect(url)
    t = METADATA.tables[table]
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(t).where(t.c.site == site))]
    engine.dispose()
    return rows


def test_a_valid_source_is_written_whole(src, params, db_url):
    status, out, err = do_import(src, db_url, params)
    assert status == 0, err
    assert errors(err) == []
    assert "Imported site(s) north, south" in out
    db = dump(db_url)
    assert {name: len(rows) for name, rows in db.items()} == d.ROWS


def test_values_are_parsed_and_identity_is_only_a_hash(src, params, db_url):
    assert do_import(src, db_url, params)[0] == 0
    cands = {r["candidate_id"]: r for r in site_rows(db_url, "candidates", "north")
             + site_rows(db_url, "candidates", "south")}
    # three date spellings
    assert cands["c1"]["referral_date"] == date(2024, 1, 10)
    assert cands["c2"]["referral_date"] == date(2024, 2, 15)
    assert cands["c3"]["referral_date"] == date(2024, 3, 1)
    # aliases, case-insensitive enums
    assert cands["c2"]["gender"] == "female"  # K
    assert cands["c4"]["gender"] == "female"  # kvinna
    assert cands["c5"]["gender"] == "male"  # man
    assert cands["c3"]["phase"] == "discharged"  # Discharged
    # gender and birth year from a Danish CPR when the cells are empty (c1: even last digit)
    assert (cands["c1"]["gender"], cands["c1"]["birth_year"]) == ("female", 1990)
    # birth year from a Swedish number; gender is not taken from it
    assert cands["c4"]["birth_year"] == 1990
    # the number itself is nowhere, only a keyed hash; no CPR, no hash for c3
    assert re.fullmatch(r"[0-9a-f]{64}", cands["c1"]["cpr_hash"])
    assert cands["c3"]["cpr_hash"] is None
    text = repr(dump(db_url))
    for number in ("010190", "1203852345", "900101", "19850312"):
        assert number not in text
    fte = {r["consultant_id"]: r["fte"] for r in site_rows(db_url, "consultants", "north")}
    assert fte == {"k1": 1.0, "k2": 0.8}  # decimal comma
    hours = {r["placement_id"]: r["hours_per_week"] for r in site_rows(db_url, "placements", "north")}
    assert hours == {"p1": 15.0, "p2": 10.5}
    f2f = {r["employer"]: r["face_to_face"] for r in site_rows(db_url, "employer_contacts", "north")}
    assert f2f == {"Netto": True, "Bilka": True}  # true, ja
    goals = {r["candidate_id"]: r["status"] for r in site_rows(db_url, "goals", "north")}
    assert goals == {"c1": "active", "c2": "achieved"}  # empty status: the default


def test_the_same_files_twice_give_the_same_database(src, params, db_url):
    assert do_import(src, db_url, params)[0] == 0
    first = dump(db_url)
    assert do_import(src, db_url, params)[0] == 0
    assert dump(db_url) == first


def test_other_sites_are_untouched_and_a_site_is_replaced_whole(tmp_path, src, params, db_url):
    east = d.write_csv(d.EAST, tmp_path / "east")
    assert do_import(east, db_url, params)[0] == 0
    east_before = {t: site_rows(db_url, t, "east") for t in METADATA.tables}
    assert do_import(src, db_url, params)[0] == 0
    # north again, smaller: c3 (and its placement) gone, south's rows not in this SOURCE
    tables = d.valid()
    for name, rows in tables.items():
        keep = [rows[0]]
        for r in rows[1:]:
            if "south" in r or "c3" in r or "k3" in r or "c4" in r or "c5" in r or "b2" in r:
                continue
            keep.append(r)
        tables[name] = keep
    south_before = {t: site_rows(db_url, t, "south") for t in METADATA.tables}
    status, _, err = do_import(d.write_csv(tables, tmp_path / "north"), db_url, params)
    assert status == 0, err
    assert [r["candidate_id"] for r in site_rows(db_url, "candidates", "north")] == ["c1", "c2"]
    assert [r["placement_id"] for r in site_rows(db_url, "placements", "north")] == ["p1"]
    assert {t: site_rows(db_url, t, "south") for t in METADATA.tables} == south_before
    assert {t: site_rows(db_url, t, "east") for t in METADATA.tables} == east_before


def test_an_absent_table_empties_it_for_the_sources_sites_with_a_warning(src, params, db_url):
    assert do_import(src, db_url, params)[0] == 0
    (src / "fidelity.csv").unlink()
    status, _, err = do_import(src, db_url, params)
    assert status == 0
    assert ("warning: fidelity.csv: not in the SOURCE, so the rows the database holds for its "
            "sites go (2 of site north, 1 of site south)") in err
    assert site_rows(db_url, "fidelity", "north") == []


def test_an_id_may_move_between_sites_imported_together(src, params, db_url):
    assert do_import(src, db_url, params)[0] == 0
    tables = d.valid()
    tables["placements"][1][1] = "c5"  # p1 now belongs to a south candidate
    status, _, err = do_import(d.write_csv(tables, src.parent / "moved"), db_url, params)
    assert status == 0, err
    assert [r["placement_id"] for r in site_rows(db_url, "placements", "south")] == ["p1"]


@pytest.mark.system
def test_sqlite_and_postgresql_hold_the_same_rows(tmp_path, src, params, pg_url, monkeypatch):
    monkeypatch.setenv("IPS_NB_KEY", "one key for both databases, 32 bytes+")
    sqlite = f"sqlite:///{tmp_path / 'a.db'}"
    assert do_import(src, sqlite, params)[0] == 0
    assert do_import(src, pg_url, params)[0] == 0
    assert dump(sqlite) == dump(pg_url)


# --- the key ------------------------------------------------------------------------------------

def test_the_key_file_is_made_on_the_first_import_only_and_is_private(tmp_path, src, params):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    key = tmp_path / ".ips_nb_key"
    assert run("validate", src, "--db", url, "--params", params)[0] == 0
    assert not key.exists()  # validation writes nothing
    (src / "goals.csv").write_text("candidate_id,kind\n", encoding="utf-8")  # a required column gone
    assert do_import(src, url, params)[0] == 2
    assert not key.exists() and not (tmp_path / "db.sqlite").exists()
    d.write_csv(d.valid(), src)
    assert do_import(src, url, params)[0] == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_bytes()
    assert do_import(src, url, params)[0] == 0
    assert key.read_bytes() == first


def test_the_key_may_come_from_the_environment(tmp_path, src, params, monkeypatch):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("IPS_NB_KEY", "k" * 32)
    assert do_import(src, url, params)[0] == 0
    hashed = {r["candidate_id"]: r["cpr_hash"] for r in site_rows(url, "candidates", "north")}
    from ips_nb.data.identity import cpr_hash
    assert hashed["c1"] == cpr_hash("0101901234", b"k" * 32)
    assert not (tmp_path / ".ips_nb_key").exists()


def test_the_same_person_spelt_two_ways_hashes_alike(tmp_path, params, monkeypatch):
    monkeypatch.setenv("IPS_NB_KEY", "k" * 32)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    hashes = []
    for spelling in ("900101-0017", "199001010017", "9001010017"):
        tables = d.valid()
        tables["candidates"][4][3] = spelling
        assert do_import(d.write_csv(tables, tmp_path / spelling), url, params)[0] == 0
        hashes.append([r["cpr_hash"] for r in site_rows(url, "candidates", "south")
                       if r["candidate_id"] == "c4"][0])
    assert len(set(hashes)) == 1


def test_a_lost_key_beside_old_hashes_is_refused_not_replaced(tmp_path, src, params):
    """Was a warning (a new key was made and the import went on); now nothing happens
    (see test_import_key for every way a key is refused)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert do_import(src, url, params)[0] == 0
    (tmp_path / ".ips_nb_key").unlink()
    status, _, err = do_import(src, url, params)
    assert status == 2
    assert "there is no key file" in err and "restore" in err
    assert not (tmp_path / ".ips_nb_key").exists()


# --- what a spreadsheet user actually sends -----------------------------------------------------

def _typed_workbook(path: Path, trailing_blank_rows: int = 5) -> Path:
    """The valid SOURCE as Excel holds it: date cells, date-formatted serials, numbers as numbers
    or as text, numeric ids, TRUE/FALSE cells, a CPR number that lost its leading zero."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in d.valid().items():
        ws = wb.create_sheet(name)
        ws.append(rows[0])
        for r in rows[1:]:
            out = []
            for col, v in zip(rows[0], r):
                if v == "":
                    out.append(None)
                elif col.endswith("date") or col == "date":
                    from ips_nb.data.cells import parse_date
                    out.append(datetime.combine(parse_date(v), datetime.min.time()))
                elif col in ("fte", "hours_per_week", "item", "score", "consultants_present"):
                    out.append(float(v.replace(",", ".")))  # numbers as numbers
                elif col == "face_to_face" and v in ("true", "false"):
                    out.append(v == "true")
                else:
                    out.append(v)  # text, among them birth_year: a number stored as text
            ws.append(out)
        for _ in range(trailing_blank_rows):
            ws.append([None] * len(rows[0]))
    cand = wb["candidates"]
    cand["C3"].value = 45337  # 2024-02-15 as a date-formatted number
    cand["C3"].number_format = "dd.mm.yyyy"
    cand["C4"].value = 45352  # 2024-03-01 as a bare serial number in a date column
    cand["C4"].number_format = "General"
    cand["D2"].value = 101901234  # 010190-1234 typed as a number: the leading zero is gone
    cand.cell(row=20, column=1).number_format = "@"  # formatted but empty rows stretch the sheet
    wb.save(path)
    return path


def test_an_xlsx_reads_like_the_csv_folder(tmp_path, src, params, db_url, monkeypatch):
    monkeypatch.setenv("IPS_NB_KEY", "k" * 32)
    book = _typed_workbook(tmp_path / "north and south.xlsx")
    status, out, err = do_import(book, db_url, params)
    assert status == 0, err
    from_xlsx = dump(db_url)
    other = f"sqlite:///{tmp_path / 'from-csv.db'}"
    assert do_import(src, other, params)[0] == 0
    assert dump(other) == from_xlsx


def test_numeric_ids_in_excel_are_text(tmp_path, params):
    tables = d.valid()
    book = d.write_xlsx(tables, tmp_path / "src.xlsx")
    import openpyxl
    wb = openpyxl.load_workbook(book)
    wb["consultants"]["A2"].value = 101  # k1 → 101, as a number
    wb["candidates"]["I2"].value = 101.0
    wb["candidates"]["I4"].value = "101"
    wb["contacts"]["D2"].value = 101
    wb["contacts"]["D3"].value = 101
    wb["employer_contacts"]["A2"].value = 101
    wb["conferences"]["D2"].value = 101
    wb.save(book)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    status, _, err = do_import(book, url, params)
    assert status == 0, err
    assert {r["consultant_id"] for r in site_rows(url, "consultants", "north")} == {"101", "k2"}


def test_xlsx_problems_name_the_workbook_and_sheet(tmp_path, params):
    tables = d.valid()
    tables["candidates"][2][2] = "2024-02-30"
    book = d.write_xlsx(tables, tmp_path / "region.xlsx")
    status, _, err = run("validate", book, "--params", params)
    assert status == 2
    assert ("error: region.xlsx [candidates], row 3, column referral_date, value '2024-02-30': "
            "not a real date") in err


def test_csv_with_bom_and_semicolons_is_read(tmp_path, params):
    src = d.write_csv(d.valid(), tmp_path / "src", encoding="utf-8-sig", delimiter=";")
    status, out, err = run("validate", src, "--params", params)
    assert status == 0, err
    assert err == ""


def test_windows_1252_csv_is_read_with_a_warning(tmp_path, params):
    src = d.write_csv(d.valid(), tmp_path / "src")
    d.write_csv({"candidates": d.VALID["candidates"]}, src, encoding="cp1252")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    status, _, err = do_import(src, url, params)
    assert status == 0
    assert "warning: candidates.csv: is not UTF-8; it was read as Windows-1252" in err
    towns = {r["municipality"] for r in site_rows(url, "candidates", "north")}
    assert "Århus" in towns


def test_unknown_columns_files_and_sheets_are_warnings(tmp_path, params):
    tables = d.valid()
    tables["goals"][0].append("notes")
    for r in tables["goals"][1:]:
        r.append("something")
    src = d.write_csv(tables, tmp_path / "src")
    (src / "readme.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (src / "notes.txt").write_text("not a table", encoding="utf-8")
    status, out, err = run("validate", src, "--params", params)
    assert status == 0, err
    assert "warning: goals.csv, row 1, column notes: not a column of this table; it is ignored" in err
    assert "warning: readme.csv: not a table of the exchange format; the file is ignored" in err
    assert "notes.txt" not in err


def test_headers_are_matched_loosely_and_blank_rows_are_skipped(tmp_path, params):
    tables = d.valid()
    tables["consultants"][0] = ["Consultant ID*", " Site ", "NAME", "fte", "start date"]
    tables["consultants"].insert(2, ["", "", "", "", ""])
    tables["consultants"].append(["", "", "", "", ""])
    src = d.write_csv(tables, tmp_path / "src")
    with open(src / "contacts.csv", "a", encoding="utf-8") as fh:
        fh.write("\n\n,,,\n")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    status, out, err = do_import(src, url, params)
    assert status == 0, err
    assert len(site_rows(url, "consultants", "north")) == 2


@pytest.mark.parametrize("number, born", [
    ("850372-0016", 1985),     # samordningsnummer: the day plus 60
    ("121212+1212", 1912),     # '+': a hundred years old or more
    ("198503120019", 1985),    # twelve digits, no separator
])
def test_swedish_numbers_in_their_accepted_forms(tmp_path, params, number, born):
    tables = d.valid()
    tables["candidates"][5][3] = number
    tables["candidates"][5][6] = ""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    status, _, err = do_import(d.write_csv(tables, tmp_path / "src"), url, params)
    assert status == 0, err
    c5 = [r for r in site_rows(url, "candidates", "south") if r["candidate_id"] == "c5"][0]
    assert c5["birth_year"] == born and c5["cpr_hash"]


def test_a_danish_cpr_needs_no_modulus_11(tmp_path, params):
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    assert sum(int(c) * w for c, w in zip("0101901234", weights)) % 11  # fails modulus 11
    status, _, err = run("validate", d.write_csv(d.valid(), tmp_path / "src"), "--params", params)
    assert status == 0, err


def test_first_imports_at_once_share_one_whole_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from ips_nb.data.identity import load_key

    path = tmp_path / "key"
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: load_key(path), range(32)))
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["key"]  # no temporary file left behind
