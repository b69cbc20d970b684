"""The records' estimate for IPS-25 items (ips_nb/fidelity.py), each on a hand-worked case.

as_of is 31 March 2026 throughout: the 13-week window is (30 Dec 2025, 31 Mar 2026], the year
window (31 Mar 2025, 31 Mar 2026].
"""
from __future__ import annotations

from datetime import date

import pytest
from factory import site_data

from ips_nb.figures import fidelity as F

AS_OF = date(2026, 3, 31)


def enrolled(cid: str, **fields) -> dict:
    return {"candidate_id": cid, "intake_date": "2025-06-01", "consent_date": "2025-06-01", **fields}


@pytest.mark.parametrize("per_fte, score", [(12, 5), (20, 5), (20.1, 4), (25, 4), (26, 3), (30, 3),
                                            (31, 2), (40, 2), (40.5, 1), (41, 1)])
def test_caseload_score_anchors(per_fte, score):
    assert F.caseload_score(per_fte) == score


def test_item_1_worst_consultant_per_fte():
    # k1 half-time with 11 active -> 22.0 per FTE (score 4); k2 full-time with 5 -> 5.0
    cands = [enrolled(f"a{i}", consultant_id="k1") for i in range(11)]
    cands += [enrolled(f"b{i}", consultant_id="k2") for i in range(5)]
    e = F.item_1_caseload(site_data(consultants=[{"consultant_id": "k1", "fte": 0.5},
                                                 {"consultant_id": "k2", "fte": 1.0}],
                                    candidates=cands), AS_OF)
    assert (e["value"], e["score"], e["meets"], e["n"]) == (22.0, 4, False, 2)


def test_item_4_most_teams_per_consultant():
    # k1's candidates come from teams A, B, C -> 3 (more than 2: not a 5); k2's from A only
    e = F.item_4_team_assignment(site_data(
        consultants=[{"consultant_id": "k1"}, {"consultant_id": "k2"}],
        clinicians=[{"clinician_id": "b1", "team": "A"}, {"clinician_id": "b2", "team": "B"},
                    {"clinician_id": "b3", "team": "C"}],
        candidates=[enrolled("c1", consultant_id="k1", clinician_id="b1"),
                    enrolled("c2", consultant_id="k1", clinician_id="b2"),
                    enrolled("c3", consultant_id="k1", clinician_id="b3"),
                    enrolled("c4", consultant_id="k2", clinician_id="b1")]), AS_OF)
    assert (e["value"], e["meets"]) == (3, False)


def test_item_5_conference_weeks_attended():
    # conference weeks in the window: ISO weeks 10 and 11 of 2026 (30 Dec 2025 is outside)
    # k1 in both, k2 in week 11 only -> 3 of 2 x 2 = 0.75
    e = F.item_5_conference_attendance(site_data(
        consultants=[{"consultant_id": "k1"}, {"consultant_id": "k2"}],
        conferences=[{"date": "2026-03-04", "team": "A"}, {"date": "2026-03-04", "consultant_id": "k1"},
                     {"date": "2026-03-11", "consultant_id": "k1"}, {"date": "2026-03-11", "consultant_id": "k2"},
                     {"date": "2025-12-30", "consultant_id": "k2"}]), AS_OF)
    assert (e["value"], e["n"]) == (0.75, 4)


def test_item_7_fte_sum_missing_fte_is_one():
    e = F.item_7_vocational_unit(site_data(consultants=[
        {"consultant_id": "k1", "fte": 1.0}, {"consultant_id": "k2", "fte": 0.8}, {"consultant_id": "k3"}]), AS_OF)
    assert (e["value"], e["meets"]) == (2.8, True)


def test_item_9_share_of_referrals_taken_in():
    # window for referrals (31 Mar 2025, 1 Mar 2026]: r1 taken in; r2 never; r5 taken in after as_of
    # r3 (10 Mar 2026, too recent) and r4 (31 Mar 2025, on the open edge) are outside -> 1 / 3
    e = F.item_9_zero_exclusion(site_data(candidates=[
        {"candidate_id": "r1", "referral_date": "2025-06-01", "intake_date": "2025-06-10"},
        {"candidate_id": "r2", "referral_date": "2025-09-01"},
        {"candidate_id": "r3", "referral_date": "2026-03-10"},
        {"candidate_id": "r4", "referral_date": "2025-03-31", "intake_date": "2025-04-02"},
        {"candidate_id": "r5", "referral_date": "2026-02-01", "intake_date": "2026-04-05"}]), AS_OF)
    assert (e["value"], e["n"]) == (0.3333, 3)


def test_item_12_benefits_counselling_before_job_start():
    # c1 counselled before, c2 on the start day -> yes; c3 counselled after -> no;
    # c4's education and c5's job of March 2025 are not job starts in the year -> 2 / 3
    e = F.item_12_benefits(site_data(
        candidates=[enrolled(c) for c in ("c1", "c2", "c3", "c4", "c5")],
        placements=[{"candidate_id": "c1", "kind": "job", "start_date": "2025-06-01"},
                    {"candidate_id": "c2", "kind": "job", "start_date": "2026-01-10"},
                    {"candidate_id": "c3", "kind": "job", "start_date": "2026-02-01"},
                    {"candidate_id": "c4", "kind": "education", "start_date": "2026-02-01"},
                    {"candidate_id": "c5", "kind": "job", "start_date": "2025-03-01"}],
        contacts=[{"candidate_id": "c1", "date": "2025-05-20", "kind": "benefits_counselling"},
                  {"candidate_id": "c2", "date": "2026-01-10", "kind": "benefits_counselling"},
                  {"candidate_id": "c3", "date": "2026-02-05", "kind": "benefits_counselling"},
                  {"candidate_id": "c5", "date": "2025-02-01", "kind": "benefits_counselling"}]), AS_OF)
    assert (e["value"], e["n"]) == (0.6667, 3)


def test_item_15_mean_days_over_recent_intakes_with_a_contact():
    # a 10 days, b 50 days -> mean 30.0 (a 5: within 30 on average); c no contact (left out);
    # d taken in before the year; e taken in less than 30 days before as_of
    ec = "employer_contact"
    e = F.item_15_rapid_search(site_data(
        candidates=[{"candidate_id": "a", "intake_date": "2026-01-01"},
                    {"candidate_id": "b", "intake_date": "2025-10-01"},
                    {"candidate_id": "c", "intake_date": "2025-12-01"},
                    {"candidate_id": "d", "intake_date": "2025-01-01"},
                    {"candidate_id": "e", "intake_date": "2026-03-10"}],
        contacts=[{"candidate_id": "a", "date": "2026-01-11", "kind": ec},
                  {"candidate_id": "b", "date": "2025-11-20", "kind": ec},
                  {"candidate_id": "d", "date": "2025-01-02", "kind": ec},
                  {"candidate_id": "e", "date": "2026-03-11", "kind": ec}]), AS_OF)
    assert (e["value"], e["n"], e["meets"]) == (30.0, 2, True)


def test_item_17_lowest_consultant_face_to_face_per_week():
    # k1: 78 face-to-face in 13 weeks -> 6.0; k2: 13 face-to-face (+5 by phone, +1 outside) -> 1.0
    days = [f"2026-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in range(1, 27)]  # 78 days in the window
    rows = [{"consultant_id": "k1", "date": d, "face_to_face": True} for d in days]
    rows += [{"consultant_id": "k2", "date": d, "face_to_face": True} for d in days[:13]]
    rows += [{"consultant_id": "k2", "date": d, "face_to_face": False} for d in days[:5]]
    rows += [{"consultant_id": "k2", "date": "2025-12-30", "face_to_face": True}]
    both = site_data(consultants=[{"consultant_id": "k1"}, {"consultant_id": "k2"}], employer_contacts=rows)
    e = F.item_17_employer_contact(both, AS_OF)
    assert (e["value"], e["meets"], e["n"]) == (1.0, False, 91)
    alone = site_data(consultants=[{"consultant_id": "k1"}], employer_contacts=rows[:78])
    assert F.item_17_employer_contact(alone, AS_OF)["meets"] is True


def test_item_18_employers_contacted_more_than_once():
    # in the window: E1 x2, E2 x1, E3 x3, E4 x1 (its other contact is before the window) -> 2 / 4
    rows = [("E1", "2026-01-05"), ("E1", "2026-02-05"), ("E2", "2026-01-05"), ("E3", "2026-01-05"),
            ("E3", "2026-02-05"), ("E3", "2026-03-05"), ("E4", "2025-11-05"), ("E4", "2026-03-05")]
    e = F.item_18_repeat_contacts(site_data(
        consultants=[{"consultant_id": "k1"}],
        employer_contacts=[{"consultant_id": "k1", "employer": emp, "date": d} for emp, d in rows]), AS_OF)
    assert (e["value"], e["n"]) == (0.5, 4)


def test_item_19_distinct_latest_job_goals():
    # c1's latest job goal "Kok", c2's "kok" (the same), c3's "Butik"; c4 has no job goal -> 2 / 3
    e = F.item_19_job_types(site_data(
        candidates=[enrolled(c) for c in ("c1", "c2", "c3", "c4")],
        goals=[{"candidate_id": "c1", "kind": "job", "description": "Lager", "set_date": "2025-01-01"},
               {"candidate_id": "c1", "kind": "job", "description": "Kok", "set_date": "2025-05-01"},
               {"candidate_id": "c2", "kind": "job", "description": "kok", "set_date": "2025-05-01"},
               {"candidate_id": "c3", "kind": "job", "description": "Butik", "set_date": "2025-05-01"}],
        placements=[{"candidate_id": c, "kind": "job", "start_date": "2025-09-01"}
                    for c in ("c1", "c2", "c3", "c4")]), AS_OF)
    assert (e["value"], e["n"]) == (0.6667, 3)


def test_item_20_and_21_employers_and_competitive_share():
    # job starts at Netto, netto (same employer), Bilka -> 2 distinct of 3;
    # all placements in the year: 3 jobs, 1 education, 1 internship, 1 work trial -> 4 / 6;
    # an internship from 2024 is outside the year
    rows = [("job", "Netto"), ("job", "netto"), ("job", "Bilka"), ("education", "Skolen"),
            ("internship", "Føtex"), ("work_trial", "Kommunen")]
    data = site_data(candidates=[enrolled("c1")],
                     placements=[{"candidate_id": "c1", "kind": k, "employer": emp, "start_date": "2025-10-01"}
                                 for k, emp in rows]
                     + [{"candidate_id": "c1", "kind": "internship", "start_date": "2024-10-01"}])
    e20, e21 = F.item_20_employers(data, AS_OF), F.item_21_competitive(data, AS_OF)
    assert (e20["value"], e20["n"]) == (0.6667, 3)
    assert (e21["value"], e21["n"], e21["meets"]) == (0.6667, 6, False)


def test_item_23_follow_along_rhythm():
    # c1 (start 10 Jan): contacts 7 Jan (-3), 11 Jan (+1), 20 Jan (+10), 27 Jan (+17), 5 Feb (+26) -> ok
    # c2 the same without the third week (27 Jan) -> not; c3 starts 10 Mar (less than 28 days before
    # as_of) and c4's internship are left out -> 1 / 2
    def contacts(cid, days):
        return [{"candidate_id": cid, "date": d, "kind": "meeting"} for d in days]

    full = ["2026-01-07", "2026-01-11", "2026-01-20", "2026-01-27", "2026-02-05"]
    e = F.item_23_follow_along(site_data(
        candidates=[enrolled(c) for c in ("c1", "c2", "c3", "c4")],
        placements=[{"candidate_id": "c1", "kind": "job", "start_date": "2026-01-10"},
                    {"candidate_id": "c2", "kind": "education", "start_date": "2026-01-10"},
                    {"candidate_id": "c3", "kind": "job", "start_date": "2026-03-10"},
                    {"candidate_id": "c4", "kind": "internship", "start_date": "2026-01-10"}],
        contacts=contacts("c1", full) + contacts("c2", [d for d in full if d != "2026-01-27"])), AS_OF)
    assert (e["value"], e["n"]) == (0.5, 2)


def test_item_25_gaps_closed_by_a_contact():
    # g1: intake 1 Jan, contacts 10 Jan, 15 Feb (36-day gap, closed), 1 Mar; 30 days since -> open
    # g2: intake 20 Mar, no contact yet (11 days) -> nothing
    # g3: window starts 31 Mar 2025: contacts 10 Apr 2025, 25 Mar 2026 (349-day gap, closed)
    # closed 2, open 1 -> 2 / 3
    def contacts(cid, days):
        return [{"candidate_id": cid, "date": d, "kind": "meeting"} for d in days]

    e = F.item_25_outreach(site_data(
        candidates=[{"candidate_id": "g1", "intake_date": "2026-01-01"},
                    {"candidate_id": "g2", "intake_date": "2026-03-20"},
                    {"candidate_id": "g3", "intake_date": "2025-01-01"}],
        contacts=contacts("g1", ["2026-01-10", "2026-02-15", "2026-03-01"])
        + contacts("g3", ["2025-03-01", "2025-04-10", "2026-03-25"])), AS_OF)
    assert (e["value"], e["n"]) == (0.6667, 3)


def test_estimates_cover_all_25_items_and_say_when_they_cannot():
    est = F.fidelity_estimates(site_data(), AS_OF)
    assert sorted(est) == list(range(1, 26))
    assert est[2]["value"] is None and est[13]["value"] is None  # no record speaks to these
    assert all(e["value"] is None for e in est.values() if e["item"] != 7)  # nothing recorded
    assert est[7]["value"] == 0.0  # no consultants: 0 FTE, which is itself worth seeing


def test_moved_items():
    prev = {"items": {"1": 3, "2": 4, "3": 5}}
    latest = {"items": {"1": 4, "2": 4, "3": 3}}
    assert F.moved_items(prev, latest) == {1: 1, 3: -2}
    assert F.moved_items(None, latest) == {}
