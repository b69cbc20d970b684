"""`ips-nb`: a thin command line over the library. Only this layer reads the clock (for defaults).

Exit status: 0 done, 1 some work failed, 2 bad usage or bad input.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ips_nb import __version__
from ips_nb.figures.periods import Month, Week

from ips_nb.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, IpsError, UsageError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser", "main"]


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


def run_reports(kind: str, sites: list[str], periods: list[str], *, db: str | None, params: str,
                out: str, jobs: int, timeout: float | None = 600, verbose: bool = False,
                teams: list[str] | None = None, command: list[str] | None = None, pdf: bool = False,
                lang: str = "en", job_list: Callable[[], list] | None = None) -> int:
    """Run, record and index; returns the exit status (128 + signal when stopped by one).

    `job_list` (a function giving runner Jobs, any kinds) replaces the jobs made of kind × sites ×
    periods; it is called after the run's zygote has started, so its imports overlap them."""
    import signal

    from ips_nb.batch.place import Interrupted, close_place, open_place, stopped_by_signals

    def jobs_to_run() -> list:
        if job_list is not None:
            return job_list()
        from ips_nb.batch.jobs import Job

        pairs = agenda_teams(sites, teams, params) if kind == "agenda" else [(s, None) for s in sites]
        return [Job(kind, s, p, t) for s, t in pairs for p in periods]

    try:
        with stopped_by_signals():  # a signal at any moment still closes the run's place
            place = open_place(verbose)  # the kernels' zygote imports while everything below runs
            try:
                cfg, results, fp, started = _run_in(place, jobs_to_run, db=db, params=params, out=out,
                                                    jobs=jobs, timeout=timeout, verbose=verbose, pdf=pdf,
                                                    lang=lang)
            finally:
                close_place(place)
    except Interrupted as exc:
        print(f"ips-nb: stopped by {signal.Signals(exc.signum).name} before any notebook ran", file=sys.stderr)
        return 128 + exc.signum
    from ips_nb.batch.record import stop_signal, write_run_record
    from ips_nb.pages.index import write_index

    record = write_run_record(out, command or ["ips-nb", *sys.argv[1:]], cfg, results, fp, started)
    index = write_index(out, params_dir=params)
    from ips_nb.batch.jobs import JobStatus

    ok = sum(r.status == JobStatus.OK for r in results)
    stopped = stop_signal(results)
    if stopped:
        print(f"ips-nb: stopped by {stopped.name}; {ok} of {len(results)} finished; run record: {record}",
              file=sys.stderr)
        return 128 + int(stopped)
    print(f"{ok} of {len(results)} done; index: {index}; run record: {record}")
    return EXIT_OK if ok == len(results) else EXIT_FAILED


def _run_in(place, jobs_to_run: Callable[[], list], *, db: str | None, params: str, out: str, jobs: int,  # noqa: ANN001
            timeout: float | None, verbose: bool, pdf: bool, lang: str) -> tuple:
    """Check the database and the output folder, start the workers, run while the data's
    fingerprint is taken. Returns (config, results, fingerprint, start time) for the run record."""
    from datetime import datetime, timezone

    from ips_nb.batch.jobs import RunConfig
    from ips_nb.batch.pool import run_jobs, start_workers
    from ips_nb.batch.record import Progress
    from ips_nb.data.location import HiddenPassword, redact
    from ips_nb.data.store import absolute_db_url, db_url

    try:
        given = db_url(db)
    except HiddenPassword as exc:
        raise UsageError(str(exc)) from None
    url = absolute_db_url(given)
    engine = existing_database(given)  # before absolute: the message can say the default is relative
    try:
        _check_out(out)
        todo = jobs_to_run()
        refused = _sites_without_rows(engine, todo, params)
        cfg = RunConfig(url, params, out, timeout, verbose, pdf=pdf, lang=lang)
        runnable = sum(j.site not in refused for j in todo)
        start_workers(place, max(1, min(jobs, runnable)), verbose, db_url=url)
    except BaseException:
        engine.dispose()
        raise
    started = datetime.now(timezone.utc)
    progress = Progress(len(todo))
    first_done = threading.Event()
    fingerprint = _fingerprint_meanwhile(engine, after=first_done, url=url)  # the data this run reads

    def report(result) -> None:  # noqa: ANN001 - a runner Result
        first_done.set()
        result.reason = redact(result.reason, url)  # a driver's message may quote the URL
        progress(result)

    try:
        results = run_jobs(todo, cfg, workers=max(1, jobs), report=report, place=place,
                           refused=refused)
    finally:
        progress.close()
        fp = fingerprint()
    return cfg, results, fp, started


def _sites_without_rows(engine, todo: list, params: str) -> dict[str, str]:  # noqa: ANN001
    """The run's sites that have parameters but no rows (candidates) in the database, each with
    the one line its jobs fail with; and, once on stderr, the sites with rows but no parameters.

    Why: a coordinator who forgot `--params` for their own site got "48 of 48 done" on empty
    packs of the sites in params/ (which had no data) and no word of the site they meant.
    The roll-up (no site of its own) is not checked: it reads whichever sites hold rows."""
    from ips_nb.batch.jobs import OVERVIEW
    from ips_nb.data.params import site_ids
    from ips_nb.data.frames import sites_in_db

    wanted = [s for s in dict.fromkeys(j.site for j in todo) if s != OVERVIEW]
    if not wanted:
        return {}
    present = sites_in_db(engine)  # a site's rows hang off its candidates
    unrun = [s for s in present if s not in set(site_ids(params))]
    if unrun:
        print(f"ips-nb: {', '.join(unrun)}: rows in the database but no parameters in {params}/, "
              "so not run: is --params the right folder?", file=sys.stderr)
    return {s: f"no rows for site {s} in the database: import it first, or is --params the "
               "right folder?" for s in wanted if s not in present}


def _fingerprint_meanwhile(engine, after: threading.Event,  # noqa: ANN001
                           url: str | None = None) -> Callable[[], str | None]:
    """Hash the data (`engine`'s) in a thread while the notebooks run, starting once `after` is
    set (the first report is done: at 100 sites the hash takes ~0.5 s of CPU, which the first
    notebooks should not share). The function returned waits for the hash and closes the engine.
    Data that cannot be read for it (the notebooks have run by then) costs only the hash: the
    record says null, and one line on stderr says why."""
    from ips_nb.batch.place import ignoring_signals
    from ips_nb.data.location import redact
    from ips_nb.data.store import fingerprint

    done: dict[str, str] = {}

    def _take() -> None:
        after.wait()
        try:
            done["fp"] = fingerprint(engine)
        except Exception as exc:  # noqa: BLE001 - said by result()
            done["error"] = redact(" ".join(str(exc).split()), url)[:300]

    thread = threading.Thread(target=_take, name="ips-nb-fingerprint", daemon=True)
    thread.start()

    def result() -> str | None:
        after.set()  # a run that reported nothing
        with ignoring_signals():  # the run is over: a second Ctrl-C must not lose its record
            thread.join()
        engine.dispose()
        if "error" in done:
            print(f"ips-nb: the data's fingerprint for the run record could not be taken: {done['error']}",
                  file=sys.stderr)
        return done.get("fp")

    return result


def existing_database(url: str | None):  # noqa: ANN201 - an SQLAlchemy Engine
    """The database a reading command works on; a missing or foreign one is bad usage (one sentence)."""
    from ips_nb.data.connection import StoreError, open_existing

    try:
        return open_existing(url)
    except StoreError as exc:
        raise UsageError(str(exc)) from None


def _check_out(out: str) -> None:
    """Refuse an output folder that cannot be written before any job starts (not one failure per job)."""
    import tempfile

    from ips_nb.data.modes import make_folder

    try:
        make_folder(out)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".ips-nb-probe-"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write reports to {out}: {exc.strerror or exc}") from None


def agenda_teams(sites: list[str], teams: list[str] | None, params_dir: str) -> list[tuple[str, str | None]]:
    """(site, team) agendas to run: without --team the site-wide one plus one per team the site
    lists in params/; with --team only those teams, at the sites that list them (a team no site
    lists is bad usage). A site whose parameters do not load keeps its job, so the runner records why."""
    from ips_nb.data.params import ParamsError, load_params

    listed: dict[str, list[str] | None] = {}
    for site in sites:
        try:
            listed[site] = load_params(params_dir, site).teams
        except ParamsError:
            listed[site] = None
    if not teams:
        return [(s, t) for s in sites for t in [None, *(listed[s] or [])]]
    wanted = list(dict.fromkeys(teams))
    known = {t.casefold(): t for ts in listed.values() for t in ts or []}
    unknown = [t for t in wanted if t.casefold() not in known]
    if unknown and any(v is not None for v in listed.values()):
        raise UsageError(f"no site lists the team {unknown[0]!r} in {params_dir}/ "
                         f"(teams: {', '.join(sorted(known.values())) or 'none'})")
    pairs: list[tuple[str, str | None]] = []
    for site in sites:
        for t in wanted:
            if listed[site] is None:
                pairs.append((site, t))
            elif t.casefold() in {x.casefold() for x in listed[site]}:
                pairs.append((site, next(x for x in listed[site] if x.casefold() == t.casefold())))
    return pairs


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
