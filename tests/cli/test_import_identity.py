"""Identity numbers typed into free text on import: masked with the site's marker, each one a
warning naming file, row and column (never the digits), the rest imported; `validate` says the
same; the agenda (JSON and HTML) and `ips-nb export` never hold the number. Before, the three
texts below were imported with exit 0 and no word, stored in clear and printed on the agenda."""
from __future__ import annotations

import re

import importdata as d
import pytest
import sqlalchemy as sa
from idcorpus import DANGEROUS
from importdata import run

from ips_nb.data import connection, idscan
from ips_nb.data.readers import read_source
from ips_nb.data.schema import TABLES
from ips_nb.data.validate import check, free_text_columns
from ips_nb.pages.agenda import AgendaView

NUMBERS = ("0101901234", "1203852345", "900101")  # the digits of the texts below, as they run


def source_with_numbers():
    tables = d.valid()
    tables["actions"][1][2] = "Ring til 010190-1234"  # a1, c1 (north, Danish)
    tables["goals"][1][2] = "Lager CPR 0101901234"  # c1's goal
    tables["candidates"][1][7] = "Aarhus 1203852345"  # c1's municipality
    tables["actions"][3][2] = "Ring 900101-0017 om budget"  # a3, c4 (south, Swedish)
    return tables


EXPECTED = [  # (file, row, column): the warnings, in the importer's order
    ("candidates.csv", 2, "municipality"),
    ("goals.csv", 2, "description"),
    ("actions.csv", 2, "description"),
    ("actions.csv", 4, "description"),
]


def warnings_of(err: str) -> list[tuple[str, int, str]]:
    return [(m[1], int(m[2]), m[3]) for m in
            re.finditer(r"^warning: (\S+), row (\d+), column (\w+)(?:, value '[^']*')?: held 1 CPR",
                        err, re.M)]


def no_number_in(text: str) -> None:
    flat = re.sub(r"\D", "", text)
    assert not any(n in flat for n in NUMBERS[:2]), "a number is in the output"
    assert "900101-0017" not in text and "9001010017" not in flat
    assert idscan.find(text) == []


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "identity import test key " * 2)
    d.write_params(tmp_path / "params")
    d.write_csv(source_with_numbers(), tmp_path / "src")
    return tmp_path


def test_import_masks_free_text_warns_per_cell_and_nothing_leaks(work):
    url = f"sqlite:///{work / 'ips.db'}"
    code, out, err = run("validate", "src", "--db", url)
    assert code == 0, err
    assert warnings_of(err) == EXPECTED
    no_number_in(out + err)

    code, out, err = run("import", "src", "--db", url)
    assert code == 0, err
    assert warnings_of(err) == EXPECTED  # the same warnings as validate
    no_number_in(out + err)
    engine = connection.connect(url)
    with engine.connect() as conn:
        actions = dict(conn.execute(sa.text("SELECT action_id, description FROM actions")).all())
        goals = conn.execute(sa.text("SELECT description FROM goals WHERE candidate_id='c1'")).scalar()
        town = conn.execute(sa.text("SELECT municipality FROM candidates WHERE candidate_id='c1'")).scalar()
        kept = conn.execute(sa.text("SELECT initials, phase FROM candidates WHERE candidate_id='c1'")).one()
    engine.dispose()
    assert actions["a1"] == "Ring til [CPR fjernet]"
    assert actions["a3"] == "Ring [personnummer borttaget] om budget"  # south is Swedish
    assert goals == "Lager CPR [CPR fjernet]" and town == "Aarhus [CPR fjernet]"
    assert tuple(kept) == ("AH", "job_search")  # the rest of the row imported
    no_number_in(repr(d.dump(url)))

    view = AgendaView.open("north", "2024-W11", url, str(work / "params"))
    view.save(work / "agenda.json")
    page = str(view.head()) + str(view.sections())
    assert "[CPR fjernet]" in page  # the action is on the agenda, masked
    no_number_in((work / "agenda.json").read_text(encoding="utf-8"))
    no_number_in(page)

    code, out, err = run("export", "out", "--db", url)
    assert code == 0, err
    exported = "".join(p.read_text(encoding="utf-8") for p in sorted((work / "out").glob("*.csv")))
    assert "Ring til [CPR fjernet]" in exported
    no_number_in(exported.replace(",", " "))  # cpr_hash columns are hex, never a number


@pytest.mark.parametrize("name, text", DANGEROUS, ids=[n for n, _ in DANGEROUS])
def test_every_corpus_form_in_every_free_text_column_is_masked(tmp_path, name, text):
    tables = d.valid()
    for table, rows in tables.items():
        for column in free_text_columns(table):
            if column in rows[0]:
                i = rows[0].index(column)
                rows[1][i] = f"note {text} end"
    checked = check(read_source(d.write_csv(tables, tmp_path / "src")),
                    d.write_params(tmp_path / "params"))
    assert checked.ok, checked.errors
    masked = [(p.file, p.column) for p in checked.warnings if "CPR" in p.message]
    expected = [(f"{t}.csv", c) for t in d.VALID for c in free_text_columns(t)
                if c in d.VALID[t][0]]
    assert sorted(masked) == sorted(expected)
    for table, frame in checked.frames.items():
        for column in free_text_columns(table):
            if column in frame:
                assert idscan.find(" ".join(map(str, frame[column].dropna()))) == []
    assert all("1234" not in str(p) for p in checked.problems)


@pytest.mark.parametrize("table, column", [
    ("candidates", "candidate_id"), ("actions", "action_id"), ("consultants", "site"),
])
def test_an_id_or_site_holding_a_number_is_an_error_and_nothing_is_written(work, table, column):
    tables = d.valid()
    i = tables[table][0].index(column)
    tables[table][1][i] = "010190-1234"
    d.write_csv(tables, work / "bad")
    url = f"sqlite:///{work / 'bad.db'}"
    code, out, err = run("import", "bad", "--db", url)
    assert code == 2 and "nothing was written" in out
    assert re.search(rf"^error: {table}\.csv, row 2, column {column}: holds a CPR number", err, re.M)
    assert "1234" not in err and not (work / "bad.db").exists()


def test_the_free_text_columns_are_the_text_columns_that_no_row_points_at():
    assert {t: free_text_columns(t) for t in TABLES if free_text_columns(t)} == {
        "consultants": ["name"], "clinicians": ["name", "team"],
        "candidates": ["initials", "municipality"], "goals": ["description"],
        "actions": ["description"], "employer_contacts": ["employer"],
        "placements": ["employer", "end_reason"], "supervision": ["supervisor"],
        "conferences": ["team", "decision", "recorded_by"],
    }
