"""A small, valid exchange-format SOURCE for the import tests, as text tables easy to break.

Two sites: `north` (Danish, CPR numbers) and `south` (Swedish, personnummer), plus a third,
`east`, used as "another site already in the database". Tables are {name: [header, *rows]}
with every cell as text, exactly what a CSV file holds; writers turn them into a CSV folder or
an .xlsx workbook.
"""
from __future__ import annotations

import contextlib
import copy
import csv
from pathlib import Path

import sqlalchemy as sa

PARAMS = {
    "north": "site: north\nname: IPS Nord\nlanguage: da\ncountry: DK\nconference_weekday: 2\n",
    "south": "site: south\nname: IPS Syd\nlanguage: sv\ncountry: SE\nconference_weekday: onsdag\n",
    "east": "site: east\nname: IPS Øst\nlanguage: da\ncountry: DK\nconference_weekday: 4\n",
}

VALID: dict[str, list[list[str]]] = {
    "consultants": [
        ["consultant_id", "site", "name", "fte", "start_date"],
        ["k1", "north", "Anne Holm", "1.0", "2023-01-02"],
        ["k2", "north", "Bo Lund", "0,8", "01-03-2023"],
        ["k3", "south", "Sara Berg", "1", "01.02.2023"],
    ],
    "clinicians": [
        ["clinician_id", "site", "name", "team"],
        ["b1", "north", "Lise Dahl", "Team Nord"],
        ["b2", "south", "Erik Ek", "Team Norr"],
    ],
    "candidates": [
        ["candidate_id", "site", "referral_date", "cpr", "initials", "gender", "birth_year",
         "municipality", "consultant_id", "clinician_id", "consent_date", "intake_date", "phase",
         "discharge_date", "discharge_reason"],
        ["c1", "north", "2024-01-10", "010190-1234", "AH", "", "", "Aarhus", "k1", "b1",
         "2024-01-12", "2024-01-15", "job_search", "", ""],
        ["c2", "north", "15-02-2024", "1203852345", "BL", "K", "1985", "Århus", "k2", "b1",
         "2024-02-16", "2024-02-20", "employed", "", ""],
        ["c3", "north", "01.03.2024", "", "CD", "male", "1990", "Skanderborg", "k1", "",
         "2024-03-02", "2024-03-05", "Discharged", "2024-09-01", "moved"],
        ["c4", "south", "2024-01-20", "900101-0017", "EF", "kvinna", "", "Jönköping", "k3", "b2",
         "2024-01-21", "2024-01-25", "assessment", "", ""],
        ["c5", "south", "2024-02-01", "19850312-0019", "GH", "man", "1985", "Växjö", "k3", "",
         "", "", "referral", "", ""],
    ],
    "phases": [  # in no particular order, as a site may send them
        ["candidate_id", "phase", "from_date"],
        ["c1", "referral", "2024-01-10"],
        ["c1", "job_search", "2024-03-01"],
        ["c1", "engagement", "15-01-2024"],
        ["c2", "engagement", "2024-02-20"],
        ["c2", "Employed", "2024-03-01"],
        ["c3", "engagement", "2024-03-05"],
        ["c3", "discharged", "01.09.2024"],
        ["c3", "assessment", "2024-03-20"],
        ["c4", "engagement", "2024-01-25"],
        ["c4", "assessment", "2024-02-10"],
    ],
    "goals": [
        ["candidate_id", "kind", "description", "set_date", "status"],
        ["c1", "job", "Lagerarbejde", "2024-01-20", ""],
        ["c2", "job", "Butik", "2024-02-25", "achieved"],
        ["c4", "education", "Komvux", "2024-02-01", "active"],
    ],
    "actions": [
        ["action_id", "candidate_id", "description", "owner", "due_date", "created_date", "done_date"],
        ["a1", "c1", "Ring til arbejdsgiver", "consultant", "2024-02-01", "2024-01-20", ""],
        ["a2", "c2", "Jobsamtale", "candidate", "2024-03-01", "2024-02-25", "2024-02-28"],
        ["a3", "c4", "Budget", "clinician", "2024-02-15", "2024-02-01", ""],
    ],
    "contacts": [
        ["candidate_id", "date", "kind", "consultant_id"],
        ["c1", "2024-01-15", "meeting", "k1"],
        ["c1", "2024-01-22", "benefits_counselling", "k1"],
        ["c2", "2024-02-20", "meeting", "k2"],
        ["c4", "2024-01-25", "meeting", "k3"],
        ["c4", "2024-02-05", "interview", ""],
    ],
    "employer_contacts": [
        ["consultant_id", "date", "employer", "candidate_id", "face_to_face"],
        ["k1", "2024-01-25", "Netto", "c1", "true"],
        ["k2", "2024-02-22", "Bilka", "", "ja"],
        ["k3", "2024-02-10", "ICA", "c4", "false"],
    ],
    "placements": [
        ["placement_id", "candidate_id", "kind", "employer", "start_date", "end_date",
         "hours_per_week", "end_reason"],
        ["p1", "c2", "job", "Bilka", "2024-03-01", "", "15", ""],
        ["p2", "c3", "internship", "Fakta", "2024-04-01", "2024-05-01", "10,5", "ended"],
    ],
    "fidelity": [
        ["site", "review_date", "item", "score"],
        ["north", "2024-06-01", "1", "4"],
        ["north", "2024-06-01", "2", "5"],
        ["south", "2024-06-03", "1", "3"],
    ],
    "supervision": [
        ["site", "date", "supervisor", "consultants_present", "clinicians_present"],
        ["north", "2024-02-07", "Mette", "2", "1"],
        ["south", "2024-02-08", "Karin", "1", ""],
    ],
    "conferences": [
        ["site", "date", "candidate_id", "consultant_id", "team"],
        ["north", "2024-02-06", "c1", "k1", "Team Nord"],
        ["north", "2024-02-13", "", "", "Team Nord"],
        ["south", "2024-02-07", "c4", "k3", ""],
    ],
    "followups": [
        ["candidate_id", "date", "status", "hours_per_week"],
        ["c3", "2024-09-01", "education", ""],
    ],
    "surveys": [
        ["candidate_id", "date", "instrument", "item", "score", "occasion"],
        ["c1", "2024-03-01", "experience", "1", "4", "intake"],
        ["c1", "2024-03-01", "experience", "2", "5", "intake"],
        ["c4", "2024-02-01", "mansa", "1", "6", "intake"],
    ],
}

# Rows of each table when the valid SOURCE is imported (the header does not count).
ROWS = {name: len(rows) - 1 for name, rows in VALID.items()}

EAST: dict[str, list[list[str]]] = {
    "consultants": [["consultant_id", "site", "name"], ["e-k1", "east", "Ole Øst"]],
    "candidates": [
        ["candidate_id", "site", "referral_date", "cpr", "consultant_id"],
        ["e-c1", "east", "2024-01-05", "020290-1235", "e-k1"],
    ],
    "contacts": [["candidate_id", "date", "kind"], ["e-c1", "2024-01-08", "meeting"]],
}


def valid() -> dict[str, list[list[str]]]:
    return copy.deepcopy(VALID)


def write_params(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for site, text in PARAMS.items():
        (folder / f"{site}.yaml").write_text(text, encoding="utf-8")
    return folder


def write_csv(tables: dict[str, list[list[str]]], folder: Path, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", encoding=encoding, newline="") as fh:
            csv.writer(fh, delimiter=delimiter).writerows(rows)
    return folder


def write_xlsx(tables: dict[str, list[list[str]]], path: Path) -> Path:
    """Every cell as text, the way `write_csv` writes it (typed cells: see the xlsx tests)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append([v if v != "" else None for v in r])
    wb.save(path)
    return path


def frames(folder: Path, tables: dict[str, list[list[str]]]) -> dict:
    """The tables as the importer hands them to the store: written out, read back, validated
    against the test parameters (a test that needs invalid input builds it itself)."""
    from ips_nb.data.readers import read_source
    from ips_nb.data.validate import check

    checked = check(read_source(write_csv(tables, folder / "src")), write_params(folder / "params"))
    assert checked.ok, checked.errors
    return checked.frames


@contextlib.contextmanager
def valid_store(url: str, folder: Path, key: str):
    """An engine on a database holding the valid SOURCE's sites, disposed afterwards."""
    from ips_nb.data import connection, store

    engine = connection.connect(url)
    try:
        store.write_sites(engine, frames(folder / "first", VALID), key.encode())
        yield engine
    finally:
        engine.dispose()


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: two databases with the same content dump alike."""
    from ips_nb.data import connection
    from ips_nb.data.tables import METADATA

    engine = connection.connect(url)
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            return {name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
                    for name, t in METADATA.tables.items() if name in names}
    finally:
        engine.dispose()


def state(url: str) -> object:
    """What 'unchanged' means: an SQLite file's bytes (None if absent), else every row."""
    from ips_nb.data.importer import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        return path.read_bytes() if path.exists() else None
    return dump(url)


def run(*argv: str) -> tuple[int, str, str]:
    """`ips-nb validate|import|export ...` in-process through cli_data's own handlers."""
    import argparse
    import contextlib
    import io

    from ips_nb import cli_data

    parser = argparse.ArgumentParser(prog="ips-nb")
    cli_data.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args([str(a) for a in argv])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = args.func(args)
    return status, out.getvalue(), err.getvalue()


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]
