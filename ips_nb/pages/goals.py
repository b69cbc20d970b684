"""The site's goals on the page: each worded from its measure and settings, in the site's
language, with its value, "n of m", target and status in words (docs/goals.md).

The wording is built from catalogue pieces (who, which placements, the hours, the period), so
"Andel af de 18–29-årige i job eller uddannelse den 1. juni 2021" and "Andel som började arbeta
eller studera minst 25 % av heltid under 2018" come from the same goal settings in every
language; a goal's own `label` in the parameters replaces the wording where it does not fit.
"""
from __future__ import annotations

from datetime import date

from ips_nb.data.goals_spec import COUNT, SCORE, Goal, Group
from ips_nb.data.params import SiteParams
from ips_nb.figures.goals import MIN_RESPONSES, deadline
from ips_nb.pages.fragments import Html
from ips_nb.pages.labels import Labels
from ips_nb.pages.render import render

_KIND_SETS = {("education", "job"): "job_education", ("job",): "job", ("education",): "education"}


def _tidy(text: str) -> str:
    """One space between words where an empty piece (no group, no hours) left two."""
    return " ".join(text.split())


def _kinds(L: Labels, kinds: tuple[str, ...], start: bool = False) -> str:
    known = _KIND_SETS.get(tuple(sorted(kinds)))
    if known:
        return L(f"goal_{'start' if start else 'kinds'}_{known}")
    return f" {L('goal_or')} ".join(L.enum("placement", k) for k in kinds)


def _who(L: Labels, group: Group | None) -> tuple[str, str]:
    """(the phrase after "Andel", the note after a count) for a target group; ("", "") for all."""
    if group is None:
        return "", ""
    parts, notes = [], []
    if group.ages:
        parts.append(L("goal_who_ages", low=group.ages[0], high=group.ages[1]))
        notes.append(L("goal_group_ages", low=group.ages[0], high=group.ages[1]))
    places = [*group.municipalities, *group.teams]
    if places:
        where = L("goal_who_places", names=", ".join(places))
        parts.append(where)
        notes.append(where)
    return " ".join(parts), f"({', '.join(notes)})"


def _period(L: Labels, period) -> str:
    if period.year is not None:
        return L("goal_year", year=period.year)
    return L("goal_range", first=L.date(period.first), last=L.date(period.last))


def wording(goal: Goal, params: SiteParams, L: Labels) -> str:
    """The goal in words, as a supervisor would say it."""
    own = goal.label.get(params.language)
    if own:
        return own
    if goal.legacy:
        return L(goal.measure)
    st = goal.settings
    who, note = _who(L, params.groups.get(goal.group) if goal.group else None)
    share = st.get("min_hours_share")
    hours = L("goal_hours", share=L.percent(share, 0)) if share else ""
    m = goal.measure
    if m == "outcome_on":
        key = "goal_outcome_on" if "date" in st else "goal_outcome_on_any"
        text = L(key, who=who, kinds=_kinds(L, goal.kinds), hours=hours,
                 date=L.date(st["date"]) if "date" in st else "")
    elif m in ("outcome_within", "in_work_after_discharge"):
        text = L(f"goal_{m}", who=who, kinds=_kinds(L, goal.kinds), hours=hours, months=st["months"])
    elif m == "outcome_started_in":
        text = L("goal_outcome_started_in", who=who, kinds=_kinds(L, goal.kinds, start=True), hours=hours,
                 period=_period(L, st["period"]))
    elif m == "intakes_in":
        text = L("goal_intakes_in", period=_period(L, st["period"]), group=note)
    elif m == "active_caseload":
        text = L("goal_active_caseload", group=note)
    elif m == "employment_rate_3m":
        text = L("goal_employment_rate_3m", who=who, kinds=_kinds(L, goal.kinds))
    elif m == "rapid_search_share":
        text = L("goal_rapid_search_share", who=who)
    elif m == "fidelity_total":
        text = L("goal_fidelity_total_by", date=L.date(st["by"])) if "by" in st else L("goal_fidelity_total")
    else:  # survey_share
        text = L("goal_survey_share", who=who, score=st["min_score"], item=st["item"],
                 instrument=L(f"survey_instrument_{st['instrument']}"))
    return _tidy(text)


def _shown(goal: Goal, result: dict, L: Labels) -> tuple[str, str, list[str]]:
    """(value, basis, notes) as the page shows them; a survey share of fewer than 5 responses
    is "<5 svar", never a share (answers are a person's own words about their care)."""
    value, num, den = result["value"], result["numerator"], result["denominator"]
    notes = []
    if "without_hours" in result and result["without_hours"]:
        notes.append(L.count("goal_without_hours", result["without_hours"]))
    if result.get("not_followed_up"):
        notes.append(L.count("goal_not_followed_up", result["not_followed_up"]))
    if goal.measure == "survey_share":
        if den < MIN_RESPONSES:
            return L("goal_few_responses"), L("goal_few_responses"), notes
        return L.percent(value), L.count("goal_n_of_m_responses", den, k=L.number(num)), notes
    if goal.kind in (COUNT, SCORE) or goal.legacy:
        shown = L.number(value) if goal.kind in (COUNT, SCORE) else L.percent(value)
        basis = L("goal_measured_on", date=L.date(result["review_date"])) if result.get("review_date") else ""
        return shown, basis, notes
    basis = L.count("goal_n_of_m", den, k=L.number(num)) if den is not None else ""
    return L.percent(value), basis, notes


def _status(goal: Goal, result: dict, as_of: date, L: Labels) -> tuple[str, str]:
    """The status in words with its symbol, and the row's class (for print and screen alike)."""
    due = deadline(goal)
    if result["value"] is None or (goal.measure == "survey_share" and result["denominator"] < MIN_RESPONSES):
        return L("goal_no_value"), ""
    # a count of intakes only grows: reached before the period ends, it is met
    if due is not None and due > as_of and not (goal.measure == "intakes_in" and result["met"]):
        return f"{L('goal_so_far')} · {L('goal_deadline', date=L.date(due))}", "ips-progress"
    return (L("goal_met"), "ips-ok") if result["met"] else (L("goal_not_met"), "ips-warn")


def goals_section(params: SiteParams, results: list[dict], as_of: date, L: Labels) -> Html:
    """The goals table: every goal of the parameters, in their order."""
    rows = []
    for goal, result in zip(params.goal_list, results):
        value, basis, notes = _shown(goal, result, L)
        status, css = _status(goal, result, as_of, L)
        target = L.number(goal.target) if goal.kind in (COUNT, SCORE) else L.percent(goal.target)
        rows.append({"wording": wording(goal, params, L), "source": L("goal_source", source=goal.source)
                     if goal.source else "", "value": value, "basis": basis, "notes": notes,
                     "target": target, "status": status, "status_css": css})
    return Html(render("pack/goals.html.j2", heading=L("goals_heading"), note=L("goals_note"),
                       header=[L("goal"), L("value"), L("goal_basis"), L("goal_target"), L("goal_status")],
                       rows=rows, empty=L("goals_none")))
