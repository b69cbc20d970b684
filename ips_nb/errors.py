"""The one error base class of ips-nb, and what each kind of error means for the exit status.

Why one base: the command line has one exit policy (cli.main). An error of ours is a sentence a
coordinator can act on, printed as one line with its exit status; anything else is a bug, one
line too unless IPS_NB_DEBUG=1, which shows its traceback. A module raising a new kind of error
subclasses one of these and the command line needs no new `except`.

The lowest layer with ips_nb.settings: imports nothing of ips_nb, so every layer may raise these.
"""
from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class IpsError(Exception):
    """An error of ours: str() is the one sentence shown; `exit_status` what the command returns."""

    exit_status: int = EXIT_FAILED


class BadInput(IpsError):
    """Bad usage or bad input (a file, row, column or value named): exit status 2, nothing written."""

    exit_status = EXIT_USAGE


class UsageError(BadInput):
    """A command line that cannot be run as given (an unknown site, an empty range, no database)."""
