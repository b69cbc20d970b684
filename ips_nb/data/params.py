"""Site parameters (`params/<site>.yaml`), validated so a typo is an error with the file's name."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ips_nb.data.goals_spec import LEGACY, GoalError, legacy_goals, parse_goal, parse_group
from ips_nb.data.problems import excerpt
from ips_nb.settings import settings

WEEKDAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
            "mandag": 1, "tirsdag": 2, "onsdag": 3, "torsdag": 4, "fredag": 5,
            "måndag": 1, "tisdag": 2}


class ParamsError(ValueError):
    """A parameters file is missing, unreadable or holds a bad value."""


class ParamsWarning(UserWarning):
    """A parameters file holds a key that still loads but changes nothing; the file is used."""


class Goals(BaseModel):
    """What a site aims at; each goal is shown beside its figure and never changes how it is counted.

    `rapid_search_share` is the share of candidates whose first employer contact comes within 30
    days of intake (the figure always counts 30 days). The older `rapid_search_days` still loads,
    so an old file keeps working, but it changes nothing: `retired()` names it and `load_params`
    warns once.
    """

    model_config = ConfigDict(extra="forbid")
    outcome_rate: float | None = Field(None, ge=0, le=1)
    retention_4m: float | None = Field(None, ge=0, le=1)
    fidelity_total: int | None = Field(None, ge=25, le=125)
    rapid_search_share: float | None = Field(None, ge=0, le=1)
    rapid_search_days: int | None = Field(None, ge=1, le=365)  # retired: read, warned about, unused

    def retired(self) -> list[str]:
        """One sentence per retired goal the file still sets (empty when none)."""
        if self.rapid_search_days is None:
            return []
        return ["goals.rapid_search_days is no longer used and changes no figure: the first "
                "employer contact is always counted within 30 days; set goals.rapid_search_share "
                "(the share you aim to reach within 30 days, e.g. 0.8) instead"]


class Surveys(BaseModel):
    """Which questionnaire the site asks its candidates (the agenda's `survey_due` reason)."""

    model_config = ConfigDict(extra="forbid")
    instrument: Literal["mansa", "experience"]


FULL_TIME_HOURS = {"DK": 37.0, "SE": 40.0}


class SiteParams(BaseModel):
    """What one site decides: its language, conference day, caseload ceiling, teams and goals.

    `goals` in the file is a list of goals (docs/goals.md) or the older mapping; either way
    `goal_list` holds them as `Goal`s in the file's order, and `goals` the mapping the figures
    table compares with (from a list: its goals on those figures over the whole site, undated).
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    site: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    language: Literal["da", "sv", "en"]
    country: Literal["DK", "SE"]
    conference_weekday: int = Field(ge=1, le=7)
    caseload_max: int = Field(20, ge=1, le=100)
    teams: list[str] = Field(default_factory=list)
    goals: Goals = Field(default_factory=Goals)
    groups: dict[str, Any] = Field(default_factory=dict)
    goal_list: list[Any] = Field(default_factory=list)
    # the hours of a full-time week an hours threshold is a share of (default: 37 DK, 40 SE)
    full_time_hours: float | None = Field(None, gt=0, le=60)
    surveys: Surveys | None = None
    labels: dict[str, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _goals(cls, data: object) -> object:
        """Groups and goals checked here, so a bad goal is a bad parameters file (exit 2)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "goal_list" in data:
            raise GoalError("goal_list: not a parameter (write the goals under goals:)")
        raw_groups = data.get("groups") or {}
        if not isinstance(raw_groups, dict):
            raise GoalError("groups: must be a mapping of group names to conditions")
        groups = {str(name): parse_group(str(name), cond) for name, cond in raw_groups.items()}
        data["groups"] = groups
        goals = data.get("goals")
        if isinstance(goals, list):
            parsed = [parse_goal(i, g, set(groups)) for i, g in enumerate(goals, start=1)]
            data["goal_list"] = parsed
            data["goals"] = {g.measure: g.target for g in parsed
                             if g.measure in LEGACY and g.group is None and not g.settings}
        elif isinstance(goals, dict):
            data["goal_list"] = legacy_goals(goals)
        return data

    @property
    def full_time(self) -> float:
        """The site's full-time week in hours: its own `full_time_hours`, else its country's."""
        return self.full_time_hours or FULL_TIME_HOURS[self.country]

    @field_validator("labels")
    @classmethod
    def _placeholders(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """A label may hold placeholders such as {n}, nothing else: a stray brace would break its
        page, and {n.__class__} would print what the program holds instead of a number."""
        import string

        for key, texts in v.items():
            for lang, text in texts.items():
                try:
                    names = [name for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
                except ValueError as exc:
                    raise ValueError(f"labels.{key}.{lang}: {exc} (write a brace as {{{{ or }}}})") from None
                bad = [n for n in names if not n.isidentifier()]
                if bad:
                    raise ValueError(f"labels.{key}.{lang}: {{{bad[0]}}} is not a placeholder; "
                                     "placeholders are plain names such as {n}")
        return v

    @field_validator("conference_weekday", mode="before")
    @classmethod
    def _weekday(cls, v: object) -> object:
        if isinstance(v, str) and v.strip().lower() in WEEKDAYS:
            return WEEKDAYS[v.strip().lower()]
        return v


# A site's parameters are a screenful of keys; anything near this size is not one.
MAX_BYTES = 64 * 1024


class _PlainYaml(yaml.SafeLoader):
    """YAML without aliases: `*name` can multiply a few lines into gigabytes ("billion laughs"),
    and parameters never need one."""

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201 - PyYAML's hook
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"line {mark.line + 1}: aliases (*name) are not allowed in parameters")
        return super().compose_node(parent, index)


def team_name(params: SiteParams, team: str | None) -> str | None:
    """The team as the site's parameters spell it ('team nord' -> 'Team Nord'); None for the site.

    A team the parameters do not list stays as given (its agenda is simply empty)."""
    if not team:
        return None
    return next((t for t in params.teams if t.casefold() == team.casefold()), team)


def read_yaml(path: Path) -> dict:
    """A parameters file as a mapping: size-capped, without aliases, errors in one short line."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise ParamsError(f"{path}: is larger than {MAX_BYTES // 1024} KB; a parameters file is a "
                              "few keys (is this the right file?)")
        data = yaml.load(raw.decode("utf-8"), Loader=_PlainYaml) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ParamsError(f"{path}: cannot be read: {excerpt(' '.join(str(exc).split()), 200)}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: must be a mapping of keys to values")
    return data


def _merge(base: dict, own: dict) -> dict:
    out = dict(base)
    for k, v in own.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def default_params_dir() -> Path:
    """$IPS_NB_PARAMS, else `params/` here or one level up (JupyterLab opens workbooks/ as cwd)."""
    env = settings().params
    if env:
        return env
    for candidate in (Path("params"), Path("..") / "params"):
        if candidate.is_dir():
            return candidate
    return Path("params")


def _problem(e: dict) -> str:
    """One validation error as the file's reader can act on it: where, what, and what was given."""
    error = (e.get("ctx") or {}).get("error")
    if isinstance(error, GoalError):  # says where itself (goals[2].months: ...)
        return str(error)
    where = ".".join(map(str, e["loc"])) or "(file)"
    got = (f" (got {excerpt(repr(e['input']))})"
           if e["type"] != "missing" and not isinstance(e["input"], dict) else "")
    return f"{where}: {e['msg']}{got}"


def load_params(params_dir: str | Path | None, site: str) -> SiteParams:
    """Load `<dir>/<site>.yaml` on top of `<dir>/defaults.yaml` (when present) and validate it."""
    params_dir = Path(params_dir) if params_dir else default_params_dir()
    path = params_dir / f"{site}.yaml"
    if not path.is_file():
        raise ParamsError(f"{path}: no parameters file for site {site!r}")
    data = read_yaml(path)
    own_goals = data.get("goals") if isinstance(data.get("goals"), dict) else {}
    defaults = params_dir / "defaults.yaml"
    if defaults.is_file():
        data = _merge(read_yaml(defaults), data)
    try:
        params = SiteParams.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())
        raise ParamsError(f"{path}: {problems}") from None
    if params.site != site:
        raise ParamsError(f"{path}: site is {params.site!r} but the file is named for {site!r}")
    for sentence in params.goals.retired():  # non-fatal: the file loads, the key changes nothing
        source = path if "rapid_search_days" in own_goals else defaults
        if (str(source), sentence) not in _WARNED:
            _WARNED.add((str(source), sentence))
            warnings.warn(f"{source}: {sentence}", ParamsWarning, stacklevel=2)
    return params


_WARNED: set[tuple[str, str]] = set()  # (file, sentence) warned about in this process: once each


# Files in params/ that are not a site: what all sites share, and who may see which (ips-nb hub).
NOT_SITES = ("defaults", "access")


def site_ids(params_dir: str | Path) -> list[str]:
    """Every site that has a parameters file."""
    return sorted(p.stem for p in Path(params_dir).glob("*.yaml") if p.stem not in NOT_SITES)
