"""Which database: the URL a command or notebook uses when none is given, without SQLAlchemy.

Kept apart from `store` so that the command line can say its default (and a run can start its
processes) before SQLAlchemy's ~0.15 s import.
"""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "sqlite:///data/ips.db"


def db_url(url: str | None = None) -> str:
    """The URL to use: an explicit one, else $IPS_NB_DB, else the embedded SQLite file.

    A notebook opened in JupyterLab runs in workbooks/, so the default file is also looked for
    one level up before a new one is made here.
    """
    if url or os.environ.get("IPS_NB_DB"):
        return url or os.environ["IPS_NB_DB"]
    up = Path("..") / DEFAULT_DB.removeprefix("sqlite:///")
    if not Path(DEFAULT_DB.removeprefix("sqlite:///")).exists() and up.exists():
        return f"sqlite:///{up.resolve()}"
    return DEFAULT_DB


def absolute_db_url(url: str) -> str:
    """Kernels may run elsewhere: make a relative SQLite path absolute before handing it on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        return "sqlite:///" + str(Path(url.removeprefix("sqlite:///")).resolve())
    return url
