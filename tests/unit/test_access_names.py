"""access.yaml and the hub compare user names the same way: JupyterHub's own normalisation.

The hub keeps a name as `Authenticator.normalize_username` made it (`str.lower()`); access.yaml
used `casefold()`, which folds more: `ſup-aarhus` (long s), a different hub user that an LDAP or
OAuth login may admit, was given `sup-aarhus`'s site."""
from __future__ import annotations

from conftest import ROOT
from jupyterhub.auth import Authenticator
from traitlets.config import Config

from ips_nb.live.access import hub_name, parse_access

SITES = ["aarhus", "odense"]
RULES = {"sites": {"aarhus": ["sup-aarhus", "Straße"], "odense": ["sup-odense"]},
         "coordinators": ["Koordinator"], "groups": {"team": ["beh-aarhus"]}}


def test_hub_name_is_the_hubs_own_normalisation():
    hub = Authenticator()
    for name in ("Sup-Aarhus", "ſup-aarhus", "STRASSE", "straße", "Ölund", "İlse", "ﬁn"):
        assert hub_name(name) == hub.normalize_username(name), name


def test_a_long_s_is_another_user():
    rules = parse_access(RULES, SITES)
    assert rules.sites_for("ſup-aarhus") == []  # casefold() gave it Aarhus
    assert rules.sites_for("sup-aarhus") == ["aarhus"]
    assert rules.sites_for("ſup-odense") == [] and rules.sites_for("SUP-ODENSE") == ["odense"]


def test_case_is_ignored_as_the_hub_ignores_it():
    rules = parse_access(RULES, SITES)
    assert rules.sites_for("Sup-Aarhus") == ["aarhus"]
    assert rules.is_coordinator("koordinator") and rules.sites_for("koordinator") == SITES
    assert rules.sites_for("straße") == ["aarhus"]
    assert rules.sites_for("strasse") == []  # the hub keeps ß; casefold() made it "ss"


def test_the_hub_admits_and_groups_the_names_as_it_keeps_them(tmp_path, monkeypatch):
    from ips_nb.live import hub

    for site in SITES:
        (tmp_path / f"{site}.yaml").write_text((ROOT / "params" / f"{site}.yaml").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    (tmp_path / "access.yaml").write_text(
        "sites: {aarhus: [Sup-Aarhus, '@team']}\ncoordinators: [Koordinator]\n"
        "groups: {team: [Beh-Aarhus, Straße]}\n", encoding="utf-8")
    monkeypatch.setattr(hub, "proxy_command", lambda: "configurable-http-proxy")  # not started here
    c = Config()
    hub.configure(c, params_dir=tmp_path, state_dir=tmp_path / "state")
    assert c.Authenticator.allowed_users == {"sup-aarhus", "koordinator", "beh-aarhus", "straße"}
    assert c.JupyterHub.load_groups == {"team": {"users": ["beh-aarhus", "straße"]}}


def test_a_name_taken_out_of_a_group_in_the_file_loses_the_site_without_a_hub_restart():
    """The hub loads access.yaml's `groups:` at its start and keeps saying the user is in the
    group; the file as it is now decides for the groups it lists members for."""
    from ips_nb.live.access import parse_access

    before = parse_access({"sites": {"aarhus": ["@team-aarhus"], "odense": ["@ldap-odense"]},
                           "groups": {"team-aarhus": ["beh-aarhus"]}}, ["aarhus", "odense"])
    after = parse_access({"sites": {"aarhus": ["@team-aarhus"], "odense": ["@ldap-odense"]},
                          "groups": {"team-aarhus": []}}, ["aarhus", "odense"])
    hub_says = {"team-aarhus"}  # what the hub still has from its start
    assert before.may_see("beh-aarhus", hub_says, "aarhus")
    assert not after.may_see("beh-aarhus", hub_says, "aarhus")
    # a group the file does not list members for is the hub's (LDAP/OAuth groups)
    assert after.may_see("x", {"ldap-odense"}, "odense")
