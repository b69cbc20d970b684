"""Bad input: every kind of problem is found, pointed at (file, row, column), and nothing changes.

Each case breaks the valid SOURCE in one way, imports it into a database that already holds
the valid sites and a third one, and checks the exit status 2, the problem line, and that the
database is unchanged: the SQLite file byte for byte, PostgreSQL row for row.
"""
from __future__ import annotations

import re
from pathlib import Path

import importdata as d
import pytest
from importdata import errors, run, state
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

CAND = d.VALID["candidates"][0]


def col(table: str, name: str) -> int:
    return d.VALID[table][0].index(name)


def setcell(table: str, row: int, column: str, value: str):
    """A mutation: the cell in spreadsheet row `row` (header = 1) gets `value`."""
    def mutate(t, folder, params):
        t[table][row - 1][col(table, column)] = value
    return mutate


def drop_column(table: str, column: str):
    def mutate(t, folder, params):
        i = col(table, column)
        for r in t[table]:
            del r[i]
    return mutate


def append_row(table: str, row: list[str]):
    def mutate(t, folder, params):
        t[table].append(row)
    return mutate


def drop_table(table: str):
    def mutate(t, folder, params):
        del t[table]
    return mutate


def raw_file(table: str, data: bytes):
    def mutate(t, folder, params):
        d.write_csv(t, folder)
        (folder / f"{table}.csv").write_bytes(data)
        return folder
    return mutate


def both(*mutations):
    def mutate(t, folder, params):
        out = None
        for m in mutations:
            out = m(t, folder, params) or out
        return out
    return mutate


def corrupt_xlsx(t, folder, params):
    path = folder.parent / "region.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    return path


def remove_params(site: str):
    def mutate(t, folder, params):
        (params / f"{site}.yaml").unlink()
    return mutate


def bad_params(t, folder, params):
    (params / "south.yaml").write_text(d.PARAMS["south"] + "colour: blue\n", encoding="utf-8")


def only_headers(t, folder, params):
    for name in list(t):
        if name in ("candidates", "consultants"):
            t[name] = t[name][:1]
        else:
            del t[name]


E = "error: "
# id: (mutation, [(where the problem is, what the message says)])
CASES = {
    "missing file": (drop_table("candidates"),
                     [("candidates.csv: ", "missing: every SOURCE needs candidates.csv")]),
    "missing required column": (drop_column("candidates", "referral_date"),
                                [("candidates.csv, row 1, column referral_date", "required column is missing")]),
    "missing required column in an optional table": (
        drop_column("placements", "employer"),
        [("placements.csv, row 1, column employer", "required column is missing")]),
    "utf-16 file": (raw_file("consultants", "consultant_id,site,name\n".encode("utf-16")),
                    [("consultants.csv: ", "UTF-16")]),
    "binary file": (raw_file("goals", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
                    [("goals.csv: ", "not a text file")]),
    "unreadable xlsx": (corrupt_xlsx, [("region.xlsx: ", "cannot be read")]),
    "empty file": (raw_file("contacts", b""), [("contacts.csv: ", "is empty")]),
    "blank file": (raw_file("contacts", b"\r\n \n"), [("contacts.csv: ", "is empty")]),
    "no rows at all": (only_headers, [("src: ", "holds no rows")]),
    "required value empty": (setcell("candidates", 2, "referral_date", ""),
                             [("candidates.csv, row 2, column referral_date", "required, but the cell is empty")]),
    "date in another format": (setcell("candidates", 2, "referral_date", "2024/01/10"),
                               [("candidates.csv, row 2, column referral_date, value '2024/01/10'", "not a date")]),
    "impossible date": (setcell("candidates", 3, "intake_date", "31-02-2024"),
                        [("candidates.csv, row 3, column intake_date, value '31-02-2024'", "not a real date")]),
    "impossible month": (setcell("contacts", 4, "date", "2024-13-01"),
                         [("contacts.csv, row 4, column date", "not a real date")]),
    "year out of range": (setcell("goals", 2, "set_date", "01.01.1024"),
                          [("goals.csv, row 2, column set_date", "between 1900 and 2100")]),
    "not an enum value": (setcell("candidates", 4, "phase", "working"),
                          [("candidates.csv, row 4, column phase, value 'working'", "not one of: referral")]),
    "not a gender": (setcell("candidates", 2, "gender", "x"),
                     [("candidates.csv, row 2, column gender", "also accepted")]),
    "not a placement kind": (setcell("placements", 2, "kind", "flexjob"),
                             [("placements.csv, row 2, column kind", "not one of: job, education")]),
    "not true or false": (setcell("employer_contacts", 2, "face_to_face", "maybe"),
                          [("employer_contacts.csv, row 2, column face_to_face", "not true or false")]),
    "not a number": (setcell("consultants", 2, "fte", "full"),
                     [("consultants.csv, row 2, column fte, value 'full'", "not a number")]),
    "not a whole number": (setcell("candidates", 3, "birth_year", "1985.5"),
                           [("candidates.csv, row 3, column birth_year", "not a whole number")]),
    "duplicate candidate id": (append_row("candidates", ["c2", "north", "2024-05-01"] + [""] * 12),
                               [("candidates.csv, row 7, column candidate_id, value 'c2'", "duplicate candidate_id: row 3")]),
    "duplicate consultant id": (setcell("consultants", 4, "consultant_id", "k1"),
                                [("consultants.csv, row 4, column consultant_id", "duplicate consultant_id: row 2")]),
    "duplicate placement id": (setcell("placements", 3, "placement_id", "p1"),
                               [("placements.csv, row 3, column placement_id", "duplicate")]),
    "unknown candidate": (setcell("goals", 2, "candidate_id", "c99"),
                          [("goals.csv, row 2, column candidate_id, value 'c99'", "unknown candidate: not in candidates.csv")]),
    "unknown consultant": (setcell("contacts", 2, "consultant_id", "k99"),
                           [("contacts.csv, row 2, column consultant_id", "unknown consultant")]),
    "unknown clinician, table absent": (drop_table("clinicians"),
                                        [("candidates.csv, row 2, column clinician_id", "clinicians.csv is not in the SOURCE")]),
    "reference into another site": (setcell("candidates", 2, "consultant_id", "k3"),
                                    [("candidates.csv, row 2, column consultant_id", "belongs to site south, this row to site north")]),
    "unknown site": (setcell("fidelity", 2, "site", "west"),
                     [("fidelity.csv, row 2, column site, value 'west'", "no parameters file for site 'west'")]),
    "site without params file": (remove_params("south"),
                                 [("consultants.csv, row 4, column site, value 'south'", "no parameters file")]),
    "site with bad params file": (bad_params, [("consultants.csv, row 4, column site", "south.yaml: colour")]),
    "discharge before intake": (setcell("candidates", 4, "discharge_date", "2024-03-04"),
                                [("candidates.csv, row 4, column discharge_date", "discharge_date is before intake_date (2024-03-05)")]),
    "intake before referral": (setcell("candidates", 2, "intake_date", "2024-01-09"),
                               [("candidates.csv, row 2, column intake_date", "intake_date is before referral_date")]),
    "placement ends before it starts": (setcell("placements", 3, "end_date", "2024-03-31"),
                                        [("placements.csv, row 3, column end_date", "before start_date")]),
    "action done before created": (setcell("actions", 3, "done_date", "2024-02-24"),
                                   [("actions.csv, row 3, column done_date", "before created_date")]),
    "fidelity item 26": (setcell("fidelity", 2, "item", "26"),
                         [("fidelity.csv, row 2, column item, value '26'", "between 1 and 25")]),
    "fidelity item 0": (setcell("fidelity", 3, "item", "0"), [("fidelity.csv, row 3, column item", "between 1 and 25")]),
    "fidelity score 6": (setcell("fidelity", 2, "score", "6"),
                         [("fidelity.csv, row 2, column score, value '6'", "between 1 and 5")]),
    "fidelity score 0": (setcell("fidelity", 4, "score", "0"), [("fidelity.csv, row 4, column score", "between 1 and 5")]),
    "fidelity item twice": (setcell("fidelity", 3, "item", "1"),
                            [("fidelity.csv, row 3, column item", "item scored twice")]),
    "CPR without a real date": (setcell("candidates", 2, "cpr", "320190-1234"),
                                [("candidates.csv, row 2, column cpr, value '320190-****'", "does not hold a real date (site north is in DK)")]),
    "CPR too short": (setcell("candidates", 2, "cpr", "01019-1234"),
                      [("candidates.csv, row 2, column cpr", "10 digits")]),
    "CPR with letters": (setcell("candidates", 2, "cpr", "010190-12A4"),
                         [("candidates.csv, row 2, column cpr, value '010190-****'", "10 digits")]),
    "personnummer check digit": (setcell("candidates", 5, "cpr", "900101-0018"),
                                 [("candidates.csv, row 5, column cpr, value '900101-****'", "check digit is wrong (site south is in SE)")]),
    "personnummer shape": (setcell("candidates", 6, "cpr", "1985-03-12"),
                           [("candidates.csv, row 6, column cpr", "YYMMDD-NNNC")]),
    "Danish CPR at a Swedish site": (setcell("candidates", 5, "cpr", "010190-1234"),
                                     [("candidates.csv, row 5, column cpr", "(site south is in SE)")]),
    "same person twice": (setcell("candidates", 4, "cpr", "0101901234"),
                          [("candidates.csv, row 4, column cpr, value '010190-****'", "the same person as candidate c1 in row 2")]),
    "same person twice across sites": (setcell("candidates", 6, "cpr", "19900101-0017"),
                                       [("candidates.csv, row 6, column cpr", "the same person as candidate c4 in row 5")]),
    "born after the referral": (setcell("candidates", 2, "cpr", "010125-4321"),
                                [("candidates.csv, row 2, column cpr", "after the referral")]),
    "id of another site in the database": (append_row("consultants", ["e-k1", "north", "Ole"]),
                                           [("consultants.csv, row 5, column consultant_id, value 'e-k1'", "already belongs to site east in the database")]),
    "stray separator": (append_row("goals", ["c1", "job", "Lager", "Netto", "2024-01-01", "active"]),
                        [("goals.csv, row 5", "has 6 cells but the header has 5")]),
    "header twice": (both(setcell("goals", 1, "status", "kind")),
                     [("goals.csv, row 1, column kind", "appears twice")]),
    "a CPR hash that is not one": (both(drop_column("candidates", "cpr"),
                                        append_row("candidates", ["c6", "north", "2024-05-01"] + [""] * 11 + ["abc"]),
                                        lambda t, f, p: t["candidates"][0].append("cpr_hash")),
                                   [("candidates.csv, row 7, column cpr_hash", "64 hexadecimal")]),
}


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


@pytest.fixture
def filled(tmp_path, params, db_url, monkeypatch):
    """A database that holds the valid north and south and another site, east."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "test key " * 4)
    for name, tables in (("east", d.EAST), ("valid", d.VALID)):
        status, _, err = run("import", d.write_csv(tables, tmp_path / name), "--db", db_url,
                             "--params", params)
        assert status == 0, err
    return db_url


FULL_NUMBERS = re.compile(r"\d{6}-?\d{4}")


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_reported_and_changes_nothing(case, tmp_path, params, filled):
    mutate, expected = CASES[case]
    tables = d.valid()
    folder = tmp_path / "src"
    source = mutate(tables, folder, params) or d.write_csv(tables, folder)
    before = state(filled)
    status, out, err = run("import", source, "--db", filled, "--params", params)
    assert status == 2, err
    assert "nothing was written" in out
    lines = errors(err)
    for where, what in expected:
        hits = [line for line in lines if re.match(E + r"(\S*/)?" + re.escape(where), line)]
        assert hits, f"no problem at {where!r}:\n{err}"
        assert any(what in line for line in hits), f"{what!r} not in {hits}"
    assert "Traceback" not in err
    assert not FULL_NUMBERS.search(err), "an identity number was shown in full"
    assert state(filled) == before


@pytest.mark.parametrize("case", ["impossible date", "same person twice", "missing file"])
def test_validate_reports_the_same_and_writes_nothing(case, tmp_path, params, filled):
    mutate, expected = CASES[case]
    tables = d.valid()
    source = mutate(tables, tmp_path / "src", params) or d.write_csv(tables, tmp_path / "src")
    before = state(filled)
    status, out, err = run("validate", source, "--db", filled, "--params", params)
    assert status == 2
    assert any(line.startswith(E + expected[0][0]) for line in errors(err)), err
    assert state(filled) == before


def test_every_problem_is_reported_in_one_pass(tmp_path, params, filled):
    tables = d.valid()
    for case in ("impossible date", "not an enum value", "unknown candidate", "fidelity score 6",
                 "same person twice", "placement ends before it starts"):
        CASES[case][0](tables, tmp_path / "src", params)
    status, _, err = run("import", d.write_csv(tables, tmp_path / "src"), "--db", filled,
                         "--params", params)
    assert status == 2
    assert len(errors(err)) == 6, err


def test_a_missing_source_or_a_single_csv_is_a_clear_error(tmp_path, params):
    status, _, err = run("validate", tmp_path / "nowhere", "--params", params)
    assert status == 2 and "does not exist" in err
    one = tmp_path / "candidates.csv"
    one.write_text("candidate_id\n", encoding="utf-8")
    status, _, err = run("validate", one, "--params", params)
    assert status == 2 and "put the <table>.csv files in a folder" in err
    old = tmp_path / "region.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    status, _, err = run("validate", old, "--params", params)
    assert status == 2 and "save it as .xlsx" in err


def test_a_bad_import_into_no_database_creates_none(tmp_path, params):
    tables = d.valid()
    CASES["impossible date"][0](tables, None, params)
    db = tmp_path / "data" / "ips.db"
    status, _, _ = run("import", d.write_csv(tables, tmp_path / "src"), "--db", f"sqlite:///{db}",
                       "--params", params)
    assert status == 2
    assert not db.parent.exists()


def test_an_unreachable_database_is_one_line_and_status_2(tmp_path, params):
    src = d.write_csv(d.valid(), tmp_path / "src")
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    status, out, err = run("import", src, "--db", url, "--params", params)
    assert status == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    # validation without a database still checks the files, and says what it could not check
    status, out, err = run("validate", src, "--db", url, "--params", params)
    assert status == 0
    assert "ids were not checked against other sites" in err


def test_a_bad_database_url_is_one_line(tmp_path, params):
    src = d.write_csv(d.valid(), tmp_path / "src")
    status, _, err = run("import", src, "--db", "nonsense://x", "--params", params)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_unexpected_failure_is_one_masked_line(tmp_path, params, monkeypatch):
    from ips_nb.data import importer

    def boom(*a, **k):
        raise RuntimeError("something broke near 010190-1234\nsecond line")

    monkeypatch.setattr(importer, "import_source", boom)
    status, out, err = run("import", tmp_path, "--params", params)
    assert status == 2
    assert err == "ips-nb import: RuntimeError: something broke near 010190-****\n"
