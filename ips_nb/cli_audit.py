"""`ips-nb audit`: verify the conference's audit trail, redact identity numbers in it, prepare it.

- `ips-nb audit verify` — exit 0 when the trail is whole (it says how many rows it checked),
  1 naming the first row changed, removed or inserted out of order (id, when, site; never the
  row's content), 2 for bad usage (no such database, not a database). It only reads, so the
  role the tool runs as on PostgreSQL may run it.
- `ips-nb audit redact` — a coordinator's command: masks every CPR number and personnummer in
  the audit rows (the marker in each site's language), keeps the trail verifiable and appends
  the redaction itself to the audit, by `--user` (default the operating-system user). On
  PostgreSQL run it as the owner role of the audit table.
- `ips-nb audit prepare` — make the audit table, its head record and guards, or bring an older
  one up to date (its rows chained): what the owner role runs once on PostgreSQL before the
  tool runs as a role that may only INSERT and SELECT on the audit.
"""
from __future__ import annotations

import argparse
import sys

from ips_nb.data.location import DEFAULT_DB

EXIT_OK, EXIT_BROKEN, EXIT_USAGE = 0, 1, 2


def register(subparsers) -> None:
    """Add `audit verify|redact|prepare` to an argparse subparsers object."""
    def database(p: argparse.ArgumentParser) -> None:
        # the default is not spelled out: $IPS_NB_DB may hold a password, and --help is read aloud
        p.add_argument("--db", help=f"database URL (default $IPS_NB_DB or {DEFAULT_DB})")

    top = subparsers.add_parser("audit", help="Verify, redact or prepare the conference's audit trail.",
                                description="The audit trail of what the conference recorded: "
                                            "append-only and chained by hash.")
    sub = top.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = sub.add_parser("verify", help="Check that the audit trail is whole (exit 0), or name the "
                                      "first row changed, removed or inserted out of order (exit 1).")
    database(p)
    p.set_defaults(func=_guarded(cmd_verify))

    p = sub.add_parser("redact", help="Mask CPR numbers and personnummer in the audit trail, "
                                      "keeping it verifiable; the redaction is audited.")
    database(p)
    p.add_argument("--user", help="who redacts, as the audit records it (default the "
                                  "operating-system user)")
    p.add_argument("--params", default="params",
                   help="folder of site parameter files: each site's language gives its marker "
                        "(default params/)")
    p.set_defaults(func=_guarded(cmd_redact))

    p = sub.add_parser("prepare", help="Make the audit table, its head and guards, or bring an "
                                       "older one up to date (run as the owner role on PostgreSQL).")
    database(p)
    p.add_argument("--remake-head", action="store_true",
                   help="remake a head record that went missing, from the trail as it is now "
                        "(only once you know why it went)")
    p.set_defaults(func=_guarded(cmd_prepare))


def _guarded(handler):
    """Run a handler with its database; a missing or foreign database, or anything unexpected,
    is one masked line and exit status 2 (1 is kept for a broken trail)."""
    def run(args: argparse.Namespace) -> int:
        from ips_nb.data import connection
        from ips_nb.data.audit import AuditError
        from ips_nb.data.problems import mask

        name = f"ips-nb audit {args.audit_command}"
        try:
            engine = connection.open_existing(args.db)
        except connection.StoreError as exc:
            print(mask(f"{name}: {exc}"), file=sys.stderr)
            return EXIT_USAGE
        try:
            return handler(args, engine)
        except KeyboardInterrupt:
            raise
        except AuditError as exc:
            print(mask(f"{name}: {exc}"), file=sys.stderr)
            return EXIT_USAGE
        except Exception as exc:  # noqa: BLE001 - one line, never a traceback
            print(mask(f"{name}: {type(exc).__name__}: {connection.first_line(exc)}"), file=sys.stderr)
            return EXIT_USAGE
        finally:
            engine.dispose()
    run.__name__, run.__doc__ = handler.__name__, handler.__doc__
    return run


def cmd_verify(args: argparse.Namespace, engine) -> int:  # noqa: ANN001 - an SQLAlchemy Engine
    """Recompute the chain; 0 whole, 1 broken (the first row named)."""
    from ips_nb.data import audit

    verdict = audit.verify(engine)
    for note in verdict.notes:
        print(f"note: {note}", file=sys.stderr)
    if verdict.problem is not None:
        print(f"ips-nb audit verify: the audit trail is not whole: {verdict.problem}", file=sys.stderr)
        return EXIT_BROKEN
    print(f"audit: {verdict.checked} row(s) checked; the trail is whole"
          + (f" (last hash {verdict.last_hash[:16]})" if verdict.checked else ""))
    return EXIT_OK


def cmd_redact(args: argparse.Namespace, engine) -> int:  # noqa: ANN001
    """Mask identity numbers in the audit; the redaction appended, by --user."""
    import getpass

    from ips_nb.data import audit, idscan
    from ips_nb.data.params import ParamsError, load_params

    languages: dict[str, str] = {}

    def marker(site: str) -> str:
        if site not in languages:
            try:
                languages[site] = load_params(args.params, site).language
            except (ParamsError, OSError):
                languages[site] = "en"
        return idscan.marker_for(languages[site])

    done = audit.redact(engine, args.user or getpass.getuser(), marker=marker)
    if not done.rows:
        print("audit: no identity number found; nothing changed")
        return EXIT_OK
    print(f"audit: {done.replacements} identity number(s) masked in {len(done.rows)} row(s) "
          f"({_ids(done.rows)}); the redaction is recorded as row(s) {_ids(done.appended)}")
    return EXIT_OK


def cmd_prepare(args: argparse.Namespace, engine) -> int:  # noqa: ANN001
    """Make or bring up to date the audit table, its head and guards."""
    from ips_nb.data import audit

    audit.prepare(engine, remake_head=args.remake_head)
    print("audit: the table, its head record and its guards are in place")
    return EXIT_OK


def _ids(ids: list[int]) -> str:
    shown = ", ".join(map(str, ids[:10]))
    return shown + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
