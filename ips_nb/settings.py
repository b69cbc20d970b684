"""Every `IPS_NB_*` environment variable, declared once: its type, its default and what it is for.

Why one module: the variables were read in a dozen places, each with its own idea of a default and
of what counts as "set" (`"1"`, anything but `"0"`, any non-empty text), and nobody could list them.
Here each is a field of `Settings` (pydantic-settings, prefix `IPS_NB_`); docs/settings.md is
generated from these fields by tools/make_docs.py, so the page cannot drift from the code.

Reading, not writing: variables a parent process hands to its children (the database URL with its
password to a batch run's kernels, the `IPS_NB_SERVE_*` of a dashboard's kernel, the `IPS_NB_HUB_*`
of the hub process) stay environment variables, set by the parent as before; this module only
reads them. `settings()` reads the environment as it is *now* (a command sets
`IPS_NB_GROUP_READABLE` for its own run, tests use monkeypatch): its cache is keyed by the current
`IPS_NB_*` values, so a changed variable is seen at the next call.

A value of the wrong type is `SettingsError`, one sentence naming the variable and what it must be
(the command line prints it and exits 2), never pydantic's report.

The lowest layer: imports nothing of ips_nb, so every layer may import it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

PREFIX = "IPS_NB_"

# Who sets a variable, for the documentation's table: the operator, or ips-nb for its own children.
OPERATOR, INTERNAL = "operator", "internal"

# An explicit environment for one `settings(env)` call (a dashboard's settings from a given mapping).
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("ips_nb_settings_env", default=None)


class SettingsError(ValueError):
    """An `IPS_NB_*` variable whose value is not of its type: the sentence says which and why."""


def _var(description: str, *, who: str = OPERATOR, must: str | None = None, **kw: Any) -> Any:
    """A field with its help text; `who` sets it, `must` words what a wrong value should have been."""
    extra: dict[str, Any] = {"who": who}
    if must:
        extra["must"] = must
    return Field(description=description, json_schema_extra=extra, **kw)


WHOLE = "a whole number of at least 1"
FLAG = "1 or 0 (or true/false, yes/no, on/off)"
# JSON decoded by a validator of ours, so a bad value is a validation error like any other
JsonObject = Annotated[dict[str, Any], NoDecode]
JsonList = Annotated[list[str], NoDecode]


class _Env(EnvSettingsSource):
    """The process environment, or the mapping one `settings(env)` call was given instead."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        given = _ENVIRONMENT.get()
        return parse_env_vars(os.environ if given is None else given, self.case_sensitive,
                              self.env_ignore_empty, self.env_parse_none_str)


class Settings(BaseSettings):
    """The `IPS_NB_*` variables. An empty value counts as not set (as every reader did before)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore",
                                      frozen=True)

    # -- every command -------------------------------------------------------------------------
    db: str | None = _var("the database URL when `--db` is not given (default `sqlite:///data/ips.db`); "
                          "also the whole URL, password included, for a notebook whose `db_url` hides "
                          "the password (`ips-nb run` hands it to its kernels this way)", default=None)
    group_readable: bool = _var("what is written is readable by the owner's group too (0640/0750 "
                                "instead of 0600/0700); `--group-readable` sets it for one command",
                                default=False, must=FLAG)
    debug: bool = _var("an unexpected error shows its traceback instead of one line", default=False,
                       must=FLAG)
    # -- import and the pseudonym key ----------------------------------------------------------
    key: SecretStr | None = _var("the pseudonym key itself (instead of the key file)", default=None)
    key_file: Path = _var("the file holding the pseudonym key", default=Path(".ips_nb_key"))
    xlsx_max_mb: int = _var("an .xlsx may unpack to at most this many MB in all", default=100, ge=1,
                            must=WHOLE)
    xlsx_max_rows: int = _var("an .xlsx sheet may have at most this many rows (a row numbered further "
                              "down counts as every row above it)", default=500_000, ge=1, must=WHOLE)
    xlsx_max_strings: int = _var("an .xlsx may hold at most this many shared strings",
                                 default=1_000_000, ge=1, must=WHOLE)
    xlsx_max_ratio: int = _var("a part of an .xlsx over 1 MB may be packed at most this many times "
                               "(a real workbook packs 5 to 30 times, a zip bomb about 1,000)",
                               default=250, ge=1, must=WHOLE)
    # -- reports ---------------------------------------------------------------------------------
    params: Path | None = _var("the parameters folder for workbooks run by hand (default `params/` "
                               "here or one level up)", default=None)
    workbooks: Path | None = _var("another folder of workbooks for `ips-nb run`", default=None)
    chromium: str | None = _var("the Chromium program for `--pdf` (default `chromium` on the path, "
                                "else /usr/bin/chromium)", default=None)
    fork_kernels: bool = _var("0: start each notebook's kernel the ordinary way (slower) instead of "
                              "forking a prepared one", default=True, must=FLAG)
    runtime_dir: str | None = _var("a batch run's scratch folder, where its kernels' connection files "
                                   "go", who=INTERNAL, default=None)
    kernel_dir: str | None = _var("a batch run's folder of kernel sockets", who=INTERNAL, default=None)
    # -- ips-nb hub (the hub process reads these; `ips-nb hub` sets all but the password) -------
    hub_password: SecretStr | None = _var("the demo login's one password for `ips-nb hub` (at least 8 "
                                          "characters; the hub does not start without it)", default=None)
    hub_login_lock: float = _var("seconds a user name or address is locked after too many failed "
                                 "logins (doubling)", default=30.0, must="a number of seconds")
    hub_trusted_proxies: str = _var("comma-separated addresses of a TLS proxy in front of the hub, "
                                    "skipped in X-Forwarded-For", default="")
    hub_params: Path = _var("the hub's folder of site parameters and access.yaml", default=Path("params"))
    hub_access: Path | None = _var("the hub's access.yaml (default: in the parameters folder)",
                                   default=None)
    hub_db: str | None = _var("the hub's database URL (default as `IPS_NB_DB`)", default=None)
    hub_reports: Path = _var("the hub's reports folder", default=Path("reports"))
    hub_ip: str = _var("the address the hub listens on", default="127.0.0.1")
    hub_port: int = _var("the port the hub listens on", default=8000, ge=1, must=WHOLE)
    hub_api_port: int = _var("the hub's API port (0: chosen free)", default=0, ge=0,
                             must="a whole number")
    hub_state: Path = _var("the hub's own database and cookie secret", default=Path("data/hub"))
    hub_warm_pool: int = _var("dashboard kernels the hub keeps started and waiting", default=2, ge=0,
                              must="a whole number")
    hub_cull_idle: int = _var("seconds a dashboard kernel with no page may stay idle (also "
                              "`ips-nb serve`)", default=120, ge=1, must=WHOLE)
    hub_cull_interval: int = _var("seconds between looks for idle kernels (also `ips-nb serve`)",
                                  default=20, ge=1, must=WHOLE)
    hub_today: date | None = _var("the demo's anchor day for the hub's dashboards", default=None,
                                  must="a date (YYYY-MM-DD)")
    # -- a dashboard server and its kernels (set by `ips-nb serve` and `ips-nb hub`) -------------
    serve: bool = _var("1 in a dashboard server and its kernels", who=INTERNAL, default=False, must=FLAG)
    serve_site: str | None = _var("the pinned site (none: a coordinator's server, with a chooser)",
                                  who=INTERNAL, default=None)
    serve_user: str | None = _var("who is looking: the hub's user, or the OS user of `ips-nb serve`",
                                  who=INTERNAL, default=None)
    serve_month: str | None = _var("the dashboards' default month (default: the latest complete one)",
                                   who=INTERNAL, default=None)
    serve_week: str | None = _var("the dashboards' default week (default: this week)", who=INTERNAL,
                                  default=None)
    serve_today: date | None = _var("the demo's anchor day for a dashboard server", who=INTERNAL,
                                    default=None, must="a date (YYYY-MM-DD)")
    serve_db_url: str | None = _var("the database URL a dashboard's kernel reads", who=INTERNAL,
                                    default=None)
    serve_params_dir: Path = _var("the parameters folder of a dashboard server", who=INTERNAL,
                                  default=Path("params"))
    serve_access: Path | None = _var("the access.yaml a dashboard server behind the hub watches",
                                     who=INTERNAL, default=None)
    serve_reports: Path = _var("the reports folder a dashboard server offers", who=INTERNAL,
                               default=Path("reports"))
    serve_lang: str = _var("the dashboards' language", who=INTERNAL, default="en")
    serve_can_write: bool = _var("1: the user may record the conference", who=INTERNAL, default=False,
                                 must=FLAG)
    serve_write_check: str | None = _var("behind the hub: where a kernel asks, before each save, "
                                         "whether the user still may", who=INTERNAL, default=None)
    serve_kernel_key: SecretStr | None = _var("behind the hub: the key that says which kernel asks",
                                              who=INTERNAL, default=None)
    serve_token: SecretStr | None = _var("the dashboard server's token (removed from the environment "
                                         "before any kernel starts)", who=INTERNAL, default=None)
    serve_index: JsonObject = _var("the index page's settings (JSON)", who=INTERNAL,
                                       default_factory=dict, must="a JSON object")
    serve_resources: JsonObject = _var("extra resources for the dashboards (JSON)", who=INTERNAL,
                                           default_factory=dict, must="a JSON object")
    serve_allow_hosts: JsonList = _var("host names the server answers besides loopback (JSON list)",
                                        who=INTERNAL, default_factory=list, must="a JSON list")

    @field_validator("xlsx_max_mb", "xlsx_max_rows", "xlsx_max_strings", "xlsx_max_ratio", mode="before")
    @classmethod
    def _digits(cls, value: Any) -> Any:
        """`1_000_000` and ` 1000 ` are numbers as a person writes them."""
        return value.strip().replace("_", "") if isinstance(value, str) else value

    @field_validator("serve_index", "serve_resources", "serve_allow_hosts", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError("not JSON") from exc

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment (or the given mapping); no .env file, no secrets folder:
        a region's operator sets variables, and a file found by accident must not change a run."""
        return init_settings, _Env(settings_cls)


def env_name(field: str) -> str:
    """The variable's name: `xlsx_max_rows` → `IPS_NB_XLSX_MAX_ROWS`."""
    return PREFIX + field.upper()


def default(field: str) -> Any:
    """A field's default, for the modules that keep it as a constant (the hub's warm pool, …)."""
    return Settings.model_fields[field].get_default(call_default_factory=True)


def _sentence(exc: ValidationError, env: Mapping[str, str]) -> str:
    """'IPS_NB_XLSX_MAX_ROWS must be a whole number of at least 1; it is 'lots'' (each wrong one)."""
    parts = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        info = Settings.model_fields.get(field)
        extra = info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}
        must = extra.get("must") or "of its type"
        name = env_name(field)
        secret = info is not None and info.annotation in (SecretStr, SecretStr | None)
        shown = "" if secret else f"; it is {str(env.get(name, err.get('input', ''))).strip()!r}"
        parts.append(f"{name} must be {must}{shown}")
    return "; ".join(parts)


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings now: from the process environment, or from `env` when given.

    Cached by the current `IPS_NB_*` values, so it costs a scan of the environment, and a variable
    set a moment ago (by a command, or by a test's monkeypatch) is seen. SettingsError for a wrong
    value."""
    source = os.environ if env is None else env
    mine = tuple(sorted((k, v) for k, v in source.items() if k.upper().startswith(PREFIX)))
    return _load(mine)


@lru_cache(maxsize=32)
def _load(mine: tuple[tuple[str, str], ...]) -> Settings:
    given = dict(mine)
    token = _ENVIRONMENT.set(given)
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(_sentence(exc, given)) from None
    finally:
        _ENVIRONMENT.reset(token)


def reset() -> None:
    """Forget what was read (a test that changes os.environ behind monkeypatch's back)."""
    _load.cache_clear()


def fields() -> list[tuple[str, str, str, str, str]]:
    """(variable, type, default, who sets it, help) for each field, in declaration order: the docs."""
    rows = []
    for field, info in Settings.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        rows.append((env_name(field), _type_word(info.annotation), _default_word(default(field)),
                     str(extra.get("who", OPERATOR)), info.description or ""))
    return rows


def _type_word(annotation: Any) -> str:
    words: dict[Any, str] = {str: "text", int: "whole number", float: "number", bool: "flag", Path: "path",
             date: "date", SecretStr: "secret text"}
    for kind, word in words.items():
        if annotation is kind or annotation == kind | None:
            return word
    origin = getattr(annotation, "__origin__", None)
    kinds: dict[Any, str] = {dict: "JSON object", list: "JSON list"}
    return kinds.get(origin, str(annotation))


def _default_word(value: Any) -> str:
    if value is None or value == "" or value == {} or value == []:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return f"{value:,}" if value >= 10_000 else str(value)  # 500,000 rows; port 8000
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
