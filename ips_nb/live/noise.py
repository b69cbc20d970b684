"""Warnings our servers print on every start that tell whoever runs them nothing: filtered, each
with the reason it is noise here. Anything else (a refusal, a culled kernel, an error) stays.

A warning on every start teaches people to skip the log; then the one that matters is missed.
Each entry below was seen in `ips-nb serve`'s or `ips-nb hub`'s log on a normal start and is
kept out by the start of its message, never by its level or its logger alone.
"""
from __future__ import annotations

import logging

WS_PING_INTERVAL = 30000  # jupyter_server.base.websocket's default (ms, as it passes it to tornado)

# Voila's server (ips_nb.live.voila_app): message start -> why it says nothing here.
SERVER_NOISE = {
    "Notebook %s is not trusted": (
        "jupyter_server's contents manager, on every read of a dashboard. Trust decides whether "
        "Jupyter's editor shows a notebook's stored outputs; Voila runs the dashboards afresh "
        "(strip_sources, no stored output) and the dashboards are the project's own files"),
}

# JupyterHub (ips_nb.live.hub.configure_from_env): message start -> why.
HUB_NOISE = {
    "user role overridden with scopes=": (
        "the `user` role grants the dashboard service and names only, without 'self' on purpose: "
        "nobody has a notebook server of their own behind ips-nb hub"),
    "Allowing service %s to complete OAuth without confirmation": (
        "our own service (oauth_no_confirm): an 'authorize this application?' page would only "
        "stand between a user and their dashboards"),
}
# Only when the hub listens on loopback (the demo): a hub on a real address without TLS in
# front of it is a real warning and keeps it.
HUB_LOOPBACK_NOISE = {
    "Running JupyterHub without SSL": (
        "the hub listens on 127.0.0.1 only: nothing leaves the machine unencrypted"),
}


class Quiet(logging.Filter):
    """Drops records whose message (the format string, before its values) starts with one of `starts`."""

    def __init__(self, starts: dict[str, str] | list[str]) -> None:
        super().__init__()
        self.starts = tuple(starts)

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.starts)


def quiet(log: logging.Logger, starts: dict[str, str]) -> None:
    """Filter `starts` out of `log` (a traitlets application's own logger: its parts log through it)."""
    log.addFilter(Quiet(starts))


def quiet_server(app: object) -> None:
    """What Voila's server (ips_nb.live.voila_app) does about its noise, before it starts."""
    quiet(app.log, SERVER_NOISE)  # type: ignore[attr-defined]
    # jupyter_server's kernel websocket asks for a ping timeout of 3 × its ping interval; tornado
    # (>= 6.5) allows no more than the interval, uses the interval, and warns on the first page.
    # Ask for what tornado uses anyway: the same behaviour, no warning.
    interval = app.tornado_settings.get("ws_ping_interval", WS_PING_INTERVAL)  # type: ignore[attr-defined]
    app.tornado_settings = {"ws_ping_timeout": interval, **app.tornado_settings}  # type: ignore[attr-defined]

