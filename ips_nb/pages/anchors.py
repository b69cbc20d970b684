"""What the supervision pack holds its figures against: published benchmarks and goals' directions.

Each benchmark names its source (docs/figures.md, "Benchmarks"); a country's pack shows only its
own trials. Read by the pack (ips_nb.pages.pack) and its charts (ips_nb.pages.pack_charts).
"""
from __future__ import annotations

from dataclasses import dataclass

from ips_nb.pages import charts

EMPLOYER_CONTACTS_A_WEEK = 6  # IPS-25 item 17
IPS25_CASELOAD = charts.IPS25_CASELOAD  # IPS-25 item 1: at most 20 per full-time consultant


@dataclass(frozen=True)
class Anchor:
    """A benchmark from a named source: its value and the labels that show it.

    `short` names the source and the value (a chart's legend, the figures table), `note` is the
    sentence under the headline cards, `usual` the same source's comparison group.
    """

    value: float
    short: str
    note: str
    usual: str | None = None


# The trials of each country, each printed only beside the figure defined as it counted
# (docs/figures.md, "Benchmarks"): a Swedish pack shows no Danish trial, and the other way round.
ANCHORS: dict[str, dict[str, Anchor]] = {
    "DK": {
        # Projekt Inklusion, the Danish randomised trial 2011–2017: everyone included, in job or
        # education at any point within the 18-month follow-up
        "outcome_within_18m": Anchor(0.599, "anchor_dk_outcome_short", "anchor_dk_outcome",
                                     "anchor_usual_services"),
    },
    "SE": {
        # Bejerholm et al. 2015 (Nord J Psychiatry 69:57–66), the Swedish randomised trial in Malmö:
        # competitive employment within 18 months, 46 % against 11 % with traditional rehabilitation
        "job_within_18m": Anchor(0.46, "anchor_se_outcome_short", "anchor_se_outcome", "anchor_se_usual"),
    },
}
# The IPS learning community's quarterly employment rate: minimal, average, excellent (every country).
LEARNING_COMMUNITY = (0.31, 0.41, 0.50)
LC_LEVELS = ("lc_excellent", "lc_average", "lc_minimal")  # the labels of those levels, highest first
# The 18-month figure whose benchmark each country's pack shows as a headline.
TRIAL_FIGURE = {"DK": "outcome_within_18m", "SE": "job_within_18m"}

# Which way is better for each figure: 1 higher, -1 lower, 0 neither (a count such as referrals,
# whose arrow says only up or down).
BETTER: dict[str, int] = {
    "outcome_rate": 1, "outcome_in_month": 1, "outcome_ever_rate": 1, "job_starts": 1,
    "education_starts": 1, "rapid_search_share": 1, "employer_contacts_per_week": 1,
    "retention_4m": 1, "retention_90d": 1, "fidelity_total": 1, "outcome_within_18m": 1,
    "job_within_18m": 1, "employment_rate_3m": 1,
    "over_caseload_max": -1, "median_days_to_employer_contact": -1,
    "waiting_for_employer_contact": -1, "overdue_actions": -1, "without_consent": -1,
}
