"""A careless operator gets exit status 2 and one plain sentence, before any work starts."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import importdata as d
import pytest
from conftest import ROOT, need_system

IPS_NB = Path(sys.executable).parent / "ips-nb"


def run(*args, cwd: Path, env: dict | None = None) -> tuple[int, str, float, int]:
    """Exit status, everything printed, wall seconds and peak memory (KB) of one `ips-nb` call."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IPS_NB_")}
    environ.update(env or {})
    started = time.perf_counter()
    proc = subprocess.Popen([str(IPS_NB), *map(str, args)], cwd=cwd, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, time.perf_counter() - started, usage.ru_maxrss


@pytest.fixture
def work(tmp_path) -> Path:
    shutil.copytree(ROOT / "params", tmp_path / "params")
    return tmp_path


def test_a_month_out_of_range_is_named(work):
    code, out, *_ = run("run", "supervision", "--month", "2026-13", cwd=work)
    assert code == 2 and out.strip() == "ips-nb: month '2026-13' is out of range: the month is 01 to 12"


def test_an_unknown_site_is_bad_usage_and_the_known_ones_are_listed(work):
    code, out, *_ = run("run", "agenda", "--week", "2026-W48", "--site", "aarhsu", cwd=work)
    assert code == 2
    assert out.strip() == ("ips-nb: unknown site 'aarhsu': no params/aarhsu.yaml "
                           "(sites: aarhus, jonkoping, malmo, odense)")
    assert not (work / "reports").exists(), "bad usage leaves no run record"


@pytest.mark.system
def test_a_read_only_out_is_one_sentence_before_any_job(work, demo_db):
    need_system("root, to mount a read-only tmpfs", os.geteuid() == 0 and bool(shutil.which("mount")))
    ro = work / "ro"
    ro.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)], check=True)
    try:
        code, out, *_ = run("run", "supervision", "--month", "2026-10", "--out", ro, "--db", demo_db, cwd=work)
    finally:
        subprocess.run(["umount", str(ro)], check=True)
    assert code == 2
    assert out.strip() == f"ips-nb: cannot write reports to {ro}: Read-only file system"


def test_a_yaml_bomb_in_params_costs_no_more_than_any_bad_input(work):
    """Measured against a plain bad input in the same run: the bomb is refused before it expands,
    so it adds no memory worth speaking of (it used to take minutes and gigabytes, and print a
    2 GB line). Its time is not asserted here (wall clocks belong in benchmarks/)."""
    d.write_csv(d.VALID, work / "src")
    d.write_params(work / "p")
    key = {"IPS_NB_KEY": "k" * 40}
    base = run("validate", work / "src", "--params", work / "p", cwd=work, env=key)
    (work / "p" / "north.yaml").write_text(
        "a: &a [" + ",".join(['"lol"'] * 9) + "]\n"
        + "".join(f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi"))
        + "site: [" + ",".join(["*i"] * 9) + "]\n", encoding="utf-8")
    code, out, _took, peak = run("import", work / "src", "--params", work / "p", "--db",
                                f"sqlite:///{work / 'x.db'}", cwd=work, env=key)
    assert base[0] == 0, base[1]
    assert code == 2 and "aliases (*name) are not allowed" in out and len(out) < 4000
    assert not (work / "x.db").exists()
    assert peak < base[3] + 30 * 1024, (peak, base[3])


def test_a_missing_database_is_named_and_nothing_is_created(work):
    code, out, *_ = run("run", "supervision", "--month", "2026-10", cwd=work)
    assert code == 2
    assert out.strip() == (f"ips-nb: no ips-nb database at {work / 'data' / 'ips.db'} (run `ips-nb import` or "
                           "`ips-nb demo` first); the default sqlite:///data/ips.db is relative to the current folder")
    assert not (work / "data").exists() and not (work / "reports").exists()
