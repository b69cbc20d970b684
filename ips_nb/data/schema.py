"""The exchange format, declared once.

The importer, the validator, the store, the demo generator and the docs all read these
declarations, so a column is added in one place (docs/exchange-format.md is generated from it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

GENDERS = ("female", "male", "other", "unknown")
GENDER_ALIASES = {
    "k": "female", "kvinde": "female", "kvinna": "female", "f": "female", "woman": "female",
    "m": "male", "mand": "male", "man": "male",
    "female": "female", "male": "male", "other": "other", "unknown": "unknown",
    "andet": "other", "annat": "other", "ukendt": "unknown", "okänd": "unknown",
}
PHASES = ("referral", "engagement", "assessment", "job_search", "employed", "education",
          "follow_along", "discharged")
# Spellings of a phase beside its code, shared by `candidates.phase` and `phases.phase` (case,
# spaces and hyphens are forgiven anyway: `Job search` is `job_search`).
PHASE_ALIASES: dict[str, str] = {}
# The phase a candidate taken in is in until the phase history records another.
DEFAULT_PHASE = "engagement"
DISCHARGE_REASONS = ("employed", "education", "own_request", "referred_elsewhere", "moved",
                     "absence", "no_contact", "other")
GOAL_KINDS = ("job", "education")
GOAL_STATUSES = ("active", "achieved", "dropped")
ACTION_OWNERS = ("consultant", "clinician", "candidate", "other")
CONTACT_KINDS = ("meeting", "employer_contact", "interview", "benefits_counselling", "other")
PLACEMENT_KINDS = ("job", "education", "internship", "work_trial")
OUTCOME_KINDS = ("job", "education")
# What a candidate said when called after discharge (Aalborg calls 4 months on), and the surveys
# a site may ask: MANSA's 12 life-satisfaction items scored 1–7, or the site's own questions on
# the support ("experience"), up to 9 items scored 1–5 (the validator checks each instrument's
# own ranges; the columns' bounds are the widest).
FOLLOWUP_STATUSES = ("job", "education", "neither", "no_answer")
SURVEY_INSTRUMENTS = ("mansa", "experience")
SURVEY_RANGES = {"mansa": (12, 7), "experience": (9, 5)}  # instrument -> (items, highest score)
SURVEY_OCCASIONS = ("intake", "in_work", "discharge", "other")
BOOL_ALIASES = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
                "ja": True, "nej": False, "sand": True, "falsk": False}


@dataclass(frozen=True)
class Column:
    """One column of the exchange format.

    kind: str, date, float, int, bool, enum, cpr. `ref` names the table whose id this column
    must point at (checked on import). A date column records something that happened, so the
    importer refuses a date after the day of the import, unless the column is `planned` (a due
    date, a planned end, a consultant's agreed first day).
    """

    name: str
    kind: str = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    ref: str | None = None
    low: float | None = None
    high: float | None = None
    default: object = None
    planned: bool = False  # a date that may lie after the day of the import (a plan, not a record)


@dataclass(frozen=True)
class Table:
    """One table: its columns, its id column (unique across the database) and how it finds its site."""

    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    site_via: str | None = None  # column that points at a candidate/consultant owning the site
    order: tuple[str, ...] = ()  # columns that sort its rows when read or exported (keyless tables)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


C = Column
TABLES: dict[str, Table] = {t.name: t for t in (
    Table("consultants", (
        C("consultant_id", required=True), C("site", required=True), C("name", required=True),
        C("fte", "float", low=0.01, high=2.0, default=1.0), C("start_date", "date", planned=True),
    ), key="consultant_id"),
    Table("clinicians", (
        C("clinician_id", required=True), C("site", required=True), C("name", required=True),
        C("team"),
    ), key="clinician_id"),
    Table("candidates", (
        C("candidate_id", required=True), C("site", required=True),
        C("referral_date", "date", required=True), C("cpr", "cpr"), C("initials"),
        C("gender", "enum", choices=GENDERS, aliases=GENDER_ALIASES),
        C("birth_year", "int", low=1900, high=2100), C("municipality"),
        C("consultant_id", ref="consultants"), C("clinician_id", ref="clinicians"),
        C("consent_date", "date"), C("intake_date", "date"),
        C("phase", "enum", choices=PHASES, aliases=PHASE_ALIASES), C("discharge_date", "date"),
        C("discharge_reason", "enum", choices=DISCHARGE_REASONS),
        C("in_work_at_intake", "bool"),
    ), key="candidate_id"),
    Table("phases", (
        C("candidate_id", required=True, ref="candidates"),
        C("phase", "enum", required=True, choices=PHASES, aliases=PHASE_ALIASES),
        C("from_date", "date", required=True),
    ), site_via="candidate_id", order=("candidate_id", "from_date")),
    Table("goals", (
        C("candidate_id", required=True, ref="candidates"),
        C("kind", "enum", required=True, choices=GOAL_KINDS),
        C("description", required=True), C("set_date", "date", required=True),
        C("status", "enum", choices=GOAL_STATUSES, default="active"),
    ), site_via="candidate_id"),
    Table("actions", (
        C("action_id", required=True), C("candidate_id", required=True, ref="candidates"),
        C("description", required=True),
        C("owner", "enum", required=True, choices=ACTION_OWNERS),
        C("due_date", "date", required=True, planned=True), C("created_date", "date"),
        C("done_date", "date"),
    ), key="action_id", site_via="candidate_id"),
    Table("contacts", (
        C("candidate_id", required=True, ref="candidates"), C("date", "date", required=True),
        C("kind", "enum", required=True, choices=CONTACT_KINDS),
        C("consultant_id", ref="consultants"),
    ), site_via="candidate_id"),
    Table("employer_contacts", (
        C("consultant_id", required=True, ref="consultants"), C("date", "date", required=True),
        C("employer", required=True), C("candidate_id", ref="candidates"),
        C("face_to_face", "bool"),
    ), site_via="consultant_id"),
    Table("placements", (
        C("placement_id", required=True), C("candidate_id", required=True, ref="candidates"),
        C("kind", "enum", required=True, choices=PLACEMENT_KINDS),
        C("employer", required=True), C("start_date", "date", required=True),
        C("end_date", "date", planned=True), C("hours_per_week", "float", low=0, high=80),
        C("end_reason"),
    ), key="placement_id", site_via="candidate_id"),
    Table("fidelity", (
        C("site", required=True), C("review_date", "date", required=True),
        C("item", "int", required=True, low=1, high=25),
        C("score", "int", required=True, low=1, high=5),
    )),
    Table("supervision", (
        C("site", required=True), C("date", "date", required=True),
        C("supervisor", required=True), C("consultants_present", "int", low=0, high=100),
        C("clinicians_present", "int", low=0, high=100),
    )),
    Table("conferences", (
        C("site", required=True), C("date", "date", required=True),
        C("candidate_id", ref="candidates"), C("consultant_id", ref="consultants"), C("team"),
        C("decision"), C("recorded_by"),
    )),
    Table("followups", (
        C("candidate_id", required=True, ref="candidates"), C("date", "date", required=True),
        C("status", "enum", required=True, choices=FOLLOWUP_STATUSES),
        C("hours_per_week", "float", low=0, high=80),
    ), site_via="candidate_id", order=("candidate_id", "date")),
    Table("surveys", (
        C("candidate_id", required=True, ref="candidates"), C("date", "date", required=True),
        C("instrument", "enum", required=True, choices=SURVEY_INSTRUMENTS),
        C("item", "int", required=True, low=1, high=12),
        C("score", "int", required=True, low=1, high=7),
        C("occasion", "enum", choices=SURVEY_OCCASIONS),
    ), site_via="candidate_id", order=("candidate_id", "date", "instrument", "item")),
)}

# Tables in the order a loader must write them (referenced tables first).
TABLE_ORDER = list(TABLES)

# Pairs (start, end) checked on import: an end before its start is an error.
DATE_ORDER = {
    "candidates": [("referral_date", "intake_date"), ("intake_date", "discharge_date"),
                   ("referral_date", "discharge_date")],
    "placements": [("start_date", "end_date")],
    "actions": [("created_date", "done_date")],
}


# Beside the exchange tables, the store keeps one table of its own: one row holding the fingerprint
# of the key that made every `cpr_hash` in the database (an HMAC of a fixed label under the key,
# never the key). An import or a re-key with another key is refused instead of silently hashing
# the same person differently (see identity.key_fingerprint).
KEY_TABLE = "pseudonym_key"
KEY_COLUMNS = ("slot", "fingerprint")  # slot is always 1: the table never holds a second row

# An export carries, next to each `cpr_hash`, the short fingerprint of the key that made it, so an
# export is only ever re-imported into a database keyed alike.
HASH_COLUMN = "cpr_hash"
HASH_KEY_COLUMN = "cpr_key"


# Rows of `conferences` and `actions` carry where they came from: 'source' (an import of the
# site's own system) or 'conference' (recorded on the agenda dashboard, data.conference). A
# re-import of the site keeps the 'conference' rows unless the source now carries the same row
# (conferences: the same site, date and candidate; actions: the same action_id). `ips-nb export`
# writes the column and the importer reads it back (empty or absent = 'source'), so export →
# import → import of the source loses nothing the conference recorded. It is not one of the
# tables' declared columns because a report never reads it (tables.readable_columns): a file
# column only, beside the declared ones (file_columns).
ORIGIN_COLUMN = "origin"
ORIGIN_TABLES = ("conferences", "actions")
ORIGINS = ("source", "conference")
ORIGIN = Column(ORIGIN_COLUMN, "enum", choices=ORIGINS, default="source")

# The conference writes' limits on free text (data.conference); a text that looks like a CPR
# number or personnummer is refused whatever its length.
DECISION_MAX = 500
DESCRIPTION_MAX = 300

# The store's append-only record of every write made on the dashboard (data.conference): who,
# when (UTC), site, table, row key, what (insert/update), the row before and after as JSON.
# No import, replace or export touches it.
AUDIT_TABLE = "audit"


def stored_columns(table: str) -> list[str]:
    """Columns as the store holds them: CPR is kept only as a keyed hash, every row has a site."""
    names = ["cpr_hash" if c.kind == "cpr" else c.name for c in TABLES[table].columns]
    if "site" not in names:
        names.insert(0, "site")
    return names


def file_columns(table: str) -> tuple[Column, ...]:
    """The columns a file of this table may carry: the declared ones, then `origin` where the
    store keeps it (ORIGIN_TABLES), which export writes and import reads."""
    extra = (ORIGIN,) if table in ORIGIN_TABLES else ()
    return TABLES[table].columns + extra
