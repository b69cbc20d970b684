"""The outcome figures that published benchmarks are defined by (docs/figures.md, "Benchmarks").

A benchmark may stand beside a figure only when both count the same people over the same time.
The trials the Nordic sites compare themselves with counted everyone *included*, in work or
education at any point of an 18-month follow-up from their own inclusion; the IPS learning
community counts the people served in a quarter who worked in a competitive job during it. The
pack's monthly `outcome_rate` is neither, so these figures are computed here, each exactly as
its source defines it, and the page prints a benchmark only beside its own figure.

Every function takes `as_of` (or the month) explicitly and reads nothing but its arguments.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.figures import metrics
from ips_nb.figures.periods import Month

FOLLOW_UP_MONTHS = 18  # Projekt Inklusion and Bejerholm et al. followed everyone 18 months
QUARTER_MONTHS = 3  # the learning community's employment rate is a quarter's


def add_months(day: date, months: int) -> date:
    """`day` plus calendar months, clamped to the target month's last day.

    2024-01-31 + 1 month = 2024-02-29 and 2024-03-15 + 18 months = 2025-09-15: the follow-up of
    someone taken in on the 31st ends on the last day of a shorter month, never in the next one.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _intake_plus(intakes: pd.Series, months: int) -> pd.Series:
    """Each intake date plus `months` calendar months (NaT stays NaT)."""
    return intakes.map(lambda d: pd.NaT if pd.isna(d) else pd.Timestamp(add_months(d.date(), months)))


def within_cohort(data: SiteData, as_of: date, months: int = FOLLOW_UP_MONTHS) -> pd.DataFrame:
    """The follow-up cohort: candidates whose intake + `months` ≤ `as_of` (discharged ones stay in),
    with their follow-up's last day in `follow_up_end`."""
    c = data.candidates[data.candidates["intake_date"].notna()][["candidate_id", "intake_date"]]
    c = c.assign(follow_up_end=_intake_plus(c["intake_date"], months))
    return c[c["follow_up_end"] <= metrics._ts(as_of)]


def reached_within(data: SiteData, cohort: pd.DataFrame, kinds: Iterable[str],
                   placements: pd.DataFrame | None = None) -> set[str]:
    """Ids of the cohort with a placement of `kinds` starting from intake to the follow-up's end,
    both days included. `placements` narrows the placements considered (an hours threshold)."""
    p = data.placements if placements is None else placements
    p = p[p["kind"].isin(tuple(kinds))][["candidate_id", "start_date"]]
    m = cohort.merge(p, on="candidate_id")
    hit = (m["start_date"] >= m["intake_date"]) & (m["start_date"] <= m["follow_up_end"])
    return set(m.loc[hit, "candidate_id"].astype(str))


def outcome_within(data: SiteData, as_of: date, months: int = FOLLOW_UP_MONTHS,
                   kinds: Iterable[str] = ("job", "education")) -> tuple[float | None, int, int]:
    """(share, numerator, cohort size): of the cohort, those with a placement of `kinds` starting
    within their own follow-up. Projekt Inklusion's 59.9 % is this over 18 months, job or education;
    Bejerholm et al.'s 46 % is this over 18 months, jobs only."""
    cohort = within_cohort(data, as_of, months)
    reached = reached_within(data, cohort, kinds)
    return metrics.rate(len(reached), len(cohort)), len(reached), len(cohort)


def employment_rate(data: SiteData, month: Month, months: int = QUARTER_MONTHS,
                    kinds: Iterable[str] = ("job",)) -> tuple[float | None, int, int]:
    """(share, numerator, caseload): of candidates enrolled on at least one day of the `months`
    calendar months ending with `month`, those with a placement of `kinds` ongoing on one of those
    days on which they were enrolled. Over a calendar quarter it is the learning community's
    quarterly employment rate."""
    first, last = month.shift(1 - months).first, month.last
    c = data.candidates.loc[metrics.enrolled_during(data.candidates, first, last),
                            ["candidate_id", "intake_date", "discharge_date"]]
    p = data.placements[data.placements["kind"].isin(tuple(kinds))]
    p = p[["candidate_id", "start_date", "end_date"]]
    m = c.merge(p, on="candidate_id")
    # the period, the enrolled days [intake, discharge - 1] and the placement [start, end] meet
    meets = ((m["start_date"] <= metrics._ts(last)) & (m["end_date"].isna() | (m["end_date"] >= metrics._ts(first)))
             & (m["end_date"].isna() | (m["end_date"] >= m["intake_date"]))
             & (m["discharge_date"].isna() | (m["start_date"] < m["discharge_date"])))
    working = set(m.loc[meets, "candidate_id"].astype(str))
    return metrics.rate(len(working), len(c)), len(working), len(c)


def outcome_figures(data: SiteData, month: Month) -> dict:
    """The pack's JSON keys for the benchmark-defined figures, in docs/figures.md's order."""
    within, _, cohort = outcome_within(data, month.as_of)
    job, _, _ = outcome_within(data, month.as_of, kinds=("job",))
    quarter, _, caseload = employment_rate(data, month)
    return {"outcome_within_18m": within, "outcome_within_18m_cohort": cohort,
            "job_within_18m": job, "employment_rate_3m": quarter, "caseload_3m": caseload}
