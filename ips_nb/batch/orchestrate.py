"""What `ips-nb run` does between parsing its command line and its exit status: open the run's
place (its zygote starts importing at once), check the database, the output folder and which
sites have rows, start the workers, run the jobs while the data's fingerprint is taken, then write
the run record and the index. The command line (cli.py) only gathers the options and calls
run_reports, as papermill's cli calls execute_notebook.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from ips_nb.errors import EXIT_FAILED, EXIT_OK, UsageError


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
    fingerprint = fingerprint_meanwhile(engine, after=first_done, url=url)  # the data this run reads

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


def fingerprint_meanwhile(engine, after: threading.Event,  # noqa: ANN001
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
