"""Check a SOURCE against the exchange format, the site parameters and the database, in one pass.

Every problem is collected (never the first only) as file, row as the spreadsheet shows it
(header = row 1), column, value and a plain message; warnings are reported but do not stop an
import. What passes comes out as clean exchange-format frames for `store.write_sites`.

No message ever holds an identity number in full: CPR/personnummer values are masked
(`010190-****`) wherever they would appear.

Free text is scanned for identity numbers too (idscan, the detector the conference writes use):
clinicians type them into notes. A number found in a free-text column is replaced by the marker
in the site's language ("[CPR fjernet]") and the replacement is a warning naming file, row and
column; the rest of the row imports. An id, a reference or a site holding one is an error
instead: masking it would break every row that points at it.

A cell is parsed by data.cells, the identity numbers are checked by data.identity_checks,
and what the check reads and gives (`Existing`, `Checked`) is data.checked.
"""
from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path

import pandas as pd

from ips_nb.data import idscan
from ips_nb.data.cells import parse_cell
from ips_nb.data.checked import Checked, Existing, Row
from ips_nb.data.identity_checks import IdentityChecks
from ips_nb.data.params import ParamsError, load_params
from ips_nb.data.problems import Problem, mask_identity, problem
from ips_nb.data.readers import Source
from ips_nb.data.schema import (
    DATE_ORDER,
    HASH_COLUMN,
    HASH_KEY_COLUMN,
    SURVEY_RANGES,
    TABLE_ORDER,
    TABLES,
    file_columns,
)

# Without these two a SOURCE describes no site; every other table may be absent. An absent table
# means the SOURCE's sites have no rows of that kind: their rows in the database are removed.
REQUIRED_TABLES = ("consultants", "candidates")
_SITE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # as params.SiteParams.site, and a sane length

# The optional columns whose absence from a non-empty table leaves figures of the supervision
# pack empty (0, none or no one), by their JSON keys (docs/figures.md), in the pack's order. One
# declaration: the import warning reads it, and tests/unit/test_import_columns.py checks it
# against the figures themselves (blank the column, compare), so it cannot drift from them.
# A column whose absence only shifts a figure (everyone "unassigned" without consultant_id) is
# not here: its figures are not empty, and the pack says "unassigned" itself.
EMPTIED_WITHOUT: dict[str, dict[str, tuple[str, ...]]] = {
    "candidates": {
        "intake_date": (
            "active_caseload", "caseload_in_month", "caseload_by_consultant", "intakes",
            "outcome_in_month", "outcome_rate", "outcome_ever_rate", "rapid_search_share",
            "median_days_to_employer_contact", "waiting_for_employer_contact", "without_consent",
            "gender", "age_18_29", "phase_counts", "days_in_phase", "outcome_within_18m",
            "outcome_within_18m_cohort", "job_within_18m", "employment_rate_3m", "caseload_3m",
            "by_gender", "by_age_group"),
        "discharge_date": ("discharges_by_reason",),
        "birth_year": ("age_18_29",),
    },
}


def _did_you_mean(column: str, candidates: set[str]) -> str:
    """' (did you mean intake_date?)' for a misspelt column, or '': a coordinator who typed
    intake_dato sees the right name instead of a column silently ignored."""
    close = difflib.get_close_matches(column, sorted(candidates), n=1, cutoff=0.75)
    return f"; did you mean {close[0]}?" if close else ""


class _Checker(IdentityChecks):
    def __init__(self, source: Source, params_dir: str | Path, existing: Existing | None,
                 today: date | None = None):
        self.source = source
        self.params_dir = Path(params_dir)
        self.existing = existing or Existing()
        self.today = today  # dates of records after it are refused (None: not checked)
        self.problems: list[Problem] = list(source.problems)
        self.rows: dict[str, list[Row]] = {}
        self.index: dict[str, dict[str, Row]] = {}  # table → id → first row with it
        self.country: dict[str, str | None] = {}  # site → DK/SE (None: no usable parameters)
        self.language: dict[str, str] = {}  # site → da/sv/en, from its parameters

    def add(self, table: str, row: int | None, column: str | None, value: object, message: str,
            level: str = "error") -> None:
        shown = None if value is None else str(value)
        if shown is not None and column and TABLES.get(table) and column in TABLES[table].column_names \
                and TABLES[table].column(column).kind == "cpr":
            shown = mask_identity(shown)
        self.problems.append(problem(self.source.label(table), row, column, shown, message, level))

    # -- structure
    def tables_present(self) -> None:
        labels = {p.file for p in self.source.problems}
        if self.source.kind == "xlsx" and self.source.path.name in labels and not self.source.tables:
            return  # the workbook was not read at all (damaged, over a limit): that one line says it
        for name in REQUIRED_TABLES:
            label = self.source.label(name)
            if name not in self.source.tables and label not in labels:
                where = (f"{name}.csv in the folder" if self.source.kind == "folder"
                         else f"a sheet named {name}")
                self.add(name, None, None, None, f"missing: every SOURCE needs {where}")

    def columns(self, name: str) -> set[str]:
        raw = self.source.tables[name]
        table = TABLES[name]
        known = {c.name for c in file_columns(name)} | (
            {HASH_COLUMN, HASH_KEY_COLUMN} if name == "candidates" else set())
        present = {c for c in raw.header if c}
        for col in table.required:
            if col not in present:
                self.add(name, 1, col, None, "this required column is missing from the header")
        for col in raw.header:
            if col and col not in known:
                self.add(name, 1, col, None, "not a column of this table; it is ignored"
                         + _did_you_mean(col, known - present), level="warning")
        if raw.rows:
            for col, figures in EMPTIED_WITHOUT.get(name, {}).items():
                if col not in present:
                    self.add(name, 1, col, None, "this column is missing from the header, so "
                             f"these figures of the supervision pack will be empty: "
                             f"{', '.join(figures)}", level="warning")
        return present & known

    # -- cells
    def parse(self, name: str) -> None:
        raw = self.source.tables[name]
        present = self.columns(name)
        cols = [c for c in file_columns(name) if c.name in present]  # `origin` too (schema)
        rows = []
        absent = {c.name: c.default for c in file_columns(name)
                  if c.name not in present and c.default is not None}
        for number, cells in raw.rows:
            values: dict[str, object] = dict(absent)  # a column left out: its default
            for col in cols:
                text = cells.get(col.name, "")
                if not text:
                    if col.required:
                        self.add(name, number, col.name, None, "required, but the cell is empty")
                    values[col.name] = col.default
                    continue
                try:
                    values[col.name] = parse_cell(col, text)
                except ValueError as exc:
                    self.add(name, number, col.name, text, str(exc))
                    values[col.name] = None
                    continue
                if col.kind == "date" and not col.planned and self.today \
                        and values[col.name] > self.today:
                    self.add(name, number, col.name, text,
                             f"after the day of the import ({self.today.isoformat()}): it "
                             "cannot have happened yet")
            if name == "candidates":
                for extra in (HASH_COLUMN, HASH_KEY_COLUMN):
                    if cells.get(extra):
                        values[extra] = cells[extra].lower()
            rows.append(Row(number, values, values.get("site")))
        self.rows[name] = rows

    # -- ids, sites and references
    def ids(self, name: str) -> None:
        key = TABLES[name].key
        seen = self.index.setdefault(name, {})
        for row in self.rows.get(name, []):
            value = row.values.get(key)
            if value is None:
                continue
            if value in seen:
                self.add(name, row.number, key, value,
                         f"duplicate {key}: row {seen[value].number} has it already")
            else:
                seen[value] = row

    def sites_via(self, name: str) -> None:
        via = TABLES[name].site_via
        target = TABLES[name].column(via).ref
        for row in self.rows.get(name, []):
            owner = self.index.get(target, {}).get(row.values.get(via))
            row.site = owner.site if owner else None

    def references(self, name: str) -> None:
        unreadable = {p.file for p in self.source.problems if p.level == "error"}
        for col in TABLES[name].columns:
            if not col.ref or (col.ref not in self.source.tables
                               and self.source.label(col.ref) in unreadable):
                continue  # the table could not be read: that is the problem to fix first
            targets = self.index.get(col.ref, {})
            absent = col.ref not in self.source.tables
            what = col.ref.removesuffix("s")
            for row in self.rows.get(name, []):
                value = row.values.get(col.name)
                if value is None:
                    continue
                target = targets.get(value)
                if target is None:
                    where = (f"{self.source.label(col.ref)} is not in the SOURCE" if absent
                             else f"not in {self.source.label(col.ref)}")
                    self.add(name, row.number, col.name, value, f"unknown {what}: {where}")
                elif row.site and target.site and target.site != row.site:
                    self.add(name, row.number, col.name, value,
                             f"this {what} belongs to site {target.site}, this row to site {row.site}")

    def params(self) -> None:
        if not self.params_dir.is_dir():
            self.problems.append(problem(
                str(self.params_dir), None, None, None,
                "the folder of site parameter files does not exist (give it with --params DIR)"))
            for rows in self.rows.values():
                self.country.update({r.site: None for r in rows if r.site})
            return
        for name in TABLE_ORDER:
            if "site" not in TABLES[name].column_names:
                continue
            for row in self.rows.get(name, []):
                site = row.site
                if site is None or site in self.country:
                    continue
                self.country[site] = None
                if not _SITE.fullmatch(site):
                    self.add(name, row.number, "site", site,
                             "not a site id: lower-case letters a-z, digits, - and _, at most 64")
                    continue
                try:
                    site_params = load_params(self.params_dir, site)
                    self.country[site] = site_params.country
                    self.language[site] = site_params.language
                except (ParamsError, OSError) as exc:
                    self.add(name, row.number, "site", site, str(exc))

    # -- identity numbers typed into text
    def identity_in_text(self, name: str) -> None:
        """Mask identity numbers in free text (a warning each); refuse them in ids and sites."""
        free = set(free_text_columns(name))
        for col in TABLES[name].columns:
            if col.kind != "str":
                continue
            for row in self.rows.get(name, []):
                value = row.values.get(col.name)
                if not isinstance(value, str):
                    continue
                if col.name not in free:
                    if idscan.contains_identity(value):
                        self.add(name, row.number, col.name, None,
                                 "holds a CPR number or personnummer: an id or site cannot be "
                                 "masked without breaking the rows that point at it, so give "
                                 "this one an id that is not a person's number")
                    continue
                marker = idscan.marker_for(self.language.get(row.site or "")
                                           or _LANGUAGE_BY_COUNTRY.get(self.country.get(row.site or "")))
                masked, found = idscan.redact(value, marker)
                if found:
                    row.values[col.name] = masked
                    self.add(name, row.number, col.name, None,
                             f"held {found} CPR number(s) or personnummer; stored with "
                             f"{marker} in its place, so the number never reaches the database",
                             level="warning")

    # -- values that depend on each other
    def date_order(self, name: str) -> None:
        for start, end in DATE_ORDER.get(name, []):
            for row in self.rows.get(name, []):
                a, b = row.values.get(start), row.values.get(end)
                if isinstance(a, date) and isinstance(b, date) and b < a:
                    self.add(name, row.number, end, b.isoformat(),
                             f"{end} is before {start} ({a.isoformat()})")

    def fidelity(self) -> None:
        seen: dict[tuple, int] = {}
        for row in self.rows.get("fidelity", []):
            key = (row.site, row.values.get("review_date"), row.values.get("item"))
            if None in key:
                continue
            if key in seen:
                self.add("fidelity", row.number, "item", row.values["item"],
                         f"item scored twice in the review of {key[1].isoformat()} "
                         f"(row {seen[key]} has it)")
            else:
                seen[key] = row.number

    def surveys(self) -> None:
        """Each instrument's own ranges: MANSA has 12 items scored 1–7, the experience
        questions up to 9 scored 1–5 (the columns' declared bounds are the widest)."""
        for row in self.rows.get("surveys", []):
            items, top = SURVEY_RANGES.get(row.values.get("instrument"), (None, None))
            item, score = row.values.get("item"), row.values.get("score")
            if items is None:
                continue
            if isinstance(item, int) and item > items:
                self.add("surveys", row.number, "item", item,
                         f"{row.values['instrument']} has items 1 to {items}")
            if isinstance(score, int) and score > top:
                self.add("surveys", row.number, "score", score,
                         f"{row.values['instrument']} is scored 1 to {top}")

    def followups(self) -> None:
        """A follow-up call dated before the candidate's discharge is a warning: it was made
        during the course, so it says nothing of what came after."""
        left = {str(r.values.get("candidate_id")): r.values.get("discharge_date")
                for r in self.rows.get("candidates", [])}
        for row in self.rows.get("followups", []):
            day, gone = row.values.get("date"), left.get(str(row.values.get("candidate_id")))
            if isinstance(day, date) and (gone is None or day < gone):
                when = "before the discharge" + (f" ({gone.isoformat()})" if gone else
                                                 " (the candidate is not discharged)")
                self.add("followups", row.number, "date", day.isoformat(),
                         f"the follow-up is dated {when}", level="warning")

    def phases(self) -> None:
        """The phase history against itself and the candidate's row.

        Rows come in any order: each candidate's are taken by `from_date`. In order means: no two
        rows of one candidate on the same day (which phase held that day?) and none before the
        referral. The latest row is the phase now, so it must agree with `candidates.phase`; an
        empty `candidates.phase` is taken from it. A discharge that the history and
        `discharge_date` tell differently is a warning. A candidate without rows is fine: their
        history is missing, not wrong.
        """
        candidates = self.index.get("candidates", {})
        label = self.source.label("candidates")
        history: dict[str, list[Row]] = {}
        for row in self.rows.get("phases", []):
            cid, day = row.values.get("candidate_id"), row.values.get("from_date")
            if cid in candidates and isinstance(day, date):
                history.setdefault(cid, []).append(row)
        for cid, rows in history.items():
            cand = candidates[cid].values
            seen: dict[date, Row] = {}
            for row in rows:
                day = row.values["from_date"]
                if day in seen:
                    self.add("phases", row.number, "from_date", day.isoformat(),
                             f"a second phase for candidate {cid} from the same day (row "
                             f"{seen[day].number} has {day.isoformat()} already): a day has one "
                             "phase")
                else:
                    seen[day] = row
                referred = cand.get("referral_date")
                if isinstance(referred, date) and day < referred:
                    self.add("phases", row.number, "from_date", day.isoformat(),
                             f"before candidate {cid}'s referral_date ({referred.isoformat()}): "
                             "the candidate was not in the programme yet")
            last_day = max(seen)
            if sum(r.values["from_date"] == last_day for r in rows) > 1:
                continue  # which is the latest cannot be told: the duplicate is the problem
            latest = seen[last_day]
            now = latest.values.get("phase")
            if now is None:
                continue  # not a phase: reported at the cell already
            stated = cand.get("phase")
            if stated is None:
                cand["phase"] = now  # the current phase, from the history
            elif stated != now:
                self.add("phases", latest.number, "phase", now,
                         f"the latest phase of candidate {cid} (from {last_day.isoformat()}) is "
                         f"{now}, but {label} row {candidates[cid].number} has phase {stated}: "
                         "candidates.phase is the phase now and must agree with the latest row")
                continue
            self.discharge(cid, cand, latest)

    def discharge(self, cid: str, cand: dict, latest: Row) -> None:
        """Warn when the phase history ends otherwise than the candidate's discharge_date says."""
        left = cand.get("discharge_date")
        left = left if isinstance(left, date) else None
        now, day = latest.values["phase"], latest.values["from_date"]
        ended = day if now == "discharged" else None
        if left == ended:
            return
        label = self.source.label("candidates")
        if ended is None:
            self.add("phases", latest.number, "phase", now,
                     f"candidate {cid} was discharged on {left.isoformat()} ({label}), but the "
                     f"latest phase row (from {day.isoformat()}) says {now}: the history should "
                     f"end with discharged from {left.isoformat()}", level="warning")
        elif left is None:
            self.add("phases", latest.number, "from_date", day.isoformat(),
                     f"the phase history discharges candidate {cid} from {day.isoformat()}, but "
                     f"{label} has no discharge_date for them, so they count as enrolled",
                     level="warning")
        else:
            self.add("phases", latest.number, "from_date", day.isoformat(),
                     f"the phase history discharges candidate {cid} from {day.isoformat()}, but "
                     f"{label} has discharge_date {left.isoformat()}: the two should be the "
                     "same day", level="warning")

    # -- against the database
    def sites(self) -> set[str]:
        return {r.site for rows in self.rows.values() for r in rows if r.site}

    def database(self) -> None:
        importing = self.sites()
        for name, ids in self.index.items():
            owners = self.existing.owners.get(name, {})
            key = TABLES[name].key
            for value, row in ids.items():
                owner = owners.get(value)
                if owner and owner not in importing and owner != row.site:
                    self.add(name, row.number, key, value,
                             f"this id already belongs to site {owner} in the database "
                             "(ids are unique across the whole database)")
        unreadable = {p.file for p in self.source.problems if p.level == "error"}
        for name in TABLE_ORDER:
            if self.source.label(name) in unreadable:
                continue
            counts = self.existing.counts.get(name, {})
            if name not in self.source.tables:
                if name in REQUIRED_TABLES:
                    continue
                gone = {s: counts[s] for s in sorted(importing) if counts.get(s)}
                if gone:
                    listed = ", ".join(f"{n} of site {s}" for s, n in gone.items())
                    self.add(name, None, None, None,
                             f"not in the SOURCE, so the rows the database holds for its sites go "
                             f"({listed})", level="warning")
                continue
            # present, but without a row for a site that has rows in the database (a header-only
            # table, say): the import removes them, which deserves saying with the count
            here = {r.site for r in self.rows.get(name, [])}
            gone = {s: counts[s] for s in sorted(importing - here) if counts.get(s)}
            if gone:
                listed = ", ".join(f"{n} of site {s}" for s, n in gone.items())
                them = "them" if len(gone) > 1 else "it"
                self.add(name, None, None, None,
                         f"holds no rows for site {' or '.join(gone)}, so the rows the database "
                         f"holds for {them} go ({listed})", level="warning")

    def run(self) -> Checked:
        self.tables_present()
        for name in TABLE_ORDER:
            if name in self.source.tables:
                self.parse(name)
        for name in TABLE_ORDER:
            if TABLES[name].key:
                self.ids(name)
        for name in TABLE_ORDER:
            if TABLES[name].site_via:
                self.sites_via(name)
        self.params()
        for name in TABLE_ORDER:
            self.references(name)
            self.date_order(name)
        for name in TABLE_ORDER:
            self.identity_in_text(name)
        self.fidelity()
        self.surveys()
        self.followups()
        self.phases()
        self.identities()
        self.database()
        sites = sorted(self.sites())
        if not sites and not self.errors():
            self.problems.append(problem(str(self.source.path), None, None, None,
                                         "holds no rows: there is nothing to import"))
        self.problems = _ordered(self.problems, self.source)
        frames = {} if self.errors() else self.frames()
        return Checked(self.problems, frames, sites,
                       {name: len(rows) for name, rows in self.rows.items()})

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def frames(self) -> dict[str, pd.DataFrame]:
        out = {}
        for name, rows in self.rows.items():
            columns = [c.name for c in file_columns(name)] + (
                ["cpr_hash"] if name == "candidates" else [])
            out[name] = pd.DataFrame([[r.values.get(c) for c in columns] for r in rows],
                                     columns=columns, dtype="object")
        return out


_LANGUAGE_BY_COUNTRY = {"DK": "da", "SE": "sv"}


def free_text_columns(table: str) -> list[str]:
    """A table's columns of free text (names, notes, places): text columns that are neither its
    id, a reference to another table's id, nor `site`. These are where a person may type an
    identity number, so the importer and `ips-nb redact` mask it there."""
    t = TABLES[table]
    return [c.name for c in t.columns
            if c.kind == "str" and c.name not in (t.key, "site") and not c.ref]


def _ordered(problems: list[Problem], source: Source) -> list[Problem]:
    """File-level problems first, then by table, row and the column's place in the table."""
    labels = {source.label(name): i for i, name in enumerate(TABLE_ORDER)}

    def key(p: Problem) -> tuple:
        name = TABLE_ORDER[labels[p.file]] if p.file in labels else None
        cols = TABLES[name].column_names if name else []
        return (labels.get(p.file, -1), p.row or 0,
                cols.index(p.column) if p.column in cols else len(cols))

    return sorted(problems, key=key)


def check(source: Source, params_dir: str | Path, existing: Existing | None = None, *,
          today: date | None = None) -> Checked:
    """Every problem in a SOURCE; the clean frames when there is no error.

    `today` is the day of the import: a date of something that happened (a referral, a contact)
    after it is an error; planned dates (schema: `planned`) may lie ahead. The caller passes it
    (the command line: the day it runs), so the check never reads the clock; None skips it.
    """
    return _Checker(source, params_dir, existing, today).run()
