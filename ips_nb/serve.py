"""`ips-nb serve`: Voila on 127.0.0.1 serving the workbooks as dashboards."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from .periods import Month, Week
from .runner import WORKBOOKS, absolute_db_url
from .store import db_url


def voila_command(port: int) -> list[str]:
    return [sys.executable, "-m", "voila", str(WORKBOOKS), "--no-browser",
            "--Voila.ip=127.0.0.1", f"--port={port}", "--strip_sources=True",
            "--MappingKernelManager.cull_idle_timeout=600",
            "--MappingKernelManager.cull_interval=60"]


def serve_env(site: str | None, db: str | None, params_dir: str, today: date) -> dict[str, str]:
    env = dict(os.environ, IPS_NB_SERVE="1",
               IPS_NB_SERVE_DB_URL=absolute_db_url(db_url(db)),
               IPS_NB_SERVE_PARAMS_DIR=str(Path(params_dir).resolve()),
               IPS_NB_SERVE_MONTH=str(Month.latest_complete(today)),
               IPS_NB_SERVE_WEEK=str(Week.containing(today)))
    if site:
        env["IPS_NB_SERVE_SITE"] = site
    return env


def serve(site: str | None, port: int, db: str | None, params_dir: str) -> int:
    """Run Voila in the foreground until Ctrl-C; prints the dashboards' URLs first."""
    from .params import load_params

    if site:
        load_params(params_dir, site)  # a wrong site id fails here, not in the browser
    base = f"http://127.0.0.1:{port}/voila/render"
    print(f"Supervision pack: {base}/supervision.ipynb")
    print(f"Conference agenda: {base}/agenda.ipynb")
    print("Stop with Ctrl-C.", flush=True)
    try:
        return subprocess.call(voila_command(port), env=serve_env(site, db, params_dir, date.today()))
    except KeyboardInterrupt:
        return 0
