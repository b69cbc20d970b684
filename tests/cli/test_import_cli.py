"""The data commands through the installed `ips-nb` script, as a coordinator runs them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import importdata as d
import pytest
from importdata import dump

IPS_NB = Path(sys.executable).parent / "ips-nb"


def ips_nb(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IPS_NB_")}
    environ.update(env or {})
    return subprocess.run([str(IPS_NB), *map(str, args)], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def work(tmp_path) -> Path:
    d.write_params(tmp_path / "params")  # the default --params is params/ in the cwd
    d.write_csv(d.VALID, tmp_path / "src")
    return tmp_path


def test_the_commands_are_listed_with_their_help(work):
    top = ips_nb("--help", cwd=work)
    for command in ("validate", "import", "export"):
        assert command in top.stdout
    for command, words in (("validate", "SOURCE"), ("import", "--params"), ("export", "--site")):
        r = ips_nb(command, "--help", cwd=work)
        assert r.returncode == 0 and words in r.stdout and "--db" in r.stdout


def test_validate_import_export_on_the_default_database(work):
    r = ips_nb("validate", "src", cwd=work)
    assert r.returncode == 0, r.stderr
    assert "ready to import: site(s) north, south" in r.stdout
    assert not (work / "data").exists()
    r = ips_nb("import", "src", cwd=work)
    assert r.returncode == 0, r.stderr
    assert (work / "data" / "ips.db").exists()  # the documented default sqlite:///data/ips.db
    assert (work / ".ips_nb_key").exists()
    r = ips_nb("export", "out.xlsx", cwd=work)
    assert r.returncode == 0, r.stderr
    url = f"sqlite:///{work / 'again.db'}"
    r = ips_nb("import", "out.xlsx", "--db", url, cwd=work)
    assert r.returncode == 0, r.stderr
    assert dump(url) == dump(f"sqlite:///{work / 'data' / 'ips.db'}")


def test_the_database_may_come_from_the_environment(work):
    url = f"sqlite:///{work / 'env.db'}"
    r = ips_nb("import", "src", cwd=work, env={"IPS_NB_DB": url, "IPS_NB_KEY": "k" * 32})
    assert r.returncode == 0, r.stderr
    assert (work / "env.db").exists() and not (work / "data").exists()


def test_bad_input_exits_2_with_one_line_a_problem(work):
    tables = d.valid()
    tables["candidates"][3][2] = "2024-02-31"
    tables["fidelity"][1][3] = "7"
    d.write_csv(tables, work / "bad")
    r = ips_nb("import", "bad", cwd=work)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "error: candidates.csv, row 4, column referral_date, value '2024-02-31': "
        "not a real date: there is no such day",
        "error: fidelity.csv, row 2, column score, value '7': must be between 1 and 5",
    ]
    assert "nothing was written" in r.stdout
    assert not (work / "data").exists() and not (work / ".ips_nb_key").exists()


def test_nothing_unexpected_reaches_the_user_as_a_traceback(work):
    for args in (("import", "src", "--db", "nonsense://x"),
                 ("export", "out", "--db", "postgresql+psycopg://u@127.0.0.1:1/x"),
                 ("validate", "src", "--params", "src/candidates.csv")):
        r = ips_nb(*args, cwd=work)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        assert r.stderr.strip(), args


# --- operator mistakes: exit 2 and one plain sentence -------------------------------------------

def test_export_needs_an_existing_database_and_creates_none(work):
    r = ips_nb("export", "out", "--db", f"sqlite:///{work / 'missing' / 'ips.db'}", cwd=work)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"ips-nb export: no ips-nb database at {work / 'missing' / 'ips.db'} "
        "(run `ips-nb import` or `ips-nb demo` first)"]
    assert not (work / "missing").exists() and not (work / "out").exists()


def test_the_default_database_from_another_folder_names_the_file_it_tried(work):
    (work / "elsewhere").mkdir()
    r = ips_nb("export", "out", cwd=work / "elsewhere")
    assert r.returncode == 2
    assert f"no ips-nb database at {work / 'elsewhere' / 'data' / 'ips.db'}" in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert not (work / "elsewhere" / "data").exists()


def test_export_from_a_file_that_is_not_our_database(work):
    (work / "notes.db").write_text("shopping list " * 100)
    r = ips_nb("export", "out", "--db", f"sqlite:///{work / 'notes.db'}", cwd=work)
    assert r.returncode == 2
    assert r.stderr == f"ips-nb export: {work / 'notes.db'} is not an ips-nb database (it is not an SQLite file)\n"


def _without_root_privileges() -> list[str]:
    """A prefix that makes file permissions apply to root too (root ignores a read-only mode)."""
    import shutil

    if os.geteuid() != 0:
        return []
    from conftest import need_system

    need_system("setpriv (util-linux), to drop root's permission override", bool(shutil.which("setpriv")))
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps]


@pytest.mark.parametrize("dest", ["ro/out.xlsx", "ro/out", "ro"])
def test_export_into_a_read_only_folder_is_one_sentence_and_leaves_nothing(work, dest):
    r = ips_nb("import", "src", cwd=work, env={"IPS_NB_KEY": "x" * 40})
    assert r.returncode == 0, r.stderr
    ro = work / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IPS_NB_")}
    r = subprocess.run([*_without_root_privileges(), str(IPS_NB), "export", dest], cwd=work,
                       env=environ, capture_output=True, text=True, timeout=120)
    ro.chmod(0o755)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith("ips-nb export: cannot write") and str(ro) in r.stderr
    assert "Exception" not in r.stderr and "Traceback" not in r.stderr
    assert list(ro.iterdir()) == []


def test_rekey_is_a_command(work):
    r = ips_nb("rekey", "--help", cwd=work)
    assert r.returncode == 0
    assert "--old-key-file" in r.stdout and "--new-key-file" in r.stdout
