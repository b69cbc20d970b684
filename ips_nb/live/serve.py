"""`ips-nb serve`: Voila on 127.0.0.1 serving the two dashboards (dashboards/*.ipynb).

Voila runs in its own process (`ips_nb.live.voila_app`: our template, only the dashboards reachable).
Settings reach the kernels as IPS_NB_SERVE_* variables: the pinned site (no page or query string
can change it), the database, the parameters and the default periods (read from the clock here).
Kernels are preheated, one pool per dashboard, so the default view is computed before anyone asks;
idle kernels are culled because Voila keeps a closed page's kernel otherwise.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from ips_nb.pages.labels import Labels
from ips_nb.figures.periods import Month, Week
from ips_nb.data.store import absolute_db_url, db_url

DASHBOARDS_DIR = Path(__file__).resolve().parents[2] / "dashboards"
KINDS = {"supervision": "supervision_pack", "agenda": "agenda_title"}
# Refill a used pool this long after a page took its kernel: refilling runs a whole dashboard,
# which on two cores would otherwise compete with the first page's drawing.
FILL_DELAY = 8.0


def voila_command(port: int, *, lang: str = "en", pool_size: int = 1, preheat: bool = True,
                  fill_delay: float = FILL_DELAY) -> list[str]:
    cmd = [sys.executable, "-m", "ips_nb.live.voila_app", str(DASHBOARDS_DIR), "--no-browser",
           "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
           "--VoilaConfiguration.template=ips", "--VoilaConfiguration.strip_sources=True",
           "--VoilaConfiguration.show_tracebacks=False",
           "--VoilaConfiguration.allow_template_override=NO",
           "--VoilaConfiguration.allow_theme_override=NO",
           "--VoilaConfiguration.extension_denylist=jupyterlab_pygments",  # no code to highlight
           # charts are drawn by the template's plotly.js; the lab extension would load it again
           "--VoilaConfiguration.extension_denylist=jupyterlab-plotly",
           f"--VoilaExporter.language_code={lang}",
           "--MappingKernelManager.cull_idle_timeout=600",
           "--MappingKernelManager.cull_interval=60"]
    if preheat:
        cmd += ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}",
                f"--VoilaKernelManager.fill_delay={fill_delay}"]
    return cmd


def serve_env(site: str | None, db: str | None, params_dir: str, today: date, lang: str = "en",
              index: dict | None = None, resources: dict | None = None) -> dict[str, str]:
    env = dict(os.environ, IPS_NB_SERVE="1",
               IPS_NB_SERVE_DB_URL=absolute_db_url(db_url(db)),
               IPS_NB_SERVE_PARAMS_DIR=str(Path(params_dir).resolve()),
               IPS_NB_SERVE_MONTH=str(Month.latest_complete(today)),
               IPS_NB_SERVE_WEEK=str(Week.containing(today)),
               IPS_NB_SERVE_LANG=lang,
               IPS_NB_SERVE_INDEX=json.dumps(index or {}),
               IPS_NB_SERVE_RESOURCES=json.dumps(resources or {}))
    env.pop("IPS_NB_SERVE_SITE", None)
    if site:
        env["IPS_NB_SERVE_SITE"] = site
    return env


def dashboard_urls(port: int) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}/voila/render"
    return {kind: f"{base}/{kind}.ipynb" for kind in KINDS}


def launch(site: str | None, port: int, db: str | None, params_dir: str, *, today: date | None = None,
           pool_size: int = 1, preheat: bool = True, voila: dict | None = None,
           **popen: object) -> subprocess.Popen:
    """Start the Voila process and return it (the caller waits for it or stops it)."""
    from ips_nb.data.params import load_params

    today = today or date.today()
    lang, site_name = "en", ""
    if site:
        p = load_params(params_dir, site)  # a wrong site id fails here, not in the browser
        lang, site_name = p.language, p.name
    L = Labels(lang)
    month, week = Month.latest_complete(today), Week.containing(today)
    titles = {k: L(label) + (f" · {site_name}" if site_name else "") for k, label in KINDS.items()}
    resources = {"site_name": site_name, "lang": lang, "titles": titles,
                 "month": L.month_name(month.year, month.month), "week": f"{L.week(week.week)} · {week.year}"}
    index = {"lang": lang, "title": L("dashboards") + (f" · {site_name}" if site_name else ""),
             "links": [[f"{k}.ipynb", titles[k]] for k in KINDS]}
    cmd = voila_command(port, lang=lang, pool_size=pool_size, preheat=preheat, **(voila or {}))
    env = serve_env(site, db, params_dir, today, lang, index, resources)
    return subprocess.Popen(cmd, env=env, **popen)  # type: ignore[arg-type]


def serve(site: str | None, port: int, db: str | None, params_dir: str) -> int:
    """Run Voila in the foreground until Ctrl-C; prints the dashboards' URLs first.

    Exit 2 for a site without parameters (bad input), else Voila's own status."""
    from ips_nb.data.params import ParamsError

    try:
        proc = launch(site, port, db, params_dir)
    except ParamsError as exc:
        print(f"ips-nb: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    urls = dashboard_urls(port)
    print(f"Dashboards: http://127.0.0.1:{port}/")
    print(f"Supervision pack: {urls['supervision']}")
    print(f"Conference agenda: {urls['agenda']}")
    print("Stop with Ctrl-C.", flush=True)
    # Stopping `ips-nb serve` (Ctrl-C or SIGTERM) stops Voila and its kernels with it.
    signal.signal(signal.SIGTERM, lambda signum, frame: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
