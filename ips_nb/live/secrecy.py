"""What the dashboards' server keeps to itself: its secrets stay out of its log and its kernels.

**The log.** Voila's server logs every request that fails with its whole address (tornado's
request log), and an uncaught error with the request; `ips-nb serve`'s token arrives as
`?token=`, so every 404 or 403 with it wrote the token to the log. jupyter_server scrubs such
parameters in its own request log, but Voila's app does not use that log. `hide_in_logs` puts a
filter in front of every log record of the process (a log record factory, so every logger and
handler, Voila's, tornado's and ours, sees only the cleaned text): the values it is given, and any
query parameter whose name contains token, auth, key, code, state, xsrf, password or secret (the
names jupyter_server scrubs, and the hub's OAuth `code`/`state`), become `[secret]`.

**The kernels.** A kernel runs a dashboard's code with the server's environment; behind the hub
that held JupyterHub's API token twice (JUPYTERHUB_API_TOKEN and the old JPY_API_TOKEN, which is
also the service's OAuth client secret) and the OAuth settings. `kernel_env` is the environment a
kernel gets: no JUPYTERHUB_* or JPY_* variable, no IPS_NB_HUB_* (the hub's own settings, its
password and database), no serve token, no proxy token. The database URL stays: the kernel reads
the data with it (docs/deployment.md: a password file instead of a password in the URL).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping

SECRET = "[secret]"
# A query parameter whose name says it is a credential (jupyter_server's list, and more).
_PARAM = re.compile(r"([?&;][^=&#\s'\"]*?(?:token|auth|key|code|state|xsrf|password|secret)[^=&#\s'\"]*=)"
                    r"[^&#\s'\"]+", re.IGNORECASE)
_hidden: set[str] = set()
_installed = False

# What no kernel inherits from the server's environment.
KERNEL_SECRET_PREFIXES = ("JUPYTERHUB_", "JPY_", "IPS_NB_HUB_")
KERNEL_SECRET_NAMES = frozenset({"IPS_NB_SERVE_TOKEN", "CONFIGPROXY_AUTH_TOKEN"})


def scrub(text: str) -> str:
    """`text` with every hidden value and every credential-like query parameter replaced."""
    text = _PARAM.sub(lambda m: m.group(1) + SECRET, text)
    for value in _hidden:
        text = text.replace(value, SECRET)
    return text


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record that does not format: logging reports that itself
        return
    clean = scrub(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        if scrub(text) != text:
            record.exc_text = scrub(text)  # what every formatter prints for the traceback
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)


def hide_in_logs(*values: str | None) -> None:
    """From now on no log record of this process shows these values (nor `?token=…` and the like).

    Values shorter than 8 characters are not hidden: replacing them would garble ordinary text,
    and no secret of ours is that short."""
    global _installed
    _hidden.update(v for v in values if v and len(v) >= 8)
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _clean(record)
        return record

    logging.setLogRecordFactory(factory)


def kernel_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment a dashboard kernel may have: `env` without the server's secrets."""
    return {k: v for k, v in env.items()
            if k not in KERNEL_SECRET_NAMES and not k.startswith(KERNEL_SECRET_PREFIXES)}
