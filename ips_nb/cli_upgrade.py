"""`ips-nb upgrade`: bring the database to this release's schema (data.upgrade).

Exit 0 when the database is at this release's schema afterwards (upgraded now, or already), 2
when it cannot be (no database, not ours, a later release's, a migration the database refused:
then nothing was changed). Every other command refuses an out-of-date database and names this
one; on PostgreSQL run it as the role that owns the tables.
"""
from __future__ import annotations

import argparse
import sys

from ips_nb.data.location import DEFAULT_DB, db_url

EXIT_OK, EXIT_USAGE = 0, 2


def register(subparsers) -> None:  # noqa: ANN001 - argparse's private subparsers action
    """Add `upgrade` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "upgrade", help="Bring a database made by an earlier release to this release's schema "
                        "(one transaction; SQLite: a timestamped copy beside it first).")
    # the default is not spelled out: $IPS_NB_DB may hold a password
    p.add_argument("--db", help=f"database URL (default $IPS_NB_DB or {DEFAULT_DB})")
    p.set_defaults(func=cmd_upgrade)


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Upgrade; one line saying what was found and done, or why not."""
    import sqlalchemy as sa

    from ips_nb.data import connection, upgrade
    from ips_nb.data.problems import mask

    try:
        done = upgrade.upgrade(args.db)
    except connection.StoreError as exc:
        print(mask(f"ips-nb upgrade: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except sa.exc.SQLAlchemyError as exc:
        print(mask(f"ips-nb upgrade: nothing was changed: the database refused the upgrade "
                   f"({connection.first_line(exc)})"), file=sys.stderr)
        return EXIT_USAGE
    where = connection.shown(db_url(args.db))
    if not done.changed:
        print(f"upgrade: {where} is at this release's schema ({done.now}); nothing to do")
        return EXIT_OK
    was = f"schema {done.found}" if done.found else f"unversioned, recognised as schema {done.recognised}"
    print(f"upgrade: {where} brought from {was} to {done.now}"
          + (f"; the copy from before is {done.backup}" if done.backup else ""))
    return EXIT_OK


def out_of_date(db: str | None) -> str | None:
    """The sentence refusing a database of another release's schema, for the servers (`serve`,
    `hub`) to say before they start; None when it is current, or when it is missing or foreign
    (their pages say that themselves, as before)."""
    from ips_nb.data import connection

    try:
        connection.open_existing(db).dispose()
    except connection.OutOfDate as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - a missing or foreign database is not this check's to report
        return None
    return None
