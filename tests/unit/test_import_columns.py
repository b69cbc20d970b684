"""A misspelt or missing optional column says what it costs (issue 24).

`intake_dato` for `intake_date` used to be one warning, "not a column of this table; it is
ignored", and the pack then showed a caseload of 0 and no outcome with nothing saying why. Now
the warning names the column meant, and the missing column's warning names the figures it
empties: those come from one declaration (validate.EMPTIED_WITHOUT), checked here against the
figures themselves.
"""
from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from ips_nb.data.params import load_params
from ips_nb.data.schema import TABLES
from ips_nb.data.validate import EMPTIED_WITHOUT
from ips_nb.figures.pack_figures import supervision_figures
from ips_nb.figures.periods import Month
from tests import importdata as d
from tests.importdata import run

INTAKE = EMPTIED_WITHOUT["candidates"]["intake_date"]


def _misspelt(tmp_path):
    tables = d.valid()
    tables["candidates"][0][tables["candidates"][0].index("intake_date")] = "intake_dato"
    return d.write_csv(tables, tmp_path / "src"), d.write_params(tmp_path / "params")


@pytest.mark.parametrize("command", ["validate", "import"])
def test_intake_dato_names_intake_date_and_the_figures_it_empties(tmp_path, command):
    src, params = _misspelt(tmp_path)
    extra = ["--db", f"sqlite:///{tmp_path / 'ips.db'}"] if command == "import" else []
    status, _, err = run(command, src, "--params", params, *extra)
    assert status == 0, err  # still a warning: the rest of the SOURCE is good
    assert ("warning: candidates.csv, row 1, column intake_dato: not a column of this table; it "
            "is ignored; did you mean intake_date?") in err.splitlines()
    (missing,) = [line for line in err.splitlines() if "column intake_date:" in line]
    assert missing.startswith("warning: candidates.csv, row 1, column intake_date: this column is "
                              "missing from the header, so these figures of the supervision pack "
                              "will be empty: active_caseload, caseload_in_month, ")
    for key in ("intakes", "outcome_within_18m", "employment_rate_3m"):
        assert key in missing


def test_a_column_close_to_none_gets_no_guess_and_an_empty_table_no_figures(tmp_path):
    tables = d.valid()
    tables["goals"][0].append("notes")
    for r in tables["goals"][1:]:
        r.append("x")
    # consultants.start_date is not in the declaration; a header-only followups table is empty
    tables["followups"] = [["candidate_id", "date", "status"]]
    status, _, err = run("validate", d.write_csv(tables, tmp_path / "src"),
                         "--params", d.write_params(tmp_path / "params"))
    assert status == 0, err
    assert ("warning: goals.csv, row 1, column notes: not a column of this table; it is ignored"
            in err.splitlines())
    assert "did you mean" not in err and "will be empty" not in err


def test_a_header_only_candidates_table_warns_of_no_figures(tmp_path):
    from ips_nb.data.readers import read_source
    from ips_nb.data.validate import check

    tables = {"consultants": d.valid()["consultants"],
              "candidates": [["candidate_id", "site", "referral_date"]]}
    checked = check(read_source(d.write_csv(tables, tmp_path / "src")),
                    d.write_params(tmp_path / "params"))
    assert not [p for p in checked.problems if "will be empty" in p.message]


def _empty(value) -> bool:
    """0, none, no one or nothing: what a figure looks like when its column was absent."""
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value is None or value == 0 or value == []


@pytest.fixture(scope="module")
def month_data(tmp_path_factory):
    """A full site's month to blank columns in: the demo's Aarhus, deterministic from its day."""
    from ips_nb import demo
    from ips_nb.data import connection
    from ips_nb.data.frames import load_site

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'ips.db'}"
    demo.build_demo_db(url, date(2026, 12, 3))
    engine = connection.connect(url)
    try:
        data = load_site(engine, "aarhus")
    finally:
        engine.dispose()
    return data, load_params(demo.PARAMS_DIR, "aarhus"), Month(2026, 11)


def _optional_columns(data):
    for table in (f.name for f in dataclasses.fields(data)):
        for col in TABLES[table].columns:
            if not col.required and col.name in getattr(data, table).columns:
                yield table, col.name


def test_the_declaration_is_exactly_what_each_absent_column_empties(month_data):
    """Blank each optional column the pack reads (as an absent column loads: all unknown) and
    compare the figures: the keys that turn empty are the declared ones, no more, no fewer."""
    data, params, month = month_data
    full = supervision_figures(data, params, month)
    assert all(not _empty(full[k]) for cols in EMPTIED_WITHOUT.values() for ks in cols.values()
               for k in ks)  # the month shows every declared figure, so emptying is seen
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, column in _optional_columns(data):
        frame = getattr(data, table)
        blank = frame.assign(**{column: pd.Series([None] * len(frame), index=frame.index,
                                                   dtype=frame[column].dtype)})
        figures = supervision_figures(dataclasses.replace(data, **{table: blank}), params, month)
        emptied = tuple(k for k in full if not _empty(full[k]) and _empty(figures[k]))
        if emptied:
            found.setdefault(table, {})[column] = emptied
    assert found == EMPTIED_WITHOUT
