"""The weekly conference agenda (docs/agenda.md).

Clinicians scan it before the treatment team's conference, so it lists only what needs the
team's attention this week, and never anything about a candidate who has not consented to the
exchange between psychiatry and the job centre.

Rules where the definitions are silent (each is tested):

- **Scope.** The agenda concerns the candidates of the site (with `team`: those whose
  clinician's team equals it; the live dashboard may also narrow to one clinician or one
  consultant) who are referred on or before `as_of` and not discharged on or before it.
  Discharged candidates are not discussed, so their open actions do not show up.
- **Discharged to work.** The one exception: a candidate discharged since the previous
  conference with the reason `employed` or `education` is good news (`good_news`, reason
  `discharged_to_work`), listed with their active goals and no actions; in no other section.
- **Consent.** Sections are first built as if everyone had consented; a candidate who would
  appear in at least one section but has no consent_date on or before `as_of` is removed from
  every section and counted once in `left_out_without_consent` (new referrals included).
- **Team.** A team agenda's JSON carries `team`, spelled as in the site's `teams` (a team asked
  for in other upper/lower case is written the parameters' way); the site-wide one has no `team`.
- **Day counts** are taken at `as_of`. "No contact for 21 days" means no row in the 21 days
  ending on `as_of` (`as_of - last >= 21`); likewise 28 days for conferences. The clock starts
  at intake: a candidate with no (or only older) rows counts from `intake_date`, so someone
  taken in five days ago is not "not discussed for 28 days".
- **no_employer_contact_30d** is the supervision pack's `waiting_for_employer_contact`: enrolled,
  more than 30 days past intake, no employer contact since intake (exactly 30 days does not
  trigger).
- **Overdue at the conference** (docs/agenda.md): an action is overdue on the agenda when it is open
  on `as_of` (no done_date on or before it) and due before the conference day, so one due the
  day before the conference (`as_of` itself) is overdue when the team meets, and one due on the
  conference day is not. The pack's `overdue_actions` keeps `due_date < as_of` (its as-of is the
  month's last day, no meeting follows it).
- **Reasons** are computed for enrolled candidates and shown with the candidate in every
  section (a referral not yet taken in has none; one discharged to work has `discharged_to_work`).
- **Actions.** A candidate's `actions` are their open actions by due date; in `actions_due` only
  those due by the end of the conference week (Sunday), overdue first, then by due date.
- **Latest decision.** Each candidate carries `last_decision`, `{date, decision}` of the latest
  `conferences` row naming them with a decision, dated on or before the conference day (not
  `as_of`): a decision recorded at this week's conference shows on the agenda at once, while
  the reasons still read `as_of`. `null` when none was recorded. The text is shown, never
  judged: it was checked when written (ips_nb.data.conference).
- **Order within sections.** new_referrals by referral date; to_discuss by number of reasons
  (most first); actions_due candidates with an overdue action first, then by earliest due
  date; good_news by the day of the good news (the earliest outcome start in the window, or the
  discharge day); ties by candidate_id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.data.params import SiteParams, team_name
from ips_nb.figures import phases
from ips_nb.figures.metrics import (
    between,
    consented_by,
    enrolled_on,
    lookup,
    open_actions,
    outcome_placements,
    waiting_for_employer_contact,
)
from ips_nb.figures.periods import Week, conference_date

SECTIONS = ("new_referrals", "to_discuss", "actions_due", "good_news")
REASONS = ("overdue_action", "no_employer_contact_30d", "new_job_or_education",
           "placement_ended", "no_contact_21d", "not_discussed_28d", "survey_due")
# survey_due: a questionnaire is due at intake (taken in 14–90 days ago) and in work (a job or
# education started 56–90 days ago), only at a site whose parameters name one
SURVEY_INTAKE_DAYS = (14, 90)
SURVEY_IN_WORK_DAYS = (56, 90)
DISCHARGED_TO_WORK = "discharged_to_work"  # good_news' reason for a discharge into job or education
TO_WORK = ("employed", "education")        # the discharge reasons that are good news
RECENT_DAYS = 14
NO_CONTACT_DAYS = 21
NOT_DISCUSSED_DAYS = 28


@dataclass(frozen=True)
class AgendaDates:
    """The days an agenda is built from, derived once from the week and the conference weekday."""

    conference: date
    as_of: date      # the day before the conference: what the agenda knows
    since: date      # first day "since the previous conference" (conference - 6)
    recent: date     # first day of "the last 14 days" (as_of - 13)
    week_end: date   # Sunday of the conference week: actions due by then are on the agenda

    @classmethod
    def of(cls, week: Week, conference_weekday: int) -> AgendaDates:
        conf = conference_date(week, conference_weekday)
        as_of = conf - timedelta(days=1)
        return cls(conf, as_of, conf - timedelta(days=6),
                   as_of - timedelta(days=RECENT_DAYS - 1), week.sunday)


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def members(data: SiteData, team: str | None = None, clinician: str | None = None,
            consultant: str | None = None) -> pd.Series:
    """Mask over data.candidates: of the team (their clinician's `team`), of the clinician, of the
    consultant; every candidate of the site when no filter is given."""
    c = data.candidates
    mask = pd.Series(True, index=c.index)
    if team is not None:
        teams = data.clinicians.set_index("clinician_id")["team"]
        mask &= lookup(c["clinician_id"], teams) == team
    if clinician is not None:
        mask &= c["clinician_id"] == clinician
    if consultant is not None:
        mask &= c["consultant_id"] == consultant
    return mask.fillna(False).astype(bool)


def scope(data: SiteData, as_of: date, team: str | None = None, *, clinician: str | None = None,
          consultant: str | None = None) -> pd.DataFrame:
    """Candidates the agenda may concern: referred by `as_of`, not discharged by it, of the filter."""
    c = data.candidates
    ts = pd.Timestamp(as_of)
    keep = (c["referral_date"] <= ts) & ~(c["discharge_date"] <= ts)
    return c[keep & members(data, team, clinician, consultant)]


def discharged_to_work(data: SiteData, dates: AgendaDates, team: str | None = None, *,
                       clinician: str | None = None, consultant: str | None = None) -> pd.DataFrame:
    """Candidates of the filter discharged since the previous conference into job or education."""
    c = data.candidates
    keep = (between(c["discharge_date"], dates.since, dates.as_of) & c["discharge_reason"].isin(TO_WORK)
            & (c["referral_date"] <= pd.Timestamp(dates.as_of)))
    return c[keep & members(data, team, clinician, consultant)]


def days_since(candidates: pd.DataFrame, events: pd.DataFrame, as_of: date) -> pd.Series:
    """Days from the later of intake and the last event on or before `as_of`, per candidate.

    The clock starts at intake so a newcomer is not flagged for the time before they came.
    Events without a candidate_id (a conference that only records that it met) name nobody.
    Index: candidate_id.
    """
    events = events[events["date"] <= pd.Timestamp(as_of)]
    last = lookup(candidates["candidate_id"], events.groupby("candidate_id")["date"].max())
    intake = candidates["intake_date"]
    start = last.where(last > intake, intake)
    days = (pd.Timestamp(as_of) - start).dt.days
    return pd.Series(days.to_numpy(), index=candidates["candidate_id"].to_numpy())


def survey_due(data: SiteData, enrolled: pd.DataFrame, as_of: date, instrument: str) -> set[str]:
    """Enrolled candidates owing the site's questionnaire: taken in 14 to 90 days before `as_of`
    with no `intake` response of the instrument by then, or with a job or education that started
    56 to 90 days before `as_of` and no `in_work` response dated on or after that start."""
    s = data.surveys
    s = s[(s["instrument"] == instrument) & (s["date"] <= pd.Timestamp(as_of))]
    ids = set(enrolled["candidate_id"].astype(str))
    lo, hi = SURVEY_INTAKE_DAYS
    intake = enrolled[between(enrolled["intake_date"], as_of - timedelta(hi), as_of - timedelta(lo))]
    answered = set(s.loc[s["occasion"] == "intake", "candidate_id"].astype(str))
    due = set(intake["candidate_id"].astype(str)) - answered
    lo, hi = SURVEY_IN_WORK_DAYS
    o = outcome_placements(data.placements)
    o = o[between(o["start_date"], as_of - timedelta(hi), as_of - timedelta(lo))
          & o["candidate_id"].astype(str).isin(ids)]
    in_work = s[s["occasion"] == "in_work"]
    for cid, start in zip(o["candidate_id"].astype(str), o["start_date"]):
        mine = in_work[in_work["candidate_id"].astype(str) == cid]
        if not (mine["date"] >= start).any():
            due.add(cid)
    return due


def discussion_reasons(data: SiteData, candidates: pd.DataFrame, dates: AgendaDates,
                       survey: str | None = None) -> dict[str, list[str]]:
    """{candidate_id: reasons in REASONS order} for those of `candidates` enrolled on `as_of`;
    `survey` is the instrument the site asks (its `surveys` parameter), if any."""
    as_of = dates.as_of
    enrolled = candidates[enrolled_on(candidates, as_of)]
    a, p = data.actions, data.placements
    outcome = outcome_placements(p)
    flagged = {
        "overdue_action": set(a.loc[overdue_at_conference(a, dates), "candidate_id"]),
        "no_employer_contact_30d": set(waiting_for_employer_contact(data, as_of)),
        "new_job_or_education": set(outcome.loc[between(outcome["start_date"], dates.recent, as_of),
                                                "candidate_id"]),
        "placement_ended": set(p.loc[between(p["end_date"], dates.recent, as_of), "candidate_id"]),
        "no_contact_21d": _at_least(days_since(enrolled, data.contacts, as_of), NO_CONTACT_DAYS),
        "not_discussed_28d": _at_least(days_since(enrolled, data.conferences, as_of), NOT_DISCUSSED_DAYS),
        "survey_due": survey_due(data, enrolled, as_of, survey) if survey else set(),
    }
    return {cid: [r for r in REASONS if cid in flagged[r]] for cid in enrolled["candidate_id"]}


def latest_decisions(conferences: pd.DataFrame, until: date) -> dict[str, dict]:
    """{candidate_id: {date, decision}}: each candidate's latest recorded decision dated on or
    before `until`, so the agenda says what the team decided last time without a second look.

    A conference row without a decision (a source that records only who was discussed) is
    skipped: the latest *decision* is what the team wants to read. Of two on one day, the one
    read last (the store's order) counts."""
    c = conferences
    if c.empty or "decision" not in c.columns:
        return {}
    text = c["decision"].astype("string").str.strip()
    kept = c[c["candidate_id"].notna() & text.notna() & (text != "")
             & (c["date"] <= pd.Timestamp(until))]
    latest = kept.sort_values("date", kind="stable").groupby("candidate_id").tail(1)
    return {str(cid): {"date": day.date().isoformat(), "decision": str(decision).strip()}
            for cid, day, decision in zip(latest["candidate_id"], latest["date"], latest["decision"])}


def overdue_at_conference(actions: pd.DataFrame, dates: AgendaDates) -> pd.Series:
    """Mask: open on `as_of` and due before the conference day (docs/agenda.md, "Overdue at the
    conference").

    The agenda is read at the conference, a day after `as_of`: an action due on `as_of` is
    already late when the team meets, so the day that counts is the conference's, while what
    is done is still what is known on `as_of`."""
    return open_actions(actions, dates.as_of) & (actions["due_date"] < pd.Timestamp(dates.conference))


def _at_least(days: pd.Series, limit: int) -> set[str]:
    return set(days.index[days >= limit])


def _action(row: pd.Series, conference: date) -> dict:
    """One open action as the JSON has it; `overdue` when due before the conference day."""
    due = row["due_date"].date()
    return {"action_id": str(row["action_id"]), "description": _text(row["description"]),
            "owner": _text(row["owner"]), "due_date": due.isoformat(), "overdue": due < conference}


def _sorted_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """By due date: overdue means due before the conference day, so this also puts overdue
    actions first."""
    return actions.sort_values(["due_date", "action_id"], kind="stable")


def _entry(row: pd.Series, goals: pd.DataFrame, actions: pd.DataFrame, reasons: list[str],
           conference: date, phase: object = None, last_decision: dict | None = None) -> dict:
    """One candidate as the agenda shows them: pseudonymous ids, goals, actions, reasons, the
    latest decision (no CPR).

    `phase` is their phase on `as_of` from the history; without one, the recorded phase; an
    action due before `conference` is marked overdue."""
    return {
        "candidate_id": str(row["candidate_id"]),
        "initials": _text(row["initials"]),
        "consultant_id": _text(row["consultant_id"]),
        "clinician_id": _text(row["clinician_id"]),
        "phase": _text(row["phase"] if phase is None else phase),
        "goals": [{"kind": _text(g["kind"]), "description": _text(g["description"])}
                  for _, g in goals.iterrows()],
        "actions": [_action(r, conference) for _, r in _sorted_actions(actions).iterrows()],
        "reasons": list(reasons),
        "last_decision": dict(last_decision) if last_decision else None,
    }


def _section_ids(data: SiteData, cands: pd.DataFrame, reasons: dict[str, list[str]],
                 due: pd.DataFrame, dates: AgendaDates, gone_to_work: pd.DataFrame) -> dict[str, list[str]]:
    """Candidate ids of each section, in the section's order, before the consent rule."""
    ref = cands.loc[between(cands["referral_date"], dates.since, dates.as_of)]
    new_referrals = ref.sort_values(["referral_date", "candidate_id"])["candidate_id"].tolist()

    to_discuss = sorted((cid for cid, rs in reasons.items() if rs), key=lambda c: (-len(reasons[c]), c))

    first_due = due.groupby("candidate_id")["due_date"].min()
    actions_due = sorted(first_due.index, key=lambda c: (
        not first_due[c] < pd.Timestamp(dates.conference), first_due[c], c))

    outcome = outcome_placements(data.placements)
    started = outcome[between(outcome["start_date"], dates.since, dates.as_of)
                      & outcome["candidate_id"].isin(cands["candidate_id"])]
    news = started.groupby("candidate_id")["start_date"].min().to_dict()
    news.update(zip(gone_to_work["candidate_id"], gone_to_work["discharge_date"]))
    good_news = sorted(news, key=lambda c: (news[c], c))

    return {"new_referrals": new_referrals, "to_discuss": to_discuss,
            "actions_due": actions_due, "good_news": good_news}


def build_agenda(data: SiteData, params: SiteParams, week: Week, team: str | None = None, *,
                 clinician: str | None = None, consultant: str | None = None) -> dict:
    """The agenda of one week's conference for the site, or for one clinician team (JSON-ready).

    `clinician` and `consultant` (ids) narrow it further, for the live dashboard's filters: the
    rules still see the whole site's rows (an employer contact logged by another consultant
    counts), only the candidates listed are narrowed.
    """
    dates = AgendaDates.of(week, params.conference_weekday)
    as_of = dates.as_of
    team = team_name(params, team)
    cands = scope(data, as_of, team, clinician=clinician, consultant=consultant)
    gone = discharged_to_work(data, dates, team, clinician=clinician, consultant=consultant)
    ids = set(cands["candidate_id"])
    discuss = discussion_reasons(data, cands, dates,
                                 params.surveys.instrument if params.surveys else None)
    reasons = {**discuss, **{cid: [DISCHARGED_TO_WORK] for cid in gone["candidate_id"]}}

    a = data.actions
    mine = a[a["candidate_id"].isin(ids) & open_actions(a, as_of)]  # never a discharged one's
    due = mine[mine["due_date"] <= pd.Timestamp(dates.week_end)]
    g = data.goals
    goals = g[g["candidate_id"].isin(ids | set(gone["candidate_id"]))
              & (g["status"].isna() | (g["status"] == "active"))
              & (g["set_date"] <= pd.Timestamp(as_of))].sort_values("set_date", kind="stable")

    raw = _section_ids(data, cands, discuss, due, dates, gone)
    everyone = pd.concat([cands, gone])
    consented = set(everyone.loc[consented_by(everyone, as_of), "candidate_id"])
    left_out = {cid for section in raw.values() for cid in section} - consented

    rows = everyone.set_index("candidate_id", drop=False)
    # Everyone listed, new referrals included, in their phase on as_of (never today's phase).
    phase_then = phases.phase_of_everyone(data, as_of)
    decided = latest_decisions(data.conferences, dates.conference)
    sections = []
    for key in SECTIONS:
        acts = due if key == "actions_due" else mine
        sections.append({"key": key, "candidates": [
            _entry(rows.loc[cid], goals[goals["candidate_id"] == cid],
                   acts[acts["candidate_id"] == cid], reasons.get(cid, []), dates.conference,
                   phase_then.get(cid),
                   decided.get(str(cid)))
            for cid in raw[key] if cid in consented]})

    head = {"site": params.site, **({"team": team} if team else {}), "week": str(week),
            "conference_date": dates.conference.isoformat(), "as_of": as_of.isoformat()}
    return {**head, "sections": sections, "left_out_without_consent": len(left_out)}
