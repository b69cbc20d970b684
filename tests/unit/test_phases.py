"""Phases on a day from the phase history: hand-computed on tiny sites (figures.phases)."""
from __future__ import annotations

from datetime import date

import pandas as pd
from factory import site_data

from ips_nb.figures.metrics import enrolled_on
from ips_nb.figures.phases import days_in_phase, has_history, phase_counts, phase_on

OCT = date(2026, 10, 31)  # the as_of of the pack for 2026-10
TODAY = date(2026, 11, 23)


def malmo() -> dict:
    """Three candidates discharged in November, one still searching, one taken in after October.

    a: engagement 2026-03-02, assessment 03-16, job_search 04-13, discharged 11-05
    b: engagement 2026-05-04, job_search 06-15, employed 09-01, discharged 11-10
    c: engagement 2026-08-03, no later row, discharged 11-12
    d: engagement 2026-01-05, job_search 2026-02-16, still enrolled (no discharge)
    e: taken in 2026-11-02: not enrolled on 31 October
    f: referred 2026-10-20, not taken in: never enrolled
    """
    return {
        "candidates": [
            {"candidate_id": "a", "intake_date": "2026-03-02", "phase": "discharged",
             "discharge_date": "2026-11-05"},
            {"candidate_id": "b", "intake_date": "2026-05-04", "phase": "discharged",
             "discharge_date": "2026-11-10"},
            {"candidate_id": "c", "intake_date": "2026-08-03", "phase": "discharged",
             "discharge_date": "2026-11-12"},
            {"candidate_id": "d", "intake_date": "2026-01-05", "phase": "job_search"},
            {"candidate_id": "e", "intake_date": "2026-11-02", "phase": "engagement"},
            {"candidate_id": "f", "referral_date": "2026-10-20", "phase": "referral"},
        ],
        "phases": [
            # in no particular order, as a site may send them
            {"candidate_id": "a", "phase": "discharged", "from_date": "2026-11-05"},
            {"candidate_id": "a", "phase": "engagement", "from_date": "2026-03-02"},
            {"candidate_id": "a", "phase": "job_search", "from_date": "2026-04-13"},
            {"candidate_id": "a", "phase": "assessment", "from_date": "2026-03-16"},
            {"candidate_id": "b", "phase": "engagement", "from_date": "2026-05-04"},
            {"candidate_id": "b", "phase": "job_search", "from_date": "2026-06-15"},
            {"candidate_id": "b", "phase": "employed", "from_date": "2026-09-01"},
            {"candidate_id": "b", "phase": "discharged", "from_date": "2026-11-10"},
            {"candidate_id": "c", "phase": "engagement", "from_date": "2026-08-03"},
            {"candidate_id": "c", "phase": "discharged", "from_date": "2026-11-12"},
            {"candidate_id": "d", "phase": "engagement", "from_date": "2026-01-05"},
            {"candidate_id": "d", "phase": "job_search", "from_date": "2026-02-16"},
            {"candidate_id": "e", "phase": "engagement", "from_date": "2026-11-02"},
            {"candidate_id": "f", "phase": "referral", "from_date": "2026-10-20"},
        ],
    }


def test_a_past_month_shows_the_phases_then_not_today():
    data = site_data(**malmo())
    # on 31 October a, b and c were still enrolled: in their phase of that day, not "discharged"
    assert phase_on(data, OCT).to_dict() == {"a": "job_search", "b": "employed",
                                            "c": "engagement", "d": "job_search"}
    assert phase_counts(data, OCT) == {"engagement": 1, "job_search": 2, "employed": 1}
    assert "discharged" not in phase_counts(data, OCT)
    # today the three are gone from the caseload, and e has come in
    assert phase_counts(data, TODAY) == {"engagement": 1, "job_search": 1}


def test_the_phase_follows_the_day_within_the_history():
    data = site_data(**malmo())
    assert phase_on(data, date(2026, 3, 15))["a"] == "engagement"   # the day before assessment
    assert phase_on(data, date(2026, 3, 16))["a"] == "assessment"   # from_date is that phase's day
    assert phase_on(data, date(2026, 8, 31))["b"] == "job_search"
    assert phase_on(data, date(2026, 9, 1))["b"] == "employed"


def test_counts_add_up_to_the_active_caseload_as_metrics_defines_it():
    data = site_data(**malmo())
    for day in (date(2026, 2, 1), date(2026, 5, 31), OCT, date(2026, 11, 10), TODAY):
        ids = sorted(data.candidates.loc[enrolled_on(data.candidates, day), "candidate_id"])
        assert list(phase_on(data, day).index) == ids, day
        assert sum(phase_counts(data, day).values()) == len(ids), day
        assert sorted(days_in_phase(data, day)) == ids, day


def test_no_row_yet_counts_as_engagement():
    data = site_data(
        candidates=[{"candidate_id": "x", "intake_date": "2026-10-01", "phase": "job_search"},
                    {"candidate_id": "y", "intake_date": "2026-09-01", "phase": "assessment"}],
        phases=[{"candidate_id": "x", "phase": "job_search", "from_date": "2026-11-15"},
                {"candidate_id": "y", "phase": "assessment", "from_date": "2026-09-20"}])
    # x: enrolled on 31 October, but the history starts only on 15 November
    assert phase_on(data, OCT).to_dict() == {"x": "engagement", "y": "assessment"}
    assert phase_counts(data, OCT) == {"engagement": 1, "assessment": 1}
    assert phase_on(data, TODAY)["x"] == "job_search"


def test_a_candidate_without_any_row_at_a_site_with_history_counts_as_engagement():
    data = site_data(
        candidates=[{"candidate_id": "x", "intake_date": "2026-01-05", "phase": "employed"},
                    {"candidate_id": "y", "intake_date": "2026-01-05", "phase": "assessment"}],
        phases=[{"candidate_id": "y", "phase": "assessment", "from_date": "2026-02-01"}])
    assert phase_on(data, OCT).to_dict() == {"x": "engagement", "y": "assessment"}
    # x: 2026-01-05 .. 2026-10-31 = 26 + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 = 299 days
    assert days_in_phase(data, OCT) == {"x": 299, "y": 272}


def test_days_in_phase_from_the_phases_from_date():
    data = site_data(**malmo())
    # a: job_search from 2026-04-13: 17 (rest of April) + 31 + 30 + 31 + 31 + 30 + 31 = 201
    # b: employed from 2026-09-01: 30 + 30 = 60
    # c: no row after engagement 2026-08-03: 28 + 30 + 31 = 89
    # d: job_search from 2026-02-16: 12 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 = 257
    assert days_in_phase(data, OCT) == {"a": 201, "b": 60, "c": 89, "d": 257}
    assert days_in_phase(data, date(2026, 9, 1))["b"] == 0  # the phase began that day


def test_days_in_phase_from_intake_where_the_history_has_no_row_yet():
    data = site_data(
        candidates=[{"candidate_id": "x", "intake_date": "2026-10-01", "phase": "job_search"}],
        phases=[{"candidate_id": "x", "phase": "job_search", "from_date": "2026-11-15"}])
    assert days_in_phase(data, OCT) == {"x": 30}
    assert days_in_phase(data, TODAY) == {"x": 8}


def test_a_repeated_phase_does_not_restart_the_clock():
    data = site_data(
        candidates=[{"candidate_id": "x", "intake_date": "2026-06-01", "phase": "job_search"}],
        phases=[{"candidate_id": "x", "phase": "engagement", "from_date": "2026-06-01"},
                {"candidate_id": "x", "phase": "job_search", "from_date": "2026-07-01"},
                {"candidate_id": "x", "phase": "job_search", "from_date": "2026-09-15"}])
    assert days_in_phase(data, OCT) == {"x": 122}  # from 1 July: 31 + 31 + 30 + 30
    assert phase_on(data, OCT)["x"] == "job_search"


def test_a_candidate_not_enrolled_is_absent():
    data = site_data(**malmo())
    for f in (lambda d: phase_on(d, OCT).to_dict(), lambda d: phase_counts(d, OCT),
              lambda d: days_in_phase(d, OCT)):
        assert f(data)  # somebody is there
    on = phase_on(data, OCT)
    assert "e" not in on.index and "f" not in on.index       # taken in later, never taken in
    assert "a" not in phase_on(data, date(2026, 11, 5)).index  # discharged on that day
    assert "e" not in days_in_phase(data, OCT)
    assert phase_counts(data, date(2025, 12, 31)) == {} and days_in_phase(data, date(2025, 12, 31)) == {}
    assert phase_on(data, date(2025, 12, 31)).empty


def test_without_history_the_recorded_phase_stands_and_the_flag_says_so():
    tables = malmo()
    del tables["phases"]
    data = site_data(**tables)
    assert not has_history(data) and has_history(site_data(**malmo()))
    # what the pack must warn about: the phases as imported, for a past month too
    assert phase_counts(data, OCT) == {"job_search": 1, "discharged": 3}
    # and the days from intake: a 2026-03-02 .. 2026-10-31 = 243
    assert days_in_phase(data, OCT)["a"] == 243


def test_an_empty_recorded_phase_counts_as_engagement_without_history():
    data = site_data(candidates=[{"candidate_id": "x", "intake_date": "2026-10-01"}])
    assert not has_history(data)
    assert phase_on(data, OCT).to_dict() == {"x": "engagement"}


def test_an_empty_site():
    data = site_data()
    assert not has_history(data)
    assert phase_counts(data, OCT) == {} and days_in_phase(data, OCT) == {}
    on = phase_on(data, OCT)
    assert on.empty and isinstance(on, pd.Series)


def test_values_are_plain_python_for_the_json():
    data = site_data(**malmo())
    counts, days = phase_counts(data, OCT), days_in_phase(data, OCT)
    assert all(type(k) is str and type(v) is int for k, v in counts.items())
    assert all(type(k) is str and type(v) is int for k, v in days.items())
    assert list(counts) == ["engagement", "job_search", "employed"]  # the order of the course
