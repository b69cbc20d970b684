"""What the live side says around the dashboards: sites by their names, in the reader's language
(the site chooser, the region's language of the hub and the index), and `ips-nb serve`'s sentence
for a port already taken."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ips_nb.live import board_settings
from ips_nb.live.board_settings import Settings
from ips_nb.live.dashboard import SupervisionDashboard


@pytest.fixture()
def chooser(demo_db, params_dir) -> Settings:
    """`ips-nb serve` without --site: every site on offer, the page in English until one is chosen."""
    return Settings(site=None, month="2026-10", week="2026-W48", db_url=demo_db, params_dir=params_dir, lang="en")


def test_the_chooser_offers_sites_by_name_and_speaks_the_chosen_sites_language(chooser):
    board = SupervisionDashboard(chooser)
    names = dict((site, name) for name, site in board.site.options)
    assert names["malmo"] == "IPS Malmö" and names["aarhus"] == "IPS Aarhus"
    assert set(names) == set(board_settings.site_choices(chooser))
    board.site.value = "malmo"
    assert board.site.description == "Enhet" and board.labels.lang == "sv"
    board.site.value = "aarhus"
    assert board.site.description == "Sted"


@pytest.fixture()
def taken():
    """A loopback port something already listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_serve_on_a_taken_port_says_so_in_the_sites_language_and_starts_nothing(taken, demo_db, params_dir,
                                                                                  capsys, monkeypatch):
    from ips_nb.live import serve as serving

    started = []
    monkeypatch.setattr(serving.subprocess, "Popen", lambda *a, **k: started.append(a))
    assert serving.serve("aarhus", taken, demo_db, params_dir) == 2
    out, err = capsys.readouterr()
    assert out == "" and started == []  # no address printed, no server started
    assert err.startswith(f"ips-nb: Port {taken} er allerede i brug")
    assert "--port" in err and "make serve PORT=" in err and "ips-nb serve --port " in err
    other = int(err.split("make serve PORT=")[1].split("`")[0])
    assert other != taken and not serving.port_in_use(other)


def test_without_a_site_the_sentence_follows_the_users_locale(taken, demo_db, params_dir, capsys, monkeypatch):
    from ips_nb.live import serve as serving

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    assert serving.serve(None, taken, demo_db, params_dir) == 2
    assert f"Port {taken} används redan" in capsys.readouterr().err
    assert serving.user_lang({"LANG": "C.UTF-8"}) == "en" and serving.user_lang({"LC_ALL": "da_DK"}) == "da"


def test_the_hub_on_a_taken_port_says_so_in_the_regions_language(taken, params_dir, tmp_path, monkeypatch):
    from ips_nb.live import hub

    monkeypatch.setattr(hub, "proxy_command", lambda: "configurable-http-proxy")
    options = hub.HubOptions(port=taken, params_dir=params_dir, state_dir=str(tmp_path / "state"))
    with pytest.raises(hub.HubError) as refused:
        hub.check(options, "a-long-enough-password")
    assert f"Port {taken} er allerede i brug" in str(refused.value)  # the demo region: 2 Danish, 2 Swedish sites
    assert "make hub PORT=" in str(refused.value) and "ips-nb hub --port" in str(refused.value)


def test_the_regions_language_is_access_yamls_else_most_sites(tmp_path, params_dir):
    from ips_nb.live.access import load_access
    from ips_nb.pages.index import region_lang

    assert region_lang(None, ["da", "sv", "sv"]) == "sv" and region_lang(None, ["da", "sv"]) == "da"
    assert region_lang(None, []) == "en"
    params = tmp_path / "params"
    params.mkdir()
    for site in ("aarhus", "malmo", "jonkoping"):
        (params / f"{site}.yaml").write_text((Path(params_dir) / f"{site}.yaml").read_text("utf-8"), "utf-8")
    (params / "access.yaml").write_text("sites: {aarhus: [sup-aarhus], malmo: [sup-malmo]}\n"
                                        "coordinators: [coordinator]\n", "utf-8")
    rules = load_access(params / "access.yaml", params)
    assert rules.lang == "sv"  # two Swedish sites, one Danish
    assert rules.lang_for("sup-aarhus") == "da" and rules.lang_for("coordinator") == "sv"
    assert rules.lang_for("nobody") == "sv"
    (params / "access.yaml").write_text("sites: {aarhus: [sup-aarhus]}\ncoordinators: [coordinator]\nlang: da\n", "utf-8")
    rules = load_access(params / "access.yaml", params)
    assert rules.lang == "da" and rules.lang_for("coordinator") == "da" and region_lang(params, ["sv"]) == "da"
    (params / "access.yaml").write_text("sites: {}\nlang: fi\n", "utf-8")
    from ips_nb.live.access import AccessError

    with pytest.raises(AccessError, match="lang: 'fi'"):
        load_access(params / "access.yaml", params)
