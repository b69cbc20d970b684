"""The monthly supervision pack: figures from `metrics`, shown against goals and benchmarks.

A workbook cell calls one method; each returns something a notebook displays (HTML or a chart).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import charts
from .html import Chart, Html, card, esc, table
from .i18n import Labels
from .metrics import supervision_figures
from .params import SiteParams, load_params
from .periods import Month
from .store import SiteData, connect, load_site

INKLUSION_RATE = 0.599


@dataclass
class SupervisionPack:
    """One site's pack for one month, with last month's figures for the direction arrows."""

    params: SiteParams
    month: Month
    data: SiteData
    figures: dict
    previous: dict
    labels: Labels

    @classmethod
    def open(cls, site: str, month: str, db_url: str | None = None,
             params_dir: str = "params") -> "SupervisionPack":
        params = load_params(params_dir, site)
        period = Month.parse(month)
        engine = connect(db_url)
        try:
            data = load_site(engine, site)
        finally:
            engine.dispose()
        return cls(params, period, data, supervision_figures(data, params, period),
                   supervision_figures(data, params, period.shift(-1)),
                   Labels(params.language, params.labels))

    # -- pieces ---------------------------------------------------------------------------
    def head(self) -> Html:
        L = self.labels
        return Html(
            f'<header class="ips-head" lang="{self.params.language}">'
            f'<h1>{esc(L("supervision_pack"))} · {esc(self.params.name)}</h1>'
            f'<p class="ips-period">{esc(L.month_name(self.month.year, self.month.month))} · '
            f'{esc(L("as_of"))} {esc(L.date(self.month.as_of))}</p></header>')

    def _direction(self, key: str) -> str:
        now, before = self.figures.get(key), self.previous.get(key)
        if now is None or before is None:
            return ""
        word = "direction_same" if now == before else ("direction_up" if now > before else "direction_down")
        arrow = {"direction_same": "→", "direction_up": "↑", "direction_down": "↓"}[word]
        return f"{arrow} {self.labels(word)} {self.labels('since_last_month')}"

    def headlines(self) -> Html:
        """The figures a supervisor reads first, each with its goal or benchmark and direction."""
        L, f, g = self.labels, self.figures, self.params.goals
        goal_rate = L("goal") + " " + (L.percent(g.outcome_rate) if g.outcome_rate is not None else L("no_goal"))
        rate_status = ""
        if f["outcome_rate"] is not None and g.outcome_rate is not None:
            rate_status = "ok" if f["outcome_rate"] >= g.outcome_rate else "warn"
        cards = [
            card(L("outcome_rate"), L.percent(f["outcome_rate"]),
                 f"{goal_rate} · {L('anchor')} {L.percent(INKLUSION_RATE)} · {self._direction('outcome_rate')}",
                 rate_status),
            card(L("outcome_in_month"), L.number(f["outcome_in_month"]),
                 f"{L('caseload_in_month')}: {L.number(f['caseload_in_month'])}"),
            card(L("active_caseload"), L.number(f["active_caseload"]), self._direction("active_caseload")),
            card(L("over_caseload_max"), L.number(len(f["over_caseload_max"])),
                 L("anchor_caseload", n=self.params.caseload_max),
                 "warn" if f["over_caseload_max"] else "ok"),
            card(L("referrals"), L.number(f["referrals"]), self._direction("referrals")),
            card(L("intakes"), L.number(f["intakes"]), self._direction("intakes")),
            card(L("job_starts"), L.number(f["job_starts"]), self._direction("job_starts")),
            card(L("education_starts"), L.number(f["education_starts"]), self._direction("education_starts")),
        ]
        return Html(f'<section class="ips-cards"><h2>{esc(L("headlines"))}</h2>'
                    f'<div class="ips-card-row">{"".join(cards)}</div>'
                    f'<p class="ips-anchor">{esc(L("anchor_inklusion"))}</p></section>')

    def consultant_names(self) -> dict[str, str]:
        c = self.data.consultants
        return dict(zip(c["consultant_id"], c["name"]))

    def caseload_chart(self) -> Chart:
        c = self.data.consultants
        fte = dict(zip(c["consultant_id"], c["fte"].fillna(1.0)))
        fig = charts.caseload_per_consultant(self.figures["caseload_by_consultant"], fte,
                                             self.consultant_names(), self.params.caseload_max,
                                             self.labels)
        return Chart(fig, f"caseload-{self.params.site}")

    def discharges(self) -> Html:
        """Discharges by reason and the placements that are not outcomes, side by side."""
        L, f = self.labels, self.figures
        rows = [(L.enum("discharge", k), v) for k, v in sorted(f["discharges_by_reason"].items())]
        other = [(L.enum("placement", k), v) for k, v in sorted(f.get("other_placement_starts", {}).items())]
        return Html(
            f'<section class="ips-details"><h2>{esc(L("discharges_by_reason"))}</h2>'
            + (table([L("discharges_by_reason"), L("candidates_count")], rows) if rows
               else f'<p>{esc(L("none"))}</p>')
            + f'<h3>{esc(L("other_placement_starts"))}</h3>'
            + (table([L("other_placement_starts"), L("candidates_count")], other) if other
               else f'<p>{esc(L("none"))}</p>')
            + "</section>")

    def save(self, path: str | Path | None) -> None:
        """Write the METRICS.md JSON where the run asked for it (nothing when run by hand)."""
        if path:
            Path(path).write_text(json.dumps(self.figures, ensure_ascii=False, indent=2), encoding="utf-8")
