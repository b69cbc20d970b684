"""Every figure of the supervision pack on a tiny data set whose answer was worked out by hand.

Unless a test says otherwise the month is March 2026: 1–31 March, as_of = 2026-03-31,
as_of - 30 days = 2026-03-01, as_of - 90 days = 2025-12-31, as_of - 120 days = 2025-12-01.
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from factory import KEYS, fidelity_rows, make_params, site_data

from ips_nb.figures.metrics import (
    enrolled_during,
    enrolled_on,
    fidelity_band,
    fidelity_reviews,
    first_employer_contact,
    ongoing_on,
    outcome_rate_series,
    rate,
)
from ips_nb.figures.pack_figures import supervision_figures
from ips_nb.figures.periods import Month

MARCH = Month(2026, 3)


def figures(month: Month = MARCH, params=None, **tables) -> dict:
    return supervision_figures(site_data(**tables), params or make_params(), month)


def enrolled(cid: str, **fields) -> dict:
    """A candidate taken in long before March 2026 and still enrolled."""
    return {"candidate_id": cid, "intake_date": "2025-06-01", **fields}


# -- shape ------------------------------------------------------------------------------------

def test_every_key_in_contract_order_and_parameters_echoed():
    f = figures(params=make_params(site="aarhus"))
    assert list(f) == KEYS
    assert (f["site"], f["month"], f["as_of"]) == ("aarhus", "2026-03", "2026-03-31")


def test_json_round_trip_and_plain_python_types():
    f = figures(
        consultants=[{"consultant_id": "k1"}],
        candidates=[enrolled("c1", consultant_id="k1", gender="female", birth_year=2000,
                             discharge_date="2026-03-20", discharge_reason="employed")],
        placements=[{"candidate_id": "c1", "kind": "job", "start_date": "2025-07-01"}],
        contacts=[{"candidate_id": "c1", "date": "2025-06-10", "kind": "employer_contact"}],
        employer_contacts=[{"consultant_id": "k1", "date": "2026-03-02"}],
        fidelity=fidelity_rows("2026-01-10", [4] * 25))
    assert json.loads(json.dumps(f)) == f
    for key in ("active_caseload", "caseload_in_month", "referrals", "intakes", "job_starts",
                "overdue_actions", "age_18_29", "fidelity_total", "supervision_sessions"):
        assert type(f[key]) is int, key
    for key in ("caseload_by_consultant", "gender", "discharges_by_reason"):
        assert all(type(k) is str and type(v) is int for k, v in f[key].items()), key
    assert type(f["median_days_to_employer_contact"]) is float


def test_empty_denominators_give_none_not_zero():
    # one referral never taken in: no caseload, nobody taken in, no placements, no review
    f = figures(candidates=[{"candidate_id": "r1", "referral_date": "2026-03-05"}])
    assert f["referrals"] == 1 and f["caseload_in_month"] == 0
    for key in ("outcome_rate", "outcome_ever_rate", "rapid_search_share",
                "median_days_to_employer_contact", "retention_4m", "retention_90d",
                "fidelity_total", "fidelity_band", "fidelity_date"):
        assert f[key] is None, key


def test_rate_rounds_to_four_decimals():
    assert rate(1, 3) == 0.3333 and rate(2, 3) == 0.6667 and rate(0, 4) == 0.0
    assert rate(0, 0) is None


# -- caseload ---------------------------------------------------------------------------------

def test_active_caseload_and_caseload_in_month_at_month_boundaries():
    # a: intake on the last day            -> enrolled on as_of, in the month
    # b: discharged on as_of (31 March)    -> not active (discharge > d fails), in the month
    # c: discharged 1 March                -> last enrolled day 28 Feb: neither
    # d: discharged 2 March                -> enrolled on 1 March: in the month, not active
    # e: referred, never taken in          -> neither
    # f: taken in 1 April                  -> neither
    # g: taken in long ago, never discharged -> both
    # active = {a, g} = 2; in month = {a, b, d, g} = 4
    f = figures(candidates=[
        {"candidate_id": "a", "intake_date": "2026-03-31"},
        {"candidate_id": "b", "intake_date": "2026-03-01", "discharge_date": "2026-03-31"},
        {"candidate_id": "c", "intake_date": "2026-02-01", "discharge_date": "2026-03-01"},
        {"candidate_id": "d", "intake_date": "2026-02-01", "discharge_date": "2026-03-02"},
        {"candidate_id": "e", "referral_date": "2026-03-10"},
        {"candidate_id": "f", "intake_date": "2026-04-01"},
        enrolled("g"),
    ])
    assert f["active_caseload"] == 2
    assert f["caseload_in_month"] == 4


def test_enrolled_on_and_enrolled_during_masks():
    data = site_data(candidates=[
        {"candidate_id": "x", "intake_date": "2026-03-10", "discharge_date": "2026-03-20"},
        {"candidate_id": "same_day", "intake_date": "2026-03-10", "discharge_date": "2026-03-10"},
    ])
    c = data.candidates
    # x is enrolled 10..19 March: intake day yes, discharge day no
    assert enrolled_on(c, date(2026, 3, 10)).tolist() == [True, False]
    assert enrolled_on(c, date(2026, 3, 19)).tolist() == [True, False]
    assert enrolled_on(c, date(2026, 3, 20)).tolist() == [False, False]
    assert enrolled_on(c, date(2026, 3, 9)).tolist() == [False, False]
    # discharged on the intake day: enrolled on no day, so in no period either
    assert enrolled_during(c, date(2026, 3, 1), date(2026, 3, 31)).tolist() == [True, False]
    assert enrolled_during(c, date(2026, 3, 20), date(2026, 3, 31)).tolist() == [False, False]
    assert enrolled_during(c, date(2026, 3, 19), date(2026, 3, 19)).tolist() == [True, False]


def test_caseload_by_consultant_and_over_caseload_max_per_fte():
    # caseload_max 2. k1: 2 active at 0.5 FTE -> 4 per FTE > 2: over.
    # k2: 2 active at 1.0 FTE -> exactly 2, not over.  k3: nobody -> 0, still listed.
    # k4: 2 active, FTE missing -> 1.0 -> 2, not over.  k5: 3 active at 2.0 FTE -> 1.5, not over.
    # A discharged candidate of k2 counts nowhere; the active candidate without a consultant
    # counts under `unassigned` (and is nobody's caseload for the maximum).
    # active = 2 + 2 + 2 + 3 + 1 = 10 = the values added up
    def c(cid, k, **kw):
        return enrolled(cid, consultant_id=k, **kw)

    f = figures(
        params=make_params(caseload_max=2),
        consultants=[{"consultant_id": "k1", "fte": 0.5}, {"consultant_id": "k2", "fte": 1.0},
                     {"consultant_id": "k3"}, {"consultant_id": "k4"},
                     {"consultant_id": "k5", "fte": 2.0}],
        candidates=[c("a1", "k1"), c("a2", "k1"), c("b1", "k2"), c("b2", "k2"),
                    c("b3", "k2", discharge_date="2026-03-15"), c("d1", "k4"), c("d2", "k4"),
                    c("e1", "k5"), c("e2", "k5"), c("e3", "k5"), enrolled("none")])
    assert f["caseload_by_consultant"] == {"k1": 2, "k2": 2, "k3": 0, "k4": 2, "k5": 3, "unassigned": 1}
    assert list(f["caseload_by_consultant"]) == ["k1", "k2", "k3", "k4", "k5", "unassigned"]
    assert f["over_caseload_max"] == ["k1"]
    assert f["active_caseload"] == 10 == sum(f["caseload_by_consultant"].values())


def test_unassigned_only_for_active_candidates_without_a_consultant():
    # caseload_max 1. k1 has a1 (active). Without a consultant: n1 discharged 15 March, n2 referred
    # and never taken in, n3 taken in 1 April (after as_of): none of them is active on 31 March,
    # so there is no `unassigned` key and k1's 1 is the whole active caseload.
    quiet = figures(params=make_params(caseload_max=1), consultants=[{"consultant_id": "k1"}],
                    candidates=[enrolled("a1", consultant_id="k1"),
                                enrolled("n1", discharge_date="2026-03-15"),
                                {"candidate_id": "n2", "referral_date": "2026-03-10"},
                                {"candidate_id": "n3", "intake_date": "2026-04-01"}])
    assert quiet["caseload_by_consultant"] == {"k1": 1} and quiet["active_caseload"] == 1
    # Two more without a consultant, enrolled on 31 March: `unassigned` 2, and 1 + 2 = 3 active.
    # Two unassigned candidates exceed caseload_max 1, but `unassigned` is nobody: never "over".
    busy = figures(params=make_params(caseload_max=1), consultants=[{"consultant_id": "k1"}],
                   candidates=[enrolled("a1", consultant_id="k1"), enrolled("u1"),
                               {"candidate_id": "u2", "intake_date": "2026-03-31"}])
    assert busy["caseload_by_consultant"] == {"k1": 1, "unassigned": 2}
    assert busy["active_caseload"] == 3 and busy["over_caseload_max"] == []


def test_over_caseload_max_lists_every_consultant_over_sorted():
    # caseload_max 1: k2 (2 active, FTE 1) and k1 (2 active, FTE missing) are both over
    f = figures(params=make_params(caseload_max=1),
                consultants=[{"consultant_id": "k2"}, {"consultant_id": "k1"}],
                candidates=[enrolled(f"c{i}", consultant_id=k) for i, k in enumerate(["k2", "k2", "k1", "k1"])])
    assert f["over_caseload_max"] == ["k1", "k2"]


# -- flow -------------------------------------------------------------------------------------

def test_referrals_and_intakes_include_first_and_last_day_only():
    # r1: referral 28 Feb (no), intake 1 Mar (yes); r2: both on 1 and 31 Mar (yes, yes)
    # r3: referral 31 Mar (yes), intake 1 Apr (no); r4: both in February (no, no)
    f = figures(candidates=[
        {"candidate_id": "r1", "referral_date": "2026-02-28", "intake_date": "2026-03-01"},
        {"candidate_id": "r2", "referral_date": "2026-03-01", "intake_date": "2026-03-31"},
        {"candidate_id": "r3", "referral_date": "2026-03-31", "intake_date": "2026-04-01"},
        {"candidate_id": "r4", "referral_date": "2026-02-01", "intake_date": "2026-02-28"},
    ])
    assert (f["referrals"], f["intakes"]) == (2, 2)


def test_discharges_by_reason_empty_reason_is_other():
    # in March: employed (1 Mar), no reason (31 Mar) and other (15 Mar) -> other 2;
    # 28 Feb and 1 Apr are outside
    def d(cid, day, reason=None):
        return enrolled(cid, discharge_date=day, discharge_reason=reason)

    f = figures(candidates=[d("a", "2026-03-01", "employed"), d("b", "2026-03-31"),
                            d("c", "2026-03-15", "other"), d("e", "2026-02-28", "employed"),
                            d("f", "2026-04-01", "moved")])
    assert f["discharges_by_reason"] == {"employed": 1, "other": 2}


def test_placement_starts_by_kind():
    # job 1 Mar, job 15 Mar -> 2 (job 28 Feb out); education 31 Mar -> 1 (education 1 Apr out);
    # internships 10 and 11 Mar -> 2; work trial 12 Mar -> 1
    starts = [("job", "2026-03-01"), ("job", "2026-03-15"), ("job", "2026-02-28"),
              ("education", "2026-03-31"), ("education", "2026-04-01"),
              ("internship", "2026-03-10"), ("internship", "2026-03-11"),
              ("work_trial", "2026-03-12")]
    f = figures(candidates=[enrolled("c1")],
                placements=[{"candidate_id": "c1", "kind": k, "start_date": s} for k, s in starts])
    assert (f["job_starts"], f["education_starts"]) == (2, 1)
    assert f["other_placement_starts"] == {"internship": 2, "work_trial": 1}


# -- outcome ----------------------------------------------------------------------------------

def test_outcome_in_month_needs_an_outcome_placement_on_an_enrolled_day():
    # o1 job starts 31 Mar                          -> counts (last day)
    # o2 job ended 1 Mar                            -> counts (first day)
    # o3 job ended 28 Feb                           -> no
    # o4 internship, o5 work trial, ongoing         -> no: never outcome
    # o6 job ongoing but discharged 1 Mar           -> not in caseload at all
    # o7 taken in 20 Mar, job 1–10 Mar (before)     -> in caseload, no
    # o8 discharged 10 Mar, job from 10 Mar         -> enrolled to 9 Mar only: in caseload, no
    # o9 education starting 1 Apr (after as_of)     -> in caseload, no
    # o10 education since 1 Feb                     -> counts
    # caseload = o1..o5, o7..o10 = 9; outcome = o1, o2, o10 = 3; rate 3/9 = 0.3333
    def p(cid, kind, start, end=None):
        return {"candidate_id": cid, "kind": kind, "start_date": start, "end_date": end}

    f = figures(
        candidates=[enrolled("o1"), enrolled("o2"), enrolled("o3"), enrolled("o4"), enrolled("o5"),
                    enrolled("o6", discharge_date="2026-03-01"),
                    {"candidate_id": "o7", "intake_date": "2026-03-20"},
                    enrolled("o8", discharge_date="2026-03-10"), enrolled("o9"), enrolled("o10")],
        placements=[p("o1", "job", "2026-03-31"), p("o2", "job", "2026-01-10", "2026-03-01"),
                    p("o3", "job", "2026-01-10", "2026-02-28"), p("o4", "internship", "2026-01-01"),
                    p("o5", "work_trial", "2026-01-01"), p("o6", "job", "2026-01-01"),
                    p("o7", "job", "2026-03-01", "2026-03-10"), p("o8", "job", "2026-03-10"),
                    p("o9", "education", "2026-04-01"), p("o10", "education", "2026-02-01")])
    assert f["caseload_in_month"] == 9
    assert f["outcome_in_month"] == 3
    assert f["outcome_rate"] == 0.3333


def test_ongoing_on_includes_start_and_end_day():
    data = site_data(placements=[
        {"candidate_id": "c", "kind": "job", "start_date": "2026-03-10", "end_date": "2026-03-20"},
        {"candidate_id": "c", "kind": "job", "start_date": "2026-03-10"},
    ])
    p = data.placements
    assert ongoing_on(p, date(2026, 3, 9)).tolist() == [False, False]
    assert ongoing_on(p, date(2026, 3, 10)).tolist() == [True, True]
    assert ongoing_on(p, date(2026, 3, 20)).tolist() == [True, True]
    assert ongoing_on(p, date(2026, 3, 21)).tolist() == [False, True]


def test_outcome_ever_rate():
    # denominator: taken in on or before 31 Mar = e1..e5 (e6 never taken in, e7 in April) = 5
    # e1 job after intake, later discharged  -> yes (discharged candidates stay in)
    # e2 job started before intake           -> no
    # e3 job starts 1 Apr, after as_of       -> no
    # e4 internship                          -> no
    # e5 education starts on the intake day, which is as_of -> yes
    # 2 / 5 = 0.4
    def p(cid, kind, start, end=None):
        return {"candidate_id": cid, "kind": kind, "start_date": start, "end_date": end}

    f = figures(
        candidates=[{"candidate_id": "e1", "intake_date": "2025-01-01", "discharge_date": "2025-09-01"},
                    {"candidate_id": "e2", "intake_date": "2026-01-01"},
                    {"candidate_id": "e3", "intake_date": "2026-01-01"},
                    {"candidate_id": "e4", "intake_date": "2026-01-01"},
                    {"candidate_id": "e5", "intake_date": "2026-03-31"},
                    {"candidate_id": "e6", "referral_date": "2026-01-01"},
                    {"candidate_id": "e7", "intake_date": "2026-04-01"}],
        placements=[p("e1", "job", "2025-06-01", "2025-08-01"), p("e2", "job", "2025-12-01"),
                    p("e3", "job", "2026-04-01"), p("e4", "internship", "2026-02-01"),
                    p("e5", "education", "2026-03-31"), p("e6", "job", "2026-02-01"),
                    p("e7", "job", "2026-04-02")])
    assert f["outcome_ever_rate"] == 0.4


def test_outcome_rate_series_oldest_first():
    # c1 taken in 15 Jan, job 20–25 Feb; c2 taken in 1 Mar, no placement.
    # Dec: nobody -> None; Jan: 0/1; Feb: 1/1; Mar: 0/2
    data = site_data(candidates=[{"candidate_id": "c1", "intake_date": "2026-01-15"},
                                 {"candidate_id": "c2", "intake_date": "2026-03-01"}],
                     placements=[{"candidate_id": "c1", "kind": "job", "start_date": "2026-02-20",
                                  "end_date": "2026-02-25"}])
    series = outcome_rate_series(data, make_params(), MARCH, months=4)
    assert series == [
        {"month": "2025-12", "outcome_rate": None, "outcome_in_month": 0, "caseload_in_month": 0},
        {"month": "2026-01", "outcome_rate": 0.0, "outcome_in_month": 0, "caseload_in_month": 1},
        {"month": "2026-02", "outcome_rate": 1.0, "outcome_in_month": 1, "caseload_in_month": 1},
        {"month": "2026-03", "outcome_rate": 0.0, "outcome_in_month": 0, "caseload_in_month": 2},
    ]
    year = outcome_rate_series(data, make_params(), MARCH)
    assert [s["month"] for s in (year[0], year[-1])] == ["2025-04", "2026-03"] and len(year) == 12
    # the last point is the pack's own figure
    f = supervision_figures(data, make_params(), MARCH)
    assert year[-1]["outcome_rate"] == f["outcome_rate"]


# -- rapid job search -------------------------------------------------------------------------

def test_rapid_search_share_and_median_days():
    # population: taken in on or before 1 Mar (as_of - 30) -> s1, s2, s3, s4, s6 (s5 is 29 days in)
    # s1 intake 1 Mar, employer_contact (contacts) 31 Mar -> 30 days: within
    # s2 intake 1 Jan, employer_contacts row naming s2 on 1 Feb -> 31 days: not within
    # s3 intake 1 Jan, employer contact 20 Dec (before intake) + a meeting -> none
    # s4 intake 10 Jan, contacts on 10 Jan and 20 Jan -> first is 0 days: within
    # s6 intake 1 Feb, employer contact 10 Apr (after as_of) -> none as of 31 Mar
    # share = {s1, s4} / 5 = 0.4; median of [30, 31, 0] = 30
    def ec(cid, day):
        return {"candidate_id": cid, "date": day, "kind": "employer_contact"}

    f = figures(
        consultants=[{"consultant_id": "k1"}],
        candidates=[{"candidate_id": "s1", "intake_date": "2026-03-01"},
                    {"candidate_id": "s2", "intake_date": "2026-01-01"},
                    {"candidate_id": "s3", "intake_date": "2026-01-01", "referral_date": "2025-12-01"},
                    {"candidate_id": "s4", "intake_date": "2026-01-10"},
                    {"candidate_id": "s5", "intake_date": "2026-03-02"},
                    {"candidate_id": "s6", "intake_date": "2026-02-01"}],
        contacts=[ec("s1", "2026-03-31"), ec("s3", "2025-12-20"),
                  {"candidate_id": "s3", "date": "2026-01-05", "kind": "meeting"},
                  ec("s4", "2026-01-10"), ec("s4", "2026-01-20"), ec("s5", "2026-03-05"),
                  ec("s6", "2026-04-10")],
        employer_contacts=[{"consultant_id": "k1", "date": "2026-02-01", "candidate_id": "s2"}])
    assert f["rapid_search_share"] == 0.4
    assert f["median_days_to_employer_contact"] == 30.0
    assert f["waiting_for_employer_contact"] == ["s3", "s6"]


def test_first_employer_contact_skips_contacts_before_intake_and_after_as_of():
    data = site_data(
        candidates=[{"candidate_id": "c", "intake_date": "2026-02-01"}],
        contacts=[{"candidate_id": "c", "date": "2026-01-31", "kind": "employer_contact"},
                  {"candidate_id": "c", "date": "2026-02-03", "kind": "meeting"},
                  {"candidate_id": "c", "date": "2026-02-05", "kind": "employer_contact"}])
    assert first_employer_contact(data)["c"].date() == date(2026, 2, 5)
    assert "c" not in first_employer_contact(data, date(2026, 2, 4)).index


def test_waiting_for_employer_contact_boundary_at_30_days():
    # w30 taken in 1 Mar: exactly 30 days -> not yet waiting; w31 taken in 28 Feb -> waiting;
    # gone: 31+ days, no contact, but discharged -> not enrolled, not listed;
    # had: 31+ days with a contact only before intake -> waiting
    f = figures(
        candidates=[{"candidate_id": "w31", "intake_date": "2026-02-28"},
                    {"candidate_id": "w30", "intake_date": "2026-03-01"},
                    {"candidate_id": "gone", "intake_date": "2026-01-01", "discharge_date": "2026-03-20"},
                    {"candidate_id": "had", "intake_date": "2026-01-01", "referral_date": "2025-12-01"}],
        contacts=[{"candidate_id": "had", "date": "2025-12-15", "kind": "employer_contact"}])
    assert f["waiting_for_employer_contact"] == ["had", "w31"]


def test_employer_contacts_per_week_in_a_28_day_month():
    # February 2026 has 28 days = 4 weeks: k1 6 contacts -> 1.5; k2 none -> 0.0
    # (1 Feb and 28 Feb count; 31 Jan and 1 Mar do not)
    rows = [{"consultant_id": "k1", "date": d} for d in
            ("2026-02-01", "2026-02-28", "2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13",
             "2026-01-31", "2026-03-01")]
    f = figures(Month(2026, 2), consultants=[{"consultant_id": "k1"}, {"consultant_id": "k2"}],
                employer_contacts=rows)
    assert f["employer_contacts_per_week"] == {"k1": 1.5, "k2": 0.0}


def test_employer_contacts_per_week_rounds_to_two_decimals():
    # March: 31/7 = 4.4286 weeks. k1: 3 contacts -> 0.6774 -> 0.68; k2: 1 -> 0.2258 -> 0.23
    f = figures(consultants=[{"consultant_id": "k2"}, {"consultant_id": "k1"}],
                employer_contacts=[{"consultant_id": "k1", "date": d}
                                   for d in ("2026-03-01", "2026-03-15", "2026-03-31")]
                + [{"consultant_id": "k2", "date": "2026-03-10", "candidate_id": None}])
    assert f["employer_contacts_per_week"] == {"k1": 0.68, "k2": 0.23}


# -- retention --------------------------------------------------------------------------------

def test_retention_4m_and_90d():
    # r1 job from 1 Dec 2025 (exactly 120 days before as_of), open     -> in both, lasted both
    # r2 job from 2 Dec 2025 (119 days), open                         -> 90d only, lasted
    # r3 education 1 Jun–29 Sep 2025 (end = start + 120)              -> lasted both
    # r4 job 1 Jun–28 Sep 2025 (start + 119; >= start + 90 = 30 Aug)  -> lasted 90d only
    # r5 job 1 Jun–29 Aug 2025 (start + 89)                           -> lasted neither
    # r6 internship from 1 Jan 2025, open                             -> never counted
    # 4m: {r1, r3} / {r1, r3, r4, r5} = 0.5; 90d: {r1, r2, r3, r4} / {r1..r5} = 0.8
    rows = [("job", "2025-12-01", None), ("job", "2025-12-02", None),
            ("education", "2025-06-01", "2025-09-29"), ("job", "2025-06-01", "2025-09-28"),
            ("job", "2025-06-01", "2025-08-29"), ("internship", "2025-01-01", None)]
    f = figures(candidates=[enrolled("c1")],
                placements=[{"candidate_id": "c1", "kind": k, "start_date": s, "end_date": e}
                             for k, s, e in rows])
    assert f["retention_4m"] == 0.5
    assert f["retention_90d"] == 0.8


# -- actions and consent ----------------------------------------------------------------------

def test_overdue_actions_count():
    # due 30 Mar open -> overdue; due 31 Mar (= as_of) open -> not yet;
    # due 1 Mar done 31 Mar -> done; due 1 Mar done 2 Apr -> still open on as_of: overdue;
    # due 1 Feb done 15 Feb -> done.  -> 2
    rows = [("2026-03-30", None), ("2026-03-31", None), ("2026-03-01", "2026-03-31"),
            ("2026-03-01", "2026-04-02"), ("2026-02-01", "2026-02-15")]
    f = figures(candidates=[enrolled("c1")],
                actions=[{"candidate_id": "c1", "due_date": d, "done_date": done} for d, done in rows])
    assert f["overdue_actions"] == 2


def test_without_consent_lists_enrolled_candidates_only_sorted():
    # n2 consent after as_of and n1 no consent -> listed (sorted); n3 consent on as_of -> not;
    # n4 no consent but discharged; n5 referral only -> not enrolled, not listed
    f = figures(candidates=[enrolled("n2", consent_date="2026-04-01"), enrolled("n1"),
                            enrolled("n3", consent_date="2026-03-31"),
                            enrolled("n4", discharge_date="2026-03-15"),
                            {"candidate_id": "n5", "referral_date": "2026-03-15"}])
    assert f["without_consent"] == ["n1", "n2"]


# -- equal opportunities ----------------------------------------------------------------------

def test_gender_over_caseload_in_month_missing_is_unknown():
    # in month: female x2, male, missing -> unknown; the male discharged in February is out
    f = figures(candidates=[enrolled("a", gender="female"), enrolled("b", gender="female"),
                            enrolled("c", gender="male"), enrolled("d"),
                            enrolled("e", gender="male", discharge_date="2026-02-10")])
    assert f["gender"] == {"female": 2, "male": 1, "unknown": 1}


def test_age_18_29_counts_ages_on_as_of_year():
    # 2026 - 2008 = 18 yes; 2026 - 1997 = 29 yes; 30 no; 17 no; missing birth year not counted;
    # the 2000-born candidate is taken in in April, outside the caseload -> 2
    f = figures(candidates=[enrolled("a", birth_year=2008), enrolled("b", birth_year=1997),
                            enrolled("c", birth_year=1996), enrolled("d", birth_year=2009),
                            enrolled("e"),
                            {"candidate_id": "f", "intake_date": "2026-04-01", "birth_year": 2000}])
    assert f["age_18_29"] == 2


# -- fidelity and supervision -----------------------------------------------------------------

def test_fidelity_uses_latest_complete_review_on_or_before_as_of():
    # Jun 2025 complete 75 (fair); Dec 2025 complete 100 (good); Feb 2026 only 24 items
    # (ignored though later); Apr 2026 complete 125 but after as_of -> Dec 2025: 100, good
    f = figures(fidelity=fidelity_rows("2025-06-01", [3] * 25) + fidelity_rows("2025-12-01", [4] * 25)
                + fidelity_rows("2026-02-01", [5] * 24) + fidelity_rows("2026-04-01", [5] * 25))
    assert (f["fidelity_total"], f["fidelity_band"], f["fidelity_date"]) == (100, "good", "2025-12-01")


def test_fidelity_reviews_trend_marks_incomplete_reviews():
    # 25 rows but item 1 twice and item 25 missing: not complete either
    dup = fidelity_rows("2026-01-15", [3] * 25)
    dup[-1]["item"] = 1
    reviews = fidelity_reviews(site_data(
        fidelity=fidelity_rows("2026-02-01", [5] * 24) + dup
        + fidelity_rows("2025-06-01", [2] * 10 + [3] * 15)).fidelity)
    assert [(r["date"], r["total"], r["band"], r["complete"]) for r in reviews] == [
        ("2025-06-01", 65, "not_ips", True),  # 10 x 2 + 15 x 3 = 65
        ("2026-01-15", None, None, False),
        ("2026-02-01", None, None, False),
    ]
    assert reviews[0]["items"]["1"] == 2 and reviews[0]["items"]["25"] == 3
    assert len(reviews[2]["items"]) == 24


@pytest.mark.parametrize("total, band", [
    (125, "exemplary"), (115, "exemplary"), (114, "good"), (100, "good"), (99, "fair"),
    (74, "fair"), (73, "not_ips"), (25, "not_ips")])
def test_fidelity_band_boundaries(total, band):
    assert fidelity_band(total) == band


@pytest.mark.parametrize("total", [24, 126])
def test_fidelity_band_rejects_impossible_totals(total):
    with pytest.raises(ValueError):
        fidelity_band(total)


def test_supervision_sessions_in_month():
    # 1 Mar, 15 Mar, 31 Mar count; 28 Feb and 1 Apr do not -> 3
    f = figures(supervision=[{"date": d} for d in
                             ("2026-03-01", "2026-03-15", "2026-03-31", "2026-02-28", "2026-04-01")])
    assert f["supervision_sessions"] == 3


# -- beside the figures: the pack's charts and the supervisor's list ------------------------------

from ips_nb.figures.metrics import candidates_by_phase, discharges_series, supervision_cadence, supervision_list  # noqa: E402


def test_candidates_by_phase_over_active_caseload():
    data = site_data(candidates=[enrolled("a", phase="job_search"), enrolled("b", phase="job_search"),
                                 enrolled("c", phase="employed"),
                                 enrolled("d", phase="job_search", discharge_date="2026-03-10")])
    assert candidates_by_phase(data, MARCH.as_of) == {"employed": 1, "job_search": 2}


def test_discharges_series_by_month_and_reason():
    data = site_data(candidates=[
        {"candidate_id": "a", "intake_date": "2025-01-01", "discharge_date": "2026-02-28",
         "discharge_reason": "employed"},
        {"candidate_id": "b", "intake_date": "2025-01-01", "discharge_date": "2026-03-01"},
        {"candidate_id": "c", "intake_date": "2025-01-01", "discharge_date": "2026-03-31",
         "discharge_reason": "moved"}])
    assert discharges_series(data, MARCH, months=2) == [
        {"month": "2026-02", "reasons": {"employed": 1}},
        {"month": "2026-03", "reasons": {"moved": 1, "other": 1}}]


def test_supervision_list_days_are_the_jsons_days_in_phase_without_a_history():
    # no phase history at the site: both the list and the JSON count from the intake (one number,
    # one source); b's job start on 15 Jan does not make the page estimate a shorter stretch.
    # b: intake 2025-06-01 -> 303 days on 2026-03-31; assessment, so a stall over 90 days
    data = site_data(
        candidates=[enrolled("b", phase="assessment", consent_date="2025-06-01")],
        placements=[{"candidate_id": "b", "kind": "internship", "start_date": "2026-01-15"}])
    f = supervision_figures(data, make_params(), MARCH)
    rows = supervision_list(data, MARCH.as_of)
    assert f["days_in_phase"] == {"b": 303}
    assert [(r["candidate_id"], r["days_in_phase"], r["reasons"]) for r in rows] == [
        ("b", 303, ["waiting_employer_contact", "same_phase_90d"])]


def test_supervision_list_reasons_and_privacy():
    # w: 89 days since intake, no employer contact -> waiting only (89 is not > 90)
    # s: assessment since 1 Oct 2025 (181 days) -> same_phase_90d
    # e: employed since 15 Jan -> nothing (in a job is not a stall) -> not listed
    # o: job search since intake 1 Dec 2025 (120 days; no history, so from the intake) -> a stall,
    #    and one overdue action
    # n: no consent -> listed by case id only, initials withheld
    # x: discharged -> not listed
    ec = "employer_contact"
    data = site_data(
        consultants=[{"consultant_id": "k1"}],
        candidates=[
            {"candidate_id": "w", "intake_date": "2026-01-01", "consent_date": "2026-01-01", "initials": "WA",
             "phase": "job_search", "consultant_id": "k1"},
            {"candidate_id": "s", "intake_date": "2025-10-01", "consent_date": "2025-10-01", "initials": "SB",
             "phase": "assessment", "consultant_id": "k1"},
            {"candidate_id": "e", "intake_date": "2025-10-01", "consent_date": "2025-10-01", "initials": "EC",
             "phase": "employed", "consultant_id": "k1"},
            {"candidate_id": "o", "intake_date": "2025-12-01", "consent_date": "2025-12-01", "initials": "OD",
             "phase": "job_search", "consultant_id": "k1"},
            {"candidate_id": "n", "intake_date": "2026-03-15", "initials": "NN", "phase": "job_search",
             "consultant_id": "k1"},
            {"candidate_id": "x", "intake_date": "2025-01-01", "discharge_date": "2026-03-01",
             "phase": "discharged", "consultant_id": "k1"}],
        contacts=[{"candidate_id": c, "date": "2025-12-20", "kind": ec} for c in ("s", "e", "o")],
        placements=[{"candidate_id": "e", "kind": "job", "start_date": "2026-01-15"},
                    {"candidate_id": "o", "kind": "internship", "start_date": "2026-01-05", "end_date": "2026-02-01"}],
        actions=[{"candidate_id": "o", "due_date": "2026-03-01"}])
    rows = supervision_list(data, MARCH.as_of)
    assert [(r["candidate_id"], r["initials"], r["reasons"]) for r in rows] == [
        ("n", None, ["no_consent"]),
        ("o", "OD", ["same_phase_90d", "overdue_actions"]),
        ("s", "SB", ["same_phase_90d"]),
        ("w", "WA", ["waiting_employer_contact"])]
    assert rows[1]["overdue_actions"] == 1 and rows[2]["days_in_phase"] == 181 and rows[3]["days_in_phase"] == 89


def test_supervision_cadence_first_year_monthly_then_every_second_month():
    # site start: first referral 10 Jan 2025 -> first year until 10 Jan 2026
    # 20 Jan, 15 Feb, 10 Apr (late: 2 months in the first year), 5 May (4th without clinicians),
    # 5 Jun (clinicians), 10 Nov (late), 20 Jan 2026 (late: the previous one was in the first year),
    # 5 Mar 2026 (2 months after the first year: on time)
    # window Apr 2025 - Mar 2026: held 6, late 3, with clinicians 1;
    # expected: Apr 2025 - Jan 2026 monthly (10) + Feb-Mar 2026 every second month (1) = 11
    sessions = [("2025-01-20", 0), ("2025-02-15", 0), ("2025-04-10", 0), ("2025-05-05", 0),
                ("2025-06-05", 2), ("2025-11-10", 0), ("2026-01-20", 0), ("2026-03-05", 0)]
    data = site_data(candidates=[{"candidate_id": "c", "referral_date": "2025-01-10"}],
                     supervision=[{"date": d, "clinicians_present": n, "consultants_present": 2}
                                  for d, n in sessions])
    c = supervision_cadence(data, MARCH)
    assert (c["site_start"], c["rule"], c["expected"], c["held"], c["late"], c["clinician_sessions"],
            c["overdue"]) == ("2025-01-10", "every_second_month", 11, 6, 3, 1, False)
    assert [(s["date"], s["late"], s["clinicians_due"]) for s in c["sessions"]] == [
        ("2025-04-10", True, False), ("2025-05-05", False, True), ("2025-06-05", False, False),
        ("2025-11-10", True, False), ("2026-01-20", True, False), ("2026-03-05", False, False)]
    assert supervision_cadence(data, Month(2026, 6))["overdue"] is True  # March + 2 < June
    assert supervision_cadence(data, Month(2026, 5))["overdue"] is False
