"""Tiny data sets for hand-computed tests: SiteData from short lists of dicts, and SiteParams.

Only what a test is about needs writing down; the rest gets a neutral default documented
here, and every absent table is an empty typed frame, exactly as the store would load it.
"""
from __future__ import annotations

import pandas as pd

from ips_nb.data.frames import SiteData, typed_frame
from ips_nb.data.params import SiteParams
from ips_nb.data.schema import TABLES, stored_columns

SITE = "test"

KEYS = [  # the supervision JSON's keys in contract order (docs: figures of a monthly pack)
    "site", "month", "as_of", "active_caseload", "caseload_in_month", "caseload_by_consultant",
    "over_caseload_max", "referrals", "intakes", "discharges_by_reason", "job_starts",
    "education_starts", "other_placement_starts", "outcome_in_month", "outcome_rate",
    "outcome_ever_rate", "rapid_search_share", "median_days_to_employer_contact",
    "waiting_for_employer_contact", "employer_contacts_per_week", "retention_4m", "retention_90d",
    "overdue_actions", "without_consent", "gender", "age_18_29", "fidelity_total",
    "fidelity_band", "fidelity_date", "supervision_sessions", "phase_counts", "days_in_phase",
    "outcome_within_18m", "outcome_within_18m_cohort", "job_within_18m", "employment_rate_3m",
    "caseload_3m", "goals", "by_consultant", "by_gender", "by_age_group",
]

# Required columns a test rarely cares about: filled when a row leaves them out.
_DEFAULTS = {
    "consultants": {"name": "Consultant"},
    "clinicians": {"name": "Clinician"},
    "goals": {"kind": "job", "description": "A goal"},
    "actions": {"description": "An action", "owner": "consultant"},
    "contacts": {"kind": "meeting"},
    "employer_contacts": {"employer": "Employer"},
    "placements": {"employer": "Employer"},
    "supervision": {"supervisor": "Supervisor"},
}
_AUTO_ID = {"actions": ("action_id", "a"), "placements": ("placement_id", "p")}


def _row(table: str, i: int, row: dict) -> dict:
    allowed = set(stored_columns(table))
    unknown = set(row) - allowed
    if unknown:
        raise KeyError(f"{table}: no column(s) {sorted(unknown)}")
    full = {"site": SITE, **_DEFAULTS.get(table, {})}
    if table in _AUTO_ID:
        col, prefix = _AUTO_ID[table]
        full[col] = f"{prefix}{i + 1}"
    if table == "candidates" and "referral_date" not in row:
        full["referral_date"] = row.get("intake_date")  # referred the day they were taken in
    full.update(row)
    return full


def site_data(**tables: list[dict]) -> SiteData:
    """SiteData from {table: [row dicts]}; dates as 'YYYY-MM-DD' strings, absent cells empty."""
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise KeyError(f"no table(s) {sorted(unknown)}")
    frames = {}
    for name in TABLES:
        columns = [c for c in stored_columns(name) if c != "cpr_hash"]
        rows = [_row(name, i, r) for i, r in enumerate(tables.get(name, []))]
        if any("cpr_hash" in r for r in rows):
            columns.append("cpr_hash")
        frame = pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype="object") for c in columns})
        frames[name] = typed_frame(name, frame)
    return SiteData(**frames)


def fidelity_rows(review_date: str, scores: list[int]) -> list[dict]:
    """One review: scores[k] is item k + 1 (pass fewer than 25 for an incomplete review)."""
    return [{"review_date": review_date, "item": k + 1, "score": s} for k, s in enumerate(scores)]


def make_params(**overrides: object) -> SiteParams:
    """A valid SiteParams for SITE; conferences on Wednesday unless a test says otherwise."""
    values = {"site": SITE, "name": "Test site", "language": "en", "country": "DK",
              "conference_weekday": 3}
    values.update(overrides)
    return SiteParams.model_validate(values)
