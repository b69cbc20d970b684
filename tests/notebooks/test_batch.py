"""Batch runs: each failure kind costs only its own site, outputs are atomic, nothing is left running.

Most tests point the runner at a tiny test workbook (IPS_NB_WORKBOOKS) whose behaviour depends on
the site id: `boom*` raises, `die*` kills its own kernel, `slow*` sleeps; any other site writes its
JSON and succeeds. Every run gets its own temporary folder, and each kernel's command line names
it (the connection file), so "no kernel left behind" is checked for this run's kernels only.
"""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml

from ips_nb.pages.catalogue import LABELS
from ips_nb.cli import main

MONTH = "2026-10"
TEST_CELL = """\
import json, os, signal, time
if site.startswith("boom"):
    raise ValueError(f"no data for {site}")
if site.startswith("die"):
    os.kill(os.getpid(), signal.SIGKILL)
if site.startswith("slow"):
    time.sleep(300)
json.dump({"site": site, "month": month}, open(json_path, "w"))
"""


def _site(site: str, name: str | None = None, **extra: object) -> dict:
    return {"site": site, "name": name or f"Site {site.upper()}", "language": "en", "country": "DK",
            "conference_weekday": 3, **extra}


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """A test workbook, a params dir, an empty database and a private temp dir for kernels."""
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
    for site in ("ok1", "ok2", "boom", "die", "slow"):
        (params / f"{site}.yaml").write_text(yaml.safe_dump(_site(site)), encoding="utf-8")
    (params / "bad.yaml").write_text(yaml.safe_dump(_site("bad", language="xx")), encoding="utf-8")
    from ips_nb.data.store import connect, create_schema

    db = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = connect(db)
    create_schema(engine)
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
    from ips_nb.batch.runner import Job, Progress, Result

    stream = io.StringIO()
    progress = Progress(2, stream)
    progress(Result(Job("supervision", "a", MONTH), "ok", 1.23))
    progress(Result(Job("supervision", "b", MONTH), "failed", 0.5, "cell 2: ValueError: x"))
    progress.close()
    assert stream.getvalue().splitlines() == [
        f"[1/2] a supervision {MONTH}: ok (1.2 s)",
        f"[2/2] b supervision {MONTH}: FAILED (0.5 s) — cell 2: ValueError: x"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_stops_cleanly_and_records_what_finished(batch, signum):
    previous = batch["out"] / "slow" / "supervision" / f"{MONTH}.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous good report", encoding="utf-8")
    env = {**os.environ, "IPS_NB_WORKBOOKS": os.environ["IPS_NB_WORKBOOKS"], "TMPDIR": str(batch["tmp"])}
    cmd = [str(Path(sys.executable).parent / "ips-nb"), "run", "supervision", "--month", MONTH,
           "--db", batch["db"], "--params", batch["params"], "--out", str(batch["out"]),
           "--jobs", "2", "--site", "ok1", "--site", "slow"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = batch["out"] / "ok1" / "supervision" / f"{MONTH}.html"
    deadline = time.monotonic() + 120
    try:
        # wait until ok1 has finished (the slow site's kernel started with it and sleeps)
        while not done.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.2)
        time.sleep(0.5)  # let the coordinator report ok1
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, (stdout, stderr)
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
