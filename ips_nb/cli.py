"""`ips-nb`: a thin command line over the library. Only this layer reads the clock (for defaults).

Exit status: 0 done, 1 some work failed, 2 bad usage or bad input.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ips_nb import __version__
from ips_nb.figures.periods import Month, Week

from ips_nb.batch.orchestrate import agenda_teams, existing_database, run_reports
from ips_nb.batch.orchestrate import fingerprint_meanwhile as _fingerprint_meanwhile  # noqa: F401 - tests
from ips_nb.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, IpsError, UsageError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "UsageError", "agenda_teams", "build_parser",
           "existing_database", "main", "run_reports"]


def _range(text: str, parse, step) -> list[str]:
    """'2026-01..2026-03' → every period in between, both ends included."""
    first, _, last = text.partition("..")
    a, b = parse(first), parse(last or first)
    periods, p = [], a
    while (str(p) <= str(b)) and len(periods) < 1000:
        periods.append(str(p))
        p = step(p)
    if not periods:
        raise UsageError(f"the range {text!r} is empty")
    return periods


def _periods(text: str | None, default, kind) -> list[str]:  # noqa: ANN001
    """The default period, or every period of a `a..b` range; a bad one is a usage error."""
    if not text:
        return [str(default)]
    try:
        return _range(text, kind.parse, lambda p: p.shift(1))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def months(text: str | None, today: date) -> list[str]:
    return _periods(text, Month.latest_complete(today), Month)


def weeks(text: str | None, today: date) -> list[str]:
    return _periods(text, Week.containing(today), Week)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database URL (default $IPS_NB_DB or sqlite:///data/ips.db)")
    p.add_argument("--params", default="params", help="folder of site parameter files (default params/)")


def _run_options(p: argparse.ArgumentParser, per_site: bool = True) -> None:
    _common(p)
    if per_site:
        p.add_argument("--site", action="append", help="site id (repeatable; default every site in params/)")
    p.add_argument("--out", default="reports", help="output folder (default reports/)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once (default: cores)")
    p.add_argument("--timeout", type=float, default=600, help="seconds a notebook may run (default 600)")
    p.add_argument("--verbose", action="store_true", help="show papermill's and the kernel's log lines")
    _group_option(p)


def _group_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--group-readable", action="store_true",
                   help="let the owner's group read what is written (files 0640, folders 0750; "
                        "default owner only, 0600/0700; also IPS_NB_GROUP_READABLE=1)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ips-nb", description="IPS supervision packs and weekly conference agendas from one database.")
    parser.add_argument("--version", action="version", version=f"ips-nb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="Build the demo database and run every workbook for every demo site.")
    _common(demo)
    demo.add_argument("--today", type=date.fromisoformat, help="reference date YYYY-MM-DD (default today)")
    demo.add_argument("--out", default="reports", help="output folder (default reports/)")
    demo.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    _group_option(demo)
    demo.set_defaults(func=_cmd_demo)

    run = sub.add_parser("run", help="Run a workbook for sites and periods and write reports/.")
    kinds = run.add_subparsers(dest="kind", metavar="KIND", required=True)
    sup = kinds.add_parser("supervision", help="Monthly supervision packs.")
    sup.add_argument("--month", help="YYYY-MM or YYYY-MM..YYYY-MM (default the latest complete month)")
    _run_options(sup)
    ag = kinds.add_parser("agenda", help="Weekly conference agendas.")
    ag.add_argument("--week", help="YYYY-Www or YYYY-Www..YYYY-Www (default this week)")
    ag.add_argument("--team", action="append",
                    help="clinician team (repeatable); default the site-wide agenda plus one per team in params/")
    ag.add_argument("--pdf", action="store_true", help="also print each agenda to YYYY-Www.pdf (headless Chromium)")
    _run_options(ag)
    run.set_defaults(func=_cmd_run)
    ov = kinds.add_parser("overview", help="Regional overview: every site side by side, small counts suppressed.")
    ov.add_argument("--month", help="YYYY-MM or YYYY-MM..YYYY-MM (default the latest complete month)")
    ov.add_argument("--lang", choices=("da", "sv", "en"), default="en", help="language of the overview (default en)")
    _run_options(ov, per_site=False)
    ov.set_defaults(func=_cmd_overview)
    mo = kinds.add_parser("month", help="A coordinator's month in one run: every pack, the agendas of the "
                          "month's conference weeks, the overview and the index.")
    mo.add_argument("month", metavar="YYYY-MM", help="the month")
    mo.add_argument("--week", action="append", metavar="YYYY-Www",
                    help="agendas of these weeks (repeatable, or a range YYYY-Www..YYYY-Www); "
                         "default every week whose conference day falls in the month")
    mo.add_argument("--pdf", action="store_true", help="also print each agenda to YYYY-Www.pdf (headless Chromium)")
    mo.add_argument("--lang", choices=("da", "sv", "en"), default="en", help="language of the overview (default en)")
    _run_options(mo)
    mo.set_defaults(func=_cmd_month)

    serve = sub.add_parser("serve", help="Serve the dashboards with Voila on 127.0.0.1.")
    _common(serve)
    serve.add_argument("--site", help="pin the server to one site")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--no-token", action="store_true",
                       help="no token in the address (every user and program on this machine can open it)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="also answer requests for this host name (repeatable; default loopback names only)")
    serve.set_defaults(func=_cmd_serve)

    hub = sub.add_parser("hub", help="Serve every site's dashboards behind JupyterHub (login, access.yaml).")
    _common(hub)
    hub.add_argument("--port", type=int, default=8000, help="the hub's port (default 8000)")
    hub.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    hub.add_argument("--access", help="who sees which site (default PARAMS/access.yaml)")
    hub.add_argument("--reports", default="reports", help="the reports coordinators may open (default reports/)")
    hub.add_argument("--state", default="data/hub", help="the hub's own database and cookie secret (default data/hub/)")
    hub.set_defaults(func=_cmd_hub)

    try:
        from ips_nb import cli_data
    except ImportError:
        cli_data = None
    if cli_data is not None:
        cli_data.register(sub)
    from ips_nb import cli_audit, cli_upgrade
    cli_audit.register(sub)
    cli_upgrade.register(sub)
    return parser


def _sites(args: argparse.Namespace) -> list[str]:
    from ips_nb.data.params import site_ids

    found = site_ids(args.params)
    if not found:
        raise UsageError(f"no site parameter files in {args.params}/")
    if args.site:
        unknown = [s for s in dict.fromkeys(args.site) if s not in found]
        if unknown:
            raise UsageError(f"unknown site {unknown[0]!r}: no {args.params}/{unknown[0]}.yaml "
                             f"(sites: {', '.join(found)})")
        return list(dict.fromkeys(args.site))
    return found


def _cmd_run(args: argparse.Namespace) -> int:
    today = date.today()
    periods = months(args.month, today) if args.kind == "supervision" else weeks(args.week, today)
    return run_reports(args.kind, _sites(args), periods, db=args.db, params=args.params, out=args.out,
                       jobs=args.jobs, timeout=args.timeout, verbose=args.verbose,
                       teams=getattr(args, "team", None), pdf=getattr(args, "pdf", False),
                       command=args.argv)


def _cmd_overview(args: argparse.Namespace) -> int:
    """`ips-nb run overview`: one page per month with every site, through the same runner."""
    from ips_nb.batch.jobs import OVERVIEW

    return run_reports(OVERVIEW, [OVERVIEW], months(args.month, date.today()), db=args.db,
                       params=args.params, out=args.out, jobs=args.jobs, timeout=args.timeout,
                       verbose=args.verbose, lang=args.lang, command=args.argv)


def _cmd_month(args: argparse.Namespace) -> int:
    """`ips-nb run month YYYY-MM`: the month's packs, agendas and overview in one pool, one record."""
    try:
        month = str(Month.parse(args.month))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    picked = None
    if args.week:
        picked = list(dict.fromkeys(w for text in args.week for w in weeks(text, date.today())))

    def the_month() -> list:  # after the zygote has started: these imports and reads overlap it
        from ips_nb.batch.month import month_jobs

        return month_jobs(month, _sites(args), args.params, weeks=picked, workers=args.jobs)

    return run_reports("month", [], [month], db=args.db, params=args.params, out=args.out, jobs=args.jobs,
                       timeout=args.timeout, verbose=args.verbose, pdf=args.pdf, lang=args.lang,
                       job_list=the_month, command=args.argv)


def _cmd_demo(args: argparse.Namespace) -> int:
    from ips_nb.batch.month import month_jobs
    from ips_nb.data.location import hide_password
    from ips_nb.data.store import db_url

    from .demo import build_demo_db, write_demo_params

    today = args.today or date.today()
    url = db_url(args.db)
    written = write_demo_params(args.params)  # an empty folder gets the demo sites' params/
    if written:
        print(f"Demo parameters written to {Path(args.params)}/: {', '.join(p.name for p in written)}")
    sites = build_demo_db(url, today, params_dir=args.params)
    print(f"Demo database with {len(sites)} sites: {hide_password(url)}")
    # one run, as a coordinator's month: the packs of the last complete month, each site's agendas
    # for its next conference on or after today, and the overview share one pool and one zygote
    month = months(None, today)[0]
    jobs: list = []

    def the_jobs() -> list:  # after the zygote has started, as `run month` does
        jobs[:] = month_jobs(month, sites, args.params, workers=args.jobs, upcoming=today)
        return jobs

    pdf = _chromium_installed()
    status = run_reports("month", [], [month], db=url, params=args.params, out=args.out, jobs=args.jobs,
                         pdf=pdf, job_list=the_jobs,
                         command=args.argv if args.today else [*args.argv, "--today", today.isoformat()])
    index = Path(args.out).resolve() / "index.html"
    if not pdf:
        print(f"\n{_no_pdf_note(jobs)}")
    print(f"\nOpen the reports: file://{index}")
    print(f"Serve the live dashboards: make serve  (or: {_program()} serve --site SITE)")
    return status


def _chromium_installed() -> bool:
    """Whether the agendas' PDFs can be printed here (pages.pdf's Chromium is an executable)."""
    from ips_nb.pages.pdf import chromium_path

    path = chromium_path()
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _no_pdf_note(jobs: list) -> str:
    """The one line the demo prints without Chromium: how to get the agendas' PDFs after all,
    naming the weeks its agendas are for (each site's next conference: one week or two)."""
    weeks_made = sorted({j.period for j in jobs if j.kind == "agenda"})
    week = weeks_made[0] + (f"..{weeks_made[-1]}" if len(weeks_made) > 1 else "") if weeks_made else ""
    return ("No PDFs of the agendas: Chromium is not installed (apt install chromium, or make "
            f"sysdeps as root); then: {_program()} run agenda" + (f" --week {week}" if week else "")
            + " --pdf")


def _program() -> str:
    """How to call ips-nb from here: bare when it is on PATH, else by its path (a fresh clone's
    .venv/bin is not on PATH)."""
    import shutil

    here = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if shutil.which("ips-nb") or here is None or here.name != "ips-nb":
        return "ips-nb"
    try:
        return str(here.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(here)


def _cmd_serve(args: argparse.Namespace) -> int:
    from ips_nb.cli_upgrade import out_of_date
    from ips_nb.live.serve import serve

    if refused := out_of_date(args.db):  # an earlier release's database: `ips-nb upgrade` first
        raise UsageError(refused)
    return serve(site=args.site, port=args.port, db=args.db, params_dir=args.params,
                 token=not args.no_token, allow_hosts=args.allow_host)


def _cmd_hub(args: argparse.Namespace) -> int:
    from ips_nb.cli_upgrade import out_of_date
    from ips_nb.live.hub import HubOptions, run_hub

    if refused := out_of_date(args.db):  # an earlier release's database: `ips-nb upgrade` first
        raise UsageError(refused)
    return run_hub(HubOptions(port=args.port, ip=args.ip, db=args.db, params_dir=args.params, access=args.access,
                              reports=args.reports, state_dir=args.state))


def main(argv: list[str] | None = None) -> int:
    from ips_nb.settings import SettingsError, settings

    try:  # every IPS_NB_* variable is checked before anything is read or written (even --help's defaults)
        settings()
    except SettingsError as exc:  # one sentence naming the variable (no secret's value)
        print(f"ips-nb: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    args = parser.parse_args(argv)
    # the command as typed, for the run record and the runs page ("ips-nb run agenda --week …"):
    # the program by its name (not the venv's path), the arguments as given, in-process too
    args.argv = ["ips-nb", *(sys.argv[1:] if argv is None else [str(a) for a in argv])]
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "group_readable", False):  # for every process of the run (data.modes)
        from ips_nb.data.modes import GROUP_ENV

        os.environ[GROUP_ENV] = "1"
    from ips_nb.data.location import redact

    whole_db = settings().db

    def said(text: str) -> str:  # no message names the database's password
        return redact(text, getattr(args, "db", None), whole_db)

    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("ips-nb: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one exit policy: see exit_status
        return exit_status(exc, said)


def exit_status(exc: Exception, said: Callable[[str], str] = str) -> int:
    """The one exit policy: an error of ours (errors.IpsError) is its sentence and its exit
    status; anything else is one line and exit status 1, never a traceback, unless IPS_NB_DEBUG=1
    (then the traceback too, for whoever is finding the bug). `said` masks what is printed."""
    if isinstance(exc, IpsError):
        print(said(f"ips-nb: {exc}"), file=sys.stderr)
        return exc.exit_status
    from ips_nb.settings import settings

    if settings().debug:
        import traceback

        print(said("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
    print(said(f"ips-nb: {type(exc).__name__}: {exc}".splitlines()[0]), file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
