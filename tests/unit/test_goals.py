"""Every goal measure on tiny data sets worked out by hand, with its edges (docs/goals.md).

The month is March 2026 unless a test says otherwise: as_of = 2026-03-31.
"""
from __future__ import annotations

from datetime import date

import pytest
from factory import make_params, site_data
from hypothesis import given, settings
from hypothesis import strategies as st

from ips_nb.figures.goals import measure_goals, members, restrict
from ips_nb.figures.pack_figures import supervision_figures
from ips_nb.figures.periods import Month

MARCH = Month(2026, 3)


def measured(goals: list[dict], month: Month = MARCH, groups: dict | None = None, **tables) -> list[dict]:
    params = make_params(goals=goals, groups=groups or {})
    data = site_data(**tables)
    return measure_goals(data, params, month, supervision_figures(data, params, month))


def one(goal: dict, **kw) -> dict:
    return measured([goal], **kw)[0]


# -- target groups ---------------------------------------------------------------------------

def test_age_at_intake_includes_both_ends_and_uses_referral_before_intake():
    data = site_data(candidates=[
        {"candidate_id": "a", "intake_date": "2020-05-01", "birth_year": 2002},   # 18 at intake: in
        {"candidate_id": "b", "intake_date": "2020-05-01", "birth_year": 1991},   # 29: in
        {"candidate_id": "c", "intake_date": "2020-05-01", "birth_year": 1990},   # 30: out
        {"candidate_id": "d", "intake_date": "2020-05-01", "birth_year": 2003},   # 17: out
        {"candidate_id": "e", "referral_date": "2025-01-01", "birth_year": 2000},  # 25 at referral: in
        {"candidate_id": "f", "intake_date": "2020-05-01"},                        # no birth year: out
    ])
    from ips_nb.data.goals_spec import Group
    assert members(data, Group("young", ages=(18, 29))) == {"a", "b", "e"}


def test_municipality_ignoring_case_and_team_of_the_clinician_all_conditions_must_hold():
    from ips_nb.data.goals_spec import Group
    data = site_data(
        clinicians=[{"clinician_id": "b1", "team": "Team Nord"}, {"clinician_id": "b2", "team": "Team Syd"}],
        candidates=[{"candidate_id": "a", "intake_date": "2025-01-01", "municipality": "AALBORG", "clinician_id": "b1"},
                    {"candidate_id": "b", "intake_date": "2025-01-01", "municipality": "aalborg", "clinician_id": "b2"},
                    {"candidate_id": "c", "intake_date": "2025-01-01", "municipality": "Aarhus", "clinician_id": "b1"},
                    {"candidate_id": "d", "intake_date": "2025-01-01", "clinician_id": "b1"}])
    assert members(data, Group("g", municipalities=("Aalborg",))) == {"a", "b"}
    assert members(data, Group("g", teams=("team nord",))) == {"a", "c", "d"}
    assert members(data, Group("g", municipalities=("Aalborg",), teams=("Team Nord",))) == {"a"}


# -- outcome_within ------------------------------------------------------------------------------

def test_outcome_within_own_months_with_an_hours_threshold_exactly_at_and_missing():
    # 12 months: cohort = taken in on or before 2025-03-31. Full time 37 h (DK), 25 % = 9.25 h.
    # a: job 9.25 h/week (exactly at the threshold: counts); b: job 9 h (below); c: job without
    # hours (does not count; without_hours 1); d: nothing; e: taken in 2025-04-01 (not in the cohort)
    cands = [{"candidate_id": c, "intake_date": "2025-01-01"} for c in "abcd"] + [
        {"candidate_id": "e", "intake_date": "2025-04-01"}]
    placements = [{"candidate_id": "a", "kind": "job", "start_date": "2025-06-01", "hours_per_week": 9.25},
                  {"candidate_id": "b", "kind": "job", "start_date": "2025-06-01", "hours_per_week": 9},
                  {"candidate_id": "c", "kind": "job", "start_date": "2025-06-01"},
                  {"candidate_id": "e", "kind": "job", "start_date": "2025-06-01", "hours_per_week": 37}]
    g = one({"measure": "outcome_within", "months": 12, "min_hours_share": 0.25, "target": 0.3},
            candidates=cands, placements=placements)
    assert (g["value"], g["numerator"], g["denominator"], g["met"], g["without_hours"]) == (0.25, 1, 4, False, 1)
    assert (g["months"], g["min_hours_share"]) == (12, 0.25)


# -- outcome_on ------------------------------------------------------------------------------------

def test_outcome_on_a_date_after_it_and_before_it_progress_so_far():
    cands = [{"candidate_id": "a", "intake_date": "2025-01-01"},
             {"candidate_id": "b", "intake_date": "2025-01-01"},
             {"candidate_id": "c", "intake_date": "2026-03-01"}]
    placements = [{"candidate_id": "a", "kind": "job", "start_date": "2025-05-01", "end_date": "2025-06-01"},
                  {"candidate_id": "b", "kind": "education", "start_date": "2026-02-01"}]
    # on 1 June 2025: a and b enrolled; a's job ends that day (still counts): 1 of 2
    g = one({"measure": "outcome_on", "date": "2025-06-01", "target": 0.6}, candidates=cands, placements=placements)
    assert (g["value"], g["numerator"], g["denominator"], g["measured_on"], g["date"]) == (
        0.5, 1, 2, "2025-06-01", "2025-06-01")
    # a date still to come (2026-06-01): measured on as_of, progress so far: b of a, b, c
    g = one({"measure": "outcome_on", "date": "2026-06-01", "target": 0.6}, candidates=cands, placements=placements)
    assert (g["numerator"], g["denominator"], g["measured_on"]) == (1, 3, "2026-03-31")


# -- in_work_after_discharge --------------------------------------------------------------------

def test_in_work_after_discharge_window_of_30_days_either_side_and_its_tie():
    # 4 months after discharge; as_of 2026-03-31. 31 Oct 2025 + 4 months = 28 Feb 2026 (calendar months)
    cands = [
        {"candidate_id": "a", "intake_date": "2025-01-01", "discharge_date": "2025-10-31", "discharge_reason": "employed"},
        {"candidate_id": "b", "intake_date": "2025-01-01", "discharge_date": "2025-10-31", "discharge_reason": "other"},
        {"candidate_id": "c", "intake_date": "2025-01-01", "discharge_date": "2025-10-31", "discharge_reason": "education"},
        {"candidate_id": "d", "intake_date": "2025-01-01", "discharge_date": "2025-10-31", "discharge_reason": "employed"},
        {"candidate_id": "e", "intake_date": "2025-01-01", "discharge_date": "2025-12-15", "discharge_reason": "employed"},
        {"candidate_id": "f", "intake_date": "2025-01-01", "discharge_date": "2025-10-31", "discharge_reason": "own_request"},
    ]
    # b in a job on the discharge day (placement ongoing) -> in the cohort although its reason is other
    placements = [{"candidate_id": "b", "kind": "job", "start_date": "2025-09-01", "end_date": "2025-10-31"}]
    followups = [
        # a: two calls, 27 Jan (32 days before: outside) and 30 Mar (30 days after: inside) -> job
        {"candidate_id": "a", "date": "2026-01-27", "status": "neither"},
        {"candidate_id": "a", "date": "2026-03-30", "status": "job"},
        # b: a tie, 18 Feb and 10 Mar are both 10 days off -> the later one (neither)
        {"candidate_id": "b", "date": "2026-02-18", "status": "job"},
        {"candidate_id": "b", "date": "2026-03-10", "status": "neither"},
        # c: education on the day
        {"candidate_id": "c", "date": "2026-02-28", "status": "education"},
        # d: no call -> not followed up
        # e: 15 Dec + 4 months = 15 Apr 2026 > as_of: not yet in the cohort
        {"candidate_id": "e", "date": "2026-03-31", "status": "job"},
        # f: not in work at discharge: not in the cohort
        {"candidate_id": "f", "date": "2026-02-28", "status": "job"},
    ]
    g = one({"measure": "in_work_after_discharge", "months": 4, "target": 0.8},
            candidates=cands, placements=placements, followups=followups)
    # cohort a, b, c, d; followed up a (job), b (neither), c (education): 2 of 3; d not followed up
    assert (g["numerator"], g["denominator"], g["value"], g["not_followed_up"]) == (2, 3, 0.6667, 1)
    # jobs only: c's education at discharge is not work; a job of 3? cohort a, b, d: a job, b neither
    g = one({"measure": "in_work_after_discharge", "months": 4, "kinds": ["job"], "target": 0.8},
            candidates=cands, placements=placements, followups=followups)
    assert (g["numerator"], g["denominator"], g["not_followed_up"]) == (1, 2, 1)


# -- outcome_started_in and intakes_in -----------------------------------------------------------

def test_outcome_started_in_a_year_and_a_period_cut_at_as_of():
    cands = [{"candidate_id": "a", "intake_date": "2025-03-01"},
             {"candidate_id": "b", "intake_date": "2025-03-01"},
             {"candidate_id": "c", "intake_date": "2026-02-01"},
             {"candidate_id": "d", "intake_date": "2024-01-01", "discharge_date": "2025-01-01",
              "discharge_reason": "moved"}]   # discharged on 1 Jan 2025: not enrolled in 2025
    placements = [{"candidate_id": "a", "kind": "job", "start_date": "2025-12-31", "hours_per_week": 10},
                  {"candidate_id": "b", "kind": "job", "start_date": "2026-01-01", "hours_per_week": 10},
                  {"candidate_id": "c", "kind": "education", "start_date": "2026-03-31", "hours_per_week": 10}]
    # 2025: enrolled a, b, c? c came 2026: a, b; a started 31 Dec (counts), b in 2026 (not): 1 of 2
    g = one({"measure": "outcome_started_in", "period": 2025, "target": 0.3}, candidates=cands, placements=placements)
    assert (g["numerator"], g["denominator"], g["period"]) == (1, 2, 2025)
    # 2026, cut at as_of 31 March: a, b, c enrolled; b (1 Jan) and c (31 Mar) started: 2 of 3
    g = one({"measure": "outcome_started_in", "period": 2026, "target": 0.3}, candidates=cands, placements=placements)
    assert (g["numerator"], g["denominator"]) == (2, 3)
    g = one({"measure": "intakes_in", "period": {"from": "2025-03-01", "to": "2026-12-31"}, "target": 10},
            candidates=cands, placements=placements)
    assert (g["value"], g["numerator"], g["denominator"], g["met"], g["period"]) == (
        3, 3, None, False, {"from": "2025-03-01", "to": "2026-12-31"})


# -- counts, the figures over a group, fidelity by a date ----------------------------------------

def test_active_caseload_employment_rate_and_rapid_search_over_a_group():
    groups = {"young": {"ages": [18, 29]}}
    cands = [{"candidate_id": "y1", "intake_date": "2025-01-01", "birth_year": 2000},
             {"candidate_id": "y2", "intake_date": "2026-01-10", "birth_year": 2000},
             {"candidate_id": "o1", "intake_date": "2025-01-01", "birth_year": 1970}]
    placements = [{"candidate_id": "y1", "kind": "job", "start_date": "2026-01-15"},
                  {"candidate_id": "o1", "kind": "job", "start_date": "2026-01-15"}]
    contacts = [{"candidate_id": "y2", "date": "2026-02-09", "kind": "employer_contact"}]  # day 30
    goals = [{"measure": "active_caseload", "group": "young", "target": 30},
             {"measure": "employment_rate_3m", "group": "young", "target": 0.41},
             {"measure": "rapid_search_share", "group": "young", "target": 0.8}]
    a, e, r = measured(goals, groups=groups, candidates=cands, placements=placements, contacts=contacts)
    assert (a["value"], a["met"]) == (2, False)
    assert (e["numerator"], e["denominator"], e["value"], e["met"]) == (1, 2, 0.5, True)
    # y1 (taken in 2025, no contact) and y2 (contact on day 30): 1 of 2
    assert (r["numerator"], r["denominator"]) == (1, 2)


def test_fidelity_total_by_a_date_before_and_after_it():
    from factory import fidelity_rows
    fid = fidelity_rows("2025-06-01", [3] * 25) + fidelity_rows("2026-02-01", [4] * 25)  # 75, then 100
    g = one({"measure": "fidelity_total", "by": "2025-12-31", "target": 100}, fidelity=fid)
    assert (g["value"], g["review_date"], g["met"]) == (75, "2025-06-01", False)
    g = one({"measure": "fidelity_total", "by": "2026-06-30", "target": 100}, fidelity=fid)
    assert (g["value"], g["review_date"], g["met"]) == (100, "2026-02-01", True)


# -- surveys ------------------------------------------------------------------------------------

def test_survey_share_a_response_exactly_12_months_old_is_out():
    rows = []
    for i, (day, score) in enumerate([("2025-03-31", 5), ("2025-04-01", 4), ("2026-01-10", 3),
                                      ("2026-03-31", 5), ("2026-02-01", 4)]):
        rows.append({"candidate_id": f"c{i}", "date": day, "instrument": "experience", "item": 1,
                     "score": score, "occasion": "in_work"})
    rows.append({"candidate_id": "c9", "date": "2026-02-01", "instrument": "experience", "item": 2, "score": 5})
    cands = [{"candidate_id": f"c{i}", "intake_date": "2025-01-01"} for i in (0, 1, 2, 3, 4, 9)]
    g = one({"measure": "survey_share", "instrument": "experience", "item": 1, "min_score": 4, "target": 0.85},
            candidates=cands, surveys=rows)
    # 31 Mar 2025 is exactly 12 months before as_of: out. In: 4, 3, 5, 4 -> 3 of 4 score >= 4
    assert (g["numerator"], g["denominator"], g["responses"]) == (3, 4, 4)


# -- the older form, JSON shape ---------------------------------------------------------------

def test_the_older_mapping_compares_with_the_figure_of_that_name():
    data = site_data(candidates=[{"candidate_id": "a", "intake_date": "2025-01-01"}],
                     placements=[{"candidate_id": "a", "kind": "job", "start_date": "2026-03-01"}])
    f = supervision_figures(data, make_params(goals={"outcome_rate": 0.6, "retention_4m": 0.8}), MARCH)
    assert f["goals"] == [
        {"measure": "outcome_rate", "group": None, "target": 0.6, "value": 1.0, "numerator": None,
         "denominator": None, "met": True},
        {"measure": "retention_4m", "group": None, "target": 0.8, "value": None, "numerator": None,
         "denominator": None, "met": None}]


def test_a_list_goal_on_a_figure_also_stands_beside_that_figure():
    params = make_params(goals=[{"measure": "rapid_search_share", "target": 0.8},
                                {"measure": "fidelity_total", "by": "2026-06-30", "target": 100}])
    assert params.goals.rapid_search_share == 0.8 and params.goals.fidelity_total is None  # dated: not


@pytest.mark.parametrize("goal, groups, words", [
    ({"measure": "outcome_onn", "target": 0.5}, {}, "goals[1].measure: unknown measure"),
    ({"measure": "outcome_within", "target": 0.5}, {}, "goals[1].months: outcome_within needs months"),
    ({"measure": "outcome_within", "months": 18, "monhts": 1, "target": 0.5}, {}, "goals[1].monhts: unknown setting"),
    ({"measure": "outcome_within", "months": 18, "target": 60}, {}, "goals[1].target: 60 is outside 0–1"),
    ({"measure": "intakes_in", "period": 18, "target": 10}, {}, "goals[1].period"),
    ({"measure": "intakes_in", "period": {"from": "2020-02-01", "to": "2020-01-01"}, "target": 10}, {},
     "ends (2020-01-01) before it starts"),
    ({"measure": "outcome_on", "group": "old", "target": 0.5}, {"young": {"ages": [18, 29]}},
     "goals[1].group: unknown group 'old'"),
    ({"measure": "outcome_on", True: "2021-06-01", "target": 0.5}, {}, "write date:, never on:"),
    ({"measure": "outcome_on", "target": 0.5}, {"empty": {}}, "groups.empty: a group needs at least one condition"),
])
def test_bad_goals_name_the_position_and_the_key(goal, groups, words):
    with pytest.raises(Exception) as exc:
        make_params(goals=[goal], groups=groups)
    assert words in str(exc.value)


# -- a measure over a group equals the measure over a database of only that group -------------

people = st.lists(st.tuples(st.integers(1950, 2008), st.integers(0, 800), st.booleans(),
                            st.integers(0, 400), st.sampled_from(["job", "education", "internship"])),
                  min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(people)
def test_a_measure_over_a_group_equals_it_over_a_database_of_only_that_group(rows):
    cands, placements = [], []
    for i, (born, intake_ago, has_job, job_after, kind) in enumerate(rows):
        intake = date.fromordinal(date(2026, 3, 31).toordinal() - intake_ago)
        cands.append({"candidate_id": f"c{i}", "intake_date": intake.isoformat(), "birth_year": born})
        if has_job:
            start = date.fromordinal(intake.toordinal() + job_after)
            if start <= date(2026, 3, 31):
                placements.append({"candidate_id": f"c{i}", "kind": kind, "start_date": start.isoformat()})
    groups = {"young": {"ages": [18, 29]}}
    measures = [{"measure": "outcome_within", "months": 12, "target": 0.5},
                {"measure": "outcome_on", "target": 0.5},
                {"measure": "outcome_started_in", "period": 2025, "target": 0.5},
                {"measure": "employment_rate_3m", "target": 0.5},
                {"measure": "active_caseload", "target": 5}]
    data = site_data(candidates=cands, placements=placements)
    params = make_params(goals=[dict(m, group="young") for m in measures], groups=groups)
    over_group = measure_goals(data, params, MARCH, {})
    from ips_nb.data.goals_spec import Group
    only = restrict(data, members(data, Group("young", ages=(18, 29))))
    alone = measure_goals(only, make_params(goals=measures), MARCH, {})
    assert [{k: v for k, v in g.items() if k != "group"} for g in over_group] == \
        [{k: v for k, v in g.items() if k != "group"} for g in alone]


def test_the_page_words_each_goal_and_says_its_status_in_words():
    from ips_nb.pages.goals import goals_section, wording
    from ips_nb.pages.labels import Labels

    goals = [{"measure": "outcome_on", "date": "2021-06-01", "group": "young", "target": 0.6},
             {"measure": "outcome_started_in", "period": 2018, "min_hours_share": 0.25, "target": 0.3},
             {"measure": "intakes_in", "period": 2026, "target": 1},
             {"measure": "outcome_on", "date": "2026-12-01", "target": 0.5},
             {"measure": "survey_share", "instrument": "experience", "item": 1, "min_score": 4, "target": 0.85}]
    groups = {"young": {"ages": [18, 29]}}
    da = make_params(language="da", goals=goals, groups=groups)
    sv = make_params(language="sv", goals=goals, groups=groups)
    assert wording(da.goal_list[0], da, Labels("da")) == \
        "Andel af de 18–29-årige i job eller uddannelse den 1. jun. 2021"
    assert wording(sv.goal_list[1], sv, Labels("sv")) == \
        "Andel som började arbeta eller studera minst 25 % av heltid under 2018"
    data = site_data(candidates=[{"candidate_id": "a", "intake_date": "2026-01-05", "birth_year": 2000}],
                     placements=[{"candidate_id": "a", "kind": "job", "start_date": "2026-02-01"}])
    results = measure_goals(data, da, MARCH, supervision_figures(data, da, MARCH))
    html = str(goals_section(da, results, MARCH.as_of, Labels("da")))
    L = Labels("da")
    # 2021's goal judged (0 of 0 young enrolled then: no value); 2018 likewise; intakes met
    # early (1 of 1 this year); the December goal in progress; the survey "<5 svar"
    assert html.count(L("goal_met")) == 1 and L("goal_so_far") in html
    assert html.count(L("goal_no_value")) == 3 and L("goal_few_responses").replace("<", "&lt;") in html
