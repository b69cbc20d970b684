"""Each consultant's month (docs/figures.md, "Each consultant's month"): the outcomes a
supervisor works from, one consultant at a time.

IPS supervision is outcome-based: employer contacts, job starts, how many of a caseload work or
study, jobs kept, jobs ended and the quarter's employment rate, per employment specialist. Each
figure is the site's own definition applied to that consultant's candidates (the site's data
narrowed with `goals.restrict`), so a consultant's numbers add up to the site's by construction
and no rule is written twice. A candidate belongs to the consultant in
`candidates.consultant_id`; an employer contact to the consultant who logged it.
"""
from __future__ import annotations

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.data.params import SiteParams
from ips_nb.figures import metrics, outcomes
from ips_nb.figures.goals import restrict
from ips_nb.figures.metrics import UNASSIGNED, between, enrolled_during, enrolled_on, rate
from ips_nb.figures.periods import Month

KEPT_DAYS = 90  # the international supervisors' "kept a job 90 days"


def consultant_ids(data: SiteData, month: Month) -> list[str]:
    """Every consultant of the site, sorted by id (one with nobody too), then `unassigned` when
    some candidate of the month's caseload has no consultant."""
    c = data.candidates
    ids = sorted({str(i) for i in data.consultants["consultant_id"]}
                 | {str(i) for i in c["consultant_id"].dropna()})
    in_month = c[enrolled_during(c, month.first, month.last)]
    return ids + ([UNASSIGNED] if in_month["consultant_id"].isna().any() else [])


def candidates_of(data: SiteData, consultant_id: str) -> set[str]:
    """Ids of the consultant's candidates (`unassigned`: those without a consultant)."""
    c = data.candidates
    mine = c["consultant_id"].isna() if consultant_id == UNASSIGNED else c["consultant_id"].astype(str) == consultant_id
    return set(c.loc[mine.fillna(False).astype(bool), "candidate_id"].astype(str))


def fte(data: SiteData) -> dict[str, float]:
    """{consultant_id: FTE}, 1.0 where the FTE is missing (as `over_caseload_max` reads it)."""
    c = data.consultants
    return {str(k): (1.0 if pd.isna(v) else float(v)) for k, v in zip(c["consultant_id"], c["fte"])}


def consultant_month(data: SiteData, consultant_id: str, month: Month) -> dict:
    """One consultant's figures for the month, in docs/figures.md's order (JSON-ready)."""
    first, last, as_of = month.first, month.last, month.as_of
    mine = restrict(data, candidates_of(data, consultant_id))
    c, p = mine.candidates, mine.placements
    in_month = int(enrolled_during(c, first, last).sum())
    # one month of the quarter's rule: a placement of the kind ongoing on an enrolled day
    _, working, _ = outcomes.employment_rate(mine, month, months=1, kinds=("job",))
    _, studying, _ = outcomes.employment_rate(mine, month, months=1, kinds=("education",))
    starts = p[between(p["start_date"], first, last)]
    jobs = p[p["kind"] == "job"]
    day_90 = jobs["start_date"] + pd.Timedelta(days=KEPT_DAYS)
    kept = between(day_90, first, last) & (jobs["end_date"].isna() | (jobs["end_date"] >= day_90))
    # contacts are the consultant's who logged them, whoever they name (none are unassigned)
    logged, per_week = face_to_face_per_week(data, consultant_id, month)
    quarter, _, _ = outcomes.employment_rate(mine, month)
    return {
        "active_caseload": int(enrolled_on(c, as_of).sum()),
        "caseload_in_month": in_month,
        "working": working,
        "working_share": rate(working, in_month),
        "in_education": studying,
        "education_share": rate(studying, in_month),
        "job_starts": int((starts["kind"] == "job").sum()),
        "education_starts": int((starts["kind"] == "education").sum()),
        "job_endings": int(between(jobs["end_date"], first, last).sum()),
        "kept_job_90d": int(kept.sum()),
        "employer_contacts": logged,
        "face_to_face_per_week": per_week,
        "employment_rate_3m": quarter,
        "waiting_for_employer_contact": len(metrics.waiting_for_employer_contact(mine, as_of)),
        "overdue_actions": int(metrics.overdue_actions(mine.actions, as_of).sum()),
    }


def by_consultant(data: SiteData, params: SiteParams, month: Month) -> dict[str, dict]:
    """{consultant_id: that consultant's month} for every consultant of the site, then
    `unassigned` when some candidate of the month's caseload has none (`params` is the site's:
    the keys are the definition's alone, the page sets caseload against its maximum)."""
    return {cid: consultant_month(data, cid, month) for cid in consultant_ids(data, month)}


def caseload_per_fte(caseload: int, fte_value: float) -> float:
    """Caseload ÷ FTE, the number IPS-25 item 1 and the site's `caseload_max` are per (1 decimal):
    a half-time consultant with 11 candidates carries 22 per full time."""
    return round(caseload / fte_value, 1)


def face_to_face_per_week(data: SiteData, consultant_id: str, month: Month) -> tuple[int, float]:
    """(employer contacts the consultant logged in the month, those face to face ÷ (days ÷ 7),
    2 decimals): an empty `face_to_face` is not face to face (IPS-25 item 17 counts only those)."""
    ec = data.employer_contacts
    logged = ec[between(ec["date"], month.first, month.last) & (ec["consultant_id"].astype(str) == consultant_id)]
    face_to_face = int(logged["face_to_face"].fillna(False).astype(bool).sum())
    return len(logged), round(face_to_face / (month.days / 7), 2)


def consultant_series(data: SiteData, consultant_id: str, month: Month, months: int = 12) -> list[dict]:
    """The consultant's working share and face-to-face contacts a week for the `months` months
    ending with `month`, oldest first: [{month, working_share, working, caseload_in_month,
    face_to_face_per_week}] (the pack's 12-month trend per consultant), each month's figure as
    `consultant_month` gives it."""
    mine, out = restrict(data, candidates_of(data, consultant_id)), []
    for m in (month.shift(k) for k in range(1 - months, 1)):
        share, working, in_month = outcomes.employment_rate(mine, m, months=1, kinds=("job",))
        out.append({"month": str(m), "working_share": share, "working": working, "caseload_in_month": in_month,
                    "face_to_face_per_week": face_to_face_per_week(data, consultant_id, m)[1]})
    return out
