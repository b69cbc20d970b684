"""The weekly conference agenda as a clinician scans it: one line per candidate, by section.

The page is read in a minute before the conference and often on paper, so it is dense and
repeats nothing: a candidate has one full row on the page, in the first section that lists them
(so under `to_discuss` rather than `actions_due` or `good_news`). That row carries every reason,
the latest decision recorded for them (its day and text), every open action (overdue ones
marked) and a badge when they are good news too; the later
sections name them in one "also under … above" line. The JSON (`save`) keeps every section
complete (docs/agenda.md). On the site-wide page, each section's rows are grouped under the
clinician's name (candidates without one last), so a clinician finds theirs at once.

Printed, a long word breaks only with a hyphen: words of the site's language get soft hyphens
from its hyphenation patterns (pyphen; Chromium's own `hyphens: auto` needs dictionaries Debian's
Chromium does not ship), and ids never break (templates/agenda/macros.html.j2).
Only ids and initials of consented candidates ever reach the page (build_agenda's rule); no CPR.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyphen
from babel.dates import format_date, format_skeleton

from ips_nb.data.frames import SiteData, read_site
from ips_nb.data.params import SiteParams, load_params, team_name
from ips_nb.figures.agenda_rules import build_agenda
from ips_nb.figures.periods import Week
from ips_nb.pages.fragments import Html
from ips_nb.pages.labels import Labels
from ips_nb.pages.render import render
from ips_nb.pages.titles import agenda_title, team_label

# The columns of every section table, by catalogue key (the table's header labels); their order
# and widths are the template's (templates/agenda/sections.html.j2).
COLUMNS = ("candidate", "consultant_clinician", "phase", "goals", "reasons", "actions")
# The sections a badge on a candidate's row stands for when a later section lists them too
# (actions due need none: the row lists every open action with its due date).
BADGES = ("good_news",)
# An "also under …" line names at most ALSO_SHOWN candidates (the section's first: under
# "actions due" those with an overdue action) and counts the rest ("… og 12 andre"); a line of
# one more than that names them all rather than "… og 1 anden".
ALSO_SHOWN = 5

SOFT_HYPHEN = "\u00ad"
PYPHEN = {"da": "da_DK", "sv": "sv", "en": "en_GB"}  # pyphen's patterns for the page languages
_LONG_TOKEN = re.compile(r"\S{12,}")        # shorter tokens fit every column of the printed agenda
_LONG_WORD = re.compile(r"[^\W\d_]{7,}")     # letters only: ids, numbers and markup-like text keep theirs


@functools.cache
def _patterns(lang: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=PYPHEN.get(lang, "en_GB"), left=3, right=3)


def soft_hyphens(text: str, lang: str) -> str:
    """`text` with soft hyphens (U+00AD) where `lang` may hyphenate its long words.

    A browser breaks a line at a soft hyphen only when it must, and then prints a hyphen; nowhere
    else is it seen. Only words of at least 7 letters in a token of at least 12 characters get
    them: a shorter token fits every column, and the fewer soft hyphens, the cleaner the PDF's
    text for search and copying. Names of people, ids and dates are never passed through it.
    """
    patterns = _patterns(lang)

    def word(found: re.Match) -> str:
        return patterns.inserted(found.group(0), hyphen=SOFT_HYPHEN)

    return _LONG_TOKEN.sub(lambda token: _LONG_WORD.sub(word, token.group(0)), text)


def clinician_choices(data: SiteData, params: SiteParams | None = None,
                      team: str | None = None) -> list[tuple[str, str]]:
    """(name, clinician_id) of the site's clinicians, by name; with `team`, of that team only.
    For the live dashboard's clinician filter (`AgendaView.of(..., clinician=id)`)."""
    c = data.clinicians
    if team:
        team = team_name(params, team) if params is not None else team
        c = c[c["team"] == team]
    return sorted(((str(n), str(i)) for n, i in zip(c["name"], c["clinician_id"])),
                  key=lambda pair: (pair[0].casefold(), pair[1]))


# The agenda's parts (AgendaView methods) in page order: the workbook's cells and the live
# dashboard's widgets are both made from this (tools/make_workbooks.py, ips_nb.live.dashboard).
PARTS = ("head", "sections")


@dataclass
class AgendaView:
    """One site's (or team's) agenda for one ISO week."""

    params: SiteParams
    week: Week
    team: str | None
    data: SiteData
    agenda: dict
    labels: Labels
    grouped: bool = False  # rows grouped under their clinician's name (the site-wide page)

    @classmethod
    def open(cls, site: str, week: str, db_url: str | None = None, params_dir: str | None = None,
             team: str | None = None) -> AgendaView:
        params = load_params(params_dir, site)
        period = Week.parse(week)
        data = read_site(db_url, site)
        return cls.of(data, params, period, team)

    @classmethod
    def of(cls, data: SiteData, params: SiteParams, week: Week, team: str | None = None, *,
           clinician: str | None = None, consultant: str | None = None,
           grouped: bool | None = None) -> AgendaView:
        """The view of already loaded data (tests, and the live dashboard with its filters).

        `team` (a name from the site's `teams`), `clinician` and `consultant` (ids) narrow the
        candidates; the rules still read the whole site's rows. Rows are grouped by clinician
        unless the view is a team's (`grouped` overrides).
        """
        team = team_name(params, team or None)
        agenda = build_agenda(data, params, week, team=team, clinician=clinician or None,
                              consultant=consultant or None)
        return cls(params, week, team, data, agenda, Labels(params.language, params.labels),
                   grouped=team is None if grouped is None else grouped)

    # -- formatting -------------------------------------------------------------------------
    def _team_name(self) -> str:
        """'Team Nord' stays as it is; a bare 'Nord' becomes 'Team Nord' in the site's language."""
        return team_label(self.labels, self.team or "")

    def title(self) -> str:
        """The page's <title> (and the PDF's): see titles.agenda_title."""
        return agenda_title(self.params, self.week, self.team, self.labels)

    def _hy(self, text: object) -> str:
        return soft_hyphens(_text(text), self.labels.lang)

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

    def _row(self, entry: dict, consultants: dict, clinicians: dict, badges: list[str]) -> dict:
        """One candidate's line as text: staff names, phase, goals, reasons and actions in words.

        Free text gets soft hyphens (soft_hyphens) so a printed column breaks a long word only
        with a hyphen; names, ids and initials are left whole."""
        L, hy = self.labels, self._hy
        consultant = consultants.get(entry.get("consultant_id"), entry.get("consultant_id") or "–")
        clinician = clinicians.get(entry.get("clinician_id"), entry.get("clinician_id") or "–")
        return {
            **self._who(entry), "consultant": _text(consultant), "clinician": _text(clinician),
            "badges": badges,
            "phase": hy(L.enum("phase", entry.get("phase")) or "–"),
            "goals": [hy(g["description"]) for g in entry.get("goals", []) if g.get("description")],
            "reasons": [hy(L.enum("reason", r)) for r in entry.get("reasons", [])],
            "actions": [{"description": hy(a["description"]), "owner": hy(L.enum("owner", a["owner"])),
                         "due_date": self._short_date(a["due_date"]), "overdue": bool(a["overdue"])}
                        for a in entry.get("actions", [])],
            "last_decision": self._last_decision(entry.get("last_decision"))}

    def _last_decision(self, decided: dict | None) -> dict | None:
        """The latest decision as the row shows it, so the team starts from what it agreed last
        time: its day (short) and its text (hyphenated; the template escapes it)."""
        if not decided or not decided.get("decision"):
            return None
        return {"label": self.labels("last_decision"), "date": self._short_date(decided["date"]),
                "text": self._hy(decided["decision"])}

    def _groups(self, entries: list[dict], rows: list[dict], clinicians: dict) -> list[dict]:
        """Rows under their clinician's name (by name; those without a clinician last), each group
        in the section's own order; one unnamed group when the view is not grouped."""
        if not self.grouped:
            return [{"name": None, "rows": rows}] if rows else []
        groups: dict[str | None, list[dict]] = {}
        for entry, row in zip(entries, rows):
            groups.setdefault(entry.get("clinician_id") or None, []).append(row)

        def name(cid: str | None) -> str:
            return _text(clinicians.get(cid, cid)) if cid else self.labels("no_clinician")

        order = sorted(groups, key=lambda cid: (cid is None, name(cid).casefold(), cid or ""))
        return [{"name": name(cid), "rows": groups[cid]} for cid in order]

    def sections(self) -> Html:
        """Every section in the agenda's order (docs/agenda.md); an empty one says so in one line.

        Each candidate gets one full row on the page, in the first section listing them; a later
        section names them in one line per section that holds their row."""
        L = self.labels
        consultants = self._names("consultants", "consultant_id")
        clinicians = self._names("clinicians", "clinician_id")
        listed = {s["key"]: [e["candidate_id"] for e in s["candidates"]] for s in self.agenda["sections"]}
        order = [s["key"] for s in self.agenda["sections"]]
        home: dict[str, str] = {}  # candidate_id -> the section that shows their row
        for key in order:
            home.update({cid: key for cid in listed[key] if cid not in home})
        sections = []
        for section in self.agenda["sections"]:
            key, people = section["key"], section["candidates"]
            full = [e for e in people if home[e["candidate_id"]] == key]
            rows = [self._row(e, consultants, clinicians,
                              [L("badge_" + b) for b in BADGES if b != key and e["candidate_id"] in listed.get(b, ())])
                    for e in full]
            sections.append({"key": key, "title": L("section_" + key), "count": len(people),
                             "groups": self._groups(full, rows, clinicians),
                             "also": self._also(key, people, home, order)})
        left_out = self.agenda.get("left_out_without_consent", 0)
        return Html(render(
            "agenda/sections.html.j2", sections=sections, header={key: L(key) for key in COLUMNS},
            empty=L("empty_section"), due=L("due"), overdue_mark=L("overdue_mark"),
            consent=L.count("left_out_without_consent", left_out) if left_out else None))

    def _also(self, key: str, people: list[dict], home: dict[str, str], order: list[str]) -> list[dict]:
        """One line per earlier section holding rows of this section's other candidates, each
        named once; under `actions_due`, with the overdue mark for those with an overdue action.
        The earlier row lists every open action, so the line says their actions are there.

        A long line is cut to the first ALSO_SHOWN, the rest counted ("… og 12 andre"): 14 ids
        in a row are read by nobody, and each of them has their full row above anyway."""
        L = self.labels
        lines = []
        for where in order:
            named: dict[str, dict] = {}
            for e in people:
                if home[e["candidate_id"]] == where != key and e["candidate_id"] not in named:
                    overdue = key == "actions_due" and any(a["overdue"] for a in e.get("actions", []))
                    named[e["candidate_id"]] = {**self._who(e), "overdue": overdue}
            if named:
                shown = list(named.values())
                if len(shown) > ALSO_SHOWN + 1:  # the overdue first (a stable sort keeps the order)
                    shown = sorted(shown, key=lambda person: not person["overdue"])[:ALSO_SHOWN]
                rest = len(named) - len(shown)
                lines.append({"text": L("also_above", section=L("section_" + where)), "people": shown,
                              "more": L.count("also_more", rest) if rest else None})
        return lines

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
