"""The supervision pack's charts: one method per chart, each a cell output of its own.

A mixin of ips_nb.pages.pack.SupervisionPack (which holds the site's data, parameters, month,
labels and figures these read); the chart drawing itself is ips_nb.pages.charts.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from ips_nb.figures import metrics
from ips_nb.pages import charts
from ips_nb.pages.anchors import EMPLOYER_CONTACTS_A_WEEK
from ips_nb.pages.fragments import Chart

if TYPE_CHECKING:
    from ips_nb.data.frames import SiteData
    from ips_nb.data.params import SiteParams
    from ips_nb.figures.periods import Month
    from ips_nb.pages.labels import Labels


class PackCharts:
    """The charts of a pack, from what the pack holds (its fields and `figures`)."""

    data: SiteData
    params: SiteParams
    month: Month
    labels: Labels
    figures: dict
    as_of: date

    consultant_names: Callable[[], dict[str, str]]  # the pack's: {consultant_id: name}

    def _chart(self, fig, name: str) -> Chart:
        return Chart(fig, f"{name}-{self.params.site}", self.labels("chart_missing"))

    def outcome_chart(self) -> Chart:
        # the monthly share carries no benchmark: no published figure counts a month's caseload
        series = metrics.outcome_rate_series(self.data, self.params, self.month)
        return self._chart(charts.outcome_trend(series, self.params.goals.outcome_rate, self.labels),
                           "outcome")

    def caseload_chart(self) -> Chart:
        c = self.data.consultants
        fte = dict(zip(c["consultant_id"], c["fte"].fillna(1.0)))
        fig = charts.caseload_per_consultant(self.figures["caseload_by_consultant"], fte,
                                             self.consultant_names(), self.params.caseload_max,
                                             self.labels)
        return self._chart(fig, "caseload")

    def contact_days_chart(self) -> Chart:
        """Days to first employer contact for candidates taken in over the 12 months to as_of − 30."""
        days = metrics.days_to_employer_contact(self.data, self.as_of)
        intake = self.data.candidates.set_index("candidate_id")["intake_date"]
        since = pd.Timestamp(self.as_of - timedelta(days=365))
        recent = [float(d) for cid, d in days.dropna().items() if intake[cid] > since]
        return self._chart(charts.days_to_contact(recent, self.labels), "contact-days")

    def face_to_face(self) -> dict[str, float]:
        """{consultant_id: face-to-face employer contacts a week} this month: what IPS-25 item 17
        counts (unassigned is nobody's contacts)."""
        return {k: v["face_to_face_per_week"] for k, v in self.figures["by_consultant"].items()
                if k != metrics.UNASSIGNED}

    def employer_chart(self) -> Chart:
        """Face-to-face employer contacts a week per consultant against IPS-25's 6 (item 17
        counts those, not every contact)."""
        return self._chart(charts.employer_contacts(self.face_to_face(), self.consultant_names(),
                                                    EMPLOYER_CONTACTS_A_WEEK, self.labels), "employer")

    def phase_chart(self) -> Chart:
        return self._chart(charts.by_phase(metrics.candidates_by_phase(self.data, self.as_of), self.labels),
                           "phase")

    def discharges_chart(self) -> Chart:
        return self._chart(charts.discharges(metrics.discharges_series(self.data, self.month), self.labels),
                           "discharges")

    def equal_chart(self) -> Chart:
        """Equal chances: the outcome rate of each gender and age group, each with its size."""
        f, L = self.figures, self.labels
        # the rates in words where the chart cannot draw: "Kvinder 50 % af 16 · Mænd 21 % af 14"
        said = " · ".join(x for x in (charts.group_rates(f["by_gender"], "gender", L),
                                      charts.group_rates(f["by_age_group"], "age", L)) if x)
        return Chart(charts.equal_chances(f["by_gender"], f["by_age_group"], L), f"equal-{self.params.site}",
                     f"{said}. {L('chart_missing')}" if said else L("chart_missing"))

    def fidelity_chart(self) -> Chart:
        reviews = [r for r in metrics.fidelity_reviews(self.data.fidelity) if r["date"] <= self.as_of.isoformat()]
        return self._chart(charts.fidelity_trend(reviews, self.params.goals.fidelity_total, self.labels),
                           "fidelity")

