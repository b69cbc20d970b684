"""`ips-nb hub`: the dashboards of every site behind JupyterHub (login, groups, per-service access).

JupyterHub does what every Jupyter deployment leaves to it: the login (its authenticator), the
users and groups, the session cookies, the proxy (configurable-http-proxy, from npm into the
project's node_modules/). We add one hub-managed service, `ips`: one Voila server for every site
(`ips_nb.live.voila_app` with `--IpsVoila.hub=True`), reached at /services/ips/. The service asks
the hub who a browser's cookie belongs to (OAuth) and `params/access.yaml` what that user may see.

`configure(c, ...)` writes all of it into a JupyterHub config object, so the same setup runs as
`ips-nb hub` (which starts `jupyterhub -f ips_nb/live/jupyterhub_config.py`) or inside a
region's own `jupyterhub_config.py`, which then sets its own authenticator (LDAP, OAuth):

    from ips_nb.live.hub import configure
    configure(c, params_dir="/srv/ips/params", db="postgresql+psycopg://ips@db/ips")
    c.JupyterHub.authenticator_class = "ldap"

For the demo the authenticator is JupyterHub's own shared password (`use_shared_password`, from
$IPS_NB_HUB_PASSWORD; no hub without it), with failed logins slowed down per user name and per
address (ips_nb.live.login). A region's LDAP or OAuth login is throttled by its directory.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ips_nb.data.store import absolute_db_url, db_url
from ips_nb.live.access import AccessError, AccessWatch, hub_name, load_access
from ips_nb.live.noise import HUB_LOOPBACK_NOISE, HUB_NOISE, quiet
from ips_nb.live.serve import CULL_IDLE, CULL_INTERVAL, port_in_use, port_taken_message, stop_child, voila_command
from ips_nb.live.wording import live_labels
from ips_nb.pages.labels import Labels
from ips_nb.resources import checkout_tool, hub_config_file, templates_dir
from ips_nb.settings import default, env_name, settings

CONFIG_FILE = hub_config_file()
# JupyterHub's own pages (login, errors, home, logout) in the reader's language: ours first in
# c.JupyterHub.template_paths, each extending JupyterHub's (`templates/login.html`, ...).
HUB_TEMPLATES = templates_dir() / "hub"
SERVICE = "ips"
PASSWORD_ENV = env_name("hub_password")
MIN_PASSWORD = 8  # JupyterHub's SharedPasswordAuthenticator refuses shorter ones
# The shared warm pool: kernels that have run the dashboard code over no rows, for any site. Two
# keep up with a person clicking through dashboards; each holds ~110 MB. A used one is replaced
# after FILL_DELAY seconds (warming is imports, not a whole dashboard as in `ips-nb serve`).
WARM_POOL = default("hub_warm_pool")
FILL_DELAY = 2.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# seconds a name (an address) is locked after too many failed logins; doubles after each further lock
LOGIN_LOCK: float = default("hub_login_lock")


class HubError(ValueError):
    """The hub cannot start as asked: no password, no proxy, a bad access file."""


def proxy_command() -> str:
    """configurable-http-proxy as `make setup` installs it in a checkout (npm ci into node_modules/),
    else on PATH (conda's configurable-http-proxy, or npm's global install beside a wheel)."""
    local = checkout_tool("configurable-http-proxy")
    if local:
        return str(local)
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    raise HubError("configurable-http-proxy is not installed: run `make setup` in a checkout (npm ci, from "
                   "package.json), else `npm install -g configurable-http-proxy` or conda's configurable-http-proxy")


def free_port(ip: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def service_prefix(name: str = SERVICE) -> str:
    return f"/services/{name}/"


def hub_words(watch: AccessWatch, user: object | None) -> Labels:
    """The catalogue a JupyterHub page is written from (the templates' `ips`): the user's sites'
    language, the hub's before login or for a coordinator of several languages (ips_nb.live.access)."""
    rules = watch.current()
    name = getattr(user, "name", None)
    groups = {getattr(g, "name", str(g)) for g in (getattr(user, "groups", None) or [])} if name else set()
    return live_labels(rules.lang_for(name, groups) if name else rules.lang)


def configure(c, *, params_dir: str | Path = "params", access: str | Path | None = None,  # noqa: ANN001 - traitlets Config
              db: str | None = None, reports: str | Path = "reports", ip: str = "127.0.0.1", port: int = 8000,
              state_dir: str | Path = "data/hub", warm_pool: int = WARM_POOL, cull_idle: int = CULL_IDLE,
              cull_interval: int = CULL_INTERVAL, fill_delay: float = FILL_DELAY, today: date | None = None,
              api_port: int = 0) -> None:
    """Set up JupyterHub config `c` to serve every site's dashboards from `params_dir`.

    Leaves the authenticator alone (set one: `use_shared_password`, or a region's LDAP/OAuth).
    The hub's own state (its database, cookie secret, pid files) goes to `state_dir`; its
    internal ports (hub API, proxy API, the dashboard service) are free loopback ports (the hub
    API's `api_port` when given: `ips-nb hub` asks it directly whether the hub is up). `today`
    fixes the day the default periods count from (a demo's anchor day); by default the clock's."""
    params = Path(params_dir).resolve()
    access_file = Path(access).resolve() if access else params / "access.yaml"
    rules = load_access(access_file, params)  # a typo stops the hub here, with the file's name
    state = Path(state_dir).resolve()
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o700)  # the cookie secret and the hub's database live here
    service_port = free_port()
    prefix = service_prefix()

    c.JupyterHub.bind_url = f"http://{ip}:{port}/"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{api_port or free_port()}/"
    quiet(logging.getLogger("JupyterHub"),  # the hub's log (its proxy's and services' lines too)
          {**HUB_NOISE, **(HUB_LOOPBACK_NOISE if ip in LOOPBACK else {})})
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{free_port()}"
    c.ConfigurableHTTPProxy.command = [proxy_command()]
    c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    # After logging in, a user lands on the service's page of their dashboards. Nobody gets a
    # notebook server of their own: the `user` role grants the service and names, not servers.
    c.JupyterHub.default_url = prefix
    # Its login, error and home pages in the reader's language (templates/hub/, hub_words); the
    # access file is read again when it changes, so a new `lang` counts without a restart.
    watch = AccessWatch(access_file, params)
    c.JupyterHub.template_paths = [str(HUB_TEMPLATES)]
    c.JupyterHub.template_vars = {"ips": lambda user: hub_words(watch, user), "ips_dashboards_url": prefix}
    c.JupyterHub.load_roles = [{
        "name": "user", "description": "IPS dashboards: what access.yaml lets the user see",
        "scopes": [f"access:services!service={SERVICE}", "read:users:name!user", "read:users:groups!user"],
    }]
    # Whom the hub admits: every name in access.yaml, not users left in the hub's database by an
    # earlier file (an authenticator with its own rules, e.g. LDAP's allowed_groups, admits more);
    # members of groups the file lists.
    c.Authenticator.allowed_users = set(rules.user_names())
    c.Authenticator.allow_existing_users = False  # a name taken out of the file no longer logs in
    c.JupyterHub.load_groups = {g: {"users": [hub_name(m) for m in members]} for g, members in rules.groups.items()}
    c.JupyterHub.services = [{
        "name": SERVICE,
        "url": f"http://127.0.0.1:{service_port}",
        "command": voila_command(service_port, hub=True, base_url=prefix, warm_pool=warm_pool,
                                 cull_idle=cull_idle, cull_interval=cull_interval, fill_delay=fill_delay),
        "environment": {
            "IPS_NB_SERVE": "1",
            "IPS_NB_SERVE_DB_URL": absolute_db_url(db_url(db)),
            "IPS_NB_SERVE_PARAMS_DIR": str(params),
            "IPS_NB_SERVE_ACCESS": str(access_file),
            "IPS_NB_SERVE_REPORTS": str(Path(reports).resolve()),
            **({"IPS_NB_SERVE_TODAY": today.isoformat()} if today else {}),
            **{k: os.environ[k] for k in ("HOME", "TMPDIR", "PGPASSFILE", "PGSERVICEFILE") if k in os.environ},
        },
        "cwd": str(state),  # the hub's own folder: nothing lands in the package or beside params/
        "oauth_no_confirm": True,  # our own service: no "authorize this application?" page
        "display": False,
    }]


def use_shared_password(c, password: str | None, *, lock: float = LOGIN_LOCK) -> None:  # noqa: ANN001
    """The demo's login: JupyterHub's SharedPasswordAuthenticator, one password for every listed
    user, with failed attempts slowed down (ips_nb.live.login): `lock` seconds, doubling."""
    from ips_nb.live.login import ThrottledSharedPasswordAuthenticator

    if not password or len(password) < MIN_PASSWORD:
        raise HubError(f"set {PASSWORD_ENV} to the hub's password (at least {MIN_PASSWORD} characters); "
                       "no hub starts without one")
    c.JupyterHub.authenticator_class = ThrottledSharedPasswordAuthenticator
    c.ThrottledSharedPasswordAuthenticator.user_password = password
    c.ThrottledSharedPasswordAuthenticator.lock_seconds = lock


def configure_from_env(c) -> None:  # noqa: ANN001
    """What `ips_nb/live/jupyterhub_config.py` does: `configure` from IPS_NB_HUB_* variables
    (set by `ips-nb hub`), and the shared password from $IPS_NB_HUB_PASSWORD."""
    s = settings()
    password = s.hub_password.get_secret_value() if s.hub_password else None
    # first: without it nothing is set up, not even data/hub/
    use_shared_password(c, password, lock=s.hub_login_lock)
    # A TLS proxy in front of the hub: its address is skipped in X-Forwarded-For (the log's and
    # the login throttle's client address), as JupyterHub's trusted_downstream_ips does.
    trusted = [a.strip() for a in s.hub_trusted_proxies.split(",") if a.strip()]
    if trusted:
        c.JupyterHub.trusted_downstream_ips = trusted
    configure(c, params_dir=s.hub_params, access=s.hub_access, db=s.hub_db, reports=s.hub_reports,
              ip=s.hub_ip, port=s.hub_port, state_dir=s.hub_state, warm_pool=s.hub_warm_pool,
              cull_idle=s.hub_cull_idle, cull_interval=s.hub_cull_interval, today=s.hub_today,
              api_port=s.hub_api_port)
    os.environ.pop(PASSWORD_ENV, None)  # the proxy and the service inherit the hub's environment: not this


@dataclass
class HubOptions:
    """What `ips-nb hub` was asked for (paths as given; made absolute for the hub process)."""

    port: int = 8000
    ip: str = "127.0.0.1"
    db: str | None = None
    params_dir: str = "params"
    access: str | None = None
    reports: str = "reports"
    state_dir: str = "data/hub"
    warm_pool: int = WARM_POOL
    cull_idle: int = CULL_IDLE
    cull_interval: int = CULL_INTERVAL
    today: date | None = None
    login_lock: float = LOGIN_LOCK
    trusted_proxies: tuple[str, ...] = ()
    api_port: int = 0  # the hub's own API on loopback; 0: a free one, chosen here

    def __post_init__(self) -> None:
        self.api_port = self.api_port or free_port()

    def env(self, password: str) -> dict[str, str]:
        env = dict(os.environ, IPS_NB_HUB_PORT=str(self.port), IPS_NB_HUB_IP=self.ip,
                   IPS_NB_HUB_DB=absolute_db_url(db_url(self.db)),
                   IPS_NB_HUB_PARAMS=str(Path(self.params_dir).resolve()),
                   IPS_NB_HUB_REPORTS=str(Path(self.reports).resolve()),
                   IPS_NB_HUB_STATE=str(Path(self.state_dir).resolve()),
                   IPS_NB_HUB_WARM_POOL=str(self.warm_pool), IPS_NB_HUB_CULL_IDLE=str(self.cull_idle),
                   IPS_NB_HUB_CULL_INTERVAL=str(self.cull_interval), IPS_NB_HUB_LOGIN_LOCK=str(self.login_lock),
                   IPS_NB_HUB_TRUSTED_PROXIES=",".join(self.trusted_proxies), IPS_NB_HUB_API_PORT=str(self.api_port))
        env[PASSWORD_ENV] = password
        env.pop("IPS_NB_HUB_ACCESS", None)
        env.pop("IPS_NB_HUB_TODAY", None)
        if self.today:
            env["IPS_NB_HUB_TODAY"] = self.today.isoformat()
        if self.access:
            env["IPS_NB_HUB_ACCESS"] = str(Path(self.access).resolve())
        return env

    @property
    def api_url(self) -> str:
        """The hub's own API, behind the proxy: up before the proxy can route to it."""
        return f"http://127.0.0.1:{self.api_port}/"

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip  # noqa: S104 - only for printing
        return f"http://{host}:{self.port}/"


def hub_lang(options: HubOptions) -> str:
    """The region's language as the hub's pages have it (access.yaml's `lang`, else its sites')."""
    params = Path(options.params_dir)
    return load_access(options.access or params / "access.yaml", params).lang


def check(options: HubOptions, password: str | None) -> None:
    """Everything that would stop the hub, before starting it: password, proxy, access file, a
    port already taken (one sentence naming --port, in the hub's language)."""
    if not password or len(password) < MIN_PASSWORD:
        raise HubError(f"set {PASSWORD_ENV} to the hub's password (at least {MIN_PASSWORD} characters); "
                       "no hub starts without one")
    proxy_command()
    params = Path(options.params_dir)
    try:
        rules = load_access(options.access or params / "access.yaml", params)
    except AccessError as exc:
        raise HubError(str(exc)) from None
    if port_in_use(options.port, options.ip or "0.0.0.0"):  # noqa: S104 - as the hub would bind it
        raise HubError(port_taken_message(options.port, rules.lang, command="ips-nb hub", target="hub",
                                          ip=options.ip or "0.0.0.0"))  # noqa: S104


def launch_hub(options: HubOptions, password: str | None = None, **popen: object) -> subprocess.Popen:
    """Start JupyterHub (`jupyterhub -f ips_nb/live/jupyterhub_config.py`) and return its process."""
    password = password if password is not None else os.environ.get(PASSWORD_ENV)
    check(options, password)
    Path(options.state_dir).mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)]
    return subprocess.Popen(cmd, env=options.env(password or ""), cwd=str(Path(options.state_dir).resolve()),
                            **popen)  # type: ignore[arg-type]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 120, api_url: str | None = None) -> bool:
    """True once the hub answers its health check; False if it stopped first or took too long.

    With `api_url` (HubOptions.api_url) the hub's own API is asked first, and the proxy only once
    the hub answers: asked earlier, the proxy logged each try as an 8-line error ("Failed to get
    custom error page: … ECONNREFUSED") on every start. Until the hub has given the proxy its
    route (once the dashboard service is up, a few seconds later) each try is still one line
    "404 GET /hub/health" in the proxy's log."""
    end = time.monotonic() + timeout
    for base in ([api_url] if api_url else []) + [url]:
        while True:
            if time.monotonic() > end or proc.poll() is not None:
                return False
            try:
                urllib.request.urlopen(base.rstrip("/") + "/hub/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5 if base == api_url else 1.0)
    return True


def equivalent_command(options: HubOptions) -> str:
    """The `jupyterhub -f …` a region would run for the same hub (the password from the environment)."""
    return (f"IPS_NB_HUB_PARAMS={options.params_dir} IPS_NB_HUB_PORT={options.port} IPS_NB_HUB_IP={options.ip} "
            f"{PASSWORD_ENV}=… jupyterhub -f {CONFIG_FILE}")


def run_hub(options: HubOptions) -> int:
    """`ips-nb hub` in the foreground until Ctrl-C: checks, starts, prints the URL, waits.

    Exit 2 when it cannot start as asked (no password, no proxy, a bad access file)."""
    try:
        proc = launch_hub(options)
    except HubError as exc:
        print(f"ips-nb: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda signum, frame: proc.terminate())
    try:
        if wait_until_up(options.url, proc, api_url=options.api_url):
            L = live_labels(hub_lang(options))
            print(L("hub_started_url", url=options.url,
                    access=options.access or Path(options.params_dir) / "access.yaml"))
            print(L("hub_same_command", command=equivalent_command(options)))
            print(L("stop_with_ctrl_c"), flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return stop_child(proc, grace=30)
