"""What a workbook needs to know when Voila serves it rather than papermill running it.

`ips-nb serve` sets IPS_NB_SERVE_* variables for its kernels: the pinned site (which no query
string can change), the database, the parameters folder and the default periods (the command
line read the clock, not the workbook). Under papermill none are set and nothing changes.
"""
from __future__ import annotations

import os


def serving_overrides(**values: object) -> dict:
    """The workbook's parameters, with the server's settings on top when served by Voila."""
    if os.environ.get("IPS_NB_SERVE") != "1":
        return values
    out = dict(values)
    for key in ("site", "month", "week", "db_url", "params_dir"):
        env = os.environ.get(f"IPS_NB_SERVE_{key.upper()}")
        if env and key in out:
            out[key] = env
    return out
