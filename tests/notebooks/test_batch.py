"""Batch runs: each failure kind costs only its own site, outputs are atomic, nothing is left running.

Most tests point the runner at a tiny test workbook (IPS_NB_WORKBOOKS) whose behaviour depends on
the site id: `boom*` raises, `die*` kills its own kernel, `slow*` sleeps (after leaving a mark in
its temporary folder, so a test can kill its worker); any other site writes its JSON and succeeds. Every run gets its own temporary folder, and each kernel's command line names
it (the connection file), so "no kernel left behind" is checked for this run's kernels only.
"""
from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml

from ips_nb.cli import main
from ips_nb.pages.catalogue import LABELS

MONTH = "2026-10"
TEST_CELL = """\
import json, os, signal, time
if site.startswith("boom"):
    raise ValueError(f"no data for {site}")
if site.startswith("die"):
    os.kill(os.getpid(), signal.SIGKILL)
if site.startswith("slow"):
    open(json_path + ".started", "w").close()  # a test may now kill this notebook's worker
    time.sleep(300)
json.dump({"site": site, "month": month}, open(json_path, "w"))
"""


def _site(site: str, name: str | None = None, **extra: object) -> dict:
    return {"site": site, "name": name or f"Site {site.upper()}", "language": "en", "country": "DK",
            "conference_weekday": 3, **extra}


SITES = ("ok1", "ok2", "ok3", "ok4", "boom", "die", "slow")


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """A test workbook, a params dir, a database with one candidate per site and a private temp dir for kernels."""
    wb = tmp_path / "workbooks"
    wb.mkdir()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('site = "x"\nmonth = "2026-01"\ndb_url = None\nparams_dir = None\njson_path = None',
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(TEST_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, wb / "supervision.ipynb")
    params = tmp_path / "params"
    params.mkdir()
    for site in SITES:
        (params / f"{site}.yaml").write_text(yaml.safe_dump(_site(site)), encoding="utf-8")
    (params / "bad.yaml").write_text(yaml.safe_dump(_site("bad", language="xx")), encoding="utf-8")
    from ips_nb.data.connection import connect, create_schema
    from ips_nb.data.tables import METADATA

    db = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = connect(db)
    create_schema(engine)
    with engine.begin() as conn:  # one candidate each: a site without rows is refused (cli)
        conn.execute(METADATA.tables["candidates"].insert(), [
            {"candidate_id": f"{site}-c1", "site": site, "referral_date": date(2026, 1, 5)}
            for site in (*SITES, "bad")])
    engine.dispose()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("IPS_NB_WORKBOOKS", str(wb))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return {"params": str(params), "db": db, "out": tmp_path / "reports", "tmp": tmp, "root": tmp_path}


def _processes_naming(path: Path) -> list[psutil.Process]:
    """Live processes (kernels, workers) whose command line or environment mentions this test's folder.

    Workers inherit TMPDIR (this folder) and kernels their worker's environment, forked or launched.
    """
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        try:
            if p.pid == os.getpid() or p.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if "resource_tracker" in " ".join(p.info["cmdline"] or []):
                continue  # multiprocessing's helper of this pytest process
            if any(str(path) in a for a in p.info["cmdline"] or []) or \
                    any(str(path) in v for v in p.environ().values()):
                found.append(p)
        except psutil.Error:
            continue
    return found


def _no_kernels_left(b: dict) -> None:
    assert not _processes_naming(b["tmp"]), "a kernel of the run is still running"
    me = psutil.Process()
    assert not [c for c in me.children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
    assert not list(b["tmp"].iterdir()), "the run's scratch folder (sockets, connection files) remains"


def _run(b: dict, *sites: str, extra: tuple[str, ...] = ()) -> int:
    argv = ["run", "supervision", "--month", MONTH, "--db", b["db"], "--params", b["params"],
            "--out", str(b["out"]), "--jobs", "2", *extra]
    for s in sites:
        argv += ["--site", s]
    return main(argv)


def _record(out: Path) -> dict:
    runs = sorted((out / "runs").glob("*.json"))
    assert runs, "no run record"
    return json.loads(runs[-1].read_text(encoding="utf-8"))


def _by_site(record: dict) -> dict[str, dict]:
    return {r["site"]: r for r in record["results"]}


def test_bad_parameters_raising_cell_and_killed_kernel_fail_alone(batch, capsys):
    status = _run(batch, "ok1", "bad", "boom", "die")
    printed = capsys.readouterr()
    assert status == 1
    out = batch["out"]
    assert (out / "ok1" / "supervision" / f"{MONTH}.html").is_file(), printed.out
    assert json.loads((out / "ok1" / "supervision" / f"{MONTH}.json").read_text())["site"] == "ok1"
    results = _by_site(_record(out))
    assert results["ok1"]["status"] == "ok"
    assert {results[s]["status"] for s in ("bad", "boom", "die")} == {"failed"}
    assert "language" in results["bad"]["reason"] and "bad.yaml" in results["bad"]["reason"]
    assert "cell" in results["boom"]["reason"] and "ValueError: no data for boom" in results["boom"]["reason"]
    assert "kernel died" in results["die"]["reason"]
    # one line per failure, naming the site and the cause; never a traceback
    for site in ("bad", "boom", "die"):
        line = next(ln for ln in printed.out.splitlines() if f"{site} supervision {MONTH}: FAILED" in ln)
        assert results[site]["reason"] in line
    assert "Traceback" not in printed.out + printed.err
    # the executed notebook of the failed run is kept for diagnosis; no report replaces it
    assert (out / "boom" / "supervision" / f"{MONTH}.failed.ipynb").is_file()
    assert not (out / "boom" / "supervision" / f"{MONTH}.html").exists()
    _no_kernels_left(batch)


def test_ordinarily_launched_kernels_behave_the_same(batch, monkeypatch, capsys):
    """IPS_NB_FORK_KERNELS=0: every kernel launched by jupyter_client instead of forked."""
    monkeypatch.setenv("IPS_NB_FORK_KERNELS", "0")
    assert _run(batch, "ok1", "ok2", "boom", "die") == 1
    capsys.readouterr()
    results = _by_site(_record(batch["out"]))
    assert [results[s]["status"] for s in ("ok1", "ok2", "boom", "die")] == ["ok", "ok", "failed", "failed"]
    assert "ValueError" in results["boom"]["reason"] and "kernel died" in results["die"]["reason"]
    _no_kernels_left(batch)


def test_timeout_is_per_notebook_and_keeps_the_previous_report(batch, capsys):
    previous = batch["out"] / "slow" / "supervision" / f"{MONTH}.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous good report", encoding="utf-8")
    status = _run(batch, "ok1", "slow", extra=("--timeout", "3"))
    printed = capsys.readouterr()
    assert status == 1
    results = _by_site(_record(batch["out"]))
    assert results["ok1"]["status"] == "ok"
    assert results["slow"]["status"] == "failed" and "timed out after 3 s" in results["slow"]["reason"]
    assert "slow supervision 2026-10: FAILED" in printed.out and "Traceback" not in printed.out + printed.err
    assert previous.read_text(encoding="utf-8") == "previous good report"
    assert not list(previous.parent.glob(".tmp-*"))
    _no_kernels_left(batch)


def test_run_record_and_index(batch, capsys):
    assert _run(batch, "ok1", "ok2", "bad") == 1
    capsys.readouterr()
    record = _record(batch["out"])
    from ips_nb import __version__

    assert record["version"] == __version__
    assert record["command"] and record["db_fingerprint"] and record["interrupted"] is None
    assert record["parameters"]["timeout"] == 600 and record["counts"] == {"ok": 2, "failed": 1, "interrupted": 0}
    assert [(r["site"], r["period"], r["kind"]) for r in record["results"]] == \
        [("ok1", MONTH, "supervision"), ("ok2", MONTH, "supervision"), ("bad", MONTH, "supervision")]
    assert all(isinstance(r["seconds"], float | int) for r in record["results"])
    index = (batch["out"] / "index.html").read_text(encoding="utf-8")
    en = 2  # the sites are English
    assert "Site OK1" in index and "Site OK2" in index  # display names, not ids
    assert LABELS["last_run_failures"][en] in index and LABELS["supervision_reports"][en] in index
    assert f'href="ok1/supervision/{MONTH}.html"' in index


def test_real_workbooks_with_a_bad_site_beside_a_good_one(demo_db, params_dir, tmp_path, monkeypatch, capsys):
    """The shipped workbook for one demo site, and a site whose parameters do not validate."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    params = tmp_path / "params"
    params.mkdir()
    (params / "aarhus.yaml").write_text((Path(params_dir) / "aarhus.yaml").read_text(encoding="utf-8"))
    (params / "typo.yaml").write_text(yaml.safe_dump(_site("typo", conference_weekday=9)), encoding="utf-8")
    out = tmp_path / "reports"
    status = main(["run", "supervision", "--month", MONTH, "--db", demo_db, "--params", str(params),
                   "--out", str(out), "--jobs", "2"])
    printed = capsys.readouterr().out
    assert status == 1
    assert (out / "aarhus" / "supervision" / f"{MONTH}.html").is_file()
    assert "typo supervision 2026-10: FAILED" in printed and "conference_weekday" in printed
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "IPS Aarhus" in index and LABELS["supervision_reports"][0] in index  # Danish: the site's language


def test_progress_is_plain_lines_off_a_terminal():
    from ips_nb.batch.jobs import Job, Result
    from ips_nb.batch.record import Progress

    stream = io.StringIO()
    progress = Progress(2, stream)
    progress(Result(Job("supervision", "a", MONTH), "ok", 1.23))
    progress(Result(Job("supervision", "b", MONTH), "failed", 0.5, "cell 2: ValueError: x"))
    progress.close()
    assert stream.getvalue().splitlines() == [
        f"[1/2] a supervision {MONTH}: ok (1.2 s)",
        f"[2/2] b supervision {MONTH}: FAILED (0.5 s) — cell 2: ValueError: x"]


def test_progress_stops_printing_when_its_reader_is_gone(monkeypatch):
    """`ips-nb run … | head -3`: once the pipe closes, the run goes on without its lines."""
    from ips_nb.batch import record
    from ips_nb.batch.jobs import Job, Result
    from ips_nb.batch.record import Progress

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    quieted = []
    monkeypatch.setattr(record, "_quiet_stdout", lambda: quieted.append(True))
    progress = Progress(3, ClosedPipe())
    for site in "abc":  # no exception escapes: the coordinator would otherwise abort the run
        progress(Result(Job("supervision", site, MONTH), "ok", 1.0))
    assert progress.done == 3 and quieted == [True]


def _signalled_run(b: dict, sites: tuple[str, ...], signum: int, ready, waiting: str,  # noqa: ANN001
                   wait: float = 120, after: float = 0.0) -> tuple[int, str, str]:
    """`ips-nb run supervision` for `sites` in a subprocess, sent `signum` once `ready()` holds
    (plus `after` seconds); its exit status, standard output and standard error."""
    env = {**os.environ, "IPS_NB_WORKBOOKS": os.environ["IPS_NB_WORKBOOKS"], "TMPDIR": str(b["tmp"])}
    cmd = [str(Path(sys.executable).parent / "ips-nb"), "run", "supervision", "--month", MONTH,
           "--db", b["db"], "--params", b["params"], "--out", str(b["out"]), "--jobs", "2"]
    for site in sites:
        cmd += ["--site", site]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + wait
    try:
        while not ready():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, waiting
            time.sleep(0.01)
        time.sleep(after)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, stdout, stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_stops_cleanly_and_records_what_finished(batch, signum):
    previous = batch["out"] / "slow" / "supervision" / f"{MONTH}.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous good report", encoding="utf-8")
    done = batch["out"] / "ok1" / "supervision" / f"{MONTH}.html"
    # once ok1 has finished (the slow site's kernel started with it and sleeps), and the
    # coordinator has had time to report it
    code, stdout, stderr = _signalled_run(batch, ("ok1", "slow"), signum, done.exists,
                                          "the run never got going", after=0.5)
    assert code == 128 + signum, (stdout, stderr)
    assert "Traceback" not in stdout + stderr
    # no noise: no kernel or transport warnings, just the one line saying how the run ended
    assert [ln for ln in stderr.splitlines() if ln.strip()] == [
        next(ln for ln in stderr.splitlines() if ln.startswith("ips-nb: stopped by"))]
    assert "ok1 supervision 2026-10: ok" in stdout
    record = _record(batch["out"])
    results = _by_site(record)
    assert record["interrupted"] == signal.Signals(signum).name
    assert results["ok1"]["status"] == "ok"
    assert results["slow"]["status"] == "interrupted" and signal.Signals(signum).name in results["slow"]["reason"]
    assert previous.read_text(encoding="utf-8") == "previous good report"
    assert not list(previous.parent.glob(".tmp-*"))
    _no_kernels_left(batch)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_before_the_first_notebook_leaves_nothing_running(batch, signum):
    """Stopped while the zygote still imports: exit 128 + n in one line, no process, no folder left."""
    def zygote_started() -> bool:
        return any("serve_zygote" in " ".join(p.cmdline()) for p in _processes_naming(batch["tmp"]))

    code, stdout, stderr = _signalled_run(batch, ("ok1", "ok2"), signum, zygote_started, "no zygote was started",
                                          wait=60)
    assert code == 128 + signum, (stdout, stderr)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"ips-nb: stopped by {signal.Signals(signum).name}"), stderr
    _no_kernels_left(batch)


# --- a dead worker, failed notebooks, leftovers, a full disk -----------------------------------

def _config(b: dict, timeout: float | None = 600):
    from ips_nb.batch.jobs import RunConfig

    return RunConfig(b["db"], b["params"], str(b["out"]), timeout)


def _jobs(*sites: str):
    from ips_nb.batch.jobs import Job

    return [Job("supervision", s, MONTH) for s in sites]


def _previous_report(out: Path, site: str) -> dict[Path, bytes]:
    """A good report from an earlier run, to be left exactly as it is by a failing one."""
    folder = out / site / "supervision"
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("the previous good run")])
    files = {folder / f"{MONTH}.html": b"<html>previous good report</html>",
             folder / f"{MONTH}.json": json.dumps({"site": site, "previous": True}).encode(),
             folder / f"{MONTH}.ipynb": nbformat.writes(nb).encode()}
    for path, data in files.items():
        path.write_bytes(data)
    return files


def _marker_before(nb: nbformat.NotebookNode, source_start: str) -> str:
    """The text of the error marker placed just before the cell whose source starts so."""
    index = next(i for i, c in enumerate(nb.cells) if c.source.startswith(source_start))
    marker = nb.cells[index - 1]
    assert marker.cell_type == "markdown" and "papermill-error-cell-tag" in marker.metadata.get("tags", [])
    return marker.source


def test_a_killed_worker_costs_only_the_job_it_was_running(batch):
    """kill -9 on the worker running `slow`: that job fails, saying so; every other job is done."""
    import threading

    from ips_nb.batch.pool import run_jobs
    from ips_nb.batch.record import Progress

    previous = _previous_report(batch["out"], "slow")
    killed: list[int] = []

    def kill_the_worker_running_slow() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            marks = list((batch["out"] / "slow" / "supervision").glob(f".tmp-{MONTH}-*/{MONTH}.json.started"))
            if marks:
                pid = int(marks[0].parent.name.rsplit("-", 1)[1])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_worker_running_slow, daemon=True)
    killer.start()
    stream = io.StringIO()
    sites = ("slow", "ok1", "ok2", "ok3", "ok4")
    results = run_jobs(_jobs(*sites), _config(batch), workers=2, report=Progress(len(sites), stream))
    killer.join(5)
    assert killed, "the slow notebook never started"
    by_site = {r.job.site: r for r in results}
    assert [by_site[s].status for s in sites] == ["failed", "ok", "ok", "ok", "ok"], stream.getvalue()
    assert by_site["slow"].reason == "the worker running it died (signal 9)"
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(sites)  # each job reported once, the dead worker's in one line
    assert [ln for ln in lines if "FAILED" in ln] == \
        [next(ln for ln in lines if f"slow supervision {MONTH}: FAILED" in ln)]
    assert lines[[i for i, ln in enumerate(lines) if "FAILED" in ln][0]].endswith(
        "— the worker running it died (signal 9)")
    for site in sites[1:]:
        assert json.loads((batch["out"] / site / "supervision" / f"{MONTH}.json").read_text())["site"] == site
    # what the dead worker had is kept for diagnosis, the previous good report stays, nothing is left over
    assert all(path.read_bytes() == data for path, data in previous.items())
    failed = nbformat.read(batch["out"] / "slow" / "supervision" / f"{MONTH}.failed.ipynb", as_version=4)
    assert "the worker running it died (signal 9)" in failed.cells[0].source
    assert not list(batch["out"].glob("*/*/.tmp-*"))
    _no_kernels_left(batch)


def test_a_coordinator_killed_with_sigkill_leaves_nothing_running(batch):
    """kill -9 on `ips-nb run` itself, mid-notebook: nothing can clean up, yet its fork server,
    workers, zygote and kernels all end on their own (each dies with the process it hangs on)."""
    cmd = [str(Path(sys.executable).parent / "ips-nb"), "run", "supervision", "--month", MONTH,
           "--db", batch["db"], "--params", batch["params"], "--out", str(batch["out"]), "--jobs", "2",
           "--site", "slow", "--site", "ok1"]
    coordinator = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list((batch["out"] / "slow" / "supervision").glob(f".tmp-{MONTH}-*/{MONTH}.json.started")):
            assert coordinator.poll() is None and time.monotonic() < deadline, "the slow notebook never started"
            time.sleep(0.05)
        running = _processes_naming(batch["tmp"])
        kinds = " ".join(" ".join(p.cmdline()) for p in running)
        assert "forkserver" in kinds and "serve_zygote" in kinds, kinds  # what must end on its own
    finally:
        coordinator.kill()
        coordinator.wait()
    deadline = time.monotonic() + 30
    while (left := _processes_naming(batch["tmp"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"left running after the coordinator died: {[' '.join(p.cmdline())[:80] for p in left]}"


def test_every_kind_of_failure_keeps_what_was_executed(batch):
    """A raising cell, a killed kernel and a timeout each keep <stem>.failed.ipynb, the failing cell marked."""
    from ips_nb.batch.pool import run_jobs

    previous = {site: _previous_report(batch["out"], site) for site in ("boom", "die", "slow")}
    results = run_jobs(_jobs("boom", "die", "slow"), _config(batch, timeout=3), workers=2, report=lambda r: None)
    reasons = {r.job.site: r.reason for r in results}
    assert [r.status for r in results] == ["failed"] * 3, reasons
    for site, files in previous.items():
        assert all(path.read_bytes() == data for path, data in files.items()), site
        nb = nbformat.read(batch["out"] / site / "supervision" / f"{MONTH}.failed.ipynb", as_version=4)
        # the parameters papermill injected were executed: this is the executed notebook, not the input
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f'site = "{site}"' in injected.source and injected.execution_count is not None
        marker = _marker_before(nb, "import json, os, signal, time")
        if site == "boom":
            assert "encountered an exception" in marker  # papermill's own banner and anchor
        else:
            assert reasons[site] in marker and reasons[site] in nb.cells[0].source, (site, marker)
    assert reasons["die"] == "the kernel died" and reasons["slow"] == "timed out after 3 s"
    assert not list(batch["out"].glob("*/*/.tmp-*"))
    _no_kernels_left(batch)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_earlier_runs_are_removed_and_nothing_else(batch):
    """Only `.tmp-<stem>-<pid>` folders of a gone process, holding only that stem's files, are removed."""
    from ips_nb.batch.pool import run_jobs

    folder = batch["out"] / "ok1" / "supervision"
    folder.mkdir(parents=True)
    dead = _dead_pid()
    stale = [folder / f".tmp-{MONTH}-{dead}", batch["out"] / "ok2" / "agenda" / f".tmp-2026-W43-team-a-{dead}"]
    for tmp in stale:
        tmp.mkdir(parents=True)
        (tmp / f"{tmp.name[5:].rsplit('-', 1)[0]}.ipynb").write_text("{}", encoding="utf-8")
    (batch["out"] / "runs").mkdir()
    stale_part = batch["out"] / "runs" / f".20261001T000000000000Z.json.{dead}.part"
    stale_part.write_text("{", encoding="utf-8")
    kept = [folder / f".tmp-{MONTH}-{os.getpid()}",  # a live process's (a run going on)
            folder / ".tmp-notes",  # not a name the runner makes
            folder / f".tmp-{MONTH}-{dead}0",  # and these hold what the runner never writes
            batch["out"] / "ok2" / "notes" / f".tmp-{MONTH}-{dead}"]
    for tmp in kept:
        tmp.mkdir(parents=True)
        (tmp / f"{MONTH}.ipynb").write_text("{}", encoding="utf-8")
    (kept[2] / "mine.txt").write_text("not the runner's", encoding="utf-8")
    not_a_folder = folder / f".tmp-2026-09-{dead}"
    not_a_folder.write_text("a file", encoding="utf-8")
    results = run_jobs(_jobs("ok1"), _config(batch), report=lambda r: None)
    assert [r.status for r in results] == ["ok"]
    assert [t for t in stale if t.exists()] == [] and not stale_part.exists()
    assert all(t.is_dir() for t in kept) and not_a_folder.is_file()
    assert (kept[2] / "mine.txt").is_file()


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _fill(disk: Path, leave: int) -> None:
    """Fill the file system to the last byte, then free `leave` bytes of it."""
    from conftest import fill_disk

    fill_disk(disk, leave)


@pytest.fixture
def small_disk(batch):
    """A 8 MB tmpfs for the reports (plotly.js takes 4.8 MB of it), unmounted afterwards."""
    import shutil

    from conftest import need_system

    need_system("root to mount a small tmpfs", os.geteuid() == 0 and bool(shutil.which("mount")))
    disk = batch["root"] / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)]).returncode:
            subprocess.run(["umount", "-l", str(disk)], check=True)


def _first_run_on(disk: Path, batch: dict) -> tuple[dict, dict[str, bytes]]:
    """Reports for ok1 and ok2, boom's failed notebook and a run record, while there is room."""
    from ips_nb.batch.record import write_run_record

    b = {**batch, "out": disk / "reports"}
    results = _run_quietly(b, "ok1", "ok2", "boom")
    assert [r.status for r in results] == ["ok", "ok", "failed"], [r.reason for r in results]
    write_run_record(str(b["out"]), ["first run"], _config(b), results, "fingerprint")
    return b, _tree(b["out"])


def _run_quietly(b: dict, *sites: str):
    from ips_nb.batch.pool import run_jobs

    return run_jobs(_jobs(*sites), _config(b), workers=2, report=lambda r: None)


@pytest.mark.system
def test_a_full_disk_says_so_in_one_line_and_keeps_every_report(batch, small_disk, capsys):
    b, before = _first_run_on(small_disk, batch)
    _fill(small_disk, leave=0)
    status = _run(b, "ok1", "ok2", "boom")
    printed = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in printed.out + printed.err
    full = "the disk is full (No space left on device) writing "
    for site in ("ok1", "ok2", "boom"):
        line = next(ln for ln in printed.out.splitlines() if f"{site} supervision {MONTH}: FAILED" in ln)
        assert f"— {full}{b['out'] / site / 'supervision'}" in line, line
    assert [ln for ln in printed.err.splitlines() if ln.strip()] == \
        [next(ln for ln in printed.err.splitlines() if f"{full}{b['out'] / 'runs'}" in ln)]
    # every file as it was, byte for byte: no 0-byte or half-written file, no temporary one left
    assert _tree(b["out"]) == before
    # a workbook's JSON cut short without an error (written through a file it never closed) is
    # not taken for a report either: the runner checks it, and the free space names the cause
    from ips_nb.batch.execute import check_json

    cut = small_disk / "cut.json"
    cut.touch()
    with pytest.raises(OSError) as err:
        check_json(cut)
    assert err.value.errno == errno.ENOSPC


@pytest.mark.system
@pytest.mark.parametrize("room", [6 << 10, 14 << 10, 24 << 10], ids=["6K", "14K", "24K"])
def test_a_disk_filling_up_mid_run_leaves_only_whole_files(batch, small_disk, room):
    """Some writes succeed, one runs out of space: each file is the old one or a whole new one."""
    from ips_nb.batch.record import write_run_record

    b, before = _first_run_on(small_disk, batch)
    _fill(small_disk, leave=room)
    results = _run_quietly(b, "ok1", "ok2", "boom")
    try:
        write_run_record(str(b["out"]), ["second run"], _config(b), results, "fingerprint")
    except OSError as exc:  # files.DiskFull
        assert str(exc).startswith("the disk is full (No space left on device) writing ")
    for r in results:
        assert r.status == "ok" or (r.status == "failed" and (
            r.reason.startswith("the disk is full (No space left on device) writing ")
            or (r.job.site == "boom" and "ValueError" in r.reason))), r
    after = _tree(b["out"])
    ok = {r.job.site for r in results if r.status == "ok"}
    for name, data in after.items():
        assert data, f"{name} is empty"
        assert not Path(name).name.startswith(".") and Path(name).suffix in (".ipynb", ".json", ".html", ".js"), \
            f"{name} was left behind"
        if name.endswith(".ipynb"):
            nbformat.reads(data.decode(), as_version=4)
        elif name.endswith(".json"):
            json.loads(data)
        elif name.endswith(".html"):
            assert data.rstrip().endswith(b"</html>"), name
        if name in before and name.split("/")[0] not in ok and not name.endswith(".failed.ipynb"):
            assert data == before[name], f"{name} of a failed site changed"
    assert set(before) <= set(after), "a finished report was removed"
