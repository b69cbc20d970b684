"""Equal chances (docs/figures.md, "Equal chances"): the month's outcome rate per gender and
per age group.

A rate per group ("of the women in the month's caseload, the share in job or education"), never
the group's share of those in work: the latter mixes who is referred with who gets a job, and
supervisors read it as a rate. Both use the pack's own rules (`caseload_in_month`,
`outcome_in_month`), so the groups add up to the site.
"""
from __future__ import annotations

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.figures.goals import age_at_intake
from ips_nb.figures.metrics import enrolled_during, outcome_candidates, rate
from ips_nb.figures.periods import Month

UNKNOWN = "unknown"
AGE_GROUPS = ("18-29", "30+", "under 18", UNKNOWN)  # the JSON's keys, always all four, in this order


def age_group(age: float) -> str:
    """The group of an age at intake: 18–29 and 30+ (both ends counted), under 18, or unknown."""
    if pd.isna(age):
        return UNKNOWN
    return "under 18" if age < 18 else ("18-29" if age <= 29 else "30+")


def _rates(groups: pd.Series, outcome: set[str], ids: pd.Series, keys: list[str]) -> dict[str, dict]:
    out = {}
    for key in keys:
        members = ids[groups == key]
        reached = int(members.isin(outcome).sum())
        out[key] = {"caseload_in_month": len(members), "outcome_in_month": reached,
                    "outcome_rate": rate(reached, len(members))}
    return out


def _month_caseload(data: SiteData, month: Month) -> tuple[pd.DataFrame, set[str]]:
    c = data.candidates[enrolled_during(data.candidates, month.first, month.last)]
    return c, set(outcome_candidates(data, month.first, month.last))


def by_gender(data: SiteData, month: Month) -> dict[str, dict]:
    """{gender: {caseload_in_month, outcome_in_month, outcome_rate}} over the month's caseload,
    the genders present sorted (an empty gender is `unknown`)."""
    c, outcome = _month_caseload(data, month)
    gender = c["gender"].astype("object").where(c["gender"].notna(), UNKNOWN).astype(str)
    return _rates(gender, outcome, c["candidate_id"].astype(str), sorted(set(gender)))


def by_age_group(data: SiteData, month: Month) -> dict[str, dict]:
    """The same per age group at intake ("18-29", "30+", "under 18", "unknown"), every group
    listed (0 and `null` for an empty one), so a pack's groups never come and go."""
    c, outcome = _month_caseload(data, month)
    groups = age_at_intake(c).map(age_group).astype(str)
    return _rates(groups, outcome, c["candidate_id"].astype(str), list(AGE_GROUPS))

