"""Implausible data: dates that have not happened yet, and a table that silently empties a site.

The import takes "today" from its caller (the command line passes the day it runs, `--today`
overrides it); the library never reads the clock.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import importdata as d
import pytest
from importdata import errors, run


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "plausible test key " * 2)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


def cell(tables: dict, table: str, row: int, column: str, value: str) -> None:
    tables[table][row - 1][tables[table][0].index(column)] = value


def test_a_referral_in_2099_is_refused_with_its_row(tmp_path, params):
    tables = d.valid()
    cell(tables, "candidates", 3, "referral_date", "01-01-2099")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    status, out, err = run("import", d.write_csv(tables, tmp_path / "src"), "--db", url,
                           "--params", params)
    assert status == 2
    assert errors(err)[0] == (
        f"error: candidates.csv, row 3, column referral_date, value '01-01-2099': "
        f"after the day of the import ({date.today().isoformat()}): it cannot have happened yet")
    assert not (tmp_path / "db.sqlite").exists()


@pytest.mark.parametrize("table, row, column", [
    ("candidates", 2, "consent_date"), ("candidates", 2, "intake_date"),
    ("candidates", 4, "discharge_date"), ("goals", 2, "set_date"), ("actions", 2, "created_date"),
    ("actions", 3, "done_date"), ("contacts", 2, "date"), ("employer_contacts", 2, "date"),
    ("placements", 2, "start_date"), ("fidelity", 2, "review_date"), ("supervision", 2, "date"),
    ("conferences", 2, "date"),
])
def test_every_record_date_after_today_is_refused(tmp_path, params, table, row, column):
    tables = d.valid()
    cell(tables, table, row, column, "2024-12-02")
    status, _, err = run("validate", d.write_csv(tables, tmp_path / "src"), "--params", params,
                         "--today", "2024-12-01")
    assert status == 2
    assert any(line.startswith(f"error: {table}.csv, row {row}, column {column}, value "
                               f"'2024-12-02': after the day of the import (2024-12-01)")
               for line in errors(err)), err


def test_planned_dates_may_lie_ahead(tmp_path, params):
    """A due date, a planned end of a placement and a consultant's agreed first day."""
    ahead = (date.today() + timedelta(days=30)).isoformat()
    tables = d.valid()
    cell(tables, "actions", 2, "due_date", ahead)
    cell(tables, "placements", 2, "end_date", ahead)
    cell(tables, "consultants", 2, "start_date", ahead)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    status, _, err = run("import", d.write_csv(tables, tmp_path / "src"), "--db", url,
                         "--params", params)
    assert status == 0, err


def test_the_library_takes_today_from_its_caller(tmp_path, params):
    from ips_nb.data.importer import import_source

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    src = d.write_csv(d.valid(), tmp_path / "src")
    outcome = import_source(src, url, params, today=date(2024, 3, 1))
    assert outcome.status == 2
    bad = {(p.file, p.row, p.column) for p in outcome.problems if p.level == "error"}
    assert ("candidates.csv", 5, "intake_date") not in bad  # 2024-01-25: fine
    assert ("fidelity.csv", 2, "review_date") in bad  # 2024-06-01
    assert import_source(src, url, params, today=date(2024, 9, 1)).status == 0


def test_a_header_only_table_warns_how_many_rows_it_removes(tmp_path, params):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert run("import", d.write_csv(d.valid(), tmp_path / "src"), "--db", url,
               "--params", params)[0] == 0
    tables = d.valid()
    tables["fidelity"] = tables["fidelity"][:1]  # the header only
    tables["placements"] = [r for r in tables["placements"] if r[1] != "c3"]  # north keeps p1
    tables["goals"] = [r for r in tables["goals"] if r[0] != "c4"]  # south's only goal
    status, _, err = run("import", d.write_csv(tables, tmp_path / "again"), "--db", url,
                         "--params", params)
    assert status == 0, err
    assert ("warning: fidelity.csv: holds no rows for site north or south, so the rows the "
            "database holds for them go (2 of site north, 1 of site south)") in err
    assert ("warning: goals.csv: holds no rows for site south, so the rows the database holds "
            "for it go (1 of site south)") in err
    assert "placements.csv" not in err  # north still has a placement: nothing to warn about


def test_a_header_only_table_in_a_fresh_database_says_nothing(tmp_path, params):
    tables = d.valid()
    tables["fidelity"] = tables["fidelity"][:1]
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    status, _, err = run("import", d.write_csv(tables, tmp_path / "src"), "--db", url,
                         "--params", params)
    assert status == 0 and "fidelity" not in err, err
