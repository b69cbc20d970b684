"""Every IPS_NB_* variable is declared once (ips_nb.settings) and read only through it.

The package's source is scanned: a variable named anywhere in ips_nb must be a declared field,
and no module reads one from os.environ behind the declaration's back (writing one for a child
process, or removing one, is fine). A value of the wrong type is one sentence naming the variable;
`ips-nb` says it and exits 2.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ips_nb import settings as st

PACKAGE = Path(__file__).resolve().parents[2] / "ips_nb"
NAME = re.compile(r"\bIPS_NB_[A-Z0-9_]*[A-Z0-9]\b")
# a read of a variable by its name: os.environ.get("IPS_NB_…"), e.get("IPS_NB_…"), environ["IPS_NB_…"]
# on the right-hand side (an assignment `os.environ["IPS_NB_DB"] = url` hands it to a child)
READ = re.compile(r"""(?:\.get\(\s*|environ\[\s*)["'](IPS_NB_[A-Z_]+)["']\s*(?:[,)]|\](?!\s*=[^=]))""")
# names that are prefixes or families, not variables: the kernels' environment drops IPS_NB_HUB_*
NOT_VARIABLES = {"IPS_NB_HUB"}


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_variable_the_package_names_is_declared():
    declared = {st.env_name(f) for f in st.Settings.model_fields}
    named = {(m.group(), p.relative_to(PACKAGE.parent).as_posix())
             for p, text in _sources().items() for m in NAME.finditer(text)}
    unknown = sorted((v, where) for v, where in named if v not in declared and v not in NOT_VARIABLES)
    assert not unknown, f"IPS_NB_* variables not declared in ips_nb/settings.py: {unknown}"


def test_no_module_reads_a_variable_from_the_environment_itself():
    reads = [(p.relative_to(PACKAGE.parent).as_posix(), m.group(1))
             for p, text in _sources().items() if p.name != "settings.py" for m in READ.finditer(text)]
    assert not reads, f"read them through ips_nb.settings.settings(): {reads}"


def test_a_value_set_a_moment_ago_is_seen(monkeypatch):
    monkeypatch.delenv("IPS_NB_XLSX_MAX_ROWS", raising=False)
    assert st.settings().xlsx_max_rows == 500_000
    monkeypatch.setenv("IPS_NB_XLSX_MAX_ROWS", "1_000")  # as a person writes a number
    assert st.settings().xlsx_max_rows == 1000
    monkeypatch.setenv("IPS_NB_XLSX_MAX_ROWS", "")  # empty counts as not set
    assert st.settings().xlsx_max_rows == 500_000


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False), ("false", False), ("yes", True)])
def test_a_flag_means_what_it_says(monkeypatch, value, expected):
    """IPS_NB_GROUP_READABLE=false made files group-readable before (anything but 0 counted)."""
    monkeypatch.setenv("IPS_NB_GROUP_READABLE", value)
    from ips_nb.data.modes import file_mode, group_readable

    assert group_readable() is expected
    assert file_mode() == (0o640 if expected else 0o600)


def test_a_given_mapping_is_read_instead_of_the_process_environment(monkeypatch):
    monkeypatch.setenv("IPS_NB_SERVE_SITE", "aarhus")
    given = st.settings({"IPS_NB_SERVE_INDEX": '{"lang": "da"}', "IPS_NB_SERVE_CAN_WRITE": "1"})
    assert given.serve_site is None and given.serve_index == {"lang": "da"} and given.serve_can_write
    assert st.settings().serve_site == "aarhus"


@pytest.mark.parametrize(("name", "value", "sentence"), [
    ("IPS_NB_XLSX_MAX_ROWS", "lots", "IPS_NB_XLSX_MAX_ROWS must be a whole number of at least 1; it is 'lots'"),
    ("IPS_NB_XLSX_MAX_MB", "0", "IPS_NB_XLSX_MAX_MB must be a whole number of at least 1; it is '0'"),
    ("IPS_NB_FORK_KERNELS", "maybe", "IPS_NB_FORK_KERNELS must be 1 or 0 (or true/false, yes/no, on/off); "
                                     "it is 'maybe'"),
    ("IPS_NB_HUB_TODAY", "31.11.2026", "IPS_NB_HUB_TODAY must be a date (YYYY-MM-DD); it is '31.11.2026'"),
    ("IPS_NB_SERVE_INDEX", "{links", "IPS_NB_SERVE_INDEX must be a JSON object; it is '{links'"),
])
def test_a_wrong_value_is_one_sentence_naming_the_variable(monkeypatch, name, value, sentence):
    monkeypatch.setenv(name, value)
    with pytest.raises(st.SettingsError) as caught:
        st.settings()
    assert str(caught.value) == sentence


def test_the_command_says_it_and_exits_2_before_doing_anything(monkeypatch, tmp_path, capsys):
    from ips_nb.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_HUB_PORT", "eighty")
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert err == "ips-nb: IPS_NB_HUB_PORT must be a whole number of at least 1; it is 'eighty'\n"
    assert not any(tmp_path.iterdir())  # nothing written


def test_the_hub_and_the_server_take_their_defaults_from_the_declaration():
    from ips_nb.live import hub, serve

    assert (hub.WARM_POOL, hub.LOGIN_LOCK) == (st.default("hub_warm_pool"), st.default("hub_login_lock"))
    assert (serve.CULL_IDLE, serve.CULL_INTERVAL) == (120, 20)


def test_the_hub_process_reads_its_options_through_the_settings(monkeypatch, tmp_path):
    """configure_from_env (the hub's jupyterhub_config.py): the types come from the declaration."""
    from traitlets.config import Config

    from ips_nb.live import hub

    seen = {}
    monkeypatch.setattr(hub, "configure", lambda c, **kw: seen.update(kw))
    monkeypatch.setenv("IPS_NB_HUB_PASSWORD", "a long password")
    monkeypatch.setenv("IPS_NB_HUB_PORT", "8123")
    monkeypatch.setenv("IPS_NB_HUB_TODAY", "2026-11-26")
    monkeypatch.setenv("IPS_NB_HUB_TRUSTED_PROXIES", "10.0.0.2, 10.0.0.3")
    c = Config()
    hub.configure_from_env(c)
    assert seen["port"] == 8123 and str(seen["today"]) == "2026-11-26" and seen["warm_pool"] == 2
    assert list(c.JupyterHub.trusted_downstream_ips) == ["10.0.0.2", "10.0.0.3"]
    assert c.ThrottledSharedPasswordAuthenticator.user_password == "a long password"


def test_a_secret_is_never_shown():
    assert "sesame" not in repr(st.settings({"IPS_NB_KEY": "sesame", "IPS_NB_HUB_PASSWORD": "sesame"}))
