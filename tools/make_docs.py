"""Write docs/exchange-format.md from the schema declaration (ips_nb.data.schema), and
docs/settings.md from the environment variables' declaration (ips_nb.settings).

The tables, their columns, which are required, their kinds, allowed values, aliases, ranges,
defaults, references and date-order rules all come from the declaration, so the page cannot drift
from what the importer checks. Only the prose (the introduction, a sentence per table and a note
for some columns) is written here by hand; a note for a column the schema no longer has is an
error, not a silent leftover.

The settings page is each variable's name, type, default and help as `ips_nb.settings.Settings`
declares them: a variable added there without regenerating the page fails the same test.

Run: .venv/bin/python tools/make_docs.py        (writes the files)
     .venv/bin/python tools/make_docs.py --check (exit 1 when a file is out of date)
tests/unit/test_docs.py fails when a committed page differs from what this script makes.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ips_nb.data.cells import DATE_FORMATS  # noqa: E402
from ips_nb.data.readers import HASH_COLUMN, XLSX_LIMIT_ENV, XlsxLimits  # noqa: E402
from ips_nb.data.schema import BOOL_ALIASES, DATE_ORDER, OUTCOME_KINDS, TABLE_ORDER, TABLES, Column, Table, file_columns  # noqa: E402
from ips_nb.data.validate import REQUIRED_TABLES, free_text_columns  # noqa: E402
from ips_nb.settings import INTERNAL, OPERATOR, fields  # noqa: E402

OUT = ROOT / "docs" / "exchange-format.md"
SETTINGS_OUT = ROOT / "docs" / "settings.md"

KIND_WORDS = {
    "str": "text",
    "date": "date",
    "float": "number",
    "int": "whole number",
    "bool": "yes/no",
    "enum": "code",
    "cpr": "CPR / personnummer",
}

# One sentence per table: what a row is.
TABLE_NOTES = {
    "consultants": "One row per IPS consultant (employment specialist) of a site.",
    "clinicians": "One row per clinician in psychiatry whose patients take part. `team` is the "
                  "clinician's treatment team; a site can have one conference agenda per team.",
    "candidates": "One row per person referred to IPS: the course from referral to discharge.",
    "phases": "The phase history: one row each time a candidate's phase changes, so a report for "
              "a past month shows the phases of that month, not today's. A candidate's phase on a "
              "day is their latest row from that day or earlier; a candidate taken in with no row "
              "yet is in `engagement`. The rows may come in any order; one candidate's rows must "
              "have different days and none before the referral, and the latest row must agree "
              "with `candidates.phase`. A candidate without rows is allowed (their history is "
              "missing); a site that sends no rows at all is shown the phases of "
              "`candidates.phase` for every month, and its reports say so. The history should end "
              "with `discharged` on the `discharge_date` (a warning when it does not).",
    "goals": "The candidate's own goals for work or education.",
    "actions": "Agreed next steps, each with an owner and a due date; open ones appear on the "
               "weekly conference agenda. Actions added (or marked done) on the agenda dashboard "
               "are exported too, with `origin` `conference`; a re-import of the site keeps "
               "them unless the file carries the same `action_id`.",
    "contacts": "Every contact with a candidate: meetings, employer contacts made for them, "
                "interviews, benefits counselling.",
    "employer_contacts": "The consultants' contacts with employers (job development), with or "
                         "without a particular candidate in mind.",
    "placements": "Jobs, education, internships and work trials. Only `job` and `education` "
                  "count as the IPS outcome.",
    "fidelity": "IPS-25 fidelity reviews: one row per item per review. A review counts once all "
                "25 items are there, each once.",
    "supervision": "Supervision sessions held at the site.",
    "conferences": "The weekly treatment-team conference: one row per candidate discussed. A row "
                   "without `candidate_id` only records that the conference took place. Rows "
                   "recorded on the agenda dashboard are exported with their `decision`, "
                   "`recorded_by` and `origin` `conference`; a re-import of the site keeps what "
                   "was recorded there unless the file carries the same row (same site, date "
                   "and candidate).",
    "followups": "What a candidate said when called after the course ended (Aalborg calls four "
                 "months after discharge): one row per call. The goal `in_work_after_discharge` "
                 "reads them (docs/goals.md). A follow-up dated before the candidate's discharge "
                 "is a warning. Free text never.",
    "surveys": "Answers to a questionnaire: one row per answered item. `mansa` is MANSA's 12 "
               "life-satisfaction items, each scored 1–7; `experience` is the site's own "
               "questions on the support (up to 9), each scored 1–5. One candidate's rows of one "
               "instrument on one date are one response. Scores only, free text never.",
}

# Notes for columns, where the name alone does not say enough. A note declared on the Column in
# the schema (a `description`, should the schema ever carry one) wins over these.
COLUMN_NOTES = {
    ("consultants", "fte"): "full-time equivalent: 0.5 for half time; the caseload is judged "
                            "per FTE",
    ("consultants", "start_date"): "first day in the job",
    ("clinicians", "team"): "the treatment team, spelled as in the site's `teams` parameter",
    ("candidates", "referral_date"): "the day the person was referred to IPS",
    ("candidates", "cpr"): "checked for the site's country, then stored only as a pseudonym "
                           "(see above)",
    ("candidates", "initials"): "shown on the agenda beside the case id",
    ("candidates", "gender"): "Danish sites: taken from the CPR number when empty",
    ("candidates", "birth_year"): "taken from the CPR/personnummer when empty",
    ("candidates", "consultant_id"): "the candidate's IPS consultant",
    ("candidates", "clinician_id"): "the candidate's clinician; their team decides the team "
                                    "agenda",
    ("candidates", "consent_date"): "the day the candidate consented to the exchange between "
                                    "psychiatry and job centre; empty = no consent (left off the "
                                    "agenda)",
    ("candidates", "intake_date"): "the day the candidate was taken in; empty = referred, not yet "
                                   "taken in",
    ("candidates", "phase"): "the phase now; must agree with the candidate's latest row in "
                             "`phases` (taken from it when empty)",
    ("candidates", "discharge_date"): "the day the course ended; from this day on the candidate "
                                      "no longer counts as enrolled",
    ("candidates", "discharge_reason"): "empty counts as `other`",
    ("phases", "phase"): "the phase the candidate entered on `from_date`",
    ("phases", "from_date"): "the first day in that phase; one row per candidate and day, not "
                             "before the candidate's `referral_date`",
    ("goals", "set_date"): "the day the goal was set",
    ("actions", "owner"): "who is to do it",
    ("actions", "done_date"): "empty = still open",
    ("contacts", "kind"): "`employer_contact` counts towards rapid job search",
    ("contacts", "consultant_id"): "the consultant who had the contact",
    ("employer_contacts", "employer"): "the employer's name",
    ("employer_contacts", "candidate_id"): "the candidate the contact was for, if any; it then "
                                           "counts as that candidate's employer contact",
    ("employer_contacts", "face_to_face"): "a meeting in person (used for the fidelity estimate)",
    ("placements", "employer"): "employer or place of education",
    ("placements", "end_date"): "empty = still going on",
    ("placements", "end_reason"): "why it ended",
    ("fidelity", "review_date"): "the day of the review; all 25 rows of a review share it",
    ("fidelity", "item"): "IPS-25 item number",
    ("fidelity", "score"): "the review team's score for the item",
    ("supervision", "supervisor"): "who supervised",
    ("supervision", "consultants_present"): "how many consultants took part",
    ("supervision", "clinicians_present"): "how many clinicians took part",
    ("conferences", "date"): "the day of the conference",
    ("conferences", "candidate_id"): "the candidate discussed; empty = the row only says the "
                                     "conference met",
    ("conferences", "consultant_id"): "the IPS consultant who attended",
    ("conferences", "team"): "the clinician team whose conference it was",
    ("conferences", "decision"): "what the conference decided for the candidate (at most 500 "
                                 "characters; never a CPR number)",
    ("conferences", "recorded_by"): "who recorded the decision",
    ("conferences", "origin"): "`conference`: recorded on the agenda dashboard (see *What the "
                               "conference recorded* above)",
    ("candidates", "in_work_at_intake"): "already employed when taken in (IPS Grow counts its "
                                         "employment rate over those out of work)",
    ("followups", "date"): "the day of the call",
    ("followups", "status"): "what the candidate said: in a `job`, in `education`, `neither`, or "
                             "`no_answer` (not reached)",
    ("followups", "hours_per_week"): "hours a week in that job or education, if said",
    ("surveys", "date"): "the day the questionnaire was answered",
    ("surveys", "instrument"): "`mansa` or `experience`",
    ("surveys", "item"): "the question's number: 1–12 for `mansa`, 1–9 for `experience`",
    ("surveys", "score"): "the answer: 1–7 for `mansa`, 1–5 for `experience`",
    ("surveys", "occasion"): "when it was asked: at `intake`, `in_work`, at `discharge`, or `other`",
    ("actions", "origin"): "`conference`: added or marked done on the agenda dashboard (see "
                           "*What the conference recorded* above)",
}

INTRO = """\
# The exchange format

<!-- Generated by tools/make_docs.py from ips_nb/data/schema.py: edit those, not this file. -->

This is how data come into `ips-nb` and go out of it again (`ips-nb validate`, `ips-nb import`,
`ips-nb export`; see [running.md](running.md)). A **source** is either

- a **folder** with one CSV file per table, named after the table (`candidates.csv`,
  `consultants.csv`, ...), or
- one **Excel workbook** (`.xlsx`) with one sheet per table, each sheet named after its table.

Files or sheets with other names are ignored (with a warning).

## General rules

- **Tables.** {required_tables} must be in every source; the other tables may be left out.
  A table that is left out means the sites in the source have no rows of that kind: the rows the
  database holds for those sites in that table are removed (you get a warning).
- **What an import does.** A site's rows in the source replace all of that site's rows in the
  database; other sites are not touched. It is all or nothing: one error and nothing is written.
  Importing the same files twice gives the same database. A first import that fails half-way (a
  full disk, a kill) leaves no database file and no key file behind, so a later `ips-nb run`
  says there is no database instead of reporting on an empty one.
- **Header row.** The first non-blank row holds the column names. Upper or lower case, spaces or
  hyphens for underscores and a trailing `*` are all fine (`Candidate ID*` is `candidate_id`).
  The order of the columns is free. A column marked required below must be there; a column the
  table does not have is ignored (with a warning).
- **Empty cell = unknown.** An empty cell is not zero and not "no": it means nobody knows, except
  where a default is listed below. A required column's cell must not be empty.
- **Dates.** Write {date_formats} (for example `2026-10-31`, `31-10-2026` or `31.10.2026`).
  Real Excel date cells are fine too; in an .xlsx, a plain number in a date column is read as an
  Excel date.
- **Numbers.** A decimal comma (`0,5`) or point (`0.5`) both work; spaces between thousands are
  ignored.
- **Codes.** Cells of kind *code* take one of the listed values. Case does not matter, and spaces
  or hyphens count as underscores (`Job search` is `job_search`). Some columns also accept the
  aliases listed.
- **Yes/no.** {bool_words}.
- **Ids are unique across the whole database.** {keyed} must each be unique in their table, and
  an id that already belongs to another site in the database is refused. Rows of tables without a
  `site` column belong to the site of the candidate or consultant they name, and a row may only
  name candidates, consultants and clinicians of its own site.
- **Sites.** Every site id in the source needs its parameter file `params/<site>.yaml`: the site's
  country decides how identity numbers are checked.
- **CSV files.** UTF-8 (with or without a byte-order mark; Excel's "CSV UTF-8"). A file that is not
  UTF-8 is read as Windows-1252 with a warning: check that æ, ø, å, ä and ö look right. A file
  that mixes the two (rows pasted from a UTF-8 file into a Windows-1252 one, which would be stored
  as `Ã…rhus`) is refused, naming the rows of each kind: save the whole file as "CSV UTF-8". The
  separator may be a comma, a semicolon or a tab.
- **Large workbooks.** Before an `.xlsx` is opened, its parts may unpack to at most {xlsx_mb} MB
  in all, a part may be packed at most {xlsx_ratio} times (a real workbook packs 5 to 30 times, a
  zip bomb about 1,000), a sheet may have at most {xlsx_rows} rows (a row numbered further down
  counts as every row above it) and the workbook at most {xlsx_strings} shared strings. A
  workbook over a limit is refused in one line that names the limit and what was found, before
  anything is read; a region's real month is far below them. Each limit can be changed with an
  environment variable: {xlsx_env}.
- **CPR numbers and personnummer are pseudonymised.** The `cpr` column is checked against the
  site's country (Denmark: `DDMMYY-SSSS`; Sweden: `YYMMDD-NNNC` or with the century, check digit
  included, samordningsnummer accepted) and then **never stored**: the database keeps only a keyed
  pseudonym (HMAC-SHA256) that recognises the same person again. The same person twice in one
  source is an error; the same person at another site is a warning. `ips-nb export` writes the
  pseudonym in a column `{hash_column}` instead of the number, and the importer accepts that
  column back. Keep the key safe (see [running.md](running.md#the-pseudonym-key)): with another
  key the same person gets another pseudonym.
- **Only job and education are the outcome.** Placements of kind {outcome_kinds} count as the IPS
  outcome (ordinary work or ordinary education). Internships and work trials are recorded and
  counted on their own; they never count as outcome.
- **What the conference recorded.** `conferences` and `actions` have a column `origin`:
  `conference` for a row recorded on the agenda dashboard, `source` (or empty, or no such column)
  for a row of the site's own system. `ips-nb export` writes it and the importer keeps it, so an
  export imported again and then the site's source imported again loses no decision and no
  action. An import replaces a site's `source` rows; a `conference` row the file does not carry
  is kept (an action: the same `action_id`; a decision: the same site, date and candidate
  replace it, and the file's row then counts). **Editing an export by hand:** a row you change
  and leave as `conference` stays the conference's, with your change; a row you set to `source`
  is handed to the source system, and the next import of a source without it removes it.
  Deleting a `conference` row from the file does not delete it from the database (set it to
  `source` and import the source without it); `conference` written on a row of the source makes
  it the conference's, kept by later imports that lack it.
- **Identity numbers in free text are masked.** Clinicians type numbers into notes, so every
  free-text column (marked *free text* below) is searched for CPR numbers and personnummer,
  however written: with dots, slashes, spaces or any dash, zero-width characters,
  full-width digits, or the serial a few words after the date ("fødselsdato 010190 løbenr
  1234"). A number found is replaced by the marker in the site's language (`[CPR fjernet]`,
  `[personnummer borttaget]`, `[ID number removed]`) and each replacement is a warning naming
  file, row and column, never the number; the rest of the row imports. An id, a reference or a
  `site` holding one is an error: rows point at it, so it cannot be masked. Phone numbers,
  dates, amounts and addresses are left as they are. What a database stored before this is
  masked by `ips-nb redact` (see [running.md](running.md)).
- **Every problem at once.** `ips-nb validate` and `ips-nb import` list every problem as file (or
  sheet), row as the spreadsheet shows it (the header is row 1), column, value and a plain
  message. Identity numbers in messages are masked.
"""

TABLES_INTRO = """\
Kinds of column: *text*, *date*, *number* (decimals allowed), *whole number*, *yes/no*, *code*
(one of the listed values) and *CPR / personnummer*. "Points at" means the value must be an id of
that table, belonging to the same site."""


def _code(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _number(x: float) -> str:
    return f"{x:g}"


def _aliases(col: Column) -> str:
    """'also accepted: `k`, `kvinde` for `female`; ...': the aliases that are not a value themselves."""
    groups: dict[str, list[str]] = {}
    for alias, value in col.aliases.items():
        if alias.lower() != value:
            groups.setdefault(value, []).append(alias)
    if not groups:
        return ""
    parts = [f"{_code(groups[v])} for `{v}`" for v in col.choices if v in groups]
    return "also accepted: " + "; ".join(parts)


def _values(table: Table, col: Column) -> str:
    bits = []
    if col.choices:
        bits.append(_code(col.choices))
        aliases = _aliases(col)
        if aliases:
            bits.append(aliases)
    if col.low is not None and col.high is not None:
        bits.append(f"{_number(col.low)} to {_number(col.high)}")
    elif col.low is not None:
        bits.append(f"at least {_number(col.low)}")
    elif col.high is not None:
        bits.append(f"at most {_number(col.high)}")
    if col.ref:
        bits.append(f"points at `{col.ref}`")
    if col.default is not None:
        shown = _number(col.default) if isinstance(col.default, float) else f"`{col.default}`"
        bits.append(f"empty = {shown}")
    if col.name == table.key:
        bits.append("unique across the database")
    if col.name == "site":
        bits.append("a site id with its `params/<site>.yaml`")
    return "; ".join(bits)


def _order_rules(table: Table) -> dict[str, str]:
    rules: dict[str, list[str]] = {}
    for start, end in DATE_ORDER.get(table.name, []):
        rules.setdefault(end, []).append(f"`{start}`")
    return {end: "not before " + " or ".join(starts) for end, starts in rules.items()}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> list[str]:
    lines = [f"### {table.name}", ""]
    if table.name in TABLE_NOTES:
        lines += [TABLE_NOTES[table.name], ""]
    lines += ["| column | required | kind | values | notes |", "| --- | --- | --- | --- | --- |"]
    order = _order_rules(table)
    for col in file_columns(table.name):  # the declared columns, then `origin` (schema)
        note = getattr(col, "description", None) or COLUMN_NOTES.get((table.name, col.name), "")
        if col.name in free_text_columns(table.name):
            note = "; ".join(x for x in (note, "*free text*: identity numbers masked") if x)
        if col.name in order:
            note = "; ".join(x for x in (note, order[col.name]) if x)
        lines.append(f"| `{col.name}` | {'yes' if col.required else ''} | {KIND_WORDS.get(col.kind, col.kind)} "
                     f"| {_cell(_values(table, col))} | {_cell(note)} |")
    if table.site_via:
        lines += ["", f"The row's site is the site of its `{table.site_via}`."]
    return lines + [""]


def _check_notes() -> None:
    """A hand-written note must belong to a table and column the schema declares."""
    stale = [t for t in TABLE_NOTES if t not in TABLES]
    stale += [f"{t}.{c}" for t, c in COLUMN_NOTES
              if t not in TABLES or c not in {col.name for col in file_columns(t)}]
    if stale:
        raise SystemExit(f"tools/make_docs.py: notes for what the schema no longer has: {', '.join(stale)}")


def render() -> str:
    """The whole page as text (what the file must hold)."""
    _check_notes()
    yes = _code(sorted(k for k, v in BOOL_ALIASES.items() if v))
    no = _code(sorted(k for k, v in BOOL_ALIASES.items() if not v))
    bool_words = f"Cells of kind *yes/no* take {yes} for yes and {no} for no (any case)"
    keyed = ", ".join(f"`{TABLES[t].key}`" for t in TABLE_ORDER if TABLES[t].key)
    intro = INTRO.format(
        required_tables=" and ".join(f"`{t}`" for t in REQUIRED_TABLES),
        date_formats=re.sub(r"[YMD][YMD.-]+[YMD]", lambda m: f"`{m.group()}`", DATE_FORMATS),
        bool_words=bool_words, keyed=keyed, hash_column=HASH_COLUMN,
        outcome_kinds=" and ".join(f"`{k}`" for k in OUTCOME_KINDS),
        xlsx_mb=f"{XlsxLimits.unpacked_mb:,}", xlsx_ratio=f"{XlsxLimits.ratio:,}",
        xlsx_rows=f"{XlsxLimits.rows:,}", xlsx_strings=f"{XlsxLimits.strings:,}",
        xlsx_env=", ".join(f"`{XLSX_LIMIT_ENV[k]}` ({what})" for k, what in (
            ("unpacked_mb", "MB"), ("ratio", "times"), ("rows", "rows a sheet"),
            ("strings", "shared strings"))))
    lines = [intro, "## The tables", "", TABLES_INTRO, "",
             "In the order an import writes them: " + ", ".join(f"[{t}](#{t})" for t in TABLE_ORDER)
             + ".", ""]
    for name in TABLE_ORDER:
        lines += _table(TABLES[name])
    return "\n".join(lines).rstrip("\n") + "\n"


SETTINGS_INTRO = """\
# Environment variables

<!-- Generated by tools/make_docs.py from ips_nb/settings.py: edit those, not this file. -->

Every variable `ips-nb` reads, with its type, its default and what it does. An empty value counts
as not set. Every command checks them all before it does anything: a value of the wrong type (a
word where a number belongs, `IPS_NB_XLSX_MAX_ROWS=lots`) stops it with one sentence naming the
variable and what it must be, exit status 2. A *flag* takes `1` or `0` (also `true`/`false`,
`yes`/`no`, `on`/`off`). Command-line options win over these (`--db` over `IPS_NB_DB`).
"""

SETTINGS_GROUPS = {
    OPERATOR: ("## Set by you", "For a command, a workbook run by hand, or the hub process."),
    INTERNAL: ("## Set by ips-nb for its own processes",
               "`ips-nb run`, `serve` and `hub` set these for the processes they start (kernels, "
               "the dashboard server); they are listed so that nothing reads a variable this page "
               "does not name. Setting them yourself is for debugging a dashboard by hand."),
}


def render_settings() -> str:
    """docs/settings.md: one table per group of variables, in the order the module declares them."""
    lines = [SETTINGS_INTRO]
    rows = fields()
    for who, (heading, text) in SETTINGS_GROUPS.items():
        lines += [heading, "", text, "", "| variable | type | default | what it sets |", "| --- | --- | --- | --- |"]
        for name, kind, default, row_who, help_text in rows:
            if row_who == who:
                shown = f"`{default}`" if default else ""
                lines.append(f"| `{name}` | {kind} | {shown} | {_cell(help_text)} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


PAGES = {OUT: render, SETTINGS_OUT: render_settings}


def main(argv: list[str]) -> int:
    stale = 0
    for out, make in PAGES.items():
        text = make()
        if "--check" in argv:
            if not out.is_file() or out.read_text(encoding="utf-8") != text:
                print(f"{out.relative_to(ROOT)} is out of date: run .venv/bin/python tools/make_docs.py")
                stale = 1
            continue
        out.parent.mkdir(exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
    return stale


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
