"""The package works where it is installed: the wheel, installed into a fresh environment, makes
the demo in an empty folder far from the checkout, and finds its notebooks; an sdist builds the
same wheel; neither build warns.

How the throwaway environment reuses the installed dependencies without seeing the checkout: a
venv of the same base Python whose one `.pth` line puts this venv's site-packages on sys.path.
A directory named in a `.pth` file is appended as it is; the `.pth` files inside it are not run,
so the editable install's finder (its own `.pth`) never loads and `import ips_nb` can only find
the wheel just installed. The commands run in an empty folder, without PYTHONPATH, so nothing of
the checkout is on the path either.

Marked system: it builds twice and runs the whole demo, which takes minutes.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
# Not part of a release: what a checkout holds besides its sources (.gitignore's), at its top and anywhere.
TOP_NOT_SOURCES = {".git", ".venv", "node_modules", "data", "reports", "build", "dist", "vendor"}
NOT_SOURCES = {"__pycache__", ".pytest_cache", ".hypothesis"}
DEMO_SITES = ("aarhus", "odense", "jonkoping", "malmo")


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points at the checkout or changes the run.
    PYTHONDONTWRITEBYTECODE (set on this machine) would make setuptools print "byte-compiling is
    disabled" warnings that say nothing about the project."""
    drop = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("IPS_NB_")}
    return {**env, **extra}


def _run(cmd: list[str], cwd: Path, timeout: float = 900, **env: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=_clean_env(**env))
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def _warnings(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (proc.stdout + proc.stderr).splitlines() if "warn" in line.lower()]


def _contents(wheel: Path) -> dict[str, bytes]:
    """A wheel's files and their bytes; RECORD (hashes, dates aside) only by name."""
    with zipfile.ZipFile(wheel) as z:
        return {n: (b"" if n.endswith("/RECORD") else z.read(n)) for n in z.namelist()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The wheel built from a copy of the checkout, and the wheel built from its sdist."""
    tmp = tmp_path_factory.mktemp("build")
    source = tmp / "ips-nb"

    def ignore(folder: str, names: list[str]) -> list[str]:
        top = Path(folder) == ROOT
        return [n for n in names if n in NOT_SOURCES or (top and n in TOP_NOT_SOURCES)
                or n.endswith((".pyc", ".egg-info"))]

    shutil.copytree(ROOT, source, ignore=ignore)
    direct = _run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", tmp / "direct", source], tmp)
    # no arguments: the sdist first, then a wheel built from the unpacked sdist
    via_sdist = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp / "sdist", source], tmp)
    return {"wheel": next((tmp / "direct").glob("*.whl")), "sdist_wheel": next((tmp / "sdist").glob("*.whl")),
            "sdist": next((tmp / "sdist").glob("*.tar.gz")), "logs": [direct, via_sdist]}


def test_building_the_wheel_and_the_sdist_prints_no_warning(built):
    for proc in built["logs"]:
        assert _warnings(proc) == []


def test_the_sdist_builds_the_same_wheel(built):
    assert _contents(built["sdist_wheel"]) == _contents(built["wheel"])


def test_the_wheel_holds_every_file_the_package_reads(built):
    names = set(_contents(built["wheel"]))
    shipped = {"templates": "ips_nb/templates", "workbooks": "ips_nb/workbooks",
               "dashboards": "ips_nb/dashboards", "params": "ips_nb/demo_params",
               "ips_nb/pages/locale": "ips_nb/pages/locale"}
    for folder, inside in shipped.items():
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files, folder
        missing = [str(p.relative_to(ROOT)) for p in files
                   if f"{inside}/{p.relative_to(ROOT / folder).as_posix()}" not in names]
        assert missing == [], f"not in the wheel: {missing}"


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> dict:
    """A fresh environment with the wheel installed (no dependencies: they come from this venv)."""
    tmp = tmp_path_factory.mktemp("installed")
    env = tmp / "env"
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", "--without-pip", env], tmp)
    site = Path(_run([env / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp).stdout.strip())
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_ips_nb_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    _run([env / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", built["wheel"]], tmp)
    return {"env": env, "site": site, "tmp": tmp}


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    probe = _run([installed["env"] / "bin" / "python", "-c",
                  "import ips_nb, ips_nb.resources as r, ips_nb.live.serve as s, ips_nb.live.hub as h\n"
                  "print(ips_nb.__file__); print(s.DASHBOARDS_DIR); print(h.CONFIG_FILE); print(h.HUB_TEMPLATES)\n"
                  "print(r.workbook('agenda')); print(r.templates_dir() / 'ips.css')"], installed["tmp"])
    paths = [Path(line) for line in probe.stdout.splitlines()]
    # the notebooks' kernels are this environment's Python too, so they import the wheel as well
    kernel = _run([installed["env"] / "bin" / "python", "-c",
                   "import sys; from jupyter_client.kernelspec import KernelSpecManager as K\n"
                   "print(K().get_kernel_spec('python3').argv[0] == sys.executable)"], installed["tmp"])
    assert kernel.stdout.strip() == "True"
    site = installed["site"].resolve()
    for path in paths:
        assert path.resolve().is_relative_to(site), path
        assert path.exists(), path
    dashboards, hub_templates = paths[1], paths[3]
    assert sorted(p.name for p in dashboards.glob("*.ipynb")) == ["agenda.ipynb", "supervision.ipynb"]
    assert (hub_templates / "login.html").is_file()
    serve_help = _run([installed["env"] / "bin" / "ips-nb", "serve", "--help"], installed["tmp"])
    assert "--site" in serve_help.stdout


def test_the_demo_runs_in_an_empty_folder_and_writes_its_params_there(installed):
    folder = installed["tmp"] / "empty"
    folder.mkdir()
    proc = _run([installed["env"] / "bin" / "ips-nb", "demo", "--today", "2026-11-23", "--jobs", "2"], folder,
                timeout=1800)
    assert "Demo parameters written to params/" in proc.stdout
    assert sorted(p.name for p in (folder / "params").iterdir()) == sorted(
        [f"{s}.yaml" for s in DEMO_SITES] + ["access.yaml"])
    reports = folder / "reports"
    assert (reports / "index.html").is_file() and (folder / "data" / "ips.db").is_file()
    for site in DEMO_SITES:
        assert list((reports / site / "supervision").glob("*.html")), site
        assert list((reports / site / "agenda").glob("*.html")), site
    assert list((reports / "overview").glob("*.html"))
