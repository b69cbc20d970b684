"""The regional roll-up: every site side by side from its supervision figures, small counts hidden.

Figures that leave a team suppress small counts (docs/figures.md): a count of 1–4 candidates is
shown as "<5", and a rate is withheld when its numerator or denominator is such a count. Zero stays 0 (it
discloses nobody). A count from which a "<5" could be worked out by a sum of the same site's
counts (the month's caseload is the active caseload plus the month's discharges, and the
genders listed plus the others) is hidden too (figures.suppression), and so is a rate built on it.
Staff figures (consultants over the caseload maximum, employer contacts a week,
supervision sessions) and the fidelity total are about the service, not candidates, and are shown.
No candidate id, initials or list of candidates ever enters the roll-up.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pandas as pd

from ips_nb.data.connection import connect
from ips_nb.data.frames import SiteData, load_site, sites_in_db
from ips_nb.data.params import ParamsError, SiteParams, load_params, site_ids
from ips_nb.figures.goals import MIN_RESPONSES, deadline
from ips_nb.figures.metrics import days_to_employer_contact, outcome_placements
from ips_nb.figures.pack_figures import supervision_figures
from ips_nb.figures.periods import Month
from ips_nb.figures.suppression import SMALL, Sum, protect, small  # noqa: F401 - SMALL, small: this module's API too
from ips_nb.pages.fragments import Html
from ips_nb.pages.labels import Labels
from ips_nb.pages.render import render
from ips_nb.settings import settings

SUPPRESSED = "<5"
HIDDEN = "hidden"  # a count of 5 or more hidden so that a "<5" beside it cannot be worked out
COUNT_KEYS = ("active_caseload", "caseload_in_month", "referrals", "intakes", "discharges",
              "job_starts", "education_starts", "other_placement_starts", "outcome_in_month",
              "waiting_for_employer_contact", "overdue_actions", "without_consent", "female", "male",
              "age_18_29")
RATE_KEYS = ("outcome_rate", "outcome_ever_rate", "rapid_search_share", "retention_4m", "retention_90d")
SERVICE_KEYS = ("median_days_to_employer_contact", "over_caseload_max", "employer_contacts_per_week",
                "fidelity_total", "fidelity_band", "supervision_sessions")


# The sums between one site's counts that a reader could subtract. The month's caseload is those
# still enrolled at its end plus those discharged in it (a discharge on the first day, or on the
# intake day, makes it one off at most; taken as exact, to be safe), and the women plus the men
# plus the others. Some counts are part of another: those without consent, or waiting for an
# employer contact, of the active caseload; the month's outcomes, intakes and those aged 18–29
# of the month's caseload. What the page does not show of each sum is a cell of its own (`*_rest`).
RELATIONS = [Sum("caseload_in_month", ("active_caseload", "discharges")),
             Sum("caseload_in_month", ("female", "male", "gender_rest"))]
SUBSETS = {"without_consent": "active_caseload", "waiting_for_employer_contact": "active_caseload",
           "outcome_in_month": "caseload_in_month", "intakes": "caseload_in_month",
           "age_18_29": "caseload_in_month"}
RATE_OF_COUNTS = {"outcome_rate": ("outcome_in_month", "caseload_in_month")}


def shown_count(n: int) -> int | str:
    return SUPPRESSED if small(n) else int(n)


def shown_rate(rate: float | None, numerator: int, denominator: int) -> float | str | None:
    """The rate, or "<5" when it rests on a small numerator or denominator."""
    if rate is None:
        return None
    return SUPPRESSED if small(numerator) or small(denominator) else rate


def rate_parts(data: SiteData, figures: dict, month: Month) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) behind each rate of the figures, by the same definitions."""
    as_of = month.as_of
    c = data.candidates
    taken_in = int((c["intake_date"] <= pd.Timestamp(as_of)).sum())
    population = len(days_to_employer_contact(data, as_of))
    p = outcome_placements(data.placements)

    def started_before(days: int) -> int:
        return int((p["start_date"] <= pd.Timestamp(as_of - timedelta(days=days))).sum())

    def num(key: str, den: int) -> int:
        return 0 if figures[key] is None else round(figures[key] * den)

    parts = {"outcome_rate": (figures["outcome_in_month"], figures["caseload_in_month"])}
    for key, den in (("outcome_ever_rate", taken_in), ("rapid_search_share", population),
                     ("retention_4m", started_before(120)), ("retention_90d", started_before(90))):
        parts[key] = (num(key, den), den)
    return parts


def site_row(data: SiteData, params: SiteParams, month: Month) -> dict:
    """One site's roll-up row: counts suppressed, rates withheld on small counts, no candidate ids."""
    f = supervision_figures(data, params, month)
    counts = {
        "active_caseload": f["active_caseload"], "caseload_in_month": f["caseload_in_month"],
        "referrals": f["referrals"], "intakes": f["intakes"],
        "discharges": sum(f["discharges_by_reason"].values()),
        "job_starts": f["job_starts"], "education_starts": f["education_starts"],
        "other_placement_starts": sum(f["other_placement_starts"].values()),
        "outcome_in_month": f["outcome_in_month"],
        "waiting_for_employer_contact": len(f["waiting_for_employer_contact"]),
        "overdue_actions": f["overdue_actions"], "without_consent": len(f["without_consent"]),
        "female": f["gender"].get("female", 0), "male": f["gender"].get("male", 0),
        "age_18_29": f["age_18_29"]}
    parts = rate_parts(data, f, month)
    reached = int(days_to_employer_contact(data, month.as_of).notna().sum())
    per_week = f["employer_contacts_per_week"]
    row = {"site": params.site, "name": params.name, "goal_outcome_rate": params.goals.outcome_rate}
    row.update(protected_counts(counts))
    row.update({k: shown_rate(f[k], *parts[k]) for k in RATE_KEYS})
    for rate_key, used in RATE_OF_COUNTS.items():  # a rate and one of its counts give the other
        if any(row[k] == HIDDEN for k in used):
            row[rate_key] = SUPPRESSED
    row.update({
        "median_days_to_employer_contact": (SUPPRESSED if small(reached) else f["median_days_to_employer_contact"]),
        "over_caseload_max": len(f["over_caseload_max"]),
        "employer_contacts_per_week": round(sum(per_week.values()) / len(per_week), 2) if per_week else None,
        "fidelity_total": f["fidelity_total"], "fidelity_band": f["fidelity_band"],
        "supervision_sessions": f["supervision_sessions"]})
    row["goals"] = goal_statuses(params, f["goals"], month)
    row["equal"] = equal_rates(f, row)
    return row


EQUAL_GENDERS = ("female", "male")  # the genders the overview shows (as it shows their counts)


def equal_rates(figures: dict, row: dict) -> dict[str, dict[str, float | str | None]]:
    """Equal chances per site: {"gender": {female, male}, "age": {"18-29", "30+", "under 18",
    "unknown"}}, each the group's outcome rate, "<5" or None (nobody in the group).

    A group of 1–4 in the month is "<5". The outcome counts of a dimension's groups add up to the
    site's `outcome_in_month`, and a gender's count is on the page beside its rate, so one small
    outcome count (1–4) in any group of a dimension, or a gender's count hidden, withholds every
    rate of that dimension: no subtraction from the shown rates leads back to a few people.
    """
    out = {}
    for kind, groups, keys in (("gender", figures["by_gender"], EQUAL_GENDERS),
                               ("age", figures["by_age_group"], tuple(figures["by_age_group"]))):
        some_few = any(small(g["outcome_in_month"]) for g in groups.values())
        if kind == "gender":
            some_few = some_few or any(row.get(k) in (HIDDEN, SUPPRESSED) for k in keys)
        shown = {}
        for key in keys:
            g = groups.get(key, {"caseload_in_month": 0, "outcome_rate": None})
            n = g["caseload_in_month"]
            shown[key] = None if n == 0 else SUPPRESSED if some_few or small(n) else g["outcome_rate"]
        out[kind] = shown
    return out


def goal_status(goal, result: dict, month: Month) -> str:
    """met, not_met, in_progress (before a dated goal's deadline) or no_value: what the overview
    says of a goal, never its value (a site's goal may count a handful of people)."""
    due = deadline(goal)
    if result["value"] is None or (goal.measure == "survey_share" and result["denominator"] < MIN_RESPONSES):
        return "no_value"
    if due is not None and due > month.as_of and not (goal.measure == "intakes_in" and result["met"]):
        return "in_progress"
    return "met" if result["met"] else "not_met"


def goal_statuses(params: SiteParams, results: list[dict], month: Month) -> list[dict]:
    return [{"measure": r["measure"], "group": r["group"], "target": r["target"],
             "status": goal_status(g, r, month)} for g, r in zip(params.goal_list, results)]


def protected_counts(counts: dict[str, int]) -> dict[str, int | str]:
    """The counts as the roll-up shows them: "<5" for 1–4, HIDDEN for a count from which one of
    those could be worked out (RELATIONS), the others as they are."""
    values = {**counts, "gender_rest": counts["caseload_in_month"] - counts["female"] - counts["male"]}
    relations = list(RELATIONS)
    for part, whole in SUBSETS.items():
        rest = counts[whole] - counts[part]
        if rest >= 0:  # an intake discharged on its day is in no caseload: then no reader's sum holds
            values[f"{part}_rest"] = rest
            relations.append(Sum(whole, (part, f"{part}_rest")))
    suppressed, hidden = protect(values, relations, set(counts))
    return {k: SUPPRESSED if k in suppressed else HIDDEN if k in hidden else int(v) for k, v in counts.items()}


def _loadable(params_dir: str | Path, sites: list[str]) -> tuple[dict[str, SiteParams], list[str]]:
    """The sites' parameters, and the sites whose file does not load: one site's error (its own
    pack and agendas fail with it) must not take the whole region's overview down."""
    loaded, left_out = {}, []
    for site in sites:
        try:
            loaded[site] = load_params(params_dir, site)
        except ParamsError:
            left_out.append(site)
    return loaded, left_out


@dataclass
class Overview:
    """Every site of the region for one month, in one language (the coordinator's)."""

    month: Month
    rows: list[dict]
    labels: Labels
    countries: dict[str, str] = field(default_factory=dict)  # site -> DK/SE, for the benchmarks
    left_out: list[str] = field(default_factory=list)  # sites whose parameters file does not load

    @classmethod
    def open(cls, month: str, db_url: str | None = None, params_dir: str | None = None,
             lang: str = "en") -> Overview:
        from ips_nb.data.params import default_params_dir

        params_dir = params_dir or default_params_dir()
        period = Month.parse(month)
        engine = connect(db_url)
        try:
            present = set(sites_in_db(engine))
            now = settings()
            pinned = now.serve_site if now.serve else None
            if pinned:  # a dashboard pinned to one site never shows the others
                present &= {pinned}
            params, left_out = _loadable(params_dir, [s for s in site_ids(params_dir) if s in present])
            rows = [site_row(load_site(engine, s), p, period) for s, p in params.items()]
        finally:
            engine.dispose()
        return cls(period, rows, Labels(lang), {s: p.country for s, p in params.items()}, left_out)

    def head(self) -> Html:
        """Title, month and as-of day, the note on how small counts are hidden, and the sites left
        out because their parameters file has an error (the run record says which error)."""
        L = self.labels
        left_out = L.count("overview_left_out", len(self.left_out), sites=", ".join(self.left_out)) \
            if self.left_out else None
        return Html(render("overview/head.html.j2", lang=L.lang, title=L("overview_title"),
                           period=L.month_name(self.month.year, self.month.month), as_of_label=L("as_of"),
                           as_of=L.date(self.month.as_of), note=L("overview_note"),
                           note_hidden=L("overview_note_hidden"), left_out=left_out))

    def _cell(self, key: str, value: object) -> str:
        L = self.labels
        if value is None:
            return L("not_available")
        if value == SUPPRESSED:
            return SUPPRESSED if key not in RATE_KEYS else L("withheld")
        if value == HIDDEN:
            return L("hidden_count")
        if key in RATE_KEYS or key == "goal_outcome_rate":
            return L.percent(value)
        if key == "fidelity_band":
            return L("band_" + str(value))
        if key in ("median_days_to_employer_contact", "employer_contacts_per_week"):
            return L.number(value, 1 if key.startswith("median") else 2)
        return L.number(value)

    def _goals_cell(self, goals: list[dict]) -> str:
        """"2 af 4 mål nået · 1 undervejs": how many of the site's goals are met, in words."""
        L = self.labels
        if not goals:
            return L("goals_none_short")
        met = sum(g["status"] == "met" for g in goals)
        going = sum(g["status"] == "in_progress" for g in goals)
        text = L.count("overview_goals_met", len(goals), k=L.number(met))
        return text + (f" · {L.count('overview_goals_in_progress', going)}" if going else "")

    def table(self) -> Html:
        """Figures down, sites across; first how many of each site's goals are met."""
        L = self.labels
        keys = ("goal_outcome_rate",) + RATE_KEYS + COUNT_KEYS + SERVICE_KEYS
        label = {"goal_outcome_rate": L("goal") + ": " + L("outcome_rate"), "discharges": L("discharges_by_reason"),
                 "female": L("gender_female"), "male": L("gender_male")}
        body = [[L("goals_heading")] + [self._goals_cell(r.get("goals", [])) for r in self.rows]]
        body += [[label.get(k) or L(k)] + [self._cell(k, r[k]) for r in self.rows] for k in keys]
        # equal chances: each group's outcome rate, "<5" for few (a rate: "withheld" in words)
        for kind, prefix in (("gender", "gender_"), ("age", "age_group_")):
            for key in (self.rows[0]["equal"][kind] if self.rows else {}):
                body.append([f"{L('overview_equal')}: {L(prefix + key)}"]
                            + [self._cell("outcome_rate", r["equal"][kind][key]) for r in self.rows])
        return Html(render("overview/table.html.j2", header=[L("figure")] + [r["name"] for r in self.rows],
                           rows=body))

    def outcome_chart(self):
        """The month's outcome rate per site against its goal; no trial's benchmark (no published
        figure counts a month's caseload); withheld rates left out."""
        import plotly.graph_objects as go

        from ips_nb.pages.charts import COLOURS, _layout, _separators
        from ips_nb.pages.fragments import Chart

        L = self.labels
        names = [r["name"] for r in self.rows]
        y = [round(r["outcome_rate"] * 100, 1) if isinstance(r["outcome_rate"], float) else None
             for r in self.rows]
        fig = go.Figure()
        fig.add_bar(x=names, y=y, name=L("outcome_rate"), marker_color=COLOURS["bar"])
        fig.add_scatter(x=names, y=[None if r["goal_outcome_rate"] is None else round(r["goal_outcome_rate"] * 100, 1)
                                    for r in self.rows], mode="markers", name=L("goal_site"),
                        marker={"symbol": "line-ew-open", "size": 40, "color": COLOURS["goal"], "line": {"width": 3}})
        fig.update_yaxes(range=[0, 100], ticksuffix=" %")
        fig.update_layout(separators=_separators(L))
        return Chart(_layout(fig, L("outcome_rate")), "overview-outcome", L("chart_missing"))

    def save(self, path: str | Path | None) -> None:
        if path:
            record = {"month": str(self.month), "as_of": self.month.as_of.isoformat(), "sites": self.rows,
                      "left_out": list(self.left_out)}
            Path(path).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
