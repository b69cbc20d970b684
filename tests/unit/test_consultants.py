"""Each consultant's month and equal chances (docs/figures.md), on small data worked out by hand.

The month is March 2026 unless a test says otherwise: 1–31 March, 31 days = 31/7 weeks,
as_of 2026-03-31. Day 90 of a placement is start_date + 90 days: a job started 2025-12-01 reaches
it on 1 March, one started 2025-12-31 on 31 March.
"""
from __future__ import annotations

from factory import KEYS, make_params, site_data

from ips_nb.figures.consultants import by_consultant, caseload_per_fte, consultant_series
from ips_nb.figures.equal import age_group, by_age_group, by_gender
from ips_nb.figures.pack_figures import supervision_figures
from ips_nb.figures.periods import Month

MARCH = Month(2026, 3)
EMPTY = {"active_caseload": 0, "caseload_in_month": 0, "working": 0, "working_share": None,
         "in_education": 0, "education_share": None, "job_starts": 0, "education_starts": 0,
         "job_endings": 0, "kept_job_90d": 0, "employer_contacts": 0, "face_to_face_per_week": 0.0,
         "employment_rate_3m": None, "waiting_for_employer_contact": 0, "overdue_actions": 0}


def enrolled(cid: str, consultant: str | None = None, **fields) -> dict:
    """A candidate taken in on 1 June 2025 and still enrolled."""
    return {"candidate_id": cid, "intake_date": "2025-06-01", "consultant_id": consultant, **fields}


def job(cid: str, start: str, end: str | None = None, kind: str = "job") -> dict:
    return {"candidate_id": cid, "kind": kind, "start_date": start, "end_date": end}


def contact(day: str, face_to_face: bool | None, consultant: str = "k1", cid: str | None = None) -> dict:
    return {"consultant_id": consultant, "date": day, "face_to_face": face_to_face, "candidate_id": cid}


def month_data():
    """k1 (full time): c1-c5. k2 (half time): c6-c16, 11 candidates. k3: nobody. u1: no consultant.

    k1's jobs: c1 since 1 Jan (day 90 is 1 April: not this month); c2 ends 31 March (the month's
    last day: an ending, and still working); c3 from 1 Dec to 1 March (day 90 on 1 March, ended
    that very day: kept); c4 since 31 Dec (day 90 on 31 March: kept); c5 from 15 Dec to 14 March
    (day 90 on 15 March, ended the day before: not kept). All five work on an enrolled day.
    k2: c6 in education from 10 March; c7 had a job 5-31 January (in the quarter, not the month).
    """
    candidates = [enrolled(f"c{i}", "k1") for i in range(1, 6)]
    candidates += [enrolled(f"c{i}", "k2") for i in range(6, 17)]
    candidates.append(enrolled("u1"))
    placements = [job("c1", "2026-01-01"), job("c2", "2025-10-01", "2026-03-31"),
                  job("c3", "2025-12-01", "2026-03-01"), job("c4", "2025-12-31"),
                  job("c5", "2025-12-15", "2026-03-14"), job("c6", "2026-03-10", kind="education"),
                  job("c7", "2026-01-05", "2026-01-31")]
    # k1 logged 5 in March: face to face on 1, 10 and 31 March, not on 5 March, not said on 6 March
    # (empty is not face to face), and one on 28 February (not this month). Three name c1-c3.
    contacts = [contact("2026-03-01", True, cid="c1"), contact("2026-03-10", True, cid="c2"),
                contact("2026-03-31", True), contact("2026-03-05", False, cid="c3"),
                contact("2026-03-06", None), contact("2026-02-28", True)]
    actions = [{"candidate_id": "c1", "due_date": "2026-03-10"},  # overdue
               {"candidate_id": "c6", "due_date": "2026-03-31"},  # due on as_of: not yet
               {"candidate_id": "c7", "due_date": "2026-03-01", "done_date": "2026-03-02"}]
    return site_data(consultants=[{"consultant_id": "k1", "fte": 1.0}, {"consultant_id": "k2", "fte": 0.5},
                                  {"consultant_id": "k3"}],
                     candidates=candidates, placements=placements, employer_contacts=contacts,
                     actions=actions)


def test_each_consultant_s_month_by_hand():
    f = by_consultant(month_data(), make_params(), MARCH)
    assert list(f) == ["k1", "k2", "k3", "unassigned"]
    assert f["k1"] == {"active_caseload": 5, "caseload_in_month": 5, "working": 5, "working_share": 1.0,
                       "in_education": 0, "education_share": 0.0, "job_starts": 0, "education_starts": 0,
                       # c2 (31 March), c3 (1 March), c5 (14 March)
                       "job_endings": 3,
                       # c3 and c4; c5 ended the day before its day 90, c1's is in April
                       "kept_job_90d": 2,
                       # 3 face to face of 5 logged: 3 / (31 / 7) = 0.677 -> 0.68
                       "employer_contacts": 5, "face_to_face_per_week": 0.68,
                       "employment_rate_3m": 1.0,
                       # c4 and c5: no employer contact names them
                       "waiting_for_employer_contact": 2, "overdue_actions": 1}
    assert f["k2"] == {**EMPTY, "active_caseload": 11, "caseload_in_month": 11, "working_share": 0.0,
                       "in_education": 1, "education_share": 0.0909, "education_starts": 1,
                       "employment_rate_3m": 0.0909,  # c7's January job: 1 of 11 in the quarter
                       "waiting_for_employer_contact": 11}
    assert f["k3"] == EMPTY  # a consultant with nobody is listed, with nothing
    assert f["unassigned"] == {**EMPTY, "active_caseload": 1, "caseload_in_month": 1, "working_share": 0.0,
                               "education_share": 0.0, "employment_rate_3m": 0.0,
                               "waiting_for_employer_contact": 1}


def test_keys_follow_the_site_s_and_add_up_to_it():
    f = supervision_figures(month_data(), make_params(), MARCH)
    assert list(f) == KEYS and KEYS[-3:] == ["by_consultant", "by_gender", "by_age_group"]
    per = f["by_consultant"]
    assert sum(v["active_caseload"] for v in per.values()) == f["active_caseload"] == 17
    assert sum(v["caseload_in_month"] for v in per.values()) == f["caseload_in_month"]
    assert sum(v["job_starts"] for v in per.values()) == f["job_starts"]
    assert sum(v["education_starts"] for v in per.values()) == f["education_starts"] == 1
    assert sum(v["overdue_actions"] for v in per.values()) == f["overdue_actions"] == 1
    assert sum(v["waiting_for_employer_contact"] for v in per.values()) == len(f["waiting_for_employer_contact"])


def test_unassigned_only_when_someone_of_the_month_s_caseload_has_no_consultant():
    base = dict(consultants=[{"consultant_id": "k1"}])
    # u1 left in February, u2 is only referred, u3 comes in April: none in March's caseload
    quiet = site_data(**base, candidates=[enrolled("c1", "k1"),
                                          enrolled("u1", discharge_date="2026-02-15"),
                                          {"candidate_id": "u2", "referral_date": "2026-03-03"},
                                          {"candidate_id": "u3", "intake_date": "2026-04-01"}])
    assert list(by_consultant(quiet, make_params(), MARCH)) == ["k1"]
    # u4 was enrolled 1-14 March and left on the 15th: in the month's caseload, not active on as_of
    left = site_data(**base, candidates=[enrolled("c1", "k1"), enrolled("u4", discharge_date="2026-03-15")])
    f = by_consultant(left, make_params(), MARCH)
    assert list(f) == ["k1", "unassigned"]
    assert (f["unassigned"]["caseload_in_month"], f["unassigned"]["active_caseload"]) == (1, 0)


def test_a_candidate_changing_nothing_but_their_consultant():
    # c1 starts a job on 2 March, has an overdue action, and k1 logged a contact naming c1.
    # Moved to k2, the candidate's figures go with them; the contact stays k1's (who logged it).
    def data(consultant: str):
        return site_data(consultants=[{"consultant_id": "k1"}, {"consultant_id": "k2"}],
                         candidates=[enrolled("c1", consultant)],
                         placements=[job("c1", "2026-03-02")],
                         employer_contacts=[contact("2026-03-04", True, "k1", "c1")],
                         actions=[{"candidate_id": "c1", "due_date": "2026-03-20"}])

    with_k1, with_k2 = (by_consultant(data(k), make_params(), MARCH) for k in ("k1", "k2"))
    mine = {"active_caseload": 1, "caseload_in_month": 1, "working": 1, "working_share": 1.0,
            "in_education": 0, "education_share": 0.0, "job_starts": 1, "employment_rate_3m": 1.0,
            "overdue_actions": 1}
    logged = {"employer_contacts": 1, "face_to_face_per_week": round(7 / 31, 2)}  # 0.23
    assert with_k1["k1"] == {**EMPTY, **mine, **logged} and with_k1["k2"] == EMPTY
    assert with_k2["k2"] == {**EMPTY, **mine} and with_k2["k1"] == {**EMPTY, **logged}
    site = [supervision_figures(data(k), make_params(), MARCH) for k in ("k1", "k2")]
    same = [k for k in KEYS if k not in ("caseload_by_consultant", "by_consultant")]
    assert [site[0][k] for k in same] == [site[1][k] for k in same]


def test_a_job_ending_on_the_month_s_first_or_last_day_is_an_ending_that_month():
    # ends 28 February: February's; 1 March and 31 March: March's; 1 April: April's
    data = site_data(consultants=[{"consultant_id": "k1"}],
                     candidates=[enrolled(f"c{i}", "k1") for i in range(4)],
                     placements=[job("c0", "2025-09-01", "2026-02-28"), job("c1", "2025-09-01", "2026-03-01"),
                                 job("c2", "2025-09-01", "2026-03-31"), job("c3", "2025-09-01", "2026-04-01")])
    for month, endings in ((Month(2026, 2), 1), (MARCH, 2), (Month(2026, 4), 1)):
        assert by_consultant(data, make_params(), month)["k1"]["job_endings"] == endings


def test_day_90_on_the_month_s_first_and_last_day():
    # day 90 on 1 March (started 1 Dec) and on 31 March (started 31 Dec): both March's;
    # started 30 Nov -> day 90 on 28 Feb (February's); started 1 Jan -> 1 April (April's).
    # Education placements are not jobs kept.
    data = site_data(consultants=[{"consultant_id": "k1"}],
                     candidates=[enrolled(f"c{i}", "k1") for i in range(5)],
                     placements=[job("c0", "2025-12-01"), job("c1", "2025-12-31"), job("c2", "2025-11-30"),
                                 job("c3", "2026-01-01"), job("c4", "2025-12-01", kind="education")])
    kept = {str(m): by_consultant(data, make_params(), m)["k1"]["kept_job_90d"]
            for m in (Month(2026, 2), MARCH, Month(2026, 4))}
    assert kept == {"2026-02": 1, "2026-03": 2, "2026-04": 1}


def test_face_to_face_true_false_and_empty():
    # 7 contacts in March: 4 face to face, 2 not, 1 not said -> 4 / (31/7) = 0.903 -> 0.9
    rows = [contact(f"2026-03-{d:02d}", v) for d, v in
            ((1, True), (2, True), (9, True), (31, True), (3, False), (4, False), (5, None))]
    f = by_consultant(site_data(consultants=[{"consultant_id": "k1"}], employer_contacts=rows),
                      make_params(), MARCH)["k1"]
    assert (f["employer_contacts"], f["face_to_face_per_week"]) == (7, 0.9)
    # 28 days in February 2026: 6 face to face = 1.5 a week exactly
    feb = [contact(f"2026-02-{d:02d}", True) for d in (1, 5, 10, 15, 20, 28)]
    f = by_consultant(site_data(consultants=[{"consultant_id": "k1"}], employer_contacts=feb),
                      make_params(), Month(2026, 2))["k1"]
    assert f["face_to_face_per_week"] == 1.5


def test_a_half_time_consultant_s_caseload_per_fte():
    # 11 candidates at 0.5 FTE are 22 per full time: over a caseload_max of 20 (and IPS-25's 20)
    assert caseload_per_fte(11, 0.5) == 22.0 > 20
    assert caseload_per_fte(10, 0.5) == 20.0  # at the maximum, not over
    assert caseload_per_fte(7, 0.8) == 8.8


def test_the_trend_is_each_month_s_own_figures_oldest_first():
    data = month_data()
    series = consultant_series(data, "k1", MARCH, months=3)
    assert [s["month"] for s in series] == ["2026-01", "2026-02", "2026-03"]
    # January: c1 (from 1 Jan), c2, c3, c4, c5 all work; no contacts. February: the same;
    # one face-to-face contact on 28 Feb = 1 / 4 = 0.25 a week.
    assert [s["working_share"] for s in series] == [1.0, 1.0, 1.0]
    assert [s["face_to_face_per_week"] for s in series] == [0.0, 0.25, 0.68]
    march = by_consultant(data, make_params(), MARCH)["k1"]
    assert series[-1]["working"] == march["working"] and series[-1]["caseload_in_month"] == 5


# -- equal chances ------------------------------------------------------------------------------

def test_age_groups_at_intake_with_both_ends_counted():
    assert [age_group(a) for a in (17, 18, 29, 30, float("nan"))] == ["under 18", "18-29", "18-29", "30+",
                                                                      "unknown"]


def test_outcome_rate_per_gender_and_age_group():
    # Intake 1 June 2025. Women: w1 (born 1996: 29 at intake, though 30 on as_of) works, w2 (born
    # 2008: 17) does not, w3 (born 1990: 35) in education. Men: m1 (born 1995: 30) works, m2 (no
    # birth year) does not. x1 (gender not given, born 2000: 25) does not; gone in February: g1.
    candidates = [enrolled("w1", gender="female", birth_year=1996), enrolled("w2", gender="female", birth_year=2008),
                  enrolled("w3", gender="female", birth_year=1990), enrolled("m1", gender="male", birth_year=1995),
                  enrolled("m2", gender="male"), enrolled("x1", birth_year=2000),
                  enrolled("g1", gender="male", birth_year=2000, discharge_date="2026-02-01")]
    placements = [job("w1", "2026-01-01"), job("w3", "2026-03-31", kind="education"), job("m1", "2025-09-01"),
                  job("g1", "2025-09-01"), job("x1", "2026-03-01", kind="internship")]
    data = site_data(candidates=candidates, placements=placements)
    assert by_gender(data, MARCH) == {
        "female": {"caseload_in_month": 3, "outcome_in_month": 2, "outcome_rate": 0.6667},
        "male": {"caseload_in_month": 2, "outcome_in_month": 1, "outcome_rate": 0.5},
        "unknown": {"caseload_in_month": 1, "outcome_in_month": 0, "outcome_rate": 0.0}}
    assert by_age_group(data, MARCH) == {
        "18-29": {"caseload_in_month": 2, "outcome_in_month": 1, "outcome_rate": 0.5},  # w1, x1
        "30+": {"caseload_in_month": 2, "outcome_in_month": 2, "outcome_rate": 1.0},  # w3, m1
        "under 18": {"caseload_in_month": 1, "outcome_in_month": 0, "outcome_rate": 0.0},  # w2
        "unknown": {"caseload_in_month": 1, "outcome_in_month": 0, "outcome_rate": 0.0}}  # m2
    f = supervision_figures(data, make_params(), MARCH)
    assert sum(g["caseload_in_month"] for g in f["by_gender"].values()) == f["caseload_in_month"] == 6
    assert sum(g["outcome_in_month"] for g in f["by_age_group"].values()) == f["outcome_in_month"] == 3


def test_an_empty_month_has_every_age_group_and_no_gender():
    data = site_data()
    assert by_gender(data, MARCH) == {}
    assert list(by_age_group(data, MARCH)) == ["18-29", "30+", "under 18", "unknown"]
    assert by_age_group(data, MARCH)["30+"] == {"caseload_in_month": 0, "outcome_in_month": 0,
                                                 "outcome_rate": None}


# -- the pack's table ---------------------------------------------------------------------------

def _pack(data=None, **params):
    from ips_nb.pages.pack import SupervisionPack

    return SupervisionPack.from_data(data or month_data(), make_params(language="da", **params), MARCH)


def test_the_half_time_consultant_is_over_per_full_time_and_says_so_in_words():
    # k2: 11 candidates at 0.5 FTE = 22,0 per full time > caseload_max 21 (and IPS-25's 20).
    # k1: 5 at full time, within. With caseload_max 30, k2's 22 is still over IPS-25's 20.
    html = str(_pack(caseload_max=21).consultants())
    k2 = html.split('<tbody class="ips-consultant">')[2]
    assert "22,0 pr. fuldtid" in k2 and "✗ over" in k2
    k1 = html.split('<tbody class="ips-consultant">')[1]
    assert "5,0 pr. fuldtid" in k1 and "✓ inden for" in k1
    assert "✗ over" in str(_pack(caseload_max=30).consultants()).split('<tbody class="ips-consultant">')[2]


def test_each_row_says_its_benchmarks_in_words_and_its_candidates_follow_it():
    html = str(_pack().consultants())
    k1, k2, k3, unassigned = html.split('<tbody class="ips-consultant">')[1:]
    # k1: 0,68 face to face a week, under IPS-25's 6; 100 % over the quarter: excellent
    assert "0,68" in k1 and "✗ under" in k1 and "✓ fremragende" in k1 and "100,0\u00a0%" in k1
    # k2: 9,1 % over the quarter, below the learning community's 31 %
    assert "9,1\u00a0%" in k2 and "✗ under minimum" in k2
    # the candidates to raise sit under their own consultant's row: c4, c5 waiting under k1,
    # c6-c16 under k2, u1 under "Uden konsulent"; k3 has nobody and no list
    assert "c4" in k1 and "c5" in k1 and "c6" not in k1 and "c6" in k2 and "u1" in unassigned
    assert "Til denne supervision" in k1 and "Til denne supervision" not in k3
    # one consultant alone (the dashboard's chooser)
    alone = str(_pack().consultants("k2"))
    assert alone.count('<tbody class="ips-consultant">') == 1 and "c6" in alone and "c4" not in alone


def test_every_status_on_the_headlines_is_in_words_and_a_symbol():
    pack = _pack()
    html = str(pack.headlines())
    rows = pack.rows()
    assert rows["over_caseload_max"].status == "warn"  # k2 at 22 per full time
    assert '<div class="ips-card-status">✗ ikke på sporet</div>' in html
    assert rows["overdue_actions"].status == "warn" and rows["without_consent"].status == "warn"
    assert '<td class="ips-status">✗ ikke på sporet</td>' in html
    assert '<td class="ips-status">–</td>' in html  # a figure with no goal or benchmark
    assert rows["employment_rate_3m"].status == "ok" and "✓ på sporet" in html


def test_each_consultant_s_twelve_months_in_the_pack():
    html = str(_pack().consultant_trends())
    blocks = html.split('<tbody class="ips-consultant">')[1:]
    assert len(blocks) == 3  # k1, k2, k3: a consultant with nobody too; `unassigned` has no trend
    assert html.count("<th>") == 13 and "<th>apr. 25</th>" in html and "<th>mar. 26</th>" in html
    k1 = blocks[0]
    # October 2025: c2's job alone (1 of 5 = 20 %); from January all five; contacts 0,25 and 0,68
    working, contacts = (row.split("</td><td>") for row in k1.split("<tr><td>")[1:])
    assert working[7] == "20\u00a0%" and working[10:13] == ["100\u00a0%", "100\u00a0%", "100\u00a0%</td></tr>"]
    assert contacts[11:13] == ["0,25", "0,68</td></tr></tbody>"]
    alone = str(_pack().consultant_trends("k2"))
    assert alone.count('<tbody class="ips-consultant">') == 1


# -- the regional overview: per site, small groups "<5" --------------------------------------------

def test_the_overview_shows_each_site_s_group_rates_and_withholds_few():
    from ips_nb.pages.overview import site_row

    # 10 women (5 in a job), 6 men (none), all born 1990 (35 at intake): 30+ is 5 of 16
    women = [enrolled(f"w{i}", gender="female", birth_year=1990) for i in range(10)]
    men = [enrolled(f"m{i}", gender="male", birth_year=1990) for i in range(6)]
    jobs = [job(f"w{i}", "2026-01-01") for i in range(5)]
    row = site_row(site_data(candidates=women + men, placements=jobs), make_params(), MARCH)
    assert row["equal"] == {"gender": {"female": 0.5, "male": 0.0},
                            "age": {"18-29": None, "30+": 0.3125, "under 18": None, "unknown": None}}
    assert "m0" not in str(row) and "by_consultant" not in row  # per site only, never a consultant's row
    # two more men, born 2000, both in a job: 2 men in work is a count of 1-4, so neither gender's
    # rate is shown (women's 5 of 10 and the site's 7 would give the men's 2); the 18-29 group has
    # 2 people: every age group's rate is withheld for the same reason
    young = [enrolled(f"y{i}", gender="male", birth_year=2000) for i in range(2)]
    row = site_row(site_data(candidates=women + men + young, placements=jobs + [job("y0", "2026-01-01"),
                                                                                 job("y1", "2026-01-01")]),
                   make_params(), MARCH)
    assert row["equal"] == {"gender": {"female": "<5", "male": "<5"},
                            "age": {"18-29": "<5", "30+": "<5", "under 18": None, "unknown": None}}


def test_the_overview_table_has_a_line_per_group():
    from ips_nb.pages.labels import Labels
    from ips_nb.pages.overview import Overview, site_row

    women = [enrolled(f"w{i}", gender="female", birth_year=1990) for i in range(10)]
    rows = [site_row(site_data(candidates=women, placements=[job(f"w{i}", "2026-01-01") for i in range(5)]),
                     make_params(), MARCH)]
    html = str(Overview(MARCH, rows, Labels("da")).table())
    assert "Lige muligheder: Kvinder</td><td>50,0\u00a0%" in html
    assert "Lige muligheder: 30 år og derover</td><td>50,0\u00a0%" in html
