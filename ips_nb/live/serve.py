"""`ips-nb serve`: Voila on 127.0.0.1 serving the two dashboards (dashboards/*.ipynb).

Voila runs in its own process (`ips_nb.live.voila_app`: our template, only the dashboards reachable).
Settings reach the kernels as IPS_NB_SERVE_* variables: the pinned site (no page or query string
can change it), the database, the parameters, the default periods (read from the clock here) and
the operating-system user who started the server (the kernel's `Settings.user`).
Kernels are preheated, one pool per dashboard, so the default view is computed before anyone asks;
a kernel whose page has gone is culled after a short idle time (ips_nb.live.kernels).

Safe by default: `serve()` (what the command runs) makes a random token, prints it in the
dashboards' addresses as Jupyter does, and the server refuses any request without it (403);
`--no-token` turns that off explicitly. Host must be a loopback name (or one given with
`--allow-host`) and a browser's Origin the server's own, always (ips_nb.live.guard).
"""
from __future__ import annotations

import getpass
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from ips_nb.data.store import absolute_db_url, db_url
from ips_nb.figures.periods import Month, Week
from ips_nb.live.wording import KIND_LABELS, live_labels, page_info
from ips_nb.resources import dashboards_dir
from ips_nb.settings import default

DASHBOARDS_DIR = dashboards_dir()  # dashboards/ in a checkout, ips_nb/dashboards/ installed
KINDS = KIND_LABELS
# Refill a used pool this long after a page took its kernel: refilling runs a whole dashboard,
# which on two cores would otherwise compete with the first page's drawing.
FILL_DELAY = 8.0
# A kernel with no page connected is ended after this many idle seconds (idle time restarts when
# its last page disconnects); the culler looks every CULL_INTERVAL seconds. A page closed
# normally ends its kernel at once.
CULL_IDLE: int = default("hub_cull_idle")
CULL_INTERVAL: int = default("hub_cull_interval")


def voila_command(port: int, *, lang: str = "en", pool_size: int = 1, preheat: bool = True,
                  fill_delay: float = FILL_DELAY, hub: bool = False, base_url: str = "/",
                  warm_pool: int = 0, cull_idle: int = CULL_IDLE, cull_interval: int = CULL_INTERVAL) -> list[str]:
    """The Voila server's command line: standalone (preheated per dashboard) or `hub=True` (the
    JupyterHub service: every site in one server, a shared warm pool of `warm_pool` kernels)."""
    cmd = [sys.executable, "-m", "ips_nb.live.voila_app", str(DASHBOARDS_DIR), "--no-browser",
           "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
           f"--Voila.base_url={base_url}", f"--Voila.server_url={base_url}",
           "--VoilaConfiguration.template=ips", "--VoilaConfiguration.strip_sources=True",
           "--VoilaConfiguration.show_tracebacks=False",
           "--VoilaConfiguration.allow_template_override=NO",
           "--VoilaConfiguration.allow_theme_override=NO",
           "--VoilaConfiguration.extension_denylist=jupyterlab_pygments",  # no code to highlight
           # charts are drawn by the template's plotly.js; the lab extension would load it again
           "--VoilaConfiguration.extension_denylist=jupyterlab-plotly",
           "--VoilaConfiguration.multi_kernel_manager_class=ips_nb.live.kernels.DashboardKernels",
           f"--VoilaExporter.language_code={lang}",
           f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
           f"--MappingKernelManager.cull_interval={cull_interval}",
           "--MappingKernelManager.cull_connected=False",
           # kernels talk to the server over Unix sockets in the server's own 0700 runtime folder,
           # not loopback TCP that any local user could connect to (each kernel warned of it)
           "--KernelManager.transport=ipc"]
    if hub:
        cmd += ["--IpsVoila.hub=True", f"--DashboardKernels.warm_pool={warm_pool}",
                f"--DashboardKernels.fill_delay={fill_delay}"]
    elif preheat:
        cmd += ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}",
                f"--VoilaKernelManager.fill_delay={fill_delay}"]
    return cmd


def os_user() -> str:
    """Who started the server: the identity standalone dashboards act for."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no name for this uid (containers)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def serve_env(site: str | None, db: str | None, params_dir: str, today: date, lang: str = "en",
              index: dict | None = None, resources: dict | None = None, *, token: str = "",
              allow_hosts: tuple[str, ...] | list[str] = (), user: str | None = None) -> dict[str, str]:
    env = dict(os.environ, IPS_NB_SERVE="1",
               IPS_NB_SERVE_DB_URL=absolute_db_url(db_url(db)),
               IPS_NB_SERVE_PARAMS_DIR=str(Path(params_dir).resolve()),
               IPS_NB_SERVE_MONTH=str(Month.latest_complete(today)),
               IPS_NB_SERVE_WEEK=str(Week.containing(today)),
               IPS_NB_SERVE_LANG=lang,
               IPS_NB_SERVE_USER=user or os_user(),
               IPS_NB_SERVE_CAN_WRITE="1",  # standalone: the local user records the conference
               IPS_NB_SERVE_INDEX=json.dumps(index or {}),
               IPS_NB_SERVE_RESOURCES=json.dumps(resources or {}),
               IPS_NB_SERVE_ALLOW_HOSTS=json.dumps(list(allow_hosts)))
    for name in ("IPS_NB_SERVE_SITE", "IPS_NB_SERVE_TOKEN"):
        env.pop(name, None)
    if site:
        env["IPS_NB_SERVE_SITE"] = site
    if token:
        env["IPS_NB_SERVE_TOKEN"] = token  # the server reads it and keeps it from its kernels
    return env


def dashboard_urls(port: int, token: str = "") -> dict[str, str]:
    base = f"http://127.0.0.1:{port}/voila/render"
    query = f"?token={token}" if token else ""
    return {kind: f"{base}/{kind}.ipynb{query}" for kind in KINDS}


def launch(site: str | None, port: int, db: str | None, params_dir: str, *, today: date | None = None,
           pool_size: int = 1, preheat: bool = True, voila: dict | None = None, token: str = "",
           allow_hosts: tuple[str, ...] | list[str] = (), **popen: object) -> subprocess.Popen:
    """Start the Voila process and return it (the caller waits for it or stops it).

    `token` is what every request must carry (`?token=` once, then a cookie); "" means none, as for
    tests on a throwaway server. `serve()`, which the command runs, always makes one unless told not to."""
    from ips_nb.data.params import load_params

    today = today or date.today()
    # without a site, the pages start in the user's language (their locale) until a site is chosen
    lang, site_name, overrides = user_lang(), "", None
    if site:
        p = load_params(params_dir, site)  # a wrong site id fails here, not in the browser
        lang, site_name, overrides = p.language, p.name, p.labels
    month, week = Month.latest_complete(today), Week.containing(today)
    resources = page_info(lang, site_name, month, week, overrides)
    L = live_labels(lang, overrides)
    index = {"lang": lang, "title": L("dashboards") + (f" · {site_name}" if site_name else ""),
             "links": [[f"{k}.ipynb", resources["titles"][k]] for k in KINDS]}
    cmd = voila_command(port, lang=lang, pool_size=pool_size, preheat=preheat, **(voila or {}))
    env = serve_env(site, db, params_dir, today, lang, index, resources, token=token, allow_hosts=allow_hosts)
    return subprocess.Popen(cmd, env=env, **popen)  # type: ignore[arg-type]


def user_lang(environ: dict[str, str] | None = None) -> str:
    """The language of the person at the terminal, from their locale (LC_ALL, LC_MESSAGES, LANG as
    gettext reads them): da or sv when it is Danish or Swedish, else English. What `ips-nb serve`
    without `--site` says its few sentences in (with a site, the site's language)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            lang = value.split("_")[0].split(".")[0].lower()
            return lang if lang in ("da", "sv") else "en"
    return "en"


def port_in_use(port: int, ip: str = "127.0.0.1") -> bool:
    """True when something listens on `ip:port` already: the server could not bind it. Bound as
    tornado binds (SO_REUSEADDR), so a port whose last connections are only closing counts as free."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError:
            return True
    return False


def free_port_after(port: int, ip: str = "127.0.0.1", tries: int = 50) -> int:
    """The first free port after `port` (what the sentence suggests), else any free one."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        if not port_in_use(candidate, ip):
            return candidate
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def port_taken_message(port: int, lang: str = "en", *, command: str = "ips-nb serve", target: str = "serve",
                       ip: str = "127.0.0.1") -> str:
    """One sentence in `lang`: the port is taken, and how to choose another (--port, make … PORT=)."""
    other = free_port_after(port, ip)
    return live_labels(lang)("port_taken", port=port, command=command, other=other, target=target)


def wait_listening(port: int, proc: subprocess.Popen, ip: str = "127.0.0.1", pause: float = 0.2) -> bool:
    """True once `proc`'s server accepts connections on `ip:port`; False if it ended first."""
    while proc.poll() is None:
        try:
            with socket.create_connection((ip, port), timeout=2):
                return True
        except OSError:
            time.sleep(pause)
    return False


def serve(site: str | None, port: int, db: str | None, params_dir: str, *, token: bool = True,
          allow_hosts: tuple[str, ...] | list[str] = (), today: date | None = None) -> int:
    """Run Voila in the foreground until Ctrl-C; prints the dashboards' URLs (with the token) once
    the server listens, so no address is shown for a server that is not there.

    Exit 2 for a site without parameters (bad input) or a port already taken (one sentence naming
    --port, nothing started), else Voila's own status."""
    from ips_nb.data.params import ParamsError, load_params

    try:
        lang = load_params(params_dir, site).language if site else user_lang()
    except ParamsError as exc:
        print(f"ips-nb: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    if port_in_use(port):
        print(f"ips-nb: {port_taken_message(port, lang)}", file=sys.stderr)
        return 2
    key = secrets.token_urlsafe(24) if token else ""
    try:
        proc = launch(site, port, db, params_dir, token=key, allow_hosts=allow_hosts, today=today)
    except ParamsError as exc:
        print(f"ips-nb: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    # Stopping `ips-nb serve` (Ctrl-C or SIGTERM) stops Voila and its kernels with it.
    signal.signal(signal.SIGTERM, lambda signum, frame: proc.terminate())
    try:
        if not wait_listening(port, proc):  # ended before it listened: taken meanwhile, or Voila's own error
            status = proc.wait()
            if port_in_use(port):
                print(f"ips-nb: {port_taken_message(port, lang)}", file=sys.stderr)
                return 2
            return status
    except KeyboardInterrupt:
        return stop_child(proc, grace=10)
    urls = dashboard_urls(port, key)
    L = live_labels(lang)  # what the coordinator reads at the start, in the site's or their language
    print(L("serve_dashboards_url", url=f"http://127.0.0.1:{port}/" + (f"?token={key}" if key else "")))
    for kind, label in KIND_LABELS.items():
        print(L("serve_page_url", what=L(label), url=urls[kind]))
    if not key:
        print(L("serve_no_token"))
    print(L("stop_with_ctrl_c"), flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return stop_child(proc, grace=10)


def stop_child(proc: subprocess.Popen, grace: float) -> int:
    """Ctrl-C at the command: let the server (Voila, the hub) stop its own children within
    `grace` seconds, else kill it; the command then ends as asked (status 0)."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
    return 0
