"""The phase history (`phases`) through validate, import, store and export.

The valid SOURCE (tests/importdata.py) carries a history for c1..c4, rows out of order, one date
in each accepted format and one phase in capitals; c5 has none (history missing, allowed).
"""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import importdata as d
import pandas as pd
import pytest
import sqlalchemy as sa
from importdata import dump, errors, run, state
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import connection, store
from ips_nb.data.frames import empty_frame, load_site
from ips_nb.data.readers import read_source
from ips_nb.data.validate import check

E = "error: "
W = "warning: "
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "phase history " * 3)
    monkeypatch.delenv("IPS_NB_KEY_FILE", raising=False)
    monkeypatch.delenv("IPS_NB_DB", raising=False)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


def checked(tmp_path: Path, tables: dict, today: date | None = TODAY):
    params = d.write_params(tmp_path / "p")
    return check(read_source(d.write_csv(tables, tmp_path / "src")), params, today=today)


def lines(result, level: str = "error") -> list[str]:
    return [str(p) for p in result.problems if p.level == level]


def phases_of(tables: dict, cid: str) -> list[list[str]]:
    return [r for r in tables["phases"][1:] if r[0] == cid]


# --- the check ----------------------------------------------------------------------------------

def test_the_valid_history_passes_in_any_order_and_spelling(tmp_path):
    result = checked(tmp_path, d.valid())
    assert result.ok, lines(result)
    assert lines(result, "warning") == []
    f = result.frames["phases"]
    assert list(f.columns) == ["candidate_id", "phase", "from_date"]
    c1 = f[f["candidate_id"] == "c1"].sort_values("from_date")
    assert list(c1["phase"]) == ["referral", "engagement", "job_search"]
    assert list(c1["from_date"]) == [date(2024, 1, 10), date(2024, 1, 15), date(2024, 3, 1)]
    assert "employed" in set(f["phase"])  # `Employed` is the code `employed`


def test_job_search_may_be_written_with_a_space(tmp_path):
    tables = d.valid()
    tables["phases"][2][1] = "Job search"
    assert checked(tmp_path, tables).ok


def test_a_candidate_without_history_is_allowed(tmp_path):
    tables = d.valid()
    tables["phases"] = [tables["phases"][0]] + [r for r in tables["phases"][1:] if r[0] != "c1"]
    assert checked(tmp_path, tables).ok


def test_no_phases_table_at_all_is_allowed(tmp_path):
    tables = d.valid()
    del tables["phases"]
    result = checked(tmp_path, tables)
    assert result.ok and "phases" not in result.frames


@pytest.mark.parametrize("row, column, value, where, message", [
    (2, "candidate_id", "c99", "phases.csv, row 2, column candidate_id, value 'c99'",
     "unknown candidate: not in candidates.csv"),
    (3, "phase", "working", "phases.csv, row 3, column phase, value 'working'",
     "not one of: referral, engagement"),
    (3, "from_date", "2024/03/01", "phases.csv, row 3, column from_date, value '2024/03/01'",
     "not a date"),
    (3, "from_date", "", "phases.csv, row 3, column from_date", "required, but the cell is empty"),
    (3, "from_date", "2026-11-24", "phases.csv, row 3, column from_date, value '2026-11-24'",
     "after the day of the import (2026-11-23)"),
])
def test_a_bad_cell_is_pointed_at(tmp_path, row, column, value, where, message):
    tables = d.valid()
    tables["phases"][row - 1][tables["phases"][0].index(column)] = value
    result = checked(tmp_path, tables)
    assert not result.ok
    hits = [line for line in lines(result) if line.startswith(E + where)]
    assert hits and any(message in h for h in hits), lines(result)


def test_two_rows_of_one_candidate_on_one_day_are_an_error(tmp_path):
    tables = d.valid()
    tables["phases"].append(["c4", "job_search", "10.02.2024"])  # row 12; row 11 has that day
    result = checked(tmp_path, tables)
    assert not result.ok
    (line,) = lines(result)
    assert line.startswith(E + "phases.csv, row 12, column from_date, value '2024-02-10'")
    assert "a second phase for candidate c4 from the same day (row 11 has 2024-02-10" in line


def test_the_same_day_for_two_candidates_is_fine(tmp_path):
    tables = d.valid()
    tables["phases"].append(["c2", "follow_along", "2024-03-20"])  # c3 has 2024-03-20 too
    tables["candidates"][2][tables["candidates"][0].index("phase")] = "follow_along"
    assert checked(tmp_path, tables).ok


def test_a_row_before_the_referral_is_an_error(tmp_path):
    tables = d.valid()
    tables["phases"].append(["c2", "referral", "2024-02-14"])  # referred 15-02-2024
    result = checked(tmp_path, tables)
    (line,) = lines(result)
    assert line.startswith(E + "phases.csv, row 12, column from_date, value '2024-02-14'")
    assert "before candidate c2's referral_date (2024-02-15)" in line


def test_the_latest_row_must_agree_with_candidates_phase(tmp_path):
    tables = d.valid()
    tables["phases"].append(["c1", "employed", "2024-05-01"])  # c1 is job_search in candidates
    result = checked(tmp_path, tables)
    (line,) = lines(result)
    assert line.startswith(E + "phases.csv, row 12, column phase, value 'employed'")
    assert ("the latest phase of candidate c1 (from 2024-05-01) is employed, but candidates.csv "
            "row 2 has phase job_search") in line


def test_the_latest_row_is_the_latest_date_not_the_last_line(tmp_path):
    tables = d.valid()
    # c1's rows are out of order: the last line (engagement, 15-01-2024) is not the latest
    assert phases_of(tables, "c1")[-1] == ["c1", "engagement", "15-01-2024"]
    assert checked(tmp_path, tables).ok
    tables["phases"][2][1] = "assessment"  # the row of 2024-03-01 is the latest: now disagrees
    result = checked(tmp_path, tables)
    assert any("row 3, column phase" in line and "has phase job_search" in line
               for line in lines(result)), lines(result)


def test_an_empty_candidates_phase_is_taken_from_the_history(tmp_path):
    tables = d.valid()
    at = tables["candidates"][0].index("phase")
    tables["candidates"][1][at] = ""  # c1
    tables["candidates"][5][at] = ""  # c5: no history, stays empty
    result = checked(tmp_path, tables)
    assert result.ok, lines(result)
    phase = dict(zip(result.frames["candidates"]["candidate_id"], result.frames["candidates"]["phase"]))
    assert phase["c1"] == "job_search" and phase["c5"] is None


def test_a_discharged_candidate_whose_history_does_not_end_discharged_is_a_warning(tmp_path):
    tables = d.valid()
    tables["phases"] = [r for r in tables["phases"] if r[:2] != ["c3", "discharged"]]
    tables["candidates"][3][tables["candidates"][0].index("phase")] = "assessment"
    result = checked(tmp_path, tables)
    assert result.ok, lines(result)
    (line,) = lines(result, "warning")
    assert line.startswith(W + "phases.csv, row 8, column phase, value 'assessment'")
    assert "candidate c3 was discharged on 2024-09-01 (candidates.csv), but the latest" in line


def test_a_history_that_discharges_on_another_day_is_a_warning(tmp_path):
    tables = d.valid()
    tables["phases"][7][2] = "2024-08-30"
    result = checked(tmp_path, tables)
    assert result.ok
    (line,) = lines(result, "warning")
    assert line.startswith(W + "phases.csv, row 8, column from_date, value '2024-08-30'")
    assert "candidates.csv has discharge_date 2024-09-01" in line


def test_a_history_that_discharges_a_candidate_still_enrolled_is_a_warning(tmp_path):
    tables = d.valid()
    tables["phases"].append(["c4", "discharged", "2024-06-01"])
    tables["candidates"][4][tables["candidates"][0].index("phase")] = "discharged"
    result = checked(tmp_path, tables)
    assert result.ok
    (line,) = lines(result, "warning")
    assert "has no discharge_date for them, so they count as enrolled" in line


def test_a_disagreeing_discharged_phase_is_the_error_of_candidates_phase(tmp_path):
    tables = d.valid()
    tables["phases"] = [r for r in tables["phases"] if r[:2] != ["c3", "discharged"]]
    result = checked(tmp_path, tables)  # candidates.phase says Discharged, history assessment
    (line,) = lines(result)
    assert "is assessment, but candidates.csv row 4 has phase discharged" in line


def only(tables: dict, site: str) -> dict:
    """The rows of one site: by `site`, else by the candidate or consultant they name."""
    def ids(name: str) -> set[str]:
        return {r[0] for r in tables[name][1:] if r[1] == site}

    owners = {"candidate_id": ids("candidates"), "consultant_id": ids("consultants")}
    out = {}
    for name, rows in tables.items():
        head = rows[0]
        at = "site" if "site" in head else "candidate_id" if "candidate_id" in head and \
            name != "employer_contacts" else "consultant_id"
        i = head.index(at)
        keep = (lambda v: v == site) if at == "site" else (lambda v, at=at: v in owners[at])
        out[name] = [head] + [r for r in rows[1:] if keep(r[i])]
    return out


# --- import: written, replaced per site, refused whole ------------------------------------------

def test_the_history_is_imported_and_loaded_typed_and_in_order(tmp_path, params, db_url):
    status, _, err = run("import", d.write_csv(d.valid(), tmp_path / "src"), "--db", db_url,
                         "--params", params)
    assert status == 0, err
    assert len(dump(db_url)["phases"]) == d.ROWS["phases"] == 10
    engine = connection.connect(db_url)
    try:
        north, south = load_site(engine, "north"), load_site(engine, "south")
    finally:
        engine.dispose()
    assert list(north.phases.columns) == ["site", "candidate_id", "phase", "from_date"]
    assert str(north.phases["from_date"].dtype).startswith("datetime64")
    assert list(north.phases["candidate_id"]) == ["c1"] * 3 + ["c2"] * 2 + ["c3"] * 3
    assert list(north.phases["phase"])[:3] == ["referral", "engagement", "job_search"]
    assert north.phases.groupby("candidate_id")["from_date"].apply(
        lambda s: s.is_monotonic_increasing).all()
    assert list(south.phases["candidate_id"]) == ["c4", "c4"]


def test_a_site_without_history_loads_an_empty_typed_frame(tmp_path, params, db_url):
    assert run("import", d.write_csv(d.EAST, tmp_path / "east"), "--db", db_url,
               "--params", params)[0] == 0
    engine = connection.connect(db_url)
    try:
        east = load_site(engine, "east")
    finally:
        engine.dispose()
    assert east.phases.empty
    assert list(east.phases.columns) == ["site", "candidate_id", "phase", "from_date"]
    assert str(east.phases["from_date"].dtype).startswith("datetime64")
    pd.testing.assert_frame_equal(east.phases, empty_frame("phases"))


def test_a_site_s_history_is_replaced_and_other_sites_keep_theirs(tmp_path, params, db_url):
    assert run("import", d.write_csv(d.valid(), tmp_path / "a"), "--db", db_url,
               "--params", params)[0] == 0
    south_before = [r for r in dump(db_url)["phases"] if r[0] == "south"]
    # north alone again, with one more change for c1
    north = only(d.valid(), "north")
    north["phases"].append(["c1", "employed", "2024-06-03"])
    north["candidates"][1][north["candidates"][0].index("phase")] = "employed"
    status, _, err = run("import", d.write_csv(north, tmp_path / "b"), "--db", db_url,
                         "--params", params)
    assert status == 0, err
    after = dump(db_url)["phases"]
    assert [r for r in after if r[0] == "south"] == south_before
    assert len([r for r in after if r[0] == "north"]) == 9
    # and a north without the phases table: its history goes (with a warning), south's stays
    del north["phases"]
    status, _, err = run("import", d.write_csv(north, tmp_path / "c"), "--db", db_url,
                         "--params", params)
    assert status == 0, err
    assert "phases.csv: not in the SOURCE, so the rows the database holds for its sites go " \
           "(9 of site north)" in err
    assert [r for r in dump(db_url)["phases"]] == south_before


def test_a_bad_history_changes_nothing(tmp_path, params, db_url):
    assert run("import", d.write_csv(d.valid(), tmp_path / "a"), "--db", db_url,
               "--params", params)[0] == 0
    before = state(db_url)
    tables = d.valid()
    tables["phases"].append(["c1", "employed", "2024-05-01"])
    tables["phases"].append(["c4", "engagement", "2024-01-25"])
    status, out, err = run("import", d.write_csv(tables, tmp_path / "b"), "--db", db_url,
                           "--params", params)
    assert status == 2 and "nothing was written" in out
    found = errors(err)
    assert len(found) == 2, err
    assert re.search(r"phases\.csv, row 12, column phase, value 'employed'", found[0])
    assert re.search(r"phases\.csv, row 13, column from_date, value '2024-01-25'", found[1])
    assert state(db_url) == before


# --- export and back ----------------------------------------------------------------------------

@pytest.mark.parametrize("dest", ["out", "out.xlsx"])
def test_the_history_round_trips(tmp_path, params, db_url, dest):
    for name, tables in (("east", d.EAST), ("valid", d.VALID)):
        assert run("import", d.write_csv(tables, tmp_path / name), "--db", db_url,
                   "--params", params)[0] == 0
    assert run("export", tmp_path / dest, "--db", db_url)[0] == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    status, _, err = run("import", tmp_path / dest, "--db", fresh, "--params", params)
    assert status == 0, err
    assert dump(fresh)["phases"] == dump(db_url)["phases"] and len(dump(fresh)["phases"]) == 10
    assert dump(fresh) == dump(db_url)


def test_an_export_lists_each_candidate_s_history_oldest_first(tmp_path, params):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert run("import", d.write_csv(d.VALID, tmp_path / "src"), "--db", url,
               "--params", params)[0] == 0
    assert run("export", tmp_path / "out", "--db", url)[0] == 0
    text = (tmp_path / "out" / "phases.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["candidate_id", "phase", "from_date"]
    assert rows[1:4] == [["c1", "referral", "2024-01-10"], ["c1", "engagement", "2024-01-15"],
                         ["c1", "job_search", "2024-03-01"]]
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])


# --- a database an earlier version made, without the phases table -------------------------------

def test_a_database_without_the_phases_table_is_refused_until_upgraded(tmp_path, params, db_url):
    assert run("import", d.write_csv(d.VALID, tmp_path / "src"), "--db", db_url,
               "--params", params)[0] == 0
    engine = connection.connect(db_url)
    with engine.begin() as conn:  # as an earlier release left it: no phases, no version
        conn.execute(sa.text("DROP TABLE phases"))
        conn.execute(sa.text("DROP TABLE alembic_version"))
    engine.dispose()
    with pytest.raises(connection.OutOfDate, match="run `ips-nb upgrade`"):
        connection.open_existing(db_url)
    status, _, err = run("export", tmp_path / "out", "--db", db_url)
    assert status == 2 and "ips-nb upgrade" in err
    from ips_nb.data import upgrade

    assert upgrade.upgrade(db_url).recognised == "0001"  # phases is what 0002 brought
    engine = connection.open_existing(db_url)
    try:
        north = load_site(engine, "north")
        assert north.phases.empty and len(north.candidates) == 3
        assert list(north.phases.columns) == ["site", "candidate_id", "phase", "from_date"]
        assert store.fingerprint(engine)
    finally:
        engine.dispose()
    status, _, err = run("export", tmp_path / "out", "--db", db_url)
    assert status == 0, err
    assert (tmp_path / "out" / "phases.csv").read_text(encoding="utf-8-sig").strip() == \
        "candidate_id,phase,from_date"
    status, _, err = run("import", d.write_csv(d.VALID, tmp_path / "again"), "--db", db_url,
                         "--params", params)
    assert status == 0, err
    assert len(dump(db_url)["phases"]) == 10
