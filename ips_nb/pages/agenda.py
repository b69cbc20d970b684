"""The weekly conference agenda as a clinician scans it: one line per candidate, by section.

The page is read in a minute before the conference and often on paper, so it is dense and
repeats nothing: `actions_due` shows in full only candidates not already listed under
`to_discuss` (whose rows carry every open action, due ones included, with the overdue mark) and
names the others in one line. The JSON (`save`) keeps every section complete as METRICS.md says.
Only ids and initials of consented candidates ever reach the page (build_agenda's rule); no CPR.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.dates import format_date, format_skeleton

from ips_nb.figures.agenda_rules import build_agenda
from ips_nb.pages.fragments import Html, esc
from ips_nb.pages.labels import Labels
from ips_nb.data.params import SiteParams, load_params
from ips_nb.figures.periods import Week
from ips_nb.data.store import SiteData, read_site

# Columns of every section table; widths keep a row to one or two printed lines on A4.
COLUMNS = (("candidate", "ips-c-who"), ("consultant_clinician", "ips-c-staff"), ("phase", "ips-c-phase"),
           ("goals", "ips-c-goal"), ("reasons", "ips-c-why"), ("actions", "ips-c-actions"))


@dataclass
class AgendaView:
    """One site's (or team's) agenda for one ISO week."""

    params: SiteParams
    week: Week
    team: str | None
    data: SiteData
    agenda: dict
    labels: Labels

    @classmethod
    def open(cls, site: str, week: str, db_url: str | None = None, params_dir: str | None = None,
             team: str | None = None) -> "AgendaView":
        params = load_params(params_dir, site)
        period = Week.parse(week)
        data = read_site(db_url, site)
        return cls.of(data, params, period, team)

    @classmethod
    def of(cls, data: SiteData, params: SiteParams, week: Week, team: str | None = None) -> "AgendaView":
        """The view of already loaded data (tests and callers that hold the frames)."""
        return cls(params, week, team or None, data, build_agenda(data, params, week, team=team or None),
                   Labels(params.language, params.labels))

    # -- formatting -------------------------------------------------------------------------
    def _team_name(self) -> str:
        """'Team Nord' stays as it is; a bare 'Nord' becomes 'Team Nord' in the site's language."""
        word = self.labels("team")
        team = self.team or ""
        return team if team.lower().startswith(word.lower()) else f"{word} {team}"

    def _short_date(self, day: str) -> str:
        """'21 okt.' within the conference's year (the year is obvious), the full date otherwise."""
        d = date.fromisoformat(day[:10])
        if d.year != date.fromisoformat(self.agenda["conference_date"]).year:
            return self.labels.date(d)
        return format_skeleton("MMMd", d, locale=self.labels.locale)

    def _footer_style(self) -> str:
        """Page footer for print (site · week · page n / m); @page rules are page-wide, so only here."""
        text = f'{self.params.name}{" · " + self._team_name() if self.team else ""} · {self.labels.week(self.week.week)} · '
        css_text = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
        return ('<style>@media print { @page { @bottom-right { content: "' + css_text
                + '" counter(page) " / " counter(pages); font-family: system-ui, Arial, sans-serif; font-size: 7.5pt; color: #4a5568; } } }</style>')

    def head(self) -> Html:
        """Title, team, conference day and week on top: what a clinician checks first."""
        L, a = self.labels, self.agenda
        conf = date.fromisoformat(a["conference_date"])
        team = f" · {esc(self._team_name())}" if self.team else ""
        weekday = format_date(conf, "EEEE", locale=L.locale)
        return Html(
            f'{self._footer_style()}'
            f'<header class="ips-head"><h1>{esc(L("agenda_title"))} · {esc(self.params.name)}{team}</h1>'
            f'<p class="ips-period"><strong>{esc(L("conference_on"))} {esc(weekday)} {esc(L.date(conf))}'
            f' · {esc(L.week(self.week.week))}</strong> · {esc(L("as_of"))} {esc(L.date(a["as_of"]))}</p>'
            f'</header>')

    def _names(self, table: str, key: str) -> dict[str, str]:
        frame = getattr(self.data, table)
        return dict(zip(frame[key], frame["name"]))

    def _who(self, entry: dict) -> str:
        """Initials (or the case id alone) and the case id: never a name, never a CPR."""
        initials = entry.get("initials")
        cid = esc(entry["candidate_id"])
        return f"<strong>{esc(initials)}</strong> <span class=\"ips-id\">{cid}</span>" if initials else \
            f"<strong>{cid}</strong>"

    def _actions(self, actions: list[dict]) -> str:
        L = self.labels
        if not actions:
            return "–"
        items = []
        for a in actions:
            late = f' <strong class="ips-late">{esc(L("overdue_mark"))}</strong>' if a["overdue"] else ""
            items.append(
                f'<li class="{"ips-overdue" if a["overdue"] else ""}">{late.strip()} {esc(a["description"])}'
                f' <span class="ips-owner">· {esc(L.enum("owner", a["owner"]))} · {esc(L("due"))}'
                f' {esc(self._short_date(a["due_date"]))}</span></li>')
        return f'<ul class="ips-actions">{"".join(items)}</ul>'

    def _line(self, entry: dict, consultants: dict, clinicians: dict) -> str:
        L = self.labels
        goals = "; ".join(esc(g["description"]) for g in entry.get("goals", []) if g.get("description")) or "–"
        reasons = "".join(f'<span class="ips-reason">{esc(L.enum("reason", r))}</span>'
                            for r in entry.get("reasons", [])) or "–"
        consultant = consultants.get(entry.get("consultant_id"), entry.get("consultant_id") or "–")
        clinician = clinicians.get(entry.get("clinician_id"), entry.get("clinician_id") or "–")
        return (
            f'<tr><td class="ips-who">{self._who(entry)}</td>'
            f'<td class="ips-staff">{esc(consultant)}<br>{esc(clinician)}</td>'
            f'<td>{esc(L.enum("phase", entry.get("phase")) or "–")}</td>'
            f'<td class="ips-goal">{goals}</td><td class="ips-why">{reasons}</td>'
            f'<td>{self._actions(entry.get("actions", []))}</td></tr>')

    def _table(self, people: list[dict], consultants: dict, clinicians: dict) -> str:
        L = self.labels
        cols = "".join(f'<col class="{css}">' for _, css in COLUMNS)
        header = "".join(f"<th>{esc(L(key))}</th>" for key, _ in COLUMNS)
        rows = "".join(self._line(e, consultants, clinicians) for e in people)
        return (f'<table class="ips-agenda"><colgroup>{cols}</colgroup><thead><tr>{header}</tr></thead>'
                f'<tbody>{rows}</tbody></table>')

    def sections(self) -> Html:
        """Every section in METRICS.md order; an empty one says so in one line."""
        L = self.labels
        consultants = self._names("consultants", "consultant_id")
        clinicians = self._names("clinicians", "clinician_id")
        shown: dict[str, str] = {}  # candidate_id -> title of the section that shows their actions
        parts = []
        for section in self.agenda["sections"]:
            key, people = section["key"], section["candidates"]
            title = esc(L("section_" + key))
            if not people:
                parts.append(f'<section class="ips-section ips-section-empty" data-key="{key}">'
                             f'<h2>{title} <span class="ips-empty">– {esc(L("empty_section"))}</span></h2>'
                             f'</section>')
                continue
            full = [e for e in people if key != "actions_due" or e["candidate_id"] not in shown]
            above = [e for e in people if key == "actions_due" and e["candidate_id"] in shown]
            body = self._table(full, consultants, clinicians) if full else ""
            if above:
                who = ", ".join(self._who(e) + (f' <strong class="ips-late">{esc(L("overdue_mark"))}</strong>'
                                                if any(a["overdue"] for a in e["actions"]) else "")
                                for e in above)
                body += (f'<p class="ips-also">{esc(L("also_above", section=shown[above[0]["candidate_id"]]))}'
                         f' {who}</p>')
            parts.append(f'<section class="ips-section" data-key="{key}"><h2>{title} ({len(people)})</h2>'
                         f'{body}</section>')
            if key == "to_discuss":
                shown.update({e["candidate_id"]: L("section_" + key) for e in people})
        left_out = self.agenda.get("left_out_without_consent", 0)
        if left_out:
            parts.append(f'<p class="ips-consent">{esc(L("left_out_without_consent", n=left_out))}</p>')
        return Html("".join(parts))

    def save(self, path: str | Path | None) -> None:
        """The complete agenda as JSON (METRICS.md), for other tools and for the tests."""
        if path:
            Path(path).write_text(json.dumps(self.agenda, ensure_ascii=False, indent=2, default=_iso),
                                  encoding="utf-8")


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
