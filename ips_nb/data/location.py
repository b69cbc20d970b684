"""Which database: the URL a command or notebook uses when none is given, without SQLAlchemy.

Kept apart from `store` so that the command line can say its default (and a run can start its
processes) before SQLAlchemy's ~0.15 s import.

A URL's password never goes where others read: `hide_password` replaces it by `***` for a
notebook's parameters, a run record, a message. A notebook whose `db_url` has its password hidden
finds the whole URL in $IPS_NB_DB (the batch runner puts it in its kernels' environment, which no
notebook records); `db_url` checks the two name the same database.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from ips_nb.settings import settings

DEFAULT_DB = "sqlite:///data/ips.db"
MASK = "***"
# scheme://user:PASSWORD@ as SQLAlchemy reads it (the password runs to the first "@"), and a
# password given in the query (?password=…, which libpq accepts too)
_USER_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/@?#\s]*:)(?P<password>[^@\s]*)(?=@)")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<password>[^&\s]*)", re.IGNORECASE)


class HiddenPassword(ValueError):
    """A database URL whose password was hidden, without the whole URL in $IPS_NB_DB."""


def hide_password(text: str) -> str:
    """`text` with the password of every database URL in it replaced by ***."""
    text = _USER_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    return _QUERY_PASSWORD.sub(lambda m: m["head"] + MASK, text)


def _passwords(url: str) -> set[str]:
    found = {m["password"] for pattern in (_USER_PASSWORD, _QUERY_PASSWORD) for m in pattern.finditer(url)}
    return {p for text in found for p in (text, unquote(text)) if p and p != MASK}


def redact(text: str, *urls: str | None) -> str:
    """`text` (a message, an error) without any password: every URL's masked, and the passwords of
    `urls` (the database the command uses) wherever else they appear, e.g. quoted by a driver."""
    text = hide_password(text)
    for url in urls:
        for secret in sorted(_passwords(url or ""), key=len, reverse=True):
            if len(secret) >= 3:  # a one- or two-character password would mask half the message
                text = text.replace(secret, MASK)
    return text


def _hidden(url: str) -> bool:
    return any(m["password"] == MASK for pattern in (_USER_PASSWORD, _QUERY_PASSWORD)
               for m in pattern.finditer(url))


def db_url(url: str | None = None) -> str:
    """The URL to use: an explicit one, else $IPS_NB_DB, else the embedded SQLite file.

    A notebook opened in JupyterLab runs in workbooks/, so the default file is also looked for
    one level up before a new one is made here.

    A URL whose password is hidden (`***`, as the runner gives it to a notebook) stands for
    $IPS_NB_DB, which must hold the same URL with its password.
    """
    whole = settings().db
    if url and _hidden(url):
        if whole and hide_password(whole) == url:
            return whole
        raise HiddenPassword(f"the database URL {url} has its password hidden ({MASK}): set IPS_NB_DB "
                             "to the whole URL (the batch runner does so for its kernels)")
    if url or whole:
        return url or whole  # type: ignore[return-value]
    up = Path("..") / DEFAULT_DB.removeprefix("sqlite:///")
    if not Path(DEFAULT_DB.removeprefix("sqlite:///")).exists() and up.exists():
        return f"sqlite:///{up.resolve()}"
    return DEFAULT_DB


def absolute_db_url(url: str) -> str:
    """Kernels may run elsewhere: make a relative SQLite path absolute before handing it on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        return "sqlite:///" + str(Path(url.removeprefix("sqlite:///")).resolve())
    return url
