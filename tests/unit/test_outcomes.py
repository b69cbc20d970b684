"""The benchmark-defined figures (outcome within 18 months, jobs within 18 months, the 3-month
employment rate) on tiny data sets worked out by hand.

The month is March 2026 unless a test says otherwise: as_of = 2026-03-31, so the 18-month cohort
is everyone taken in on or before 2024-09-30 (2024-09-30 + 18 months = 2026-03-30 ≤ as_of;
2024-10-01 + 18 months = 2026-04-01 > as_of), and the three months are 1 January–31 March 2026.
"""
from __future__ import annotations

from datetime import date

import pytest
from factory import make_params, site_data

from ips_nb.figures.outcomes import add_months, employment_rate, outcome_within
from ips_nb.figures.pack_figures import supervision_figures
from ips_nb.figures.periods import Month

MARCH = Month(2026, 3)


@pytest.mark.parametrize("day, months, expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),     # leap year: clamped to February's last day
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 3, 15), 18, date(2025, 9, 15)),
    (date(2023, 10, 31), 4, date(2024, 2, 29)),    # 31 Oct + 4 months
    (date(2024, 8, 31), 18, date(2026, 2, 28)),
    (date(2025, 12, 1), 3, date(2026, 3, 1)),      # across a year end
])
def test_calendar_months_clamp_at_month_ends(day, months, expected):
    assert add_months(day, months) == expected


def test_cohort_is_those_whose_18_months_are_over_and_discharged_ones_stay():
    data = site_data(
        candidates=[
            {"candidate_id": "a", "intake_date": "2024-09-30"},                    # in: ends 2026-03-30
            {"candidate_id": "b", "intake_date": "2024-10-01"},                    # out: ends 2026-04-01
            {"candidate_id": "c", "intake_date": "2023-01-10", "discharge_date": "2023-06-01",
             "discharge_reason": "own_request"},                                   # in, discharged
            {"candidate_id": "d", "referral_date": "2023-01-01"},                  # never taken in: out
        ],
        placements=[
            {"candidate_id": "a", "kind": "education", "start_date": "2026-03-30"},  # last day counts
            {"candidate_id": "b", "kind": "job", "start_date": "2025-01-01"},        # not in the cohort
            {"candidate_id": "c", "kind": "job", "start_date": "2024-07-11"},        # day after 18 months
        ])
    # cohort a, c; a reached (education on the last day of the follow-up); c's job came too late
    assert outcome_within(data, MARCH.as_of) == (0.5, 1, 2)
    # jobs only: a's education does not count
    assert outcome_within(data, MARCH.as_of, kinds=("job",)) == (0.0, 0, 2)


def test_a_placement_before_intake_or_an_internship_never_counts():
    data = site_data(
        candidates=[{"candidate_id": "a", "intake_date": "2024-01-15"},
                    {"candidate_id": "b", "intake_date": "2024-01-15"},
                    {"candidate_id": "c", "intake_date": "2024-01-15"}],
        placements=[
            {"candidate_id": "a", "kind": "job", "start_date": "2024-01-14", "end_date": "2025-01-01"},
            {"candidate_id": "b", "kind": "internship", "start_date": "2024-02-01"},
            {"candidate_id": "c", "kind": "job", "start_date": "2024-01-15"},   # intake day counts
        ])
    assert outcome_within(data, MARCH.as_of) == (pytest.approx(0.3333), 1, 3)


def test_empty_cohort_is_none_not_zero():
    data = site_data(candidates=[{"candidate_id": "a", "intake_date": "2025-06-01"}])
    f = supervision_figures(data, make_params(), MARCH)
    assert (f["outcome_within_18m"], f["outcome_within_18m_cohort"], f["job_within_18m"]) == (None, 0, None)


def test_employment_rate_3m_counts_jobs_ongoing_on_an_enrolled_day_of_the_three_months():
    data = site_data(
        candidates=[
            {"candidate_id": "a", "intake_date": "2025-06-01"},                       # job ended 1 Jan: counts
            {"candidate_id": "b", "intake_date": "2025-06-01"},                       # education only: no
            {"candidate_id": "c", "intake_date": "2025-06-01", "discharge_date": "2026-01-05",
             "discharge_reason": "other"},                                            # job after discharge: no
            {"candidate_id": "d", "intake_date": "2026-03-31"},                       # enrolled last day, job then
            {"candidate_id": "e", "intake_date": "2025-06-01", "discharge_date": "2025-12-31",
             "discharge_reason": "employed"},                                         # not enrolled in the window
            {"candidate_id": "f", "intake_date": "2025-06-01"},                       # job ended 31 Dec: no
        ],
        placements=[
            {"candidate_id": "a", "kind": "job", "start_date": "2025-09-01", "end_date": "2026-01-01"},
            {"candidate_id": "b", "kind": "education", "start_date": "2026-02-01"},
            {"candidate_id": "c", "kind": "job", "start_date": "2026-01-05"},
            {"candidate_id": "d", "kind": "job", "start_date": "2026-03-31"},
            {"candidate_id": "e", "kind": "job", "start_date": "2025-11-01"},
            {"candidate_id": "f", "kind": "job", "start_date": "2025-10-01", "end_date": "2025-12-31"},
        ])
    # caseload a, b, c, d, f (5); working a and d
    assert employment_rate(data, MARCH) == (0.4, 2, 5)
    f = supervision_figures(data, make_params(), MARCH)
    assert (f["employment_rate_3m"], f["caseload_3m"]) == (0.4, 5)
    # the three months ending with January 2026 are November–January: e (enrolled until 30 Dec,
    # in a job from 1 Nov) and f now count too: a, e, f working of a, b, c, e, f
    assert employment_rate(data, Month(2026, 1)) == (0.6, 3, 5)
