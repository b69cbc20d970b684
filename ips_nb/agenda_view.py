"""The weekly conference agenda as a clinician scans it: one line per candidate, by section."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .agenda import build_agenda
from .html import Html, esc
from .i18n import Labels
from .params import SiteParams, load_params
from .periods import Week
from .store import SiteData, connect, load_site


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
    def open(cls, site: str, week: str, db_url: str | None = None, params_dir: str = "params",
             team: str | None = None) -> "AgendaView":
        params = load_params(params_dir, site)
        period = Week.parse(week)
        engine = connect(db_url)
        try:
            data = load_site(engine, site)
        finally:
            engine.dispose()
        return cls(params, period, team or None, data,
                   build_agenda(data, params, period, team=team or None),
                   Labels(params.language, params.labels))

    def head(self) -> Html:
        L, a = self.labels, self.agenda
        team = f" · {esc(L('team'))} {esc(self.team)}" if self.team else ""
        return Html(
            f'<header class="ips-head"><h1>{esc(L("agenda_title"))} · {esc(self.params.name)}{team}</h1>'
            f'<p class="ips-period"><strong>{esc(L("conference_on"))} {esc(L.date(a["conference_date"]))}'
            f' · {esc(L.week(self.week.week))}</strong> · {esc(L("as_of"))} {esc(L.date(a["as_of"]))}</p>'
            f'</header>')

    def _names(self, table: str, key: str) -> dict[str, str]:
        frame = getattr(self.data, table)
        return dict(zip(frame[key], frame["name"]))

    def _line(self, entry: dict, consultants: dict, clinicians: dict) -> str:
        L = self.labels
        who = esc(entry.get("initials") or entry["candidate_id"])
        goals = "; ".join(esc(g["description"]) for g in entry.get("goals", [])) or "–"
        reasons = "".join(f'<span class="ips-reason">{esc(L.enum("reason", r))}</span>'
                          for r in entry.get("reasons", []))
        actions = "".join(
            f'<li class="{"ips-overdue" if a["overdue"] else ""}">{esc(a["description"])} '
            f'<span class="ips-owner">({esc(L.enum("owner", a["owner"]))}, {esc(L("due"))} '
            f'{esc(L.date(a["due_date"]))}{", " + esc(L("overdue_mark")) if a["overdue"] else ""})</span></li>'
            for a in entry.get("actions", []))
        return (
            f'<tr><td class="ips-who"><strong>{who}</strong><br><span class="ips-id">{esc(entry["candidate_id"])}</span></td>'
            f'<td>{esc(consultants.get(entry.get("consultant_id"), entry.get("consultant_id") or "–"))}<br>'
            f'{esc(clinicians.get(entry.get("clinician_id"), entry.get("clinician_id") or "–"))}</td>'
            f'<td>{esc(L.enum("phase", entry.get("phase")))}</td>'
            f'<td class="ips-goal">{goals}</td><td>{reasons}</td>'
            f'<td><ul class="ips-actions">{actions}</ul></td></tr>')

    def sections(self) -> Html:
        """Every section in METRICS.md order; an empty one says so in one line."""
        L = self.labels
        consultants = self._names("consultants", "consultant_id")
        clinicians = self._names("clinicians", "clinician_id")
        header = "".join(f"<th>{esc(h)}</th>" for h in (
            L("candidate"), f'{L("consultant")} / {L("clinician")}', L("phase"), L("goals"),
            L("reasons"), L("actions")))
        parts = []
        for section in self.agenda["sections"]:
            title = esc(L("section_" + section["key"]))
            people = section["candidates"]
            if not people:
                parts.append(f'<section class="ips-section"><h2>{title}</h2>'
                             f'<p class="ips-empty">{esc(L("empty_section"))}</p></section>')
                continue
            rows = "".join(self._line(e, consultants, clinicians) for e in people)
            parts.append(f'<section class="ips-section"><h2>{title} ({len(people)})</h2>'
                         f'<table class="ips-agenda"><thead><tr>{header}</tr></thead>'
                         f'<tbody>{rows}</tbody></table></section>')
        left_out = self.agenda.get("left_out_without_consent", 0)
        if left_out:
            parts.append(f'<p class="ips-consent">{esc(L("left_out_without_consent", n=left_out))}</p>')
        return Html("".join(parts))

    def save(self, path: str | Path | None) -> None:
        if path:
            Path(path).write_text(json.dumps(self.agenda, ensure_ascii=False, indent=2, default=_iso),
                                  encoding="utf-8")


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
