"""Every agenda rule with a case that triggers it and one that just does not.

Week 2026-W47 runs Monday 16 to Sunday 22 November 2026; the test site confers on Wednesday,
so conference = 18 Nov and as_of = 17 Nov. `day(n)` is n days before as_of:
"since the previous conference" = day(5)..day(0) (12–17 Nov), "the last 14 days" =
day(13)..day(0), the end of the conference week = day(-5) (22 Nov).
"""
from __future__ import annotations

import json
from datetime import date, timedelta

from factory import make_params, site_data

from ips_nb.figures.agenda_rules import REASONS, SECTIONS, build_agenda
from ips_nb.figures.periods import Week

WEEK = Week(2026, 47)
AS_OF = date(2026, 11, 17)


def day(n: int) -> str:
    """The date n days before as_of (negative: after it)."""
    return (AS_OF - timedelta(days=n)).isoformat()


def cand(cid: str, **fields) -> dict:
    """A consented candidate taken in 90 days ago."""
    return {"candidate_id": cid, "referral_date": day(100), "intake_date": day(90),
            "consent_date": day(90), **fields}


def agenda(candidates: list[dict], *, routine: list[str] | None = None, team: str | None = None,
           params=None, week: Week = WEEK, clinician: str | None = None, consultant: str | None = None,
           **tables) -> dict:
    """The agenda; candidates in `routine` (default: all) get an employer contact yesterday and
    were discussed at last week's conference, so no reason fires unless the test adds one."""
    ids = [c["candidate_id"] for c in candidates] if routine is None else routine
    contacts = list(tables.pop("contacts", [])) + [
        {"candidate_id": i, "date": day(1), "kind": "employer_contact"} for i in ids]
    conferences = list(tables.pop("conferences", [])) + [
        {"candidate_id": i, "date": day(6)} for i in ids]
    data = site_data(candidates=candidates, contacts=contacts, conferences=conferences, **tables)
    return build_agenda(data, params or make_params(), week, team, clinician=clinician, consultant=consultant)


def ids(a: dict, key: str) -> list[str]:
    return [e["candidate_id"] for s in a["sections"] if s["key"] == key for e in s["candidates"]]


def entry(a: dict, key: str, cid: str) -> dict:
    return next(e for s in a["sections"] if s["key"] == key for e in s["candidates"]
                if e["candidate_id"] == cid)


def reasons_of(a: dict) -> dict[str, list[str]]:
    return {e["candidate_id"]: e["reasons"] for e in
            next(s for s in a["sections"] if s["key"] == "to_discuss")["candidates"]}


def everyone(a: dict) -> set[str]:
    return {e["candidate_id"] for s in a["sections"] for e in s["candidates"]}


# -- header and shape -------------------------------------------------------------------------

def test_header_dates_and_section_order():
    a = agenda([cand("c1")])
    assert list(a) == ["site", "week", "conference_date", "as_of", "sections",
                       "left_out_without_consent"]
    assert (a["site"], a["week"], a["conference_date"], a["as_of"]) == (
        "test", "2026-W47", "2026-11-18", "2026-11-17")
    assert [s["key"] for s in a["sections"]] == list(SECTIONS) == [
        "new_referrals", "to_discuss", "actions_due", "good_news"]
    assert json.loads(json.dumps(a)) == a


def test_monday_conference_knows_up_to_the_sunday_before():
    a = agenda([cand("c1")], params=make_params(conference_weekday="monday"))
    assert (a["conference_date"], a["as_of"]) == ("2026-11-16", "2026-11-15")


def test_a_candidate_in_routine_appears_nowhere():
    a = agenda([cand("c1")])
    assert everyone(a) == set() and a["left_out_without_consent"] == 0


# -- reasons ----------------------------------------------------------------------------------

def test_overdue_action():
    # late: due yesterday, open -> overdue.  done: due day 5, done on as_of -> closed.
    # after: done on conference day -> still open on as_of, so overdue.
    a = agenda([cand("late"), cand("done"), cand("after")], actions=[
        {"candidate_id": "late", "due_date": day(1)},
        {"candidate_id": "done", "due_date": day(5), "done_date": day(0)},
        {"candidate_id": "after", "due_date": day(5), "done_date": day(-1)}])
    assert reasons_of(a) == {"after": ["overdue_action"], "late": ["overdue_action"]}


def test_overdue_counts_to_the_conference_day_not_as_of():
    # docs/agenda.md: overdue at the conference = due before the conference day (18 Nov), open on
    # as_of (17 Nov). eve: due 17 Nov (the day before the conference) -> overdue, though the
    # pack (due < as_of) would not call it so yet. eve_done_late: due 17 Nov, done on the
    # conference day (after as_of, not known yet) -> overdue. conf_day: due 18 Nov -> not overdue
    # (still due this week, listed under actions_due without the mark).
    a = agenda([cand("eve"), cand("eve_done_late"), cand("conf_day")], actions=[
        {"action_id": "a_eve", "candidate_id": "eve", "due_date": day(0)},
        {"action_id": "a_late", "candidate_id": "eve_done_late", "due_date": day(0), "done_date": day(-1)},
        {"action_id": "a_conf", "candidate_id": "conf_day", "due_date": day(-1)}])
    assert a["conference_date"] == day(-1) and a["as_of"] == day(0)
    assert reasons_of(a) == {"eve": ["overdue_action"], "eve_done_late": ["overdue_action"]}
    assert entry(a, "actions_due", "eve")["actions"][0]["overdue"] is True
    assert entry(a, "actions_due", "eve_done_late")["actions"][0]["overdue"] is True
    assert entry(a, "actions_due", "conf_day")["actions"][0]["overdue"] is False
    # overdue first: both overdue ones before the one due on the conference day
    assert ids(a, "actions_due") == ["eve", "eve_done_late", "conf_day"]


def test_no_employer_contact_30d_boundary():
    # d31: 31 days past intake, only meetings -> fires; d30: exactly 30 -> not yet;
    # pre: employer contact only before intake -> fires; seen: employer contact since intake -> no
    people = [cand("d31", intake_date=day(31)), cand("d30", intake_date=day(30)),
              cand("pre", intake_date=day(60)), cand("seen", intake_date=day(60))]
    contacts = [{"candidate_id": c["candidate_id"], "date": day(1), "kind": "meeting"} for c in people]
    contacts += [{"candidate_id": "pre", "date": day(61), "kind": "employer_contact"}]
    a = agenda(people, routine=[], contacts=contacts,
               employer_contacts=[{"consultant_id": "k1", "date": day(40), "candidate_id": "seen"}],
               consultants=[{"consultant_id": "k1"}],
               conferences=[{"candidate_id": c["candidate_id"], "date": day(6)} for c in people])
    assert reasons_of(a) == {"d31": ["no_employer_contact_30d"], "pre": ["no_employer_contact_30d"]}


def test_new_job_or_education_in_the_last_14_days():
    # job day 13 -> fires; job day 14 -> no; education on as_of -> fires;
    # internship yesterday -> no (not an outcome); job starting on the conference day -> no
    starts = {"j13": ("job", 13), "j14": ("job", 14), "e0": ("education", 0),
              "int": ("internship", 1), "fut": ("job", -1)}
    a = agenda([cand(c) for c in starts], placements=[
        {"candidate_id": c, "kind": k, "start_date": day(n)} for c, (k, n) in starts.items()])
    assert reasons_of(a) == {"e0": ["new_job_or_education"], "j13": ["new_job_or_education"]}


def test_placement_ended_in_the_last_14_days_any_kind():
    # internship ended day 13 -> fires; job ended day 14 -> no; job ending on conference day -> no
    ends = {"i13": ("internship", 13), "j14": ("job", 14), "fut": ("job", -1)}
    a = agenda([cand(c) for c in ends], placements=[
        {"candidate_id": c, "kind": k, "start_date": day(80), "end_date": day(n)}
        for c, (k, n) in ends.items()])
    assert reasons_of(a) == {"i13": ["placement_ended"]}


def test_no_contact_21d_counts_from_the_last_contact_or_intake():
    # c21: last contact 21 days ago -> fires; c20: 20 days -> no;
    # new20: taken in 20 days ago, no contact -> no; new21: taken in 21 days ago -> fires;
    # later: last contact day 25, another after as_of (unknown yet) -> fires
    people = [cand("c21"), cand("c20"), cand("new20", intake_date=day(20)),
              cand("new21", intake_date=day(21)), cand("later")]
    contacts = [{"candidate_id": "c21", "date": day(21), "kind": "employer_contact"},
                {"candidate_id": "c20", "date": day(20), "kind": "employer_contact"},
                {"candidate_id": "later", "date": day(25), "kind": "employer_contact"},
                {"candidate_id": "later", "date": day(-1), "kind": "meeting"}]
    a = agenda(people, routine=[], contacts=contacts,
               conferences=[{"candidate_id": c["candidate_id"], "date": day(6)} for c in people])
    assert reasons_of(a) == {"c21": ["no_contact_21d"], "later": ["no_contact_21d"],
                             "new21": ["no_contact_21d"]}


def test_not_discussed_28d_counts_from_the_last_conference_or_intake():
    # m28: discussed 28 days ago -> fires; m27: 27 days ago -> no;
    # new27: taken in 27 days ago, never discussed -> no; new28: 28 days ago -> fires;
    # anon: only a conference row without candidate_id 2 days ago -> fires
    people = [cand("m28"), cand("m27"), cand("new27", intake_date=day(27)),
              cand("new28", intake_date=day(28)), cand("anon")]
    a = agenda(people, routine=[],
               contacts=[{"candidate_id": c["candidate_id"], "date": day(1), "kind": "employer_contact"}
                         for c in people],
               conferences=[{"candidate_id": "m28", "date": day(28)},
                            {"candidate_id": "m27", "date": day(27)},
                            {"candidate_id": None, "date": day(2)},
                            {"candidate_id": "anon", "date": day(-1)}])
    assert reasons_of(a) == {"anon": ["not_discussed_28d"], "m28": ["not_discussed_28d"],
                             "new28": ["not_discussed_28d"]}


def test_the_clocks_start_at_intake_taken_in_ten_days_ago_without_rows_has_neither_reason():
    # new10: taken in 10 days ago, no contact and no conference row at all -> neither clock fires;
    # old: taken in 90 days ago, no rows either -> both fire (the clocks count from intake)
    people = [cand("new10", intake_date=day(10)), cand("old")]
    employer = [{"consultant_id": "k1", "date": day(2), "candidate_id": c["candidate_id"]} for c in people]
    a = agenda(people, routine=[], employer_contacts=employer, consultants=[{"consultant_id": "k1"}])
    assert reasons_of(a) == {"old": ["no_contact_21d", "not_discussed_28d"]}


def test_reasons_in_canonical_order_and_to_discuss_sorting():
    # x: overdue action + new job + not discussed -> 3 reasons; z: the same 3; y: only overdue.
    # Order: most reasons first, ties by id -> x, z (3 each), then y
    a = agenda([cand("z"), cand("y"), cand("x")], routine=["y"],
               contacts=[{"candidate_id": c, "date": day(1), "kind": "employer_contact"}
                         for c in ("x", "z")],
               actions=[{"candidate_id": c, "due_date": day(2)} for c in ("x", "y", "z")],
               placements=[{"candidate_id": c, "kind": "job", "start_date": day(3)} for c in ("x", "z")])
    assert ids(a, "to_discuss") == ["x", "z", "y"]
    assert entry(a, "to_discuss", "x")["reasons"] == [
        "overdue_action", "new_job_or_education", "not_discussed_28d"]
    assert entry(a, "to_discuss", "y")["reasons"] == ["overdue_action"]
    assert set(REASONS) == {"overdue_action", "no_employer_contact_30d", "new_job_or_education",
                            "placement_ended", "no_contact_21d", "not_discussed_28d", "survey_due"}


# -- sections ---------------------------------------------------------------------------------

def test_new_referrals_since_the_previous_conference():
    # referred day 5 (12 Nov, first day after conference - 7) -> in; day 6 (11 Nov) -> out;
    # on as_of -> in; on the conference day -> out. Sorted by referral date, not by id.
    def ref(cid, n):
        return {"candidate_id": cid, "referral_date": day(n), "consent_date": day(n)}

    a = agenda([ref("a_today", 0), ref("b_day5", 5), ref("c_day6", 6), ref("d_conf", -1)], routine=[])
    assert ids(a, "new_referrals") == ["b_day5", "a_today"]
    # not taken in yet: no reasons, not up for discussion
    assert entry(a, "new_referrals", "b_day5")["reasons"] == []
    assert ids(a, "to_discuss") == []


def test_actions_due_by_end_of_week_overdue_first():
    # p due Sunday 22 Nov (week end) -> in; q due Monday 23 Nov -> not in the section;
    # r overdue (3 days ago) -> first; s due on as_of (the day before the conference) -> overdue
    # too, second; done actions never show.
    a = agenda([cand("p"), cand("q"), cand("r"), cand("s")], actions=[
        {"action_id": "ap", "candidate_id": "p", "due_date": day(-5)},
        {"action_id": "aq", "candidate_id": "q", "due_date": day(-6)},
        {"action_id": "ar", "candidate_id": "r", "due_date": day(3)},
        {"action_id": "as", "candidate_id": "s", "due_date": day(0)},
        {"action_id": "done", "candidate_id": "p", "due_date": day(4), "done_date": day(1)}])
    assert ids(a, "actions_due") == ["r", "s", "p"]
    assert entry(a, "actions_due", "r")["actions"] == [
        {"action_id": "ar", "description": "An action", "owner": "consultant",
         "due_date": day(3), "overdue": True}]
    assert entry(a, "actions_due", "s")["actions"][0]["overdue"] is True
    assert [x["action_id"] for x in entry(a, "actions_due", "p")["actions"]] == ["ap"]


def test_actions_of_one_candidate_overdue_first_then_by_due_date():
    # due day -3 (this week), day 8 (overdue), day -20 (later) and one done:
    # actions_due shows the two due by Sunday, overdue first; to_discuss shows every open one
    a = agenda([cand("c")], actions=[
        {"action_id": "this_week", "candidate_id": "c", "due_date": day(-3)},
        {"action_id": "overdue", "candidate_id": "c", "due_date": day(8)},
        {"action_id": "later", "candidate_id": "c", "due_date": day(-20)},
        {"action_id": "closed", "candidate_id": "c", "due_date": day(9), "done_date": day(2)}])
    due = entry(a, "actions_due", "c")["actions"]
    assert [(x["action_id"], x["overdue"]) for x in due] == [("overdue", True), ("this_week", False)]
    assert [x["action_id"] for x in entry(a, "to_discuss", "c")["actions"]] == [
        "overdue", "this_week", "later"]


def test_good_news_outcome_starts_since_the_previous_conference():
    # job day 5 -> in; education on as_of -> in; job day 6 -> out; internship yesterday -> out;
    # ordered by start date
    starts = {"a_edu0": ("education", 0), "b_job5": ("job", 5), "c_job6": ("job", 6),
              "d_int1": ("internship", 1)}
    a = agenda([cand(c) for c in starts], placements=[
        {"candidate_id": c, "kind": k, "start_date": day(n)} for c, (k, n) in starts.items()])
    assert ids(a, "good_news") == ["b_job5", "a_edu0"]


# -- candidate entries ------------------------------------------------------------------------

def test_entry_fields_and_active_goals_in_set_date_order_without_cpr():
    a = agenda([cand("c1", initials="AB", consultant_id="k1", clinician_id="b1", phase="job_search",
                     cpr_hash="SECRET-HASH")],
               consultants=[{"consultant_id": "k1"}], clinicians=[{"clinician_id": "b1"}],
               actions=[{"candidate_id": "c1", "due_date": day(1)}],
               goals=[{"candidate_id": "c1", "kind": "education", "description": "Nursing",
                       "set_date": day(10)},
                      {"candidate_id": "c1", "kind": "job", "description": "Warehouse",
                       "set_date": day(40), "status": "active"},
                      {"candidate_id": "c1", "kind": "job", "description": "Dropped", "set_date": day(30),
                       "status": "dropped"},
                      {"candidate_id": "c1", "kind": "job", "description": "Reached", "set_date": day(20),
                       "status": "achieved"},
                      {"candidate_id": "c1", "kind": "job", "description": "Future", "set_date": day(-1)}])
    e = entry(a, "to_discuss", "c1")
    assert list(e) == ["candidate_id", "initials", "consultant_id", "clinician_id", "phase",
                       "goals", "actions", "reasons", "last_decision"]
    assert e["last_decision"] is None  # routine's conference row records no decision
    assert (e["initials"], e["consultant_id"], e["clinician_id"], e["phase"]) == (
        "AB", "k1", "b1", "job_search")
    assert e["goals"] == [{"kind": "job", "description": "Warehouse"},
                          {"kind": "education", "description": "Nursing"}]
    text = json.dumps(a)
    assert "SECRET-HASH" not in text and "cpr" not in text


def test_missing_optional_fields_are_null():
    a = agenda([cand("c1")], actions=[{"candidate_id": "c1", "due_date": day(1)}])
    e = entry(a, "to_discuss", "c1")
    # an empty recorded phase at a site without a phase history reads `engagement` (settled reading)
    assert (e["initials"], e["consultant_id"], e["clinician_id"], e["phase"], e["goals"]) == (
        None, None, None, "engagement", [])


# -- who is in scope --------------------------------------------------------------------------

def test_consent_rule_leaves_candidates_out_and_only_counts_them():
    # none: no consent, overdue action -> would be in to_discuss and actions_due: counted once
    # late: consent on the conference day (after as_of), overdue -> counted
    # ontime: consent on as_of, overdue -> shown
    # ref: referred yesterday, no consent -> would be a new referral: counted
    # quiet: no consent but nothing to discuss -> would appear nowhere: not counted
    # hired: no consent, discharged to a job since the previous conference -> would be good news: counted
    # newok: referred yesterday with consent -> shown (a new referral needs consent too, and has it)
    a = agenda([cand("none", consent_date=None), cand("late", consent_date=day(-1)),
                cand("ontime", consent_date=day(0)), cand("quiet", consent_date=None),
                {"candidate_id": "ref", "referral_date": day(1)},
                {"candidate_id": "newok", "referral_date": day(1), "consent_date": day(1)},
                cand("hired", consent_date=None, discharge_date=day(2), discharge_reason="employed")],
               actions=[{"candidate_id": c, "due_date": day(2)} for c in ("none", "late", "ontime")])
    assert everyone(a) == {"ontime", "newok"}
    assert ids(a, "new_referrals") == ["newok"]
    assert a["left_out_without_consent"] == 4
    text = json.dumps(a)
    assert all(c not in text for c in ('"none"', '"late"', '"ref"', '"quiet"', '"hired"'))


def test_team_filter_uses_the_clinicians_team():
    # x (north), y (south), z (no clinician) all overdue; w (south) without consent, overdue
    people = [cand("x", clinician_id="b1"), cand("y", clinician_id="b2"), cand("z"),
              cand("w", clinician_id="b2", consent_date=None)]
    kw = dict(clinicians=[{"clinician_id": "b1", "team": "north"},
                          {"clinician_id": "b2", "team": "south"}],
              actions=[{"candidate_id": c["candidate_id"], "due_date": day(2)} for c in people])
    north = agenda(people, team="north", **kw)
    south = agenda(people, team="south", **kw)
    whole = agenda(people, **kw)
    assert (ids(north, "to_discuss"), north["left_out_without_consent"]) == (["x"], 0)
    assert (ids(south, "to_discuss"), south["left_out_without_consent"]) == (["y"], 1)
    assert (ids(whole, "to_discuss"), whole["left_out_without_consent"]) == (["x", "y", "z"], 1)


def test_a_team_agendas_json_carries_the_team_as_the_parameters_spell_it():
    # asked for in lower case, written the parameters' way; the site-wide agenda has no `team`
    people = [cand("x", clinician_id="b1")]
    kw = dict(params=make_params(teams=["Team Nord", "Team Syd"]),
              clinicians=[{"clinician_id": "b1", "team": "Team Nord"}],
              actions=[{"candidate_id": "x", "due_date": day(2)}])
    team = agenda(people, team="team nord", **kw)
    assert list(team)[:3] == ["site", "team", "week"] and team["team"] == "Team Nord"
    assert ids(team, "to_discuss") == ["x"]
    assert ids(agenda(people, team="Team Syd", **kw), "to_discuss") == []
    assert "team" not in agenda(people, **kw)


def test_clinician_and_consultant_filters_narrow_the_candidates_not_the_rules():
    # x (clinician b1, consultant k1), y (b2, k2), both overdue; x's only employer contact was
    # logged by consultant k2, and still counts when the agenda is narrowed to consultant k1
    people = [cand("x", clinician_id="b1", consultant_id="k1", intake_date=day(60)),
              cand("y", clinician_id="b2", consultant_id="k2")]
    kw = dict(routine=["y"], consultants=[{"consultant_id": "k1"}, {"consultant_id": "k2"}],
              clinicians=[{"clinician_id": "b1"}, {"clinician_id": "b2"}],
              contacts=[{"candidate_id": "x", "date": day(1), "kind": "meeting"}],
              conferences=[{"candidate_id": "x", "date": day(6)}],
              employer_contacts=[{"consultant_id": "k2", "date": day(40), "candidate_id": "x"}],
              actions=[{"candidate_id": c, "due_date": day(2)} for c in ("x", "y")])
    assert reasons_of(agenda(people, clinician="b1", **kw)) == {"x": ["overdue_action"]}
    assert reasons_of(agenda(people, consultant="k1", **kw)) == {"x": ["overdue_action"]}
    assert reasons_of(agenda(people, clinician="b2", **kw)) == {"y": ["overdue_action"]}
    assert everyone(agenda(people, clinician="b1", consultant="k2", **kw)) == set()


def test_discharged_candidates_are_not_on_the_agenda():
    # gone: discharged on as_of (own request) with an overdue action -> nowhere, actions too
    # leaving: discharged on the conference day -> still enrolled on as_of: discussed
    # quit: discharged since the previous conference, own request -> nowhere
    a = agenda([cand("gone", discharge_date=day(0), discharge_reason="own_request"),
                cand("leaving", discharge_date=day(-1)),
                cand("quit", discharge_date=day(3), discharge_reason="own_request")],
               actions=[{"candidate_id": c, "due_date": day(2)} for c in ("gone", "leaving", "quit")])
    assert everyone(a) == {"leaving"}


def test_discharged_to_work_since_the_previous_conference_is_good_news():
    # job: discharged day 5 (first day of the window), employed -> good news, discharged_to_work
    # study: discharged on as_of, education -> good news
    # before: discharged day 6 (the previous conference's window), employed -> nowhere
    # moved: discharged day 2, moved -> nowhere; later: discharged after as_of -> still enrolled,
    # in routine: nowhere
    # starter: enrolled, a job started day 4 -> good news by its start (and to discuss)
    people = [cand("job", discharge_date=day(5), discharge_reason="employed"),
              cand("study", discharge_date=day(0), discharge_reason="education"),
              cand("before", discharge_date=day(6), discharge_reason="employed"),
              cand("moved", discharge_date=day(2), discharge_reason="moved"),
              cand("later", discharge_date=day(-1), discharge_reason="employed"),
              cand("starter")]
    a = agenda(people, actions=[{"candidate_id": c, "due_date": day(2)} for c in ("job", "before")],
               goals=[{"candidate_id": "job", "kind": "job", "description": "Warehouse", "set_date": day(60)}],
               placements=[{"candidate_id": "starter", "kind": "job", "start_date": day(4)}])
    assert ids(a, "good_news") == ["job", "starter", "study"]  # by the day of the news
    assert entry(a, "good_news", "job")["reasons"] == ["discharged_to_work"]
    assert entry(a, "good_news", "job")["actions"] == []  # a discharged candidate's actions never show
    assert entry(a, "good_news", "job")["goals"] == [{"kind": "job", "description": "Warehouse"}]
    assert entry(a, "good_news", "starter")["reasons"] == ["new_job_or_education"]
    assert everyone(a) == {"job", "study", "starter"}
    assert ids(a, "to_discuss") == ["starter"] and ids(a, "actions_due") == []


def test_the_agenda_shows_the_phase_on_as_of_from_the_history():
    """A candidate now employed was still job-seeking the day before that week's conference."""
    from agendadata import AS_OF, WEEK, cand, day, routine
    from factory import make_params, site_data

    from ips_nb.figures.agenda_rules import build_agenda

    people = [cand("c1", phase="employed", consultant_id="k1"), cand("c2", phase="job_search", consultant_id="k1")]
    history = [{"candidate_id": "c1", "phase": "job_search", "from_date": day(80)},
               {"candidate_id": "c1", "phase": "employed", "from_date": (AS_OF + timedelta(days=3)).isoformat()},
               {"candidate_id": "c2", "phase": "job_search", "from_date": day(80)}]
    tables = routine(["c1", "c2"])
    tables["conferences"] = []  # both up for discussion (not discussed for 28 days)
    data = site_data(consultants=[{"consultant_id": "k1"}], candidates=people, phases=history, **tables)
    agenda = build_agenda(data, make_params(), WEEK)
    shown = {e["candidate_id"]: e["phase"] for s in agenda["sections"] for e in s["candidates"]}
    assert shown == {"c1": "job_search", "c2": "job_search"}


def test_last_decision_is_the_latest_recorded_one_up_to_the_conference_day():
    # conference Wed 18 Nov = day(-1), as_of 17 Nov = day(0); routine adds a row without a
    # decision on day(6) for everyone, which is newer than c1's decision and must not hide it
    a = agenda([cand("c1"), cand("c2"), cand("c3"), cand("c4"), cand("c5")], routine=["c1", "c2", "c3", "c5"],
               actions=[{"candidate_id": c, "due_date": day(2)} for c in ("c1", "c2", "c3", "c4", "c5")],
               conferences=[
                   {"candidate_id": "c1", "date": day(34), "decision": "Old plan"},
                   {"candidate_id": "c1", "date": day(20), "decision": "  Start a <b>work trial</b> "},
                   {"candidate_id": "c2", "date": day(13), "decision": "Before"},
                   {"candidate_id": "c2", "date": day(-1), "decision": "Agreed today"},   # the conference day
                   {"candidate_id": "c2", "date": day(-2), "decision": "After the conference"},
                   {"candidate_id": "c3", "date": day(13), "decision": "   "},            # blank: no decision
                   {"candidate_id": "c4", "date": day(-1), "decision": "Discussed at last"},
                   {"candidate_id": None, "date": day(13), "decision": "The meeting itself"}])
    last = {e["candidate_id"]: e["last_decision"] for e in
            next(s for s in a["sections"] if s["key"] == "actions_due")["candidates"]}
    assert last == {"c1": {"date": day(20), "decision": "Start a <b>work trial</b>"},
                    "c2": {"date": day(-1), "decision": "Agreed today"},
                    "c3": None,
                    "c4": {"date": day(-1), "decision": "Discussed at last"},
                    "c5": None}
    # the reasons still read as_of: a decision on the conference day does not clear c4's clock
    assert "not_discussed_28d" in reasons_of(a)["c4"]
    assert json.loads(json.dumps(a)) == a


def test_new_referrals_and_people_not_yet_taken_in_show_their_phase_on_as_of():
    """Today's phase never reaches a past week's agenda, new referrals included: r1 referred 3
    days ago, now in job search (recorded later), was a referral; r2 has a history row on day(2)
    (engagement) but no intake yet; r3 was taken in without a row by then (engagement)."""
    people = [
        {"candidate_id": "r1", "referral_date": day(3), "consent_date": day(3), "phase": "job_search"},
        {"candidate_id": "r2", "referral_date": day(4), "consent_date": day(4), "phase": "job_search"},
        {"candidate_id": "r3", "referral_date": day(4), "intake_date": day(2), "consent_date": day(4),
         "phase": "employed"},
        {"candidate_id": "c1", "referral_date": day(100), "intake_date": day(90), "consent_date": day(90),
         "phase": "employed"}]
    history = [{"candidate_id": "r1", "phase": "job_search", "from_date": day(-3)},   # after as_of
               {"candidate_id": "r2", "phase": "engagement", "from_date": day(2)},
               {"candidate_id": "c1", "phase": "job_search", "from_date": day(80)}]
    a = agenda(people, phases=history)
    shown = {e["candidate_id"]: e["phase"] for s in a["sections"] for e in s["candidates"]}
    assert shown == {"r1": "referral", "r2": "engagement", "r3": "engagement"}
    # without a phase history at the site, the recorded phase; an empty one reads engagement
    people[0]["phase"] = None
    b = agenda(people)
    shown = {e["candidate_id"]: e["phase"] for s in b["sections"] for e in s["candidates"]}
    assert shown["r1"] == "engagement" and shown["r2"] == "job_search"


def test_survey_due_at_intake_and_in_work_and_only_where_the_site_asks_one():
    """as_of 17 Nov: taken in 14–90 days ago without an intake response, or a job/education
    started 56–90 days ago without an in_work response since its start."""
    def taken_in(cid, days):
        return {"candidate_id": cid, "referral_date": day(days + 5), "intake_date": day(days),
                "consent_date": day(days + 5)}
    people = [taken_in("i14", 14), taken_in("i13", 13), taken_in("i90", 90), taken_in("i91", 91),
              taken_in("ans", 30), taken_in("w56", 200), taken_in("w55", 200), taken_in("wok", 200),
              taken_in("wold", 200)]
    placements = [{"candidate_id": "w56", "kind": "job", "start_date": day(56)},
                  {"candidate_id": "w55", "kind": "job", "start_date": day(55)},
                  {"candidate_id": "wok", "kind": "education", "start_date": day(70)},
                  {"candidate_id": "wold", "kind": "job", "start_date": day(80)}]
    surveys = [{"candidate_id": "ans", "date": day(20), "instrument": "experience", "item": 1, "score": 4,
                "occasion": "intake"},
               {"candidate_id": "wok", "date": day(10), "instrument": "experience", "item": 1, "score": 4,
                "occasion": "in_work"},
               # before the job started: does not count as the in-work response
               {"candidate_id": "wold", "date": day(81), "instrument": "experience", "item": 1, "score": 4,
                "occasion": "in_work"},
               # another instrument does not answer the site's
               {"candidate_id": "i14", "date": day(5), "instrument": "mansa", "item": 1, "score": 4,
                "occasion": "intake"}]
    ids = [c["candidate_id"] for c in people]
    asks = make_params(surveys={"instrument": "experience"})
    a = agenda(people, params=asks, placements=placements, surveys=surveys)
    due = {cid for cid, rs in reasons_of(a).items() if "survey_due" in rs}
    assert due == {"i14", "i90", "w56", "wold"}
    # a site that names no survey never gets the reason
    b = agenda(people, placements=placements, surveys=surveys)
    assert not any("survey_due" in rs for rs in reasons_of(b).values()), ids
