"""The figures of the monthly supervision pack, as pure functions (docs/figures.md).

Each figure has one definition, written in docs/figures.md and implemented here once; the workbooks,
the agenda and the tests call these building blocks instead of re-deriving a rule. Every
function takes its period or `as_of` explicitly and reads nothing but its arguments (never the
clock), so a pack can be rebuilt from the database and the parameters at any later time.

Where the definitions are silent, the choice made is stated in the docstring of the function concerned.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.data.params import SiteParams
from ips_nb.data.schema import OUTCOME_KINDS
from ips_nb.figures import phases
from ips_nb.figures.periods import Month

RAPID_SEARCH_DAYS = 30  # the definition fixes 30 days; the site's goal is shown beside it, not used in it
OTHER_PLACEMENT_KINDS = ("internship", "work_trial")
FIDELITY_ITEMS = frozenset(range(1, 26))
FIDELITY_BANDS = ((115, "exemplary"), (100, "good"), (74, "fair"), (25, "not_ips"))


# -- small helpers ----------------------------------------------------------------------------

def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def between(dates: pd.Series, first: date, last: date) -> pd.Series:
    """Mask of dates within [first, last], both ends included (a month's first and last day count)."""
    return (dates >= _ts(first)) & (dates <= _ts(last))


def rate(numerator: int, denominator: int) -> float | None:
    """A fraction rounded to 4 decimals, or None when there is nobody to divide by (not 0 %)."""
    return None if denominator == 0 else round(numerator / denominator, 4)


def _counts(values: pd.Series) -> dict[str, int]:
    """{value: n} with str keys in sorted order, so the JSON is stable from run to run."""
    counts = values.astype(str).value_counts()
    return {str(k): int(counts[k]) for k in sorted(counts.index)}


def lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """`keys.map(mapping)` that keeps the mapping's dtype even when it is empty (pandas' map does not)."""
    return pd.Series(mapping.reindex(keys.to_numpy()).to_numpy(), index=keys.index, dtype=mapping.dtype)


def _ids(frame: pd.DataFrame) -> list[str]:
    return sorted(str(i) for i in frame["candidate_id"])


# -- who is enrolled, which placements run ----------------------------------------------------

def enrolled_on(candidates: pd.DataFrame, day: date) -> pd.Series:
    """Mask: intake on or before `day` and not discharged on or before it (a referral is not enrolled)."""
    d = _ts(day)
    discharge = candidates["discharge_date"]
    return (candidates["intake_date"] <= d) & (discharge.isna() | (discharge > d))


def enrolled_during(candidates: pd.DataFrame, first: date, last: date) -> pd.Series:
    """Mask: enrolled on at least one day of [first, last].

    Enrolled days are [intake, discharge - 1]; someone discharged on their intake day was never
    enrolled, which keeps this consistent with `enrolled_on` day by day.
    """
    intake, discharge = candidates["intake_date"], candidates["discharge_date"]
    return (intake <= _ts(last)) & (discharge.isna() | ((discharge > _ts(first)) & (discharge > intake)))


def consented_by(candidates: pd.DataFrame, day: date) -> pd.Series:
    """Mask: a consent_date on or before `day` (only they may be discussed across sectors)."""
    return candidates["consent_date"] <= _ts(day)


def ongoing_on(placements: pd.DataFrame, day: date) -> pd.Series:
    """Mask: the placement has started by `day` and not ended before it (the end day still counts)."""
    d = _ts(day)
    end = placements["end_date"]
    return (placements["start_date"] <= d) & (end.isna() | (end >= d))


def ongoing_during(placements: pd.DataFrame, first: date, last: date) -> pd.Series:
    """Mask: ongoing on at least one day of [first, last]."""
    end = placements["end_date"]
    return (placements["start_date"] <= _ts(last)) & (end.isna() | (end >= _ts(first)))


def outcome_placements(placements: pd.DataFrame) -> pd.DataFrame:
    """Job and education placements only: internships and work trials are never the IPS outcome."""
    return placements[placements["kind"].isin(OUTCOME_KINDS)]


def outcome_candidates(data: SiteData, first: date, last: date) -> list[str]:
    """Ids with an outcome placement ongoing on a day of [first, last] on which they were enrolled.

    Three intervals must meet: the period, the enrolment [intake, discharge - 1] and the
    placement [start, end]. Intervals meet when every start is on or before every end, so a
    job held only before intake or after discharge does not count.
    """
    c = data.candidates.loc[enrolled_during(data.candidates, first, last),
                            ["candidate_id", "intake_date", "discharge_date"]]
    p = outcome_placements(data.placements)
    p = p.loc[ongoing_during(p, first, last), ["candidate_id", "start_date", "end_date"]]
    m = c.merge(p, on="candidate_id")
    meets = ((m["end_date"].isna() | (m["end_date"] >= m["intake_date"]))
             & (m["discharge_date"].isna() | (m["start_date"] < m["discharge_date"])))
    return sorted(set(m.loc[meets, "candidate_id"].astype(str)))


# -- employer contact: rapid job search -------------------------------------------------------

def employer_contact_dates(data: SiteData) -> pd.DataFrame:
    """(candidate_id, date) of every employer contact naming a candidate, from both tables.

    A `contacts` row of kind employer_contact and an `employer_contacts` row with a candidate
    are the same event recorded from two sides, and the definition accepts either.
    """
    contacts = data.contacts.loc[data.contacts["kind"] == "employer_contact", ["candidate_id", "date"]]
    employer = data.employer_contacts.loc[data.employer_contacts["candidate_id"].notna(),
                                          ["candidate_id", "date"]]
    frames = [f for f in (contacts, employer) if len(f)]
    if not frames:
        return contacts
    return pd.concat(frames, ignore_index=True)


def first_employer_contact(data: SiteData, as_of: date | None = None) -> pd.Series:
    """First employer-contact date per candidate on or after intake (index: candidate_id).

    Contacts before intake belong to the referral, not to the job search, so they are skipped.
    With `as_of`, contacts after that day are unknown to the report and skipped too.
    """
    dates = employer_contact_dates(data)
    if as_of is not None:
        dates = dates[dates["date"] <= _ts(as_of)]
    intake = data.candidates.set_index("candidate_id")["intake_date"]
    dates = dates[dates["date"] >= lookup(dates["candidate_id"], intake)]
    return dates.groupby("candidate_id")["date"].min()


def days_to_employer_contact(data: SiteData, as_of: date) -> pd.Series:
    """Days from intake to first employer contact for candidates taken in at least 30 days before
    `as_of` (index: candidate_id; NaN for those without one).

    This is the population of `rapid_search_share`; its median is
    `median_days_to_employer_contact`, counting contacts on or before `as_of` only.
    """
    c = data.candidates
    c = c[c["intake_date"] <= _ts(as_of - timedelta(days=RAPID_SEARCH_DAYS))]
    first = first_employer_contact(data, as_of)
    days = (lookup(c["candidate_id"], first) - c["intake_date"]).dt.days
    return pd.Series(days.to_numpy(), index=c["candidate_id"].to_numpy(), dtype="float64")


def waiting_for_employer_contact(data: SiteData, as_of: date) -> list[str]:
    """Ids enrolled on `as_of`, more than 30 days past intake, with no employer contact since intake.

    Exactly 30 days past intake is not yet late: rapid search allows the first 30 days.
    """
    c = data.candidates
    late = enrolled_on(c, as_of) & (c["intake_date"] < _ts(as_of - timedelta(days=RAPID_SEARCH_DAYS)))
    contacted = set(first_employer_contact(data, as_of).index)
    return sorted(str(i) for i in c.loc[late, "candidate_id"] if i not in contacted)


def employer_contacts_per_week(data: SiteData, month: Month) -> dict[str, float]:
    """{consultant_id: employer_contacts rows in the month ÷ (days in month ÷ 7)}, 2 decimals.

    Every consultant of the site appears, 0.0 when they logged none, so a silent consultant
    shows up instead of vanishing from the table.
    """
    ec = data.employer_contacts
    counts = ec.loc[between(ec["date"], month.first, month.last), "consultant_id"].value_counts()
    ids = sorted({str(i) for i in data.consultants["consultant_id"]} | {str(i) for i in counts.index})
    weeks = month.days / 7
    return {cid: round(int(counts.get(cid, 0)) / weeks, 2) for cid in ids}


# -- caseload ---------------------------------------------------------------------------------

UNASSIGNED = "unassigned"  # the key of `caseload_by_consultant` for active candidates without a consultant


def caseload_per_consultant(data: SiteData, as_of: date) -> dict[str, int]:
    """{consultant_id: active caseload} over the consultants alone: every consultant of the site,
    0 when empty. Candidates without a consultant are left out (see `caseload_by_consultant`)."""
    c = data.candidates.loc[enrolled_on(data.candidates, as_of), "consultant_id"].dropna()
    counts = c.astype(str).value_counts()
    ids = sorted({str(i) for i in data.consultants["consultant_id"]} | set(counts.index))
    return {cid: int(counts.get(cid, 0)) for cid in ids}


def caseload_by_consultant(data: SiteData, as_of: date) -> dict[str, int]:
    """{consultant_id: active caseload}, then `unassigned`: the values add up to `active_caseload`.

    Every consultant of the site is listed (0 when empty), sorted by id. Active candidates with no
    consultant count under the key `unassigned`, which is there only when there are some, so a
    site where everyone has a consultant keeps the consultants alone.
    """
    caseload = caseload_per_consultant(data, as_of)
    active = data.candidates.loc[enrolled_on(data.candidates, as_of), "consultant_id"]
    missing = int(active.isna().sum())
    if missing:
        caseload[UNASSIGNED] = caseload.get(UNASSIGNED, 0) + missing
    return caseload


def over_caseload_max(data: SiteData, params: SiteParams, as_of: date) -> list[str]:
    """Consultant ids whose active caseload per FTE exceeds `caseload_max` (FTE missing = 1.0).

    Caseload ÷ FTE lets a half-time consultant with 11 candidates be flagged at a ceiling of 20.
    Candidates without a consultant belong to nobody's caseload here.
    """
    caseload = caseload_per_consultant(data, as_of)
    fte = {str(k): (1.0 if pd.isna(v) else float(v))
           for k, v in zip(data.consultants["consultant_id"], data.consultants["fte"])}
    return sorted(cid for cid, n in caseload.items() if n / fte.get(cid, 1.0) > params.caseload_max)


# -- outcome, retention -----------------------------------------------------------------------

def outcome_ever_rate(data: SiteData, as_of: date) -> float | None:
    """Of candidates taken in on or before `as_of`, the share with an outcome placement that
    started between their intake and `as_of` (both included). Discharged candidates stay in."""
    c = data.candidates
    c = c[c["intake_date"] <= _ts(as_of)]
    p = outcome_placements(data.placements)
    p = p[p["start_date"] <= _ts(as_of)]
    m = p.merge(c[["candidate_id", "intake_date"]], on="candidate_id")
    reached = set(m.loc[m["start_date"] >= m["intake_date"], "candidate_id"])
    return rate(len(reached), len(c))


def retention(data: SiteData, as_of: date, days: int) -> float | None:
    """Of outcome placements started at least `days` before `as_of`, the share that lasted `days`
    (no end_date, or end_date >= start_date + days)."""
    p = outcome_placements(data.placements)
    p = p[p["start_date"] <= _ts(as_of - timedelta(days=days))]
    lasted = p["end_date"].isna() | (p["end_date"] >= p["start_date"] + pd.Timedelta(days=days))
    return rate(int(lasted.sum()), len(p))


def outcome_rate_series(data: SiteData, params: SiteParams, month: Month,
                        months: int = 12) -> list[dict]:
    """The monthly outcome rate for the `months` months ending with `month`, oldest first, for the
    pack's trend chart: [{month, outcome_rate, outcome_in_month, caseload_in_month}]."""
    series = []
    for m in (month.shift(k) for k in range(1 - months, 1)):
        caseload = int(enrolled_during(data.candidates, m.first, m.last).sum())
        outcome = len(outcome_candidates(data, m.first, m.last))
        series.append({"month": str(m), "outcome_rate": rate(outcome, caseload),
                       "outcome_in_month": outcome, "caseload_in_month": caseload})
    return series


# -- actions ----------------------------------------------------------------------------------

def open_actions(actions: pd.DataFrame, as_of: date) -> pd.Series:
    """Mask: not done on or before `as_of` (a done_date after `as_of` is not known yet)."""
    done = actions["done_date"]
    return done.isna() | (done > _ts(as_of))


def overdue_actions(actions: pd.DataFrame, as_of: date) -> pd.Series:
    """Mask: open and due before `as_of` (an action due on `as_of` itself is not yet overdue)."""
    return open_actions(actions, as_of) & (actions["due_date"] < _ts(as_of))


# -- fidelity ---------------------------------------------------------------------------------

def fidelity_band(total: int) -> str:
    """IPS-25 band of a complete review's total (25–125)."""
    if not 25 <= total <= 125:
        raise ValueError(f"an IPS-25 total lies between 25 and 125, got {total}")
    return next(band for low, band in FIDELITY_BANDS if total >= low)


def fidelity_reviews(fidelity: pd.DataFrame) -> list[dict]:
    """Every review, oldest first: [{date, total, band, complete, items{"1": score, ...}}].

    A review is complete when items 1–25 each have exactly one row. An incomplete review (still
    being entered) keeps its items but has total and band None, so no chart or figure can
    mistake a partial sum for a score.
    """
    reviews = []
    for day, rows in fidelity.groupby("review_date", sort=True):
        items = {int(i): int(s) for i, s in zip(rows["item"], rows["score"])}
        complete = len(rows) == len(FIDELITY_ITEMS) and set(items) == FIDELITY_ITEMS
        total = sum(items.values()) if complete else None
        reviews.append({"date": pd.Timestamp(day).date().isoformat(), "total": total,
                        "band": fidelity_band(total) if total is not None else None,  # complete
                        "complete": complete,
                        "items": {str(i): items[i] for i in sorted(items)}})
    return reviews


def latest_fidelity(fidelity: pd.DataFrame, as_of: date) -> dict | None:
    """The latest complete review on or before `as_of`, or None."""
    done = [r for r in fidelity_reviews(fidelity) if r["complete"] and r["date"] <= as_of.isoformat()]
    return done[-1] if done else None


# -- beside the figures: what the pack's charts and lists need -----------------------------------
# These are not JSON keys (the JSON keeps exactly those); they feed the pack's charts and the
# supervisor's list, and each follows the same rules (explicit period, no clock).

PHASE_STALL_DAYS = 90
STALL_PHASES = ("engagement", "assessment", "job_search")


def candidates_by_phase(data: SiteData, as_of: date) -> dict[str, int]:
    """{phase: n} over the active caseload, each candidate's phase on `as_of` (the phase history)."""
    return phases.phase_counts(data, as_of)


def discharges_series(data: SiteData, month: Month, months: int = 12) -> list[dict]:
    """[{month, reasons: {reason: n}}] for the `months` months ending with `month`, oldest first."""
    c = data.candidates
    out = []
    for m in (month.shift(k) for k in range(1 - months, 1)):
        d = c[between(c["discharge_date"], m.first, m.last)]
        out.append({"month": str(m), "reasons": _counts(d["discharge_reason"].fillna("other"))})
    return out


def supervision_list(data: SiteData, as_of: date) -> list[dict]:
    """Enrolled candidates the supervisor should raise: waiting for a first employer contact beyond
    30 days, in a pre-placement phase over 90 days, with overdue actions, or without consent.

    [{candidate_id, initials, consultant_id, phase, reasons: [...], overdue_actions, days}] sorted by
    consultant then id. Initials only when consent is recorded by `as_of`; a candidate without
    consent is shown by case id alone. Later phases (in job, follow-along) are not stalls.
    """
    c = data.candidates[enrolled_on(data.candidates, as_of)]
    waiting = set(waiting_for_employer_contact(data, as_of))
    phase_then = phases.phase_on(data, as_of)
    # one number, one source: the days the JSON's days_in_phase gives (from the intake at a site
    # without a phase history), never an estimate of the page's own
    days_then = phases.days_in_phase(data, as_of)
    od = data.actions[overdue_actions(data.actions, as_of)]["candidate_id"].value_counts()
    consent = consented_by(c, as_of)
    rows = []
    for (_, r), ok in zip(c.iterrows(), consent):
        cid = str(r["candidate_id"])
        days = days_then[cid]
        phase = phase_then.get(cid, r["phase"])
        reasons = []
        if cid in waiting:
            reasons.append("waiting_employer_contact")
        if phase in STALL_PHASES and days > PHASE_STALL_DAYS:
            reasons.append("same_phase_90d")
        if int(od.get(cid, 0)):
            reasons.append("overdue_actions")
        if not ok:
            reasons.append("no_consent")
        if reasons:
            rows.append({"candidate_id": cid,
                         "initials": (None if not ok or pd.isna(r["initials"]) else str(r["initials"])),
                         "consultant_id": None if pd.isna(r["consultant_id"]) else str(r["consultant_id"]),
                         "phase": None if pd.isna(phase) else str(phase),
                         "reasons": reasons, "overdue_actions": int(od.get(cid, 0)), "days_in_phase": days})
    return sorted(rows, key=lambda r: (r["consultant_id"] or "", r["candidate_id"]))


# -- supervision cadence ----------------------------------------------------------------------

def site_start(data: SiteData) -> date | None:
    """The day the site started IPS work: its first referral, intake, conference or supervision.

    The parameters hold no start date, and consultants often joined before the programme began,
    so the first recorded activity stands for the start of the site's first year.
    """
    days = [s.min() for s in (data.candidates["referral_date"], data.candidates["intake_date"],
                              data.conferences["date"], data.supervision["date"]) if s.notna().any()]
    return min(days).date() if days else None


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def supervision_cadence(data: SiteData, month: Month, months: int = 12) -> dict:
    """Sessions in the `months` months ending with `month` against the supervision rhythm
    (docs/figures.md).

    Rule: a session every month in the site's first year, every second month after; clinicians at
    least every fourth session. A session is `late` when its month is more than the interval after
    the previous session's month (interval taken from when the previous one was held); it is
    `clinicians_due` when it is the fourth session in a row without clinicians. `overdue` says the
    next session is already late on `as_of`. `expected` counts one per month of the first year and
    one per two months after, rounded up.
    """
    start = site_start(data)
    first_year_end = date(start.year + 1, start.month, min(start.day, 28)) if start else None

    def interval(day: date) -> int:
        return 1 if first_year_end is None or day < first_year_end else 2

    s = data.supervision[data.supervision["date"] <= _ts(month.as_of)].sort_values("date")
    window_first = month.shift(1 - months).first
    sessions, prev, without = [], None, 0
    for d, cons, clin in zip(s["date"], s["consultants_present"], s["clinicians_present"]):
        day = d.date()
        late = prev is not None and _month_index(day) - _month_index(prev) > interval(prev)
        without = 0 if (not pd.isna(clin) and int(clin) > 0) else without + 1
        if day >= window_first:
            sessions.append({"date": day.isoformat(),
                             "consultants_present": None if pd.isna(cons) else int(cons),
                             "clinicians_present": None if pd.isna(clin) else int(clin),
                             "late": late, "clinicians_due": without >= 4})
        prev = day
    window = [month.shift(k) for k in range(1 - months, 1)]
    active = [m for m in window if start is not None and m.last >= start]
    first_year = sum(1 for m in active if interval(m.first) == 1)
    expected = first_year + -(-(len(active) - first_year) // 2)
    overdue = prev is not None and _month_index(month.as_of) - _month_index(prev) > interval(prev)
    return {"site_start": start.isoformat() if start else None,
            "rule": "monthly" if interval(month.as_of) == 1 else "every_second_month",
            "expected": expected, "held": len(sessions),
            "late": sum(x["late"] for x in sessions),
            "clinician_sessions": sum(1 for x in sessions if (x["clinicians_present"] or 0) > 0),
            "overdue": overdue, "sessions": sessions}
