"""The goals a site writes in its parameters: which measures exist, which settings each takes.

A goal is `{measure, target, group?, source?, label?, ...settings}` (docs/goals.md). This module
only checks what a file says — an unknown measure, group or setting, a target out of range, a
period that is no year or date range — and turns it into `Goal` objects; what a goal's value is
lives in `ips_nb.figures.goals`. Every error names the goal's position (1 = the first goal of the
list) and the key, so a coordinator can find the line.

Settings avoid the words YAML 1.1 reads as true/false (`on`, `off`, `yes`, `no`): a goal "on a
date" is written `date:`, never `on:`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ips_nb.data.schema import PLACEMENT_KINDS

LANGS = ("da", "sv", "en")
RATE, COUNT, SCORE = "rate", "count", "score"

# measure -> (what its value is, required settings, optional settings)
MEASURES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "outcome_within": (RATE, ("months",), ("kinds", "min_hours_share")),
    "outcome_on": (RATE, (), ("date", "kinds", "min_hours_share")),
    "in_work_after_discharge": (RATE, ("months",), ("kinds",)),
    "outcome_started_in": (RATE, ("period",), ("kinds", "min_hours_share")),
    "intakes_in": (COUNT, ("period",), ()),
    "active_caseload": (COUNT, (), ()),
    "employment_rate_3m": (RATE, (), ("kinds",)),
    "rapid_search_share": (RATE, (), ()),
    "fidelity_total": (SCORE, (), ("by",)),
    "survey_share": (RATE, ("instrument", "item", "min_score"), ("occasion",)),
}
# The older mapping form (`goals: {outcome_rate: 0.6, ...}`): a goal on the figure of that name.
LEGACY = {"outcome_rate": RATE, "retention_4m": RATE, "fidelity_total": SCORE,
          "rapid_search_share": RATE}
GOAL_KEYS = ("measure", "target", "group", "source", "label")
DEFAULT_KINDS = {"employment_rate_3m": ("job",)}
INSTRUMENTS = {"mansa": (12, 7), "experience": (9, 5)}  # items, highest score
OCCASIONS = ("intake", "in_work", "discharge", "other")


class GoalError(ValueError):
    """A goal the file cannot mean: the message names its position and the key."""


@dataclass(frozen=True)
class Period:
    """A goal's period: a calendar year or a date range, both days included."""

    first: date
    last: date
    year: int | None = None

    def as_json(self) -> object:
        return self.year if self.year is not None else {"from": self.first.isoformat(),
                                                        "to": self.last.isoformat()}


@dataclass(frozen=True)
class Goal:
    """One goal as the file states it (`settings` holds the measure's own keys, checked)."""

    position: int
    measure: str
    target: float | int
    group: str | None = None
    source: str | None = None
    label: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)  # checked by parse_goal, values of any type
    legacy: bool = False  # from the older mapping form: compared with the figure of that name

    @property
    def kind(self) -> str:
        return LEGACY[self.measure] if self.legacy else MEASURES[self.measure][0]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.settings.get("kinds") or DEFAULT_KINDS.get(self.measure, ("job", "education")))


def _where(i: int, key: str | None = None) -> str:
    return f"goals[{i}]" + (f".{key}" if key else "")


def _day(i: int, key: str, v: object) -> date:
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise GoalError(f"{_where(i, key)}: {v!r} is not a date (write YYYY-MM-DD)")


def _period(i: int, v: object) -> Period:
    if isinstance(v, int) and not isinstance(v, bool) and 1900 <= v <= 2100:
        return Period(date(v, 1, 1), date(v, 12, 31), v)
    if isinstance(v, dict) and set(v) == {"from", "to"}:
        first, last = _day(i, "period.from", v["from"]), _day(i, "period.to", v["to"])
        if last < first:
            raise GoalError(f"{_where(i, 'period')}: ends ({last}) before it starts ({first})")
        return Period(first, last)
    raise GoalError(f"{_where(i, 'period')}: {v!r} is neither a year (2018) nor a date range "
                    "({from: YYYY-MM-DD, to: YYYY-MM-DD})")


def _int(i: int, key: str, v: object, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise GoalError(f"{_where(i, key)}: {v!r} is not a whole number from {low} to {high}")
    return v


def _setting(i: int, measure: str, key: str, v: object, raw: dict) -> object:
    if key == "months":
        return _int(i, key, v, 1, 120)
    if key in ("date", "by"):
        return _day(i, key, v)
    if key == "period":
        return _period(i, v)
    if key == "kinds":
        if not isinstance(v, list) or not v or any(k not in PLACEMENT_KINDS for k in v):
            raise GoalError(f"{_where(i, key)}: {v!r} must be a list of {', '.join(PLACEMENT_KINDS)}")
        return tuple(dict.fromkeys(v))
    if key == "min_hours_share":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1:
            raise GoalError(f"{_where(i, key)}: {v!r} must be a share of full time above 0 and at most 1")
        return float(v)
    if key == "instrument":
        if v not in INSTRUMENTS:
            raise GoalError(f"{_where(i, key)}: {v!r} must be one of {', '.join(INSTRUMENTS)}")
        return v
    if key == "item":
        items = INSTRUMENTS.get(raw.get("instrument"), (12, 7))[0]
        return _int(i, key, v, 1, items)
    if key == "min_score":
        top = INSTRUMENTS.get(raw.get("instrument"), (12, 7))[1]
        return _int(i, key, v, 1, top)
    if key == "occasion":
        if v not in OCCASIONS:
            raise GoalError(f"{_where(i, key)}: {v!r} must be one of {', '.join(OCCASIONS)}")
        return v
    raise GoalError(f"{_where(i, key)}: unknown setting")  # pragma: no cover - guarded by caller


def _target(i: int, kind: str, v: object) -> float | int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise GoalError(f"{_where(i, 'target')}: {v!r} is not a number")
    low, high = {RATE: (0, 1), COUNT: (0, 100_000), SCORE: (25, 125)}[kind]
    if not low <= v <= high:
        hint = " (a share is written 0.6 for 60 %)" if kind == RATE and v > 1 else ""
        raise GoalError(f"{_where(i, 'target')}: {v!r} is outside {low}–{high}{hint}")
    if kind != RATE:  # a count or a score is a whole number
        if float(v) != int(v):
            raise GoalError(f"{_where(i, 'target')}: {v!r} must be a whole number")
        return int(v)
    return float(v)


def parse_goal(i: int, raw: object, groups: set[str]) -> Goal:
    """One entry of the `goals:` list (position `i`, counted from 1)."""
    if not isinstance(raw, dict):
        raise GoalError(f"{_where(i)}: a goal is a mapping such as {{measure: outcome_within, "
                        f"months: 18, target: 0.6}}")
    bad_keys = [k for k in raw if not isinstance(k, str)]
    if bad_keys:
        raise GoalError(f"{_where(i)}: the key {bad_keys[0]!r} is not a word (YAML reads on/off/"
                        "yes/no as true/false: write date:, never on:)")
    measure = raw.get("measure")
    if measure not in MEASURES:
        raise GoalError(f"{_where(i, 'measure')}: unknown measure {measure!r}; one of "
                        f"{', '.join(MEASURES)}")
    kind, required, optional = MEASURES[measure]
    for key in raw:
        if key not in GOAL_KEYS and key not in required + optional:
            allowed = ", ".join(required + optional) or "none"
            raise GoalError(f"{_where(i, key)}: unknown setting for {measure} (its settings: {allowed})")
    for key in required + ("target",):
        if key not in raw:
            raise GoalError(f"{_where(i, key)}: {measure} needs {key}")
    group = raw.get("group")
    if group is not None and group not in groups:
        raise GoalError(f"{_where(i, 'group')}: unknown group {group!r}; the file's groups: "
                        f"{', '.join(sorted(groups)) or 'none'}")
    label = raw.get("label") or {}
    if not isinstance(label, dict) or any(k not in LANGS or not isinstance(t, str) for k, t in label.items()):
        raise GoalError(f"{_where(i, 'label')}: write it per language, e.g. {{da: ..., sv: ..., en: ...}}")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise GoalError(f"{_where(i, 'source')}: write where the goal comes from as text")
    settings = {k: _setting(i, measure, k, v, raw) for k, v in raw.items() if k in required + optional}
    return Goal(i, measure, _target(i, kind, raw["target"]), group, source, dict(label), settings)


def legacy_goals(mapping: dict[str, Any]) -> list[Goal]:
    """The older mapping form as goals on the figures of those names, in the file's order."""
    out = []
    for i, (key, value) in enumerate(((k, v) for k, v in mapping.items() if k in LEGACY and v is not None),
                                     start=1):
        out.append(Goal(i, key, value if LEGACY[key] == SCORE else float(value), legacy=True))
    return out


@dataclass(frozen=True)
class Group:
    """A named target group: every condition given must hold (docs/goals.md)."""

    name: str
    ages: tuple[int, int] | None = None
    municipalities: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()


def parse_group(name: str, raw: object) -> Group:
    if not isinstance(raw, dict) or not raw:
        raise GoalError(f"groups.{name}: a group needs at least one condition (ages, municipalities "
                        "or teams)")
    unknown = [k for k in raw if k not in ("ages", "municipalities", "teams")]
    if unknown:
        raise GoalError(f"groups.{name}.{unknown[0]}: unknown condition (ages, municipalities, teams)")
    ages = raw.get("ages")
    if ages is not None:
        if (not isinstance(ages, list) or len(ages) != 2
                or any(isinstance(a, bool) or not isinstance(a, int) for a in ages)
                or not 0 <= ages[0] <= ages[1] <= 120):
            raise GoalError(f"groups.{name}.ages: {ages!r} must be [youngest, oldest], e.g. [18, 29]")
        ages = (ages[0], ages[1])
    lists = {}
    for key in ("municipalities", "teams"):
        v = raw.get(key)
        if v is not None and (not isinstance(v, list) or not v or any(not isinstance(x, str) for x in v)):
            raise GoalError(f"groups.{name}.{key}: {v!r} must be a list of names")
        lists[key] = tuple(v or ())
    return Group(name, ages, lists["municipalities"], lists["teams"])
