"""The weekly conference agenda as a clinician scans it: one line per candidate, by section.

The page is read in a minute before the conference and often on paper, so it is dense and
repeats nothing: `actions_due` shows in full only candidates not already listed under
`to_discuss` (whose rows carry every open action, due ones included, with the overdue mark) and
names the others in one line. The JSON (`save`) keeps every section complete (docs/agenda.md).
Only ids and initials of consented candidates ever reach the page (build_agenda's rule); no CPR.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.dates import format_date, format_skeleton

from ips_nb.figures.agenda_rules import build_agenda
from ips_nb.pages.fragments import Html
from ips_nb.pages.labels import Labels
from ips_nb.pages.render import render
from ips_nb.data.params import SiteParams, load_params
from ips_nb.figures.periods import Week
from ips_nb.data.store import SiteData, read_site

# The columns of every section table, by catalogue key (the table's header labels); their order
# and widths are the template's (templates/agenda/sections.html.j2).
COLUMNS = ("candidate", "consultant_clinician", "phase", "goals", "reasons", "actions")


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

    def _footer(self) -> str:
        """The print footer's text (site · team · week · ), before the template's page n / m."""
        team = f" · {self._team_name()}" if self.team else ""
        return f"{self.params.name}{team} · {self.labels.week(self.week.week)} · "

    def head(self) -> Html:
        """Title, team, conference day and week on top: what a clinician checks first."""
        L, a = self.labels, self.agenda
        conf = date.fromisoformat(a["conference_date"])
        return Html(render(
            "agenda/head.html.j2", footer=self._footer(), title=L("agenda_title"), site=self.params.name,
            team=self._team_name() if self.team else None, conference_on=L("conference_on"),
            weekday=format_date(conf, "EEEE", locale=L.locale), conference_date=L.date(conf),
            week=L.week(self.week.week), as_of_label=L("as_of"), as_of=L.date(a["as_of"])))

    def _names(self, table: str, key: str) -> dict[str, str]:
        frame = getattr(self.data, table)
        return dict(zip(frame[key], frame["name"]))

    @staticmethod
    def _who(entry: dict) -> dict[str, str]:
        """Initials (when there are any) and the case id: never a name, never a CPR."""
        return {"initials": _text(entry.get("initials")), "candidate_id": _text(entry["candidate_id"])}

    def _row(self, entry: dict, consultants: dict, clinicians: dict) -> dict:
        """One candidate's line as text: staff names, phase, goals, reasons and actions in words."""
        L = self.labels
        consultant = consultants.get(entry.get("consultant_id"), entry.get("consultant_id") or "–")
        clinician = clinicians.get(entry.get("clinician_id"), entry.get("clinician_id") or "–")
        return {
            **self._who(entry), "consultant": _text(consultant), "clinician": _text(clinician),
            "phase": L.enum("phase", entry.get("phase")) or "–",
            "goals": [_text(g["description"]) for g in entry.get("goals", []) if g.get("description")],
            "reasons": [L.enum("reason", r) for r in entry.get("reasons", [])],
            "actions": [{"description": _text(a["description"]), "owner": L.enum("owner", a["owner"]),
                         "due_date": self._short_date(a["due_date"]), "overdue": bool(a["overdue"])}
                        for a in entry.get("actions", [])]}

    def sections(self) -> Html:
        """Every section in the agenda.s order (docs/agenda.md); an empty one says so in one line."""
        L = self.labels
        consultants = self._names("consultants", "consultant_id")
        clinicians = self._names("clinicians", "clinician_id")
        shown: dict[str, str] = {}  # candidate_id -> title of the section that shows their actions
        sections = []
        for section in self.agenda["sections"]:
            key, people = section["key"], section["candidates"]
            full = [e for e in people if key != "actions_due" or e["candidate_id"] not in shown]
            above = [e for e in people if key == "actions_due" and e["candidate_id"] in shown]
            also = None
            if above:
                also = {"text": L("also_above", section=shown[above[0]["candidate_id"]]),
                        "people": [{**self._who(e), "overdue": any(a["overdue"] for a in e["actions"])}
                                   for e in above]}
            sections.append({"key": key, "title": L("section_" + key), "count": len(people),
                             "rows": [self._row(e, consultants, clinicians) for e in full], "also": also})
            if key == "to_discuss":
                shown.update({e["candidate_id"]: L("section_" + key) for e in people})
        left_out = self.agenda.get("left_out_without_consent", 0)
        return Html(render(
            "agenda/sections.html.j2", sections=sections, header={key: L(key) for key in COLUMNS},
            empty=L("empty_section"), due=L("due"), overdue_mark=L("overdue_mark"),
            consent=L.count("left_out_without_consent", left_out) if left_out else None))

    def save(self, path: str | Path | None) -> None:
        """The complete agenda as JSON (docs/agenda.md), for other tools and for the tests."""
        if path:
            Path(path).write_text(json.dumps(self.agenda, ensure_ascii=False, indent=2, default=_iso),
                                  encoding="utf-8")


def _text(value: object) -> str:
    """A value as the page shows it: a missing one (None) is blank, not the word 'None'."""
    return "" if value is None else str(value)


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
