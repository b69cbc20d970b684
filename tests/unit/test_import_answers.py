"""Follow-up calls and survey answers in the exchange format: each instrument's own ranges, a
call during the course is a warning, and the valid rows import and export again."""
from __future__ import annotations

import importdata as d

from ips_nb.data.readers import read_source
from ips_nb.data.validate import check


def checked(tmp_path, tables):
    return check(read_source(d.write_csv(tables, tmp_path / "src")), d.write_params(tmp_path / "params"))


def test_the_valid_answers_pass_and_come_out_as_frames(tmp_path):
    c = checked(tmp_path, d.valid())
    assert c.ok, c.errors
    assert len(c.frames["followups"]) == 1 and len(c.frames["surveys"]) == 3


def test_each_instrument_has_its_own_items_and_scores(tmp_path):
    t = d.valid()
    t["surveys"].append(["c1", "2024-03-01", "experience", "10", "5", "intake"])  # experience: 1–9
    t["surveys"].append(["c1", "2024-03-02", "experience", "3", "6", "intake"])   # scored 1–5
    t["surveys"].append(["c4", "2024-02-01", "mansa", "12", "7", "intake"])       # mansa: fine
    t["surveys"].append(["c4", "2024-02-01", "mansa", "13", "8", "intake"])       # beyond both bounds
    problems = [str(p) for p in checked(tmp_path, t).errors]
    assert any("surveys.csv, row 5, column item, value '10': experience has items 1 to 9" in p for p in problems)
    assert any("surveys.csv, row 6, column score, value '6': experience is scored 1 to 5" in p for p in problems)
    assert not any("row 7" in p for p in problems)
    assert any("row 8" in p and "column item" in p for p in problems)


def test_a_follow_up_before_the_discharge_is_a_warning_only(tmp_path):
    t = d.valid()
    t["followups"].append(["c3", "2024-08-01", "job", "20"])     # c3 left 2024-09-01
    t["followups"].append(["c1", "2024-08-01", "no_answer", ""])  # c1 not discharged
    c = checked(tmp_path, t)
    assert c.ok, c.errors
    warned = [str(p) for p in c.warnings]
    assert any("followups.csv, row 3, column date" in p and "before the discharge (2024-09-01)" in p for p in warned)
    assert any("followups.csv, row 4, column date" in p and "not discharged" in p for p in warned)
    assert not any("row 2" in p and "followups" in p for p in warned)


def test_a_bad_status_is_an_error_naming_the_cell(tmp_path):
    t = d.valid()
    t["followups"][1][2] = "working"
    problems = [str(p) for p in checked(tmp_path, t).errors]
    assert any("followups.csv, row 2, column status, value 'working'" in p for p in problems)
