"""A site's goals, measured (docs/goals.md): each goal's value, numerator, denominator and
whether it is met, as the pack's JSON `goals` list.

A goal about a target group is measured on the site's data narrowed to that group's candidates
(`restrict`), so a measure over a group is, by construction, the same measure over a database
holding only that group. Every function takes the month (or `as_of`) explicitly.

Choices where the definitions are silent are stated in the docstring concerned.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.data.goals_spec import COUNT, Goal, Group
from ips_nb.data.params import SiteParams
from ips_nb.figures import metrics, outcomes
from ips_nb.figures.periods import Month

FOLLOW_UP_WINDOW = 30  # days either side of discharge + months in which a call counts
SURVEY_MONTHS = 12
TO_WORK_REASON = {"job": "employed", "education": "education"}
MIN_RESPONSES = 5  # fewer answers are shown as "<5", never as a share (docs/goals.md)


# -- target groups ---------------------------------------------------------------------------

def age_at_intake(candidates: pd.DataFrame) -> pd.Series:
    """Year of intake (of referral for one not yet taken in) minus birth year; NA without one."""
    day = candidates["intake_date"].where(candidates["intake_date"].notna(), candidates["referral_date"])
    return day.dt.year - candidates["birth_year"]


def members(data: SiteData, group: Group) -> set[str]:
    """Ids of the site's candidates in `group`: every condition given holds; a candidate without
    the data a condition needs (no birth year, no municipality, no clinician) is not in it."""
    c = data.candidates
    keep = pd.Series(True, index=c.index)
    if group.ages is not None:
        age = age_at_intake(c)
        keep &= (age >= group.ages[0]) & (age <= group.ages[1])
    if group.municipalities:
        wanted = {m.casefold() for m in group.municipalities}
        keep &= c["municipality"].map(lambda m: isinstance(m, str) and m.casefold() in wanted).astype(bool)
    if group.teams:
        team = dict(zip(data.clinicians["clinician_id"].astype(str), data.clinicians["team"]))
        wanted = {t.casefold() for t in group.teams}
        keep &= c["clinician_id"].map(
            lambda k: isinstance(team.get(str(k)), str) and team[str(k)].casefold() in wanted).astype(bool)
    return set(c.loc[keep.fillna(False).astype(bool), "candidate_id"].astype(str))


def restrict(data: SiteData, ids: set[str]) -> SiteData:
    """The site's data with only these candidates: every row naming another candidate dropped
    (an employer contact naming nobody stays: it is the consultant's)."""
    tables = {}
    for name, frame in data.tables().items():
        if "candidate_id" in frame.columns and name != "conferences":
            named = frame["candidate_id"].astype(str)
            keep = named.isin(ids) | (frame["candidate_id"].isna() if name == "employer_contacts" else False)
            frame = frame[keep]
        tables[name] = frame.reset_index(drop=True)
    return SiteData(**tables)


# -- placements a goal counts ------------------------------------------------------------------

def counted(data: SiteData, goal: Goal, full_time: float, *, lenient: bool = False) -> pd.DataFrame:
    """Placements of the goal's kinds that meet its hours threshold. `lenient` also lets through
    those without hours_per_week (to count who misses only for a missing number)."""
    p = data.placements[data.placements["kind"].isin(goal.kinds)]
    share = goal.settings.get("min_hours_share")
    if share is None:
        return p
    hours = p["hours_per_week"]
    meets = hours >= share * full_time - 1e-9
    return p[meets | hours.isna()] if lenient else p[meets.fillna(False).astype(bool)]


def _with(data: SiteData, placements: pd.DataFrame) -> SiteData:
    return replace(data, placements=placements)


def _hours(goal: Goal, data: SiteData, full_time: float, count) -> dict:
    """`without_hours` for a goal with an hours threshold: who would count but for a missing
    hours_per_week. `count(data) -> set of ids`."""
    if goal.settings.get("min_hours_share") is None:
        return {}
    strict = count(_with(data, counted(data, goal, full_time)))
    lenient = count(_with(data, counted(data, goal, full_time, lenient=True)))
    return {"without_hours": len(lenient - strict)}


def _cut(goal: Goal, as_of: date) -> tuple[date, date]:
    period = goal.settings["period"]
    return period.first, min(period.last, as_of)


# -- the measures -------------------------------------------------------------------------------
# Each returns (numerator, denominator, extra JSON) for rates, (value, None, extra) for counts.

def _outcome_within(goal: Goal, data: SiteData, month: Month, full_time: float):
    cohort = outcomes.within_cohort(data, month.as_of, goal.settings["months"])

    def ids(d: SiteData) -> set[str]:
        return outcomes.reached_within(d, cohort, goal.kinds, d.placements)
    reached = ids(_with(data, counted(data, goal, full_time)))
    return len(reached), len(cohort), _hours(goal, data, full_time, ids)


def _outcome_on(goal: Goal, data: SiteData, month: Month, full_time: float):
    """Measured on the goal's date once it has come, before that on `as_of` (progress so far)."""
    when = goal.settings.get("date")
    day = when if when is not None and when <= month.as_of else month.as_of
    c = data.candidates[metrics.enrolled_on(data.candidates, day)]

    def ids(d: SiteData) -> set[str]:
        p = d.placements[metrics.ongoing_on(d.placements, day)]
        return set(p["candidate_id"].astype(str)) & set(c["candidate_id"].astype(str))
    working = ids(_with(data, counted(data, goal, full_time)))
    return len(working), len(c), {"measured_on": day.isoformat(), **_hours(goal, data, full_time, ids)}


def follow_up(followups: pd.DataFrame, candidate_id: str, target: date, as_of: date) -> pd.Series | None:
    """The call that counts for a member: dated within 30 days either side of `target` and on or
    before `as_of`, nearest to `target`; on a tie the later one."""
    f = followups[followups["candidate_id"].astype(str) == candidate_id]
    low, high = target - timedelta(days=FOLLOW_UP_WINDOW), min(target + timedelta(days=FOLLOW_UP_WINDOW), as_of)
    f = f[(f["date"] >= pd.Timestamp(low)) & (f["date"] <= pd.Timestamp(high))]
    if f.empty:
        return None
    distance = (f["date"] - pd.Timestamp(target)).abs()
    f = f.assign(_d=distance).sort_values(["_d", "date"], ascending=[True, False], kind="stable")
    return f.iloc[0]


def _in_work_after_discharge(goal: Goal, data: SiteData, month: Month, full_time: float):
    """The cohort: discharged at least `months` ago and in work at discharge (a placement of the
    goal's kinds going on on the discharge day, or a discharge reason employed/education where
    that kind counts). Of those with a follow-up call, the share in a kind that counts."""
    months, as_of = goal.settings["months"], month.as_of
    c = data.candidates[data.candidates["discharge_date"].notna()]
    p = data.placements[data.placements["kind"].isin(goal.kinds)]
    reasons = {TO_WORK_REASON[k] for k in goal.kinds if k in TO_WORK_REASON}
    followed, hits, missing = 0, 0, 0
    for _, row in c.iterrows():
        left = row["discharge_date"].date()
        target = outcomes.add_months(left, months)
        if target > as_of:
            continue
        cid = str(row["candidate_id"])
        mine = p[p["candidate_id"].astype(str) == cid]
        working = bool(metrics.ongoing_on(mine, left).any()) or row["discharge_reason"] in reasons
        if not working:
            continue
        call = follow_up(data.followups, cid, target, as_of)
        if call is None:
            missing += 1
            continue
        followed += 1
        hits += int(call["status"] in goal.kinds)
    return hits, followed, {"not_followed_up": missing}


def _outcome_started_in(goal: Goal, data: SiteData, month: Month, full_time: float):
    """The period cut at `as_of`; of the group enrolled on a day of it, those with a placement of
    the goal's kinds starting in it, on or after their intake."""
    first, last = _cut(goal, month.as_of)
    if last < first:
        return 0, 0, {}
    c = data.candidates[metrics.enrolled_during(data.candidates, first, last)][["candidate_id", "intake_date"]]

    def ids(d: SiteData) -> set[str]:
        p = d.placements[metrics.between(d.placements["start_date"], first, last)]
        m = c.merge(p[["candidate_id", "start_date"]], on="candidate_id")
        return set(m.loc[m["start_date"] >= m["intake_date"], "candidate_id"].astype(str))
    started = ids(_with(data, counted(data, goal, full_time)))
    return len(started), len(c), _hours(goal, data, full_time, ids)


def _intakes_in(goal: Goal, data: SiteData, month: Month, full_time: float):
    first, last = _cut(goal, month.as_of)
    n = int(metrics.between(data.candidates["intake_date"], first, last).sum()) if last >= first else 0
    return n, None, {}


def _active_caseload(goal: Goal, data: SiteData, month: Month, full_time: float):
    return int(metrics.enrolled_on(data.candidates, month.as_of).sum()), None, {}


def _employment_rate_3m(goal: Goal, data: SiteData, month: Month, full_time: float):
    _, n, m = outcomes.employment_rate(data, month, kinds=goal.kinds)
    return n, m, {}


def _rapid_search_share(goal: Goal, data: SiteData, month: Month, full_time: float):
    days = metrics.days_to_employer_contact(data, month.as_of)
    return int((days.dropna() <= metrics.RAPID_SEARCH_DAYS).sum()), len(days), {}


def _fidelity_total(goal: Goal, data: SiteData, month: Month, full_time: float):
    """The latest complete review dated on or before the goal's `by` once it has come, else
    `as_of`."""
    by = goal.settings.get("by")
    day = by if by is not None and by <= month.as_of else month.as_of
    review = metrics.latest_fidelity(data.fidelity, day)
    return (review["total"] if review else None), None, {"review_date": review["date"] if review else None}


def survey_window(surveys: pd.DataFrame, as_of: date, instrument: str,
                  occasion: str | None = None) -> pd.DataFrame:
    """Rows of `instrument` dated after `as_of` − 12 months and on or before `as_of` (of
    `occasion`, when given)."""
    start = outcomes.add_months(as_of, -SURVEY_MONTHS)
    s = surveys[(surveys["instrument"] == instrument) & (surveys["date"] > pd.Timestamp(start))
                & (surveys["date"] <= pd.Timestamp(as_of))]
    return s if occasion is None else s[s["occasion"] == occasion]


def _survey_share(goal: Goal, data: SiteData, month: Month, full_time: float):
    """Of responses in the 12 months to `as_of` that answered the item, the share scoring at
    least `min_score`. A response is one candidate's rows of one instrument on one date; a
    response with the item twice counts its first row."""
    st = goal.settings
    s = survey_window(data.surveys, month.as_of, st["instrument"], st.get("occasion"))
    s = s[s["item"] == st["item"]].drop_duplicates(["candidate_id", "date"])
    return int((s["score"] >= st["min_score"]).sum()), len(s), {"responses": len(s)}


MEASURE_FUNCTIONS = {
    "outcome_within": _outcome_within, "outcome_on": _outcome_on,
    "in_work_after_discharge": _in_work_after_discharge, "outcome_started_in": _outcome_started_in,
    "intakes_in": _intakes_in, "active_caseload": _active_caseload,
    "employment_rate_3m": _employment_rate_3m, "rapid_search_share": _rapid_search_share,
    "fidelity_total": _fidelity_total, "survey_share": _survey_share,
}


def _settings_json(goal: Goal) -> dict:
    out: dict = {}
    for key, value in goal.settings.items():
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif hasattr(value, "as_json"):
            out[key] = value.as_json()
        elif isinstance(value, tuple):
            out[key] = list(value)
        else:
            out[key] = value
    return out


def deadline(goal: Goal) -> date | None:
    """The day a dated goal is judged on: its date, its `by`, its period's last day; else None."""
    st = goal.settings
    if "date" in st:
        return st["date"]
    if "by" in st:
        return st["by"]
    if "period" in st:
        return st["period"].last
    return None


def measure_goal(goal: Goal, data: SiteData, params: SiteParams, month: Month, figures: dict) -> dict:
    """One goal as the JSON's `goals` list carries it (docs/goals.md); `figures` are the pack's
    (an older-form goal compares with the figure of its name)."""
    if goal.legacy:  # the older mapping form: compared with the pack's figure of that name
        value = figures[goal.measure]
        return {"measure": goal.measure, "group": None, "target": goal.target, "value": value,
                "numerator": None, "denominator": None,
                "met": None if value is None else value >= goal.target}
    scoped = data if goal.group is None else restrict(data, members(data, params.groups[goal.group]))
    num, den, extra = MEASURE_FUNCTIONS[goal.measure](goal, scoped, month, params.full_time)
    if goal.kind == COUNT or goal.measure == "fidelity_total":
        value, numerator, denominator = num, (num if goal.kind == COUNT else None), None
    else:
        value, numerator, denominator = metrics.rate(num, den), num, den
    return {"measure": goal.measure, "group": goal.group, "target": goal.target, "value": value,
            "numerator": numerator, "denominator": denominator,
            "met": None if value is None else value >= goal.target,
            **_settings_json(goal), **extra}


def measure_goals(data: SiteData, params: SiteParams, month: Month, figures: dict) -> list[dict]:
    """Every goal of the site, in the order of its parameters file."""
    return [measure_goal(g, data, params, month, figures) for g in params.goal_list]


__all__ = ["MIN_RESPONSES", "deadline", "follow_up", "measure_goal", "measure_goals",
           "members", "restrict", "survey_window"]
