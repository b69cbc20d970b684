"""An estimate from the records for the IPS-25 items the data can speak to (docs/figures.md, IPS-25).

The estimate prepares the next fidelity review; it never replaces it. Each estimate is a measured
value with the count it rests on and, where the IPS-25 scale gives a numeric anchor, whether the
value meets the anchor of a 5 (`meets`). Only item 1 has a full published anchor ladder, so only
item 1 gets an estimated score; every other item's score is left to the review team.

Every function takes `as_of` explicitly; windows end on `as_of` and are stated in the docstring.
Items the records cannot speak to are returned with value None, so the pack can show "–".
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.figures.metrics import (
    caseload_per_consultant,
    days_to_employer_contact,
    enrolled_during,
    enrolled_on,
    outcome_placements,
)

YEAR = 365          # window for placements, referrals and job starts
QUARTER_WEEKS = 13  # window for weekly rhythms (conferences, employer contacts)
ITEMS = range(1, 26)


def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _share(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def estimate(item: int, value: float | None, unit: str, n: int, meets: bool | None = None,
             score: int | None = None) -> dict:
    """One item's estimate: value in `unit`, resting on `n` records."""
    return {"item": item, "value": value, "unit": unit, "n": n, "meets": meets, "score": score}


def caseload_score(per_fte: float) -> int:
    """Item 1's anchors: ≤ 20 → 5, 21–25 → 4, 26–30 → 3, 31–40 → 2, ≥ 41 → 1 (fractions round up)."""
    for ceiling, score in ((20, 5), (25, 4), (30, 3), (40, 2)):
        if per_fte <= ceiling:
            return score
    return 1


def item_1_caseload(data: SiteData, as_of: date) -> dict:
    """Worst consultant's active caseload ÷ FTE on `as_of` (FTE missing = 1.0)."""
    caseload = caseload_per_consultant(data, as_of)
    fte = {str(k): (1.0 if pd.isna(v) else float(v))
           for k, v in zip(data.consultants["consultant_id"], data.consultants["fte"])}
    if not caseload:
        return estimate(1, None, "per_fte", 0)
    worst = max(n / fte.get(cid, 1.0) for cid, n in caseload.items())
    worst = round(worst, 1)
    return estimate(1, worst, "per_fte", len(caseload), worst <= 20, caseload_score(worst))


def item_4_team_assignment(data: SiteData, as_of: date) -> dict:
    """Most distinct clinician teams any consultant's active candidates come from (5 = at most 2)."""
    c = data.candidates[enrolled_on(data.candidates, as_of)]
    teams = data.clinicians.set_index("clinician_id")["team"]
    m = c[["consultant_id", "clinician_id"]].dropna()
    m = m.assign(team=m["clinician_id"].map(teams)).dropna()
    if m.empty:
        return estimate(4, None, "teams", 0)
    most = int(m.groupby("consultant_id")["team"].nunique().max())
    return estimate(4, most, "teams", len(m), most <= 2)


def item_5_conference_attendance(data: SiteData, as_of: date) -> dict:
    """Share of (consultant, conference week) pairs with a `conferences` row naming the consultant,
    over the 13 weeks ending `as_of`; only weeks in which the site held a conference count, so
    holiday weeks do not lower it."""
    conf = data.conferences
    window = conf[(conf["date"] > _ts(as_of - timedelta(weeks=QUARTER_WEEKS))) & (conf["date"] <= _ts(as_of))]
    weeks = {d.isocalendar()[:2] for d in window["date"]}
    consultants = {str(k) for k in data.consultants["consultant_id"]}
    if not weeks or not consultants:
        return estimate(5, None, "share", 0)
    named = window.dropna(subset=["consultant_id"])
    attended = {(str(k), d.isocalendar()[:2]) for k, d in zip(named["consultant_id"], named["date"])
                if str(k) in consultants}
    pairs = len(weeks) * len(consultants)
    return estimate(5, _share(len(attended), pairs), "share", pairs)


def item_7_vocational_unit(data: SiteData, as_of: date) -> dict:
    """Consultants' FTE sum (5 needs at least 2 full-time consultants and weekly group supervision)."""
    fte = float(data.consultants["fte"].fillna(1.0).sum())
    return estimate(7, round(fte, 2), "fte", len(data.consultants), fte >= 2)


def item_9_zero_exclusion(data: SiteData, as_of: date) -> dict:
    """Share taken in of referrals made between `as_of` − 365 and `as_of` − 30 days (the last 30
    days are left out: those referrals may not have had their intake meeting yet)."""
    c = data.candidates
    ref = c[(c["referral_date"] > _ts(as_of - timedelta(days=YEAR)))
            & (c["referral_date"] <= _ts(as_of - timedelta(days=30)))]
    taken = ref["intake_date"].notna() & (ref["intake_date"] <= _ts(as_of))
    return estimate(9, _share(int(taken.sum()), len(ref)), "share", len(ref))


def _job_starts(data: SiteData, as_of: date, kinds: tuple[str, ...] = ("job",)) -> pd.DataFrame:
    p = data.placements
    return p[p["kind"].isin(kinds) & (p["start_date"] > _ts(as_of - timedelta(days=YEAR)))
             & (p["start_date"] <= _ts(as_of))]


def item_12_benefits(data: SiteData, as_of: date) -> dict:
    """Share of job starts in the year to `as_of` with a `benefits_counselling` contact for the
    candidate on or before the start day."""
    starts = _job_starts(data, as_of)
    bc = data.contacts[data.contacts["kind"] == "benefits_counselling"]
    first = bc.groupby("candidate_id")["date"].min()
    before = [cid in first.index and first[cid] <= s
              for cid, s in zip(starts["candidate_id"], starts["start_date"])]
    return estimate(12, _share(sum(before), len(starts)), "share", len(starts))


def item_15_rapid_search(data: SiteData, as_of: date) -> dict:
    """Mean days from intake to first employer contact, over candidates taken in during the year
    to `as_of` − 30 days who had one (5 = on average within 30 days)."""
    days = days_to_employer_contact(data, as_of)
    intake = data.candidates.set_index("candidate_id")["intake_date"]
    recent = days[[intake[c] > _ts(as_of - timedelta(days=YEAR)) for c in days.index]].dropna()
    if recent.empty:
        return estimate(15, None, "days", 0)
    mean = round(float(recent.mean()), 1)
    return estimate(15, mean, "days", len(recent), mean <= 30)


def item_17_employer_contact(data: SiteData, as_of: date) -> dict:
    """Face-to-face employer contacts per consultant per week over the 13 weeks ending `as_of`:
    the lowest consultant's rate (5 = at least 6 a week for every consultant)."""
    ec = data.employer_contacts
    start = _ts(as_of - timedelta(weeks=QUARTER_WEEKS))
    ec = ec[(ec["date"] > start) & (ec["date"] <= _ts(as_of)) & ec["face_to_face"].fillna(False)]
    ids = [str(k) for k in data.consultants["consultant_id"]]
    if not ids:
        return estimate(17, None, "per_week", 0)
    counts = ec["consultant_id"].astype(str).value_counts()
    lowest = min(int(counts.get(k, 0)) for k in ids) / QUARTER_WEEKS
    return estimate(17, round(lowest, 2), "per_week", len(ec), lowest >= 6)


def item_18_repeat_contacts(data: SiteData, as_of: date) -> dict:
    """Share of employers contacted in the 13 weeks ending `as_of` who were contacted more than once."""
    ec = data.employer_contacts
    ec = ec[(ec["date"] > _ts(as_of - timedelta(weeks=QUARTER_WEEKS))) & (ec["date"] <= _ts(as_of))]
    per = ec["employer"].value_counts()
    return estimate(18, _share(int((per > 1).sum()), len(per)), "share", len(per))


def item_19_job_types(data: SiteData, as_of: date) -> dict:
    """Distinct job goals among candidates with a job start in the year to `as_of`, as a share of
    those candidates (placements carry no job type, the candidate's job goal stands for it)."""
    starts = _job_starts(data, as_of)
    g = data.goals
    g = g[(g["kind"] == "job") & g["candidate_id"].isin(starts["candidate_id"]) & (g["set_date"] <= _ts(as_of))]
    latest = g.sort_values("set_date").groupby("candidate_id")["description"].last()
    return estimate(19, _share(latest.str.lower().nunique(), len(latest)), "share", len(latest))


def item_20_employers(data: SiteData, as_of: date) -> dict:
    """Distinct employers among job starts in the year to `as_of`, as a share of those starts."""
    starts = _job_starts(data, as_of)
    return estimate(20, _share(starts["employer"].str.lower().nunique(), len(starts)), "share", len(starts))


def item_21_competitive(data: SiteData, as_of: date) -> dict:
    """Share of job or education among all placements started in the year to `as_of`
    (internships and work trials are the non-competitive rest); 5 = at least 95 % (verify)."""
    p = _job_starts(data, as_of, ("job", "education", "internship", "work_trial"))
    share = _share(len(outcome_placements(p)), len(p))
    return estimate(21, share, "share", len(p), None if share is None else share >= 0.95)


def item_23_follow_along(data: SiteData, as_of: date) -> dict:
    """Share of outcome starts (in the year to `as_of`, at least 28 days before it) with the
    follow-along rhythm: a contact in the 7 days before the start, one within 3 days after, and one
    in each of the first four weeks (days 1–7, 8–14, 15–21, 22–28)."""
    p = outcome_placements(data.placements)
    p = p[(p["start_date"] > _ts(as_of - timedelta(days=YEAR)))
          & (p["start_date"] <= _ts(as_of - timedelta(days=28)))]
    by = {cid: sorted(g) for cid, g in data.contacts.groupby("candidate_id")["date"]}
    ok = 0
    for cid, start in zip(p["candidate_id"], p["start_date"]):
        days = [(d - start).days for d in by.get(cid, [])]
        windows = [(-7, -1), (0, 3), (1, 7), (8, 14), (15, 21), (22, 28)]
        ok += all(any(lo <= x <= hi for x in days) for lo, hi in windows)
    return estimate(23, _share(ok, len(p)), "share", len(p))


def item_25_outreach(data: SiteData, as_of: date) -> dict:
    """Of gaps over 21 days between contacts while enrolled in the year to `as_of`, the share that
    a contact closed (an open gap is a candidate enrolled on `as_of` whose last contact is older)."""
    start = as_of - timedelta(days=YEAR)
    c = data.candidates[enrolled_during(data.candidates, start, as_of)]
    contacts = data.contacts[data.contacts["date"] <= _ts(as_of)]
    by = {cid: sorted(g) for cid, g in contacts.groupby("candidate_id")["date"]}
    closed = opened = 0
    active = set(data.candidates.loc[enrolled_on(data.candidates, as_of), "candidate_id"])
    for cid, intake in zip(c["candidate_id"], c["intake_date"]):
        days = [d for d in by.get(cid, []) if d >= intake]
        marks = [max(intake, _ts(start))] + [d for d in days if d > _ts(start)]
        closed += sum((b - a).days > 21 for a, b in zip(marks, marks[1:]))
        if cid in active and (_ts(as_of) - marks[-1]).days > 21:
            opened += 1
    return estimate(25, _share(closed, closed + opened), "share", closed + opened)


ESTIMATORS = {1: item_1_caseload, 4: item_4_team_assignment, 5: item_5_conference_attendance,
              7: item_7_vocational_unit, 9: item_9_zero_exclusion, 12: item_12_benefits,
              15: item_15_rapid_search, 17: item_17_employer_contact, 18: item_18_repeat_contacts,
              19: item_19_job_types, 20: item_20_employers, 21: item_21_competitive,
              23: item_23_follow_along, 25: item_25_outreach}


def fidelity_estimates(data: SiteData, as_of: date) -> dict[int, dict]:
    """{item: estimate} for all 25 items; value None where the records cannot speak to the item."""
    return {i: ESTIMATORS[i](data, as_of) if i in ESTIMATORS else estimate(i, None, "", 0)
            for i in ITEMS}


def moved_items(previous: dict | None, latest: dict | None) -> dict[int, int]:
    """{item: change} for items whose score differs between two reviews (from fidelity_reviews)."""
    if not previous or not latest:
        return {}
    return {int(k): latest["items"][k] - previous["items"].get(k, latest["items"][k])
            for k in latest["items"] if latest["items"][k] != previous["items"].get(k, latest["items"][k])}
