"""The data commands of `ips-nb`: validate, import, export, rekey and redact.

Problems go to stderr, one a line (`error: candidates.csv, row 5, column referral_date, value
'31-02-2024': not a real date: there is no such day`); the summary goes to stdout. Exit status:
0 done (warnings allowed), 2 bad input or bad usage. Nobody gets a traceback: anything
unexpected is one line and status 2, with identity numbers masked.

This layer reads the clock: `validate` and `import` pass the day they run (or `--today`) to the
library, which refuses dates of records after it.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date

from ips_nb.data.location import DEFAULT_DB, db_url

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def register(subparsers) -> None:
    """Add `validate`, `import` and `export` to an argparse subparsers object."""
    default_db = db_url(None)

    def database(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", default=default_db,
                       help=f"database URL (default $IPS_NB_DB or {DEFAULT_DB}; now {default_db})")

    def common(p: argparse.ArgumentParser) -> None:
        database(p)
        p.add_argument("--params", default="params",
                       help="folder of site parameter files (default params/)")

    def today(p: argparse.ArgumentParser) -> None:
        p.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD",
                       help="the day of the import (default today): dates of records after it "
                            "are refused")

    p = subparsers.add_parser(
        "validate", help="Check a CSV folder or an .xlsx workbook and print every problem.",
        description="Check SOURCE (a folder of <table>.csv files or one .xlsx whose sheets are "
                    "named after the tables) and print every problem; nothing is written.")
    p.add_argument("source", metavar="SOURCE", help="folder of CSV files, or an .xlsx workbook")
    common(p)
    today(p)
    p.set_defaults(func=cmd_validate)

    p = subparsers.add_parser(
        "import", help="Validate SOURCE, then replace its sites in the database in one transaction.",
        description="Validate SOURCE; if it holds no error, its sites' rows replace those sites' "
                    "rows in the database in one transaction (other sites are untouched). Any "
                    "error: nothing is written.")
    p.add_argument("source", metavar="SOURCE", help="folder of CSV files, or an .xlsx workbook")
    common(p)
    today(p)
    p.set_defaults(func=cmd_import)

    p = subparsers.add_parser(
        "export", help="Write the database's sites as a CSV folder or an .xlsx workbook.",
        description="Write sites from the database in the exchange format: a folder of "
                    "<table>.csv files, or one workbook when DEST ends in .xlsx. The result "
                    "imports back to the same database.")
    p.add_argument("dest", metavar="DEST", help="folder for the CSV files, or a name ending in .xlsx")
    p.add_argument("--site", action="append", help="site id (repeatable; default every site)")
    common(p)
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser(
        "rekey", help="Move the database's CPR pseudonyms to a new key, from files that hold "
                      "the CPR numbers.",
        description="Re-make every CPR pseudonym in the database with a new key, in one "
                    "transaction. A pseudonym cannot be turned back into its number, so the "
                    "numbers are read again from SOURCE(s) (folders or workbooks in the exchange "
                    "format with a candidates table and its cpr column); each is first checked "
                    "against the stored pseudonym with the old key. If any stored pseudonym has "
                    "no number in the SOURCE(s), nothing changes. The new key file is made (mode "
                    "0600) when it does not exist.")
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="folders of CSV files or .xlsx workbooks holding the CPR numbers")
    p.add_argument("--old-key-file", required=True, metavar="FILE",
                   help="the key that made the stored pseudonyms")
    p.add_argument("--new-key-file", required=True, metavar="FILE",
                   help="the key to make them with from now on (made when it does not exist)")
    database(p)
    p.set_defaults(func=cmd_rekey)

    p = subparsers.add_parser(
        "redact", help="Mask CPR numbers and personnummer already stored in free text, in the "
                       "tables and the audit trail.",
        description="Find CPR numbers and personnummer in the database's free-text columns "
                    "(names, notes, decisions...) and in the audit trail, and put the site's "
                    "marker ('[CPR fjernet]', '[personnummer borttaget]') in their place, in one "
                    "transaction; the audit's redaction is itself audited and keeps the trail "
                    "verifiable. Prints how many per table and column, never the numbers. "
                    "Running it again changes nothing.")
    common(p)
    p.add_argument("--user", help="who redacts, as the audit records it (default the "
                                  "operating-system user)")
    p.set_defaults(func=cmd_redact)


def _report(problems) -> None:
    for p in problems:
        print(p, file=sys.stderr)


def _summary(rows: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in rows.items() if n) or "no rows"


def _guarded(handler):
    """Run a handler; anything unexpected becomes one masked line and exit status 2."""
    def run(args: argparse.Namespace) -> int:
        from ips_nb.data.problems import mask

        try:
            return handler(args)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - a coordinator gets one line, never a traceback
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            print(mask(f"ips-nb {args.command}: {type(exc).__name__}"
                       + (f": {detail}" if detail else "")), file=sys.stderr)
            return EXIT_BAD_INPUT
    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


@_guarded
def cmd_validate(args: argparse.Namespace) -> int:
    """Check SOURCE; 0 when it would import, 2 when it holds an error."""
    from ips_nb.data.importer import validate_source

    checked = validate_source(args.source, db_url(args.db), args.params,
                              today=args.today or date.today())
    _report(checked.problems)
    errors, warnings = len(checked.errors), len(checked.warnings)
    if errors:
        print(f"{args.source}: {errors} error(s), {warnings} warning(s); fix them and validate again")
        return EXIT_BAD_INPUT
    print(f"{args.source}: ready to import: site(s) {', '.join(checked.sites)}; "
          f"{_summary(checked.rows)}" + (f"; {warnings} warning(s)" if warnings else ""))
    return EXIT_OK


@_guarded
def cmd_import(args: argparse.Namespace) -> int:
    """Validate SOURCE and write it in one transaction; 2 (nothing written) on any error."""
    from ips_nb.data.importer import import_source, safe_url

    url = db_url(args.db)
    outcome = import_source(args.source, url, args.params, today=args.today or date.today())
    _report(outcome.problems)
    errors = [p for p in outcome.problems if p.level == "error"]
    if not outcome.written:
        print(f"{args.source}: {len(errors)} error(s); nothing was written")
        return EXIT_BAD_INPUT
    new = " (a new database)" if outcome.created else ""
    print(f"Imported site(s) {', '.join(outcome.sites)} into {safe_url(url)}{new}: "
          f"{_summary(outcome.rows)}")
    if outcome.kept:
        print(f"Kept what the conference recorded here and the source does not carry: {_summary(outcome.kept)}")
    return EXIT_OK


@_guarded
def cmd_export(args: argparse.Namespace) -> int:
    """Write the database's sites to DEST (CSV folder or .xlsx)."""
    from ips_nb.data.export import ExportError, export

    url = db_url(args.db)
    try:
        counts = export(url, args.dest, args.site)
    except ExportError as exc:
        print(f"ips-nb export: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Exported to {args.dest}: {_summary(counts)}")
    return EXIT_OK


@_guarded
def cmd_rekey(args: argparse.Namespace) -> int:
    """Re-make every stored CPR pseudonym with the new key, from the numbers in SOURCE(s)."""
    from pathlib import Path

    from ips_nb.data.importer import KEY_FILE_ENV, rekey, safe_url

    url = db_url(args.db)
    outcome = rekey(args.sources, url, args.old_key_file, args.new_key_file)
    _report(outcome.problems)
    if not outcome.written:
        print("nothing was re-keyed")
        return EXIT_BAD_INPUT
    new = Path(args.new_key_file).absolute()
    print(f"Re-keyed {outcome.rows['candidates']} pseudonyms in {safe_url(url)}; they are made "
          f"with {new} now: use it from now on (as .ips_nb_key, or set {KEY_FILE_ENV}={new}), "
          "and keep the old key no longer than your backups of the old database")
    return EXIT_OK


@_guarded
def cmd_redact(args: argparse.Namespace) -> int:
    """Mask stored identity numbers in the tables and the audit; 0 done, 2 no database."""
    import getpass

    from ips_nb.data import connection, redact
    from ips_nb.data.audit import AuditError

    try:
        engine = connection.open_existing(db_url(args.db))
    except connection.StoreError as exc:
        print(f"ips-nb redact: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        done = redact.redact(engine, args.user or getpass.getuser(), redact.site_markers(args.params))
    except AuditError as exc:
        print(f"ips-nb redact: {exc}; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    for (table, column), n in sorted(done.masked.items()):
        print(f"redact: {table}.{column}: {n} identity number(s) masked in "
              f"{done.rows[(table, column)]} row(s)")
    for (table, column), n in sorted(done.left.items()):
        print(f"ips-nb redact: {table}.{column}: {n} row(s) hold an identity number in an id, a "
              "reference or the site, which rows point at and so cannot be masked: re-import "
              "with other ids", file=sys.stderr)
    trail = done.audit
    audited = (f"{trail.replacements} in {len(trail.rows)} audit row(s), the redaction recorded "
               f"as audit row(s) {', '.join(map(str, trail.appended))}"
               if trail and trail.rows else "0 in the audit trail")
    print(f"redact: {done.total} identity number(s) masked in the tables, {audited}"
          + ("; nothing changed" if not done.total and not (trail and trail.rows) else ""))
    return EXIT_OK
