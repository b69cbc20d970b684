"""The monthly supervision pack: figures from `metrics`, shown against goals and benchmarks.

A workbook cell calls one method; each returns something a notebook displays (HTML or a chart).
The workbook makes the static pack (papermill, then pages.report); the live dashboard (`ips_nb.live.dashboard`,
served by Voila) calls the same methods in the same order (`PARTS`, which both are made from), so
both show the same sections, charts and explanations. The JSON beside the HTML
holds exactly the keys of docs/figures.md.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ips_nb.data.frames import SiteData, read_site
from ips_nb.data.params import SiteParams, load_params
from ips_nb.figures import consultants, metrics, phases, surveys
from ips_nb.figures.fidelity import fidelity_estimates, moved_items
from ips_nb.figures.pack_figures import supervision_figures
from ips_nb.figures.periods import Month
from ips_nb.pages import charts
from ips_nb.pages.anchors import (
    ANCHORS,
    BETTER,
    EMPLOYER_CONTACTS_A_WEEK,
    IPS25_CASELOAD,
    LC_LEVELS,
    LEARNING_COMMUNITY,
    TRIAL_FIGURE,
    Anchor,
)
from ips_nb.pages.fragments import Chart, Html
from ips_nb.pages.goals import goals_section
from ips_nb.pages.labels import Labels
from ips_nb.pages.pack_charts import PackCharts
from ips_nb.pages.render import render

# The sections of the IPS-25 fidelity scale, by item (the fidelity table's groups).
FIDELITY_SECTIONS = ((range(1, 4), "staffing"), (range(4, 12), "organisation"), (range(12, 26), "services"))

# What a dashboard's consultant chooser does to a part (Part.scope):
NARROWED = "narrowed"  # figured on the chosen consultant's candidates alone
SITE_WIDE = "site"  # figured on the whole site's rows, whatever consultant is chosen
ONE_ROW = "row"  # figured on the whole site, showing the chosen consultant's row alone


@dataclass(frozen=True)
class Part:
    """One part of the pack: the SupervisionPack method that makes it, whether it is a chart, and
    what the live dashboard's consultant chooser does to it (`scope`)."""

    name: str
    chart: bool = False
    scope: str = NARROWED


# The pack, part by part, in the order the page shows it. The one declaration both sides read:
# tools/make_workbooks.py writes one workbook cell per part (the static pack), and the live
# dashboard (ips_nb.live.dashboard) makes one widget per part, so the two cannot drift apart.
# Goals, the consultants' table and trends, surveys, fidelity and cadence are the site's: a
# supervisor looking at one consultant still sees the site's goals and the site's row for them.
PARTS: tuple[Part, ...] = (
    Part("head", scope=SITE_WIDE),
    Part("headlines"),
    Part("goals", scope=SITE_WIDE),
    Part("consultants", scope=ONE_ROW),
    Part("consultant_trends", scope=ONE_ROW),
    Part("charts_heading"),
    Part("outcome_chart", chart=True),
    Part("caseload_chart", chart=True),
    Part("contact_days_chart", chart=True),
    Part("employer_chart", chart=True),
    Part("phase_chart", chart=True),
    Part("discharges_chart", chart=True),
    Part("equal_chart", chart=True),
    Part("surveys", scope=SITE_WIDE),
    Part("fidelity", scope=SITE_WIDE),
    Part("fidelity_chart", chart=True, scope=SITE_WIDE),
    Part("cadence", scope=SITE_WIDE),
)


def _month_short(month: Month, labels: Labels) -> str:
    """A month as a column head: "okt. 26"."""
    return charts.month_tick(str(month), labels)


@dataclass
class Row:
    """One figure as the pack shows it: value, goal/anchor line, status and direction."""

    key: str
    value: str
    context: str = ""
    status: str = ""
    direction: str = ""
    trend: str = ""  # "better", "worse" or "" (unchanged, or a figure that is neither)
    card: str | None = None  # the headline card's shorter line, where the table's says more


@dataclass
class SupervisionPack(PackCharts):
    """One site's pack for one month, with last month's figures for the direction arrows."""

    params: SiteParams
    month: Month
    data: SiteData
    figures: dict
    previous: dict
    labels: Labels
    _rows: dict[str, Row] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, site: str, month: str, db_url: str | None = None,
             params_dir: str | None = None) -> SupervisionPack:
        params = load_params(params_dir, site)
        period = Month.parse(month)
        data = read_site(db_url, site)
        return cls.from_data(data, params, period)

    @classmethod
    def from_data(cls, data: SiteData, params: SiteParams, month: Month) -> SupervisionPack:
        """A pack from frames already loaded (tests, the regional roll-up)."""
        return cls(params, month, data, supervision_figures(data, params, month),
                   supervision_figures(data, params, month.shift(-1)),
                   Labels(params.language, params.labels))

    def part(self, part: Part, consultant: str | None = None) -> Html | Chart:
        """One part as the page shows it; `consultant` picks the row of a ONE_ROW part."""
        made = getattr(self, part.name)
        return made(consultant) if part.scope == ONE_ROW else made()

    @property
    def as_of(self):
        return self.month.as_of

    # -- head ------------------------------------------------------------------------------
    def head(self) -> Html:
        """Site, month and the day the figures are counted to."""
        L = self.labels
        return Html(render("pack/head.html.j2", lang=self.params.language, title=L("supervision_pack"),
                           site_name=self.params.name, period=L.month_name(self.month.year, self.month.month),
                           as_of_label=L("as_of"), as_of=L.date(self.month.as_of)))

    # -- headline rows ---------------------------------------------------------------------
    @staticmethod
    def _scalar(value: object) -> float | None:
        """A comparable number for a figure of any shape (a list's length, a dict's total)."""
        if value is None:
            return None
        if isinstance(value, list):
            return float(len(value))
        if isinstance(value, dict):
            return float(sum(value.values()))
        return float(value) if isinstance(value, (int, float)) else None

    def _direction(self, key: str, now: object = None, before: object = None) -> tuple[str, str]:
        """The arrow since last month and what it means: ("↑ better", "better"), ("↓ worse",
        "worse"), ("→ unchanged", ""), or for a figure that is neither better nor worse higher
        ("↑ up", ""). ("", "") when either month has no value."""
        if now is None and before is None:
            now, before = self.figures.get(key), self.previous.get(key)
        now, before = self._scalar(now), self._scalar(before)
        if now is None or before is None:
            return "", ""
        if now == before:
            return f"→ {self.labels('direction_same')}", ""
        arrow = "↑" if now > before else "↓"
        better = BETTER.get(key, 0)
        if not better:
            return f"{arrow} {self.labels('direction_up' if now > before else 'direction_down')}", ""
        trend = "better" if (now > before) == (better > 0) else "worse"
        return f"{arrow} {self.labels('direction_' + trend)}", trend

    def anchor(self, figure: str) -> Anchor | None:
        """The trial benchmark of the site's country defined as `figure` is, if any."""
        return ANCHORS.get(self.params.country, {}).get(figure)

    def meaning(self, key: str) -> str:
        """What a figure means, in one sentence (hover text and printed footnote)."""
        return self.labels(f"meaning_{key}")

    def consultant_names(self) -> dict[str, str]:
        c = self.data.consultants
        return {str(k): str(v) for k, v in zip(c["consultant_id"], c["name"])}

    def rows(self) -> dict[str, Row]:
        """Every figure of docs/figures.md (bar the parameters) as a Row, in the table's order."""
        if self._rows:
            return self._rows
        L, f, g, P = self.labels, self.figures, self.params.goals, self.params
        names = self.consultant_names()
        pct, num = L.percent, L.number

        def vs_goal(value: float | None, goal: float | None, higher_is_better: bool = True) -> str:
            if value is None or goal is None:
                return ""
            return "ok" if (value >= goal if higher_is_better else value <= goal) else "warn"

        def goal_text(goal: float | None, fmt=pct) -> str:
            return f"{L('goal')} {fmt(goal)}" if goal is not None else f"{L('goal')}: {L('no_goal')}"

        rapid = f"{L('anchor')}: {L('anchor_rapid')} ({L('source_ips25_15')})"
        none = L("bench_none")  # outcome_rate, outcome_ever_rate and the retentions carry none

        def trial(key: str) -> tuple[str, str]:
            """(table line, card line) of an 18-month figure: its cohort, and the trial defined
            the same way when the site's country has one (the sentence says what it counted)."""
            cohort = L.count("of_cohort_18m", f["outcome_within_18m_cohort"])
            a = self.anchor(key)
            if a is None:
                return joined(cohort, none), cohort
            return (joined(cohort, f"{L('anchor')}: {L(a.note)}"),
                    joined(cohort, f"{L('anchor')}: {L(a.short)} ({L(a.usual)})"))

        def joined(*parts: str) -> str:
            return " · ".join(p for p in parts if p)
        per_week = f["employer_contacts_per_week"]
        mean_week = round(sum(per_week.values()) / len(per_week), 2) if per_week else None
        # IPS-25 item 17 counts face-to-face contacts only: the 6 stands beside those, never
        # beside all contacts (the row's value); "n of m consultants" reach it face to face
        in_person = self.face_to_face()
        reaching = sum(1 for v in in_person.values() if v >= EMPLOYER_CONTACTS_A_WEEK)
        met = L.count("per_week_anchor_met", len(in_person), n=reaching, m=len(in_person))
        prev_week = self.previous["employer_contacts_per_week"]
        prev_mean = round(sum(prev_week.values()) / len(prev_week), 2) if prev_week else None
        caseload = f["caseload_by_consultant"]
        in_month = f["caseload_in_month"]
        gender = " · ".join(f"{L.enum('gender', k)} {num(v)}" for k, v in f["gender"].items())
        # the site's own maximum is its goal; IPS-25's 20 is IPS-25's (shown when they differ)
        caseload_max = joined(L.count("site_goal_caseload", P.caseload_max),
                              f"{L('anchor')}: {L.count('anchor_caseload', IPS25_CASELOAD)} "
                              f"({L('source_ips25_1')})")
        lc_low = LEARNING_COMMUNITY[0]  # the minimal level: below it the quarter is a warning
        quarter = f["employment_rate_3m"]
        quarter_status = "" if quarter is None else ("ok" if quarter >= lc_low else "warn")
        within_line, within_card = trial("outcome_within_18m")
        job_line, job_card = trial("job_within_18m")
        review_line = ""
        if f["fidelity_total"] is not None:
            band = L("band_" + f["fidelity_band"])
            review_line = f"{band} · {L('fidelity_date')} {L.date(f['fidelity_date'])}"
        rows = [
            Row("outcome_rate", pct(f["outcome_rate"]), joined(goal_text(g.outcome_rate), none),
                vs_goal(f["outcome_rate"], g.outcome_rate)),
            Row("outcome_in_month", num(f["outcome_in_month"]),
                f"{L('caseload_in_month')}: {num(in_month)}"),
            Row("outcome_ever_rate", pct(f["outcome_ever_rate"]), joined(goal_text(g.outcome_rate), none),
                vs_goal(f["outcome_ever_rate"], g.outcome_rate)),
            Row("active_caseload", num(f["active_caseload"]),
                L.count("consultants_count", sum(1 for k in caseload if k != metrics.UNASSIGNED))),
            Row("caseload_in_month", num(in_month)),
            Row("caseload_by_consultant",
                " · ".join(f"{L('unassigned') if k == metrics.UNASSIGNED else names.get(k, k)} {num(v)}"
                           for k, v in caseload.items()) or L("none"),
                caseload_max),
            Row("over_caseload_max", num(len(f["over_caseload_max"])),
                joined(", ".join(names.get(k, k) for k in f["over_caseload_max"]), caseload_max),
                "warn" if f["over_caseload_max"] else "ok"),
            Row("referrals", num(f["referrals"])),
            Row("intakes", num(f["intakes"])),
            Row("discharges_by_reason", num(sum(f["discharges_by_reason"].values())),
                " · ".join(f"{L.enum('discharge', k)} {num(v)}" for k, v in f["discharges_by_reason"].items())),
            Row("job_starts", num(f["job_starts"])),
            Row("education_starts", num(f["education_starts"])),
            Row("other_placement_starts", num(sum(f["other_placement_starts"].values())),
                " · ".join(f"{L.enum('placement', k)} {num(v)}" for k, v in f["other_placement_starts"].items())),
            Row("rapid_search_share", pct(f["rapid_search_share"]), joined(goal_text(g.rapid_search_share), rapid),
                vs_goal(f["rapid_search_share"], g.rapid_search_share)),
            Row("median_days_to_employer_contact", num(f["median_days_to_employer_contact"], 1)
                if f["median_days_to_employer_contact"] is not None else L("not_available"),
                f"{L('anchor')}: {L.count('days', metrics.RAPID_SEARCH_DAYS)} ({L('source_ips25_15')})",
                vs_goal(f["median_days_to_employer_contact"], metrics.RAPID_SEARCH_DAYS, higher_is_better=False)),
            Row("waiting_for_employer_contact", num(len(f["waiting_for_employer_contact"])),
                rapid, "warn" if f["waiting_for_employer_contact"] else "ok"),
            Row("employer_contacts_per_week", num(mean_week, 2) if mean_week is not None else L("not_available"),
                f"{L('anchor')}: {L('anchor_face_to_face')} ({L('source_ips25_17')}): {met}",
                "ok" if in_person and reaching == len(in_person) else "warn",
                *self._direction("employer_contacts_per_week", mean_week, prev_mean)),
            Row("retention_4m", pct(f["retention_4m"]), joined(goal_text(g.retention_4m), none),
                vs_goal(f["retention_4m"], g.retention_4m)),
            Row("retention_90d", pct(f["retention_90d"]), none),
            Row("overdue_actions", num(f["overdue_actions"]), L("anchor_overdue"),
                "warn" if f["overdue_actions"] else "ok"),
            Row("without_consent", num(len(f["without_consent"])), L("anchor_consent"),
                "warn" if f["without_consent"] else "ok"),
            Row("gender", gender or L("none"), L("anchor_equal")),
            Row("age_18_29", num(f["age_18_29"]),
                f"{pct(f['age_18_29'] / in_month if in_month else None)} {L('of_caseload')}"),
            Row("fidelity_total", num(f["fidelity_total"]) if f["fidelity_total"] is not None
                else L("not_available"),
                " · ".join(x for x in (review_line, goal_text(g.fidelity_total, num), L("anchor_fidelity")) if x),
                vs_goal(f["fidelity_total"], g.fidelity_total)),
            Row("supervision_sessions", num(f["supervision_sessions"]), L("anchor_supervision")),
            Row("phase_counts", num(sum(f["phase_counts"].values())),
                " · ".join(f"{L.enum('phase', k)} {num(v)}" for k, v in f["phase_counts"].items())
                if phases.has_history(self.data) else L("phases_from_import")),
            Row("outcome_within_18m", pct(f["outcome_within_18m"]), within_line,
                self._vs_anchor("outcome_within_18m"), card=within_card),
            Row("job_within_18m", pct(f["job_within_18m"]), job_line,
                self._vs_anchor("job_within_18m"), card=job_card),
            Row("employment_rate_3m", pct(quarter),
                joined(L.count("of_caseload_3m", f["caseload_3m"]),
                       f"{L('anchor')}: {L('bench_learning_community')}"),
                quarter_status,
                card=joined(L.count("of_caseload_3m", f["caseload_3m"]),
                            L("bench_learning_community_short"))),
        ]
        for r in rows:
            if not r.direction and r.key in f:
                r.direction, r.trend = self._direction(r.key)
        self._rows = {r.key: r for r in rows}
        return self._rows

    def _vs_anchor(self, key: str) -> str:
        """"ok" at or above the country's trial level for an 18-month figure, "warn" below it,
        "" without a value or without a trial defined the same way."""
        a, value = self.anchor(key), self.figures[key]
        if a is None or value is None:
            return ""
        return "ok" if value >= a.value else "warn"

    @property
    def headline_keys(self) -> tuple[str, ...]:
        """The cards: the month's share, the 18-month figure of the country's trial, the quarter's
        employment rate, then caseload, rapid search, employer contacts and fidelity."""
        trial = TRIAL_FIGURE.get(self.params.country, "outcome_within_18m")
        return ("outcome_rate", trial, "employment_rate_3m", "active_caseload", "over_caseload_max",
                "rapid_search_share", "employer_contacts_per_week", "fidelity_total")

    def headlines(self) -> Html:
        """The figures a supervisor reads first as cards, then every figure in one table.

        Each figure carries its meaning: as hover text on screen, and as a numbered footnote that
        only a printed page shows (a card has the number of its row in the table). The arrows say
        better or worse where a figure has a better direction, up or down where it has none.
        """
        L, rows = self.labels, self.rows()
        since = L("since_last_month")
        number = {key: i for i, key in enumerate(rows, start=1)}
        cards = [{"label": L(k), "value": rows[k].value, "meaning": self.meaning(k), "note": number[k],
                  "detail": rows[k].context if rows[k].card is None else rows[k].card,
                  "status": rows[k].status, "trend": rows[k].trend,
                  "status_text": self.status_text(rows[k].status) if rows[k].status else "",
                  "direction": rows[k].direction and f"{rows[k].direction} {since}"} for k in self.headline_keys]
        anchor = self.anchor(TRIAL_FIGURE.get(self.params.country, ""))
        return Html(render(
            "pack/headlines.html.j2", heading=L("headlines"), cards=cards,
            anchor=L(anchor.note) if anchor else "",
            figures_heading=L("section_figures"),
            header=[L("figure"), L("value"), L("goal_and_anchor"), L("status"), f'{L("direction")} {since}'],
            rows=[{"label": L(r.key), "meaning": self.meaning(r.key), "note": number[r.key], "value": r.value,
                   "context": r.context, "direction": r.direction, "trend": r.trend,
                   "status": self.status_text(r.status),
                   "css": f"ips-{r.status}" if r.status else ""} for r in rows.values()],
            meanings_heading=L("meanings_heading"),
            meanings=[{"note": number[r.key], "label": L(r.key), "meaning": self.meaning(r.key)}
                      for r in rows.values()]))

    def goals(self) -> Html:
        """The site's goals, worded, measured and judged: right after the headline figures."""
        return goals_section(self.params, self.figures["goals"], self.as_of, self.labels)

    def surveys(self) -> Html:
        """What the candidates answered in the 12 months to as_of; nothing for a site that asks
        no questionnaire and has no answers. Fewer than 5 responses read "<5 svar"."""
        L, as_of = self.labels, self.as_of
        few = L("goal_few_responses")
        tables = []
        mansa = surveys.mansa_summary(self.data, as_of)
        if mansa["by_occasion"]:
            rows = [[L.enum("occasion", k), L.number(v["responses"]),
                     few if v["mean"] is None else L.number(v["mean"], 2)]
                    for k, v in mansa["by_occasion"].items()]
            change = mansa["change"]
            if change["candidates"]:
                mean = change["mean"]
                rows.append([L("mansa_change"), L.number(change["candidates"]),
                             few if mean is None else f"{'+' if mean > 0 else ''}{L.number(mean, 2)}"])
            tables.append({"heading": L("mansa_heading"), "rows": rows,
                           "header": [L("survey_occasion"), L("survey_responses"), L("survey_mean")]})
        experience = surveys.experience_summary(self.data, as_of)
        if experience:
            rows = [[L("survey_question", item=item), L.number(v["responses"]),
                     few if v["mean"] is None else L.number(v["mean"], 2),
                     few if v["agree"] is None else L.percent(v["agree"])] for item, v in experience.items()]
            tables.append({"heading": L("experience_heading"), "rows": rows,
                           "header": [L("survey_question", item="").strip(), L("survey_responses"),
                                      L("survey_mean"), L("survey_agree")]})
        if not tables and self.params.surveys is None:
            return Html("")
        return Html(render("pack/surveys.html.j2", heading=L("surveys_heading"), note=L("surveys_note"),
                           tables=tables, empty=L("surveys_none")))

    def charts_heading(self) -> Html:
        """The heading above the charts (each chart is a cell output of its own)."""
        return Html(render("pack/charts_heading.html.j2", heading=self.labels("section_charts")))

    def discharges(self) -> Html:
        """Discharges by reason and the placements that are not outcomes, side by side."""
        L, f = self.labels, self.figures
        rows = [(L.enum("discharge", k), v) for k, v in sorted(f["discharges_by_reason"].items())]
        other = [(L.enum("placement", k), v) for k, v in sorted(f.get("other_placement_starts", {}).items())]
        return Html(render("pack/discharges.html.j2", reasons_heading=L("discharges_by_reason"), reasons=rows,
                           other_heading=L("other_placement_starts"), other=other,
                           count_label=L("candidates_count"), empty=L("none")))

    # -- fidelity --------------------------------------------------------------------------
    def _estimate_text(self, e: dict) -> str:
        L = self.labels
        v, unit = e["value"], e["unit"]
        if v is None:
            return L("not_available")
        shown = {"share": L.percent(v), "per_fte": L.number(v, 1), "days": L.number(v, 1),
                 "per_week": L.number(v, 2), "fte": L.number(v, 1), "teams": L.number(v)}[unit]
        # a whole number of teams is counted ("1 team", "2 teams"); the other units are rates
        text = L.count("unit_teams", round(v), v=shown) if unit == "teams" else L(f"unit_{unit}", v=shown)
        hint = f"est_hint_{e['item']}"
        if unit == "share" and hint in L:
            text += " " + L(hint)
        extra = []
        if e["score"] is not None:
            extra.append(L("estimate_score", s=e["score"]))
        elif e["meets"] is not None:
            extra.append(L("estimate_meets") if e["meets"] else L("estimate_below"))
        extra.append(L.count("estimate_basis", e["n"]))
        return f"{text} ({'; '.join(extra)})"

    def fidelity(self) -> Html:
        """Latest complete review, the items that moved, every item with the records' estimate."""
        L = self.labels
        reviews = metrics.fidelity_reviews(self.data.fidelity)
        upto = [r for r in reviews if r["date"] <= self.as_of.isoformat()]
        done = [r for r in upto if r["complete"]]
        latest = done[-1] if done else None
        previous = done[-2] if len(done) > 1 else None
        pending = [r for r in upto if not r["complete"] and (latest is None or r["date"] > latest["date"])]
        moved = moved_items(previous, latest)
        estimates = fidelity_estimates(self.data, self.as_of)
        header = ["#", L("fidelity_item"), L("fidelity_previous"), L("fidelity_score"), L("fidelity_change"),
                  L("fidelity_estimate")]
        sections = []
        for items, section in FIDELITY_SECTIONS:
            body = []
            for i in items:
                now = latest["items"].get(str(i)) if latest else None
                before = previous["items"].get(str(i)) if previous else None
                change = "" if now is None or before is None or now == before else f"{now - before:+d}"
                body.append((i, L.fidelity_item(i), "" if before is None else before,
                             "" if now is None else now, change, self._estimate_text(estimates[i])))
            sections.append({"heading": L("fidelity_section_" + section), "rows": body,
                             "row_css": ["ips-moved" if row[4] else "" for row in body]})
        return Html(render(
            "pack/fidelity.html.j2", heading=L("fidelity_section"),
            latest=(L.count("fidelity_latest", latest["total"], date=L.date(latest["date"]), total=latest["total"],
                            band=L("band_" + latest["band"])) if latest else None),
            no_review=L("fidelity_no_review"),
            pending=[L("fidelity_incomplete", date=L.date(r["date"]), n=len(r["items"])) for r in pending],
            anchor=L("anchor_fidelity"),
            moved_heading=L("fidelity_moved", date=L.date(previous["date"])) if moved else None,
            moved=", ".join(f"{i}. {L.fidelity_item(i)} ({'+' if d > 0 else ''}{d})"
                            for i, d in sorted(moved.items())),
            estimate_note=L("fidelity_estimate_note"), header=header, sections=sections))

    # -- supervision cadence ---------------------------------------------------------------
    def cadence(self) -> Html:
        """Sessions in the last 12 months against the rule; late ones and missing clinicians flagged."""
        L = self.labels
        c = metrics.supervision_cadence(self.data, self.month)
        rows, flagged = [], []
        for s in c["sessions"]:
            marks = [L("late_mark")] if s["late"] else []
            if s["clinicians_due"]:
                marks.append(L("clinicians_due_mark"))
            flagged.append(bool(marks))
            rows.append((L.date(s["date"]), L.number(s["consultants_present"]),
                         L.number(s["clinicians_present"]), ", ".join(marks) or L("on_time")))
        return Html(render(
            "pack/cadence.html.j2", heading=L("cadence_title"), rule=L("cadence_rule_" + c["rule"]),
            summary=L.count("cadence_summary", c["held"], held=c["held"], expected=c["expected"],
                            clin=c["clinician_sessions"], late=c["late"]),
            overdue=L("cadence_overdue") if c["overdue"] else None,
            header=[L("date"), L("consultants_present"), L("clinicians_present"), L("status")], rows=rows,
            row_css=["ips-warn" if f else "" for f in flagged], empty=L("none")))

    # -- each consultant's month, with the candidates to raise under each -------------------
    def status_text(self, status: str) -> str:
        """A row's or card's status in words with its symbol ("✓ på sporet"), so it reads in
        greyscale print and without colour vision; "–" where the figure has no goal or benchmark."""
        return self.labels({"ok": "status_ok", "warn": "status_warn"}.get(status, "status_none"))

    def _consultant_cells(self, cid: str, f: dict, fte: dict[str, float]) -> list[dict]:
        """The cells of one consultant's row: value, a detail line, the status in words and its class."""
        L, P = self.labels, self.params
        pct, num = L.percent, L.number

        def cell(value: str, status: str = "", words: str = "", detail: str = "") -> dict:
            return {"value": value, "detail": detail, "css": f"ips-{status}" if status else "",
                    "status": words or L("status_none")}

        def share(n: int, key: str) -> dict:
            return cell(pct(f[key]) if f[key] is not None else L("not_available"),
                        detail=L.count("goal_n_of_m", f["caseload_in_month"], k=num(n)))

        if cid == metrics.UNASSIGNED:  # nobody's caseload: no FTE, no contacts of their own
            caseload = cell(num(f["active_caseload"]))
            contacts = cell(L("not_available"))
        else:
            per_fte = consultants.caseload_per_fte(f["active_caseload"], fte.get(cid, 1.0))
            over = per_fte > P.caseload_max or per_fte > IPS25_CASELOAD
            caseload = cell(num(f["active_caseload"]), "warn" if over else "ok",
                            L("status_over" if over else "status_within"),
                            L("per_full_time", v=num(per_fte, 1)))
            reached = f["face_to_face_per_week"] >= EMPLOYER_CONTACTS_A_WEEK
            contacts = cell(num(f["face_to_face_per_week"], 2), "ok" if reached else "warn",
                            L("status_reached" if reached else "status_under"),
                            L.count("employer_contacts_logged", f["employer_contacts"]))
        quarter = f["employment_rate_3m"]
        if quarter is None:
            rate3 = cell(L("not_available"))
        else:
            level = next((k for low, k in zip(reversed(LEARNING_COMMUNITY), LC_LEVELS) if quarter >= low),
                         "lc_below")
            rate3 = cell(pct(quarter), "warn" if level == "lc_below" else "ok", L(level))
        return [caseload, share(f["working"], "working_share"), share(f["in_education"], "education_share"),
                cell(f"{num(f['job_starts'])} · {num(f['education_starts'])}"), cell(num(f["job_endings"])),
                cell(num(f["kept_job_90d"])), contacts, rate3]

    def _to_raise(self) -> dict[str, list[tuple]]:
        """The candidates to raise, by case id (initials only with consent), keyed by consultant."""
        L, out = self.labels, {}
        for r in metrics.supervision_list(self.data, self.as_of):
            who = r["candidate_id"] + (f" ({r['initials']})" if r["initials"] else "")
            reasons = ", ".join(L.count("reason_overdue_actions", r["overdue_actions"]) if k == "overdue_actions"
                                else L("reason_" + k) for k in r["reasons"])
            out.setdefault(r["consultant_id"] or metrics.UNASSIGNED, []).append(
                (who, L.enum("phase", r["phase"]), reasons, L.number(r["days_in_phase"])))
        return out

    def consultants(self, consultant: str | None = None) -> Html:
        """Each consultant's month in one table a supervisor talks through in a minute: caseload
        against the site's maximum and IPS-25's 20, working and in-education shares, starts,
        endings, jobs kept 90 days, face-to-face employer contacts against IPS-25's 6 and the
        quarter's employment rate against the learning community, each with its status in words;
        under each consultant's row the candidates to raise. `consultant` shows one alone (the
        dashboard's chooser)."""
        L, P = self.labels, self.params
        names = self.consultant_names()
        fte = consultants.fte(self.data)
        raise_ = self._to_raise()
        rows = []
        for cid, f in self.figures["by_consultant"].items():
            if consultant is not None and cid != consultant:
                continue
            rows.append({"name": L("unassigned") if cid == metrics.UNASSIGNED else names.get(cid, cid),
                         "cells": self._consultant_cells(cid, f, fte), "candidates": raise_.get(cid, [])})
        anchors = " · ".join((L.count("site_goal_caseload", P.caseload_max),
                              f"{L.count('anchor_caseload', IPS25_CASELOAD)} ({L('source_ips25_1')})",
                              f"{L('anchor_face_to_face')} ({L('source_ips25_17')})",
                              L("bench_learning_community_short")))
        history = phases.has_history(self.data)
        return Html(render(
            "pack/consultants.html.j2", heading=L("consultants_heading"), note=L("consultants_note"),
            anchors=anchors, header=[L("consultant"), L("col_caseload"), L("col_working"), L("col_education"),
                                     L("col_starts"), L("col_endings"), L("col_kept"), L("col_face_to_face"),
                                     L("col_quarter")],
            rows=rows, raise_heading=L("for_this_supervision"), list_note=L("list_note"),
            raise_header=[L("case"), L("phase"), L("reasons"), L("days_in_phase")],
            empty=L("list_empty") if not any(r["candidates"] for r in rows) else None,
            history_note=None if history else L("phases_from_import")))

    def consultant_trends(self, consultant: str | None = None) -> Html:
        """The 12 months to this one, per consultant: the share of their caseload working and
        their face-to-face employer contacts a week (IPS-25's 6 beside it), a compact table that
        prints as it reads. `consultant` shows one alone (the dashboard's chooser)."""
        L = self.labels
        names = self.consultant_names()
        months = [self.month.shift(k) for k in range(-11, 1)]
        blocks = []
        for cid in self.figures["by_consultant"]:
            if cid == metrics.UNASSIGNED or (consultant is not None and cid != consultant):
                continue
            series = consultants.consultant_series(self.data, cid, self.month)
            working = [L.percent(s["working_share"], 0) if s["working_share"] is not None else "–" for s in series]
            contacts = [L.number(s["face_to_face_per_week"], 2) for s in series]
            blocks.append({"name": names.get(cid, cid), "rows": [
                [L("trend_working_share")] + working,
                [f"{L('trend_face_to_face')} ({L('source_ips25_17')}: {EMPLOYER_CONTACTS_A_WEEK})"] + contacts]})
        return Html(render("pack/consultant_trends.html.j2", heading=L("trends_heading"),
                           header=[L("consultant")] + [_month_short(m, L) for m in months],
                           blocks=blocks, empty=L("none")))

    def save(self, path: str | Path | None) -> None:
        """Write the figures' JSON where the run asked for it (nothing when run by hand)."""
        if path:
            Path(path).write_text(json.dumps(self.figures, ensure_ascii=False, indent=2), encoding="utf-8")
