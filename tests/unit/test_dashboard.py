"""The live dashboards' behaviour without a browser: filters, pinning, errors (ips_nb.live.dashboard),
and who may see what behind the hub, the Host and Origin checks, the hub's configuration."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ips_nb.live import board_settings, dashboard
from ips_nb.live.board_settings import Settings
from ips_nb.live.dashboard import AgendaDashboard, SupervisionDashboard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def settings(demo_db, params_dir) -> Settings:
    return Settings(site="aarhus", month="2026-10", week="2026-W48", db_url=demo_db,
                    params_dir=params_dir, lang="da")


def _plot(board: SupervisionDashboard, name: str) -> dict:
    """The figure a chart's Output shows: its own div and Plotly.newPlot call, data as drawn."""
    (output,) = board.charts[name].outputs
    html = output["data"]["text/html"]
    assert "Plotly.newPlot" in html and "<script" in html
    return json.loads(board.figures[name].to_json())


def _bars(board: SupervisionDashboard) -> list:
    fig = _plot(board, "caseload_chart")
    return [t for t in fig["data"] if t["type"] == "bar"][0]["x"]


def test_settings_from_env_pinned_site_only():
    s = Settings.from_env({"IPS_NB_SERVE_SITE": "malmo", "IPS_NB_SERVE_MONTH": "2026-09",
                           "IPS_NB_SERVE_WEEK": "2026-W40", "IPS_NB_SERVE_PARAMS_DIR": "params",
                           "IPS_NB_SERVE_LANG": "sv"})
    assert (s.site, s.month, s.week, s.lang) == ("malmo", "2026-09", "2026-W40", "sv")
    assert board_settings.site_choices(s) == ["malmo"]


def test_unpinned_offers_every_site(settings):
    coordinator = Settings(**{**settings.__dict__, "site": None})
    assert {"aarhus", "malmo"} <= set(board_settings.site_choices(coordinator))
    board = SupervisionDashboard(coordinator)
    assert board.site in board._controls(board.month).children


def test_pinned_server_refuses_another_site(settings):
    with pytest.raises(PermissionError):
        board_settings.load(settings, "malmo")
    board = SupervisionDashboard(settings)
    assert board.site not in board._controls(board.month).children
    assert list(board.site.options) == [("IPS Aarhus", "aarhus")]  # by name, valued by id


def test_for_consultant_narrows_candidate_tables_only(settings):
    _, data = board_settings.load(settings, "aarhus")
    one = board_settings.for_consultant(data, "aar-k01")
    assert set(one.candidates["consultant_id"]) == {"aar-k01"}
    assert set(one.actions["candidate_id"]) <= set(one.candidates["candidate_id"])
    assert set(one.employer_contacts["consultant_id"]) <= {"aar-k01"}
    assert len(one.fidelity) == len(data.fidelity) and len(one.supervision) == len(data.supervision)
    assert board_settings.for_consultant(data, "") is data


def test_consultant_filter_changes_table_and_charts(settings):
    board = SupervisionDashboard(settings)
    assert board.error.layout.display == "none"
    assert len(_bars(board)) == 3
    before_table = board.parts["consultants"].value
    names = dict((v, k) for k, v in board.consultant.options)
    board.consultant.value = "aar-k01"
    assert _bars(board) == [names["aar-k01"]]
    assert board.parts["consultants"].value != before_table
    others = [n for cid, n in names.items() if cid not in ("", "aar-k01")]
    assert names["aar-k01"] in board.parts["consultants"].value
    assert not any(n in board.parts["consultants"].value for n in others)
    assert "Supervisionspakke" in board.head.value  # the head stays the site's


def test_choosing_a_consultant_shows_their_row_their_trend_and_their_candidates(settings):
    board = SupervisionDashboard(settings)
    rows = 'class="ips-consultant-row"'
    everyone = board.parts["consultants"].value.count(rows)
    assert everyone >= 3 and board.parts["consultant_trends"].value.count('<tbody class="ips-consultant">') >= 3
    board.consultant.value = "aar-k01"
    row = board.pack.figures["by_consultant"]["aar-k01"]
    assert board.parts["consultants"].value.count(rows) == 1 and board.parts["consultant_trends"].value.count('<tbody class="ips-consultant">') == 1
    name = dict((v, k) for k, v in board.consultant.options)["aar-k01"]
    assert f'<th scope="row">{name}</th>' in board.parts["consultants"].value and name in board.parts["consultant_trends"].value
    # their row is the site's row for them: the same figures as the whole site's pack gives
    whole = dashboard.SupervisionPack.from_data(board.data, board.params, board.pack.month)
    assert whole.figures["by_consultant"]["aar-k01"] == row
    listed = set(re.findall(r"<td>(aar-c\d+)", board.parts["consultants"].value))
    mine = set(board.data.candidates.loc[board.data.candidates["consultant_id"] == "aar-k01", "candidate_id"])
    assert listed and listed <= mine


def test_month_chooser_changes_period_and_figures(settings):
    board = SupervisionDashboard(settings)
    outcome_before = _plot(board, "outcome_chart")["data"][0]["x"]
    assert "oktober 2026" in board.head.value
    board.month.value = "2026-05"
    assert "maj 2026" in board.head.value
    assert _plot(board, "outcome_chart")["data"][0]["x"] != outcome_before
    assert board.pack is not None and str(board.pack.month) == "2026-05"
    assert [v for _, v in board.month.options][:2] == ["2026-10", "2026-09"]


def test_agenda_week_and_consultant(settings):
    board = AgendaDashboard(settings)
    assert board.error.layout.display == "none"
    assert "uge 48" in board.head.value
    everyone = board.sections.value
    board.consultant.value = "aar-k02"
    assert board.sections.value != everyone
    board.week.value = "2026-W47"
    assert "uge 47" in board.head.value


def test_agenda_filters_by_team_and_clinician(settings):
    """A team narrows the clinician chooser to its clinicians and the agenda to their candidates;
    the page's JSON-equal view is the same as the team agenda's."""
    import re

    from ips_nb.pages.agenda import AgendaView

    board = AgendaDashboard(settings)
    ids = lambda html: set(re.findall(r"aar-c\d{3}", html))  # noqa: E731
    everyone = ids(board.sections.value)
    assert [label for label, _ in board.team.options][1:] == board.params.teams
    clinicians_all = len(board.clinician.options)
    team = board.params.teams[0]
    board.team.value = team
    assert 1 < len(board.clinician.options) < clinicians_all
    in_team = ids(board.sections.value)
    expected = AgendaView.of(board.data, board.params, board.view.week, team=team)
    assert in_team == ids(str(expected.sections())) and in_team < everyone
    one = board.clinician.options[1][1]
    board.clinician.value = one
    mine = ids(board.sections.value)
    assert mine <= in_team
    cand = board.data.candidates.set_index("candidate_id")["clinician_id"]
    listed = {c for s in board.view.agenda["sections"] for c in (e["candidate_id"] for e in s["candidates"])}
    assert all(cand[c] == one for c in listed)
    board.team.value = ""
    assert board.clinician.value == "" and ids(board.sections.value) == everyone


def test_error_is_a_sentence_and_the_traceback_goes_to_the_log(settings, monkeypatch, capfd):
    board = SupervisionDashboard(settings)

    def broken(*a, **k):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(dashboard.SupervisionPack, "from_data", broken)
    board.month.value = "2026-09"
    assert board.error.layout.display == "" and board.body.layout.display == "none"
    assert "Tallene kunne ikke vises" in board.error.value
    assert "secret detail" not in board.error.value and "Traceback" not in board.error.value
    err = capfd.readouterr().err
    assert "Traceback" in err and "secret detail" in err


def test_show_never_raises(settings, tmp_path):
    bad = Settings(**{**settings.__dict__, "db_url": f"sqlite:///{tmp_path / 'missing' / 'x.db'}"})
    w = dashboard.show("supervision", bad)
    text = json.dumps(w.get_state(), default=str)
    assert "Traceback" not in text


def test_dashboard_notebooks_are_thin_and_generated():
    import importlib.util

    import nbformat

    spec = importlib.util.spec_from_file_location("make_dashboards", ROOT / "tools" / "make_dashboards.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for kind in ("supervision", "agenda"):
        nb = nbformat.read(ROOT / "dashboards" / f"{kind}.ipynb", as_version=4)
        assert nb == mod.notebook(kind)
        assert all(not c.get("outputs") for c in nb.cells)
    # beside them only the marker that makes the folder the package ips_nb.dashboards (ips_nb.resources)
    assert sorted(p.name for p in (ROOT / "dashboards").iterdir() if p.name != "__pycache__") == \
        ["__init__.py", "agenda.ipynb", "supervision.ipynb"]
    for wb in (ROOT / "workbooks").glob("*.ipynb"):
        assert "ipywidgets" not in wb.read_text() and "dashboard" not in wb.read_text()


def test_a_widget_message_cannot_reach_another_site(settings):
    """A page can only send widget messages (no code); the site chooser holds the pinned site alone."""
    import traitlets

    board = SupervisionDashboard(settings)
    with pytest.raises(traitlets.TraitError):
        board.site.value = "malmo"
    assert board.params.site == "aarhus"


def test_serve_refuses_an_unknown_site(capsys, params_dir):
    from ips_nb.cli import main

    assert main(["serve", "--site", "nowhere", "--params", params_dir, "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "Traceback" not in err


def test_voila_command_is_loopback_strict_and_preheated():
    from ips_nb.live.serve import voila_command

    cmd = voila_command(8866, lang="sv")
    assert "--Voila.ip=127.0.0.1" in cmd and "--VoilaConfiguration.template=ips" in cmd
    assert "--VoilaConfiguration.strip_sources=True" in cmd and "--VoilaConfiguration.preheat_kernel=True" in cmd
    assert "--VoilaConfiguration.allow_template_override=NO" in cmd
    assert "--VoilaExporter.language_code=sv" in cmd
    assert any(c.startswith("--MappingKernelManager.cull_idle_timeout=") for c in cmd)


BASIC_TRACES = {"scatter", "bar", "pie"}  # what plotly.js's basic bundle draws


def test_dashboard_charts_fit_the_basic_plotly_bundle(settings):
    """The template loads plotly-basic (1.2 MB, not 4.8 MB): a chart needing more would not draw."""
    board = SupervisionDashboard(settings)
    board.consultant.value = "aar-k02"
    for name, fig in board.figures.items():
        assert {t.type for t in fig.data} <= BASIC_TRACES, name


def test_vendored_plotly_basic_matches_plotly_py():
    from plotly.offline import get_plotlyjs_version

    head = (ROOT / "templates" / "voila" / "ips" / "static" / "plotly-basic.min.js").read_text()[:200]
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in head


# -- who sees what, and the checks in front of every request (ips_nb.live.access, .guard, .hub) --

ACCESS_YAML = """\
sites:
  aarhus: [sup-aarhus, "@team-aarhus", Mixed.Case]
  odense: [sup-odense]
coordinators: [coordinator, "@regional"]
groups:
  team-aarhus: [beh-aarhus]
"""


def _access(params_dir, text: str = ACCESS_YAML):
    import yaml

    from ips_nb.data.params import site_ids
    from ips_nb.live.access import parse_access

    return parse_access(yaml.safe_load(text), site_ids(params_dir))


def test_access_names_groups_and_coordinators(params_dir):
    rules = _access(params_dir)
    assert rules.sites_for("sup-aarhus") == ["aarhus"]
    # team-aarhus's members are listed in the file: the file decides (the hub keeps what it
    # loaded at its start, so a name taken out of the file must count at once)
    assert rules.sites_for("beh-aarhus") == ["aarhus"]
    assert rules.sites_for("someone", {"team-aarhus"}) == []
    assert rules.sites_for("mixed.case") == ["aarhus"]  # the hub lowers user names
    assert rules.sites_for("sup-odense", {"team-aarhus"}) == ["odense"]
    assert rules.sites_for("coordinator") == rules.sites_for("anyone", {"regional"}) == list(rules.every_site)
    assert {"jonkoping", "malmo"} <= set(rules.every_site)  # a coordinator's "every site" is params/
    assert rules.sites_for("guest") == [] and rules.sites_for(None) == [] and rules.sites_for("") == []
    assert not rules.may_see("sup-aarhus", set(), "odense") and rules.may_see("sup-odense", set(), "odense")
    assert not rules.may_see("someone", {"@team-aarhus"}, "aarhus")  # a group is named without its @
    assert rules.user_names() == ["beh-aarhus", "coordinator", "mixed.case", "sup-aarhus", "sup-odense"]
    assert rules.group_names() == ["regional", "team-aarhus"]


@pytest.mark.parametrize("text, message", [
    ("sites: {narnia: [x]}", "narnia"),
    ("sites: {aarhus: [x]}\nadmins: [y]", "admins"),
    ("sites: {aarhus: sup-aarhus}", "list"),
    ("sites: {aarhus: [has space]}", "has space"),
    ("sites: {aarhus: [a/b]}", "a/b"),
    ("coordinators: [\"@\"]", "@"),
    ("groups: {team: [\"@nested\"]}", "@nested"),
])
def test_a_typo_in_access_is_an_error_naming_it(params_dir, text, message):
    from ips_nb.live.access import AccessError

    with pytest.raises(AccessError, match=re.escape(message)):
        _access(params_dir, text)


def test_access_file_is_read_safely_and_watched(params_dir, tmp_path):
    import shutil

    from ips_nb.live.access import AccessError, AccessWatch, load_access

    params = tmp_path / "params"
    shutil.copytree(params_dir, params)
    with pytest.raises(AccessError, match="no access file"):
        load_access(params / "missing.yaml", params)
    (params / "access.yaml").write_text("a: &x [1]\nb: *x\n", encoding="utf-8")
    with pytest.raises(AccessError, match="aliases"):
        load_access(params / "access.yaml", params)
    watch = AccessWatch(params / "access.yaml", params)
    assert watch.current().sites_for("coordinator") == []  # unreadable: nobody sees anything
    (params / "access.yaml").write_text("coordinators: [boss]\n", encoding="utf-8")
    assert watch.current().sites_for("boss") == ["aarhus", "jonkoping", "malmo", "odense"]


def test_access_yaml_in_params_is_not_a_site(params_dir):
    from ips_nb.data.params import site_ids

    assert (Path(params_dir) / "access.yaml").is_file()
    assert "access" not in site_ids(params_dir) and "access" not in board_settings.site_choices(
        Settings(site=None, month="2026-10", week="2026-W48", db_url=None, params_dir=params_dir))


@pytest.mark.parametrize("host, allowed", [
    ("127.0.0.1:8866", True), ("localhost:8866", True), ("LOCALHOST", True), ("localhost.", True),
    ("[::1]:8866", True), ("127.0.0.2", True), ("dash.example:443", True),
    ("evil.example.com", False), ("evil.example.com:8866", False), ("localhost.evil.example.com", False),
    ("127.0.0.1.nip.io", False), ("10.0.0.5:8866", False), ("", False), (None, False), ("[::1", False),
])
def test_host_allow_list(host, allowed):
    from ips_nb.live.guard import host_allowed

    assert host_allowed(host, ["dash.example"]) is allowed


def test_origin_must_be_the_servers_own():
    from ips_nb.live.guard import origin_allowed

    assert origin_allowed(None, "127.0.0.1:8866")  # no Origin: not a browser's cross-origin request
    assert origin_allowed("http://127.0.0.1:8866", "127.0.0.1:8866")
    assert origin_allowed("https://hub.region.example", "hub.region.example")
    for origin in ("http://evil.example.com", "null", "http://127.0.0.1:9999", "file://", ""):
        assert not origin_allowed(origin, "127.0.0.1:8866"), origin


def test_settings_carry_the_user_from_the_server(settings):
    s = Settings.from_env({"IPS_NB_SERVE_SITE": "aarhus", "IPS_NB_SERVE_USER": "sup-aarhus"})
    assert s.user == "sup-aarhus" and Settings.from_env({}).user is None
    board = SupervisionDashboard(Settings(**{**settings.__dict__, "user": "sup-<b>aarhus</b>"}))
    assert board.user.value == "Logget ind som sup-<b>aarhus</b>"  # a Label: text, never markup
    assert board.user in board._controls(board.month).children
    assert SupervisionDashboard(settings).user.layout.display == "none"  # nobody named: nothing shown


def test_serve_env_names_the_os_user_and_keeps_the_token_for_the_server(params_dir):
    from datetime import date

    from ips_nb.live.serve import dashboard_urls, serve_env, voila_command

    env = serve_env("aarhus", None, params_dir, date(2026, 11, 23), token="secret-token", allow_hosts=["a.example"])
    assert env["IPS_NB_SERVE_USER"] and env["IPS_NB_SERVE_TOKEN"] == "secret-token"
    assert json.loads(env["IPS_NB_SERVE_ALLOW_HOSTS"]) == ["a.example"]
    assert "IPS_NB_SERVE_TOKEN" not in serve_env("aarhus", None, params_dir, date(2026, 11, 23))
    assert not any("secret-token" in c for c in voila_command(8866))
    assert dashboard_urls(8866, "abc")["agenda"] == "http://127.0.0.1:8866/voila/render/agenda.ipynb?token=abc"
    cmd = voila_command(8866)
    assert "--MappingKernelManager.cull_connected=False" in cmd
    assert "--VoilaConfiguration.multi_kernel_manager_class=ips_nb.live.kernels.DashboardKernels" in cmd


def test_hub_configuration(params_dir, tmp_path, monkeypatch):
    from traitlets.config import Config

    from ips_nb.live import hub

    monkeypatch.setattr(hub, "proxy_command", lambda: "/usr/bin/true")
    c = Config()
    hub.configure(c, params_dir=params_dir, db="sqlite:///x.db", state_dir=tmp_path / "state", port=8123)
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8123/"
    assert c.JupyterHub.db_url.startswith(f"sqlite:///{tmp_path / 'state'}")
    assert c.JupyterHub.default_url == "/services/ips/"
    assert "sup-aarhus" in c.Authenticator.allowed_users and "coordinator" in c.Authenticator.allowed_users
    assert c.JupyterHub.load_groups == {"team-aarhus": {"users": ["beh-aarhus"]}}
    (role,) = c.JupyterHub.load_roles
    assert role["name"] == "user" and "access:services!service=ips" in role["scopes"]
    assert not any(s.startswith(("servers", "self")) for s in role["scopes"])  # nobody spawns a server
    (service,) = c.JupyterHub.services
    assert service["name"] == "ips" and service["oauth_no_confirm"]
    assert "--IpsVoila.hub=True" in service["command"] and "--VoilaConfiguration.preheat_kernel=True" not in service["command"]
    assert service["url"].startswith("http://127.0.0.1:")
    assert service["environment"]["IPS_NB_SERVE_DB_URL"].startswith("sqlite:///")
    assert "IPS_NB_HUB_PASSWORD" not in json.dumps(service)
    assert "authenticator_class" not in c.JupyterHub  # the login is the caller's (demo or region)


def test_the_demo_login_needs_its_password():
    from traitlets.config import Config

    from ips_nb.live.hub import HubError, use_shared_password

    for bad in (None, "", "short"):
        with pytest.raises(HubError, match="IPS_NB_HUB_PASSWORD"):
            use_shared_password(Config(), bad)
    c = Config()
    use_shared_password(c, "a-long-password")
    from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

    from ips_nb.live.login import ThrottledSharedPasswordAuthenticator

    # JupyterHub's own shared-password login, slowed down after failed attempts (live.login)
    assert c.JupyterHub.authenticator_class is ThrottledSharedPasswordAuthenticator
    assert issubclass(ThrottledSharedPasswordAuthenticator, SharedPasswordAuthenticator)
    assert c.ThrottledSharedPasswordAuthenticator.user_password == "a-long-password"


def test_hub_command_line():
    from ips_nb.cli import build_parser

    args = build_parser().parse_args(["hub", "--port", "8001", "--db", "sqlite:///x.db", "--params", "p"])
    assert (args.port, args.db, args.params, args.ip, args.state) == (8001, "sqlite:///x.db", "p", "127.0.0.1", "data/hub")


def test_the_hubs_prelaunch_hook_only_lets_a_checked_page_through():
    import nbformat
    import tornado.web

    from ips_nb.live import voila_app

    nb = nbformat.v4.new_notebook(metadata={"ips": {"kind": "supervision"}})
    with pytest.raises(tornado.web.HTTPError) as refused:
        voila_app.prelaunch(object(), nb, "")  # a request no handler of ours checked
    assert refused.value.status_code == 403

    class Checked:
        _ips_page = {"site_name": "IPS Aarhus", "lang": "da"}

    assert voila_app.prelaunch(Checked(), nb, "").metadata["ips"] == {"kind": "supervision", "page": Checked._ips_page}


def test_the_dashboard_shows_the_sites_goals_whatever_consultant_is_chosen(settings):
    board = SupervisionDashboard(settings)
    board.widget()
    L = board.labels
    assert L("goals_heading") in board.parts["goals"].value and board.parts["goals"] in board.body.children
    whole = board.parts["goals"].value
    board.consultant.value = board.consultant.options[-1][1] if isinstance(board.consultant.options[-1], tuple) \
        else board.consultant.options[-1]
    assert board.parts["goals"].value == whole  # a site's goals, not one consultant's


# -- the dashboard is the pack, live: one declaration of the parts for workbook and dashboard ---

def _workbook_calls(kind: str, name: str) -> list[str]:
    """The methods a workbook's code cells call on its `pack` / `agenda`, in cell order."""
    import nbformat

    nb = nbformat.read(ROOT / "workbooks" / f"{kind}.ipynb", as_version=4)
    return [m for c in nb.cells if c.cell_type == "code" for m in re.findall(rf"^{name}\.(\w+)\(", c.source, re.M)]


def test_the_workbooks_are_generated_from_the_parts():
    import importlib.util

    import nbformat

    from ips_nb.pages import agenda, pack

    spec = importlib.util.spec_from_file_location("make_workbooks", ROOT / "tools" / "make_workbooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for kind, nb in mod.WORKBOOKS.items():
        for i, cell in enumerate(nb.cells):
            cell.id = f"{kind}-{i}"
        assert nbformat.read(ROOT / "workbooks" / f"{kind}.ipynb", as_version=4) == nb, \
            f"workbooks/{kind}.ipynb is stale: run tools/make_workbooks.py"
    assert _workbook_calls("supervision", "pack") == [p.name for p in pack.PARTS] + ["save"]
    assert _workbook_calls("agenda", "agenda") == list(agenda.PARTS) + ["save"]


def test_the_supervision_dashboard_is_the_packs_parts_in_the_packs_order(settings):
    """Every part the workbook makes, in its order, each exactly the pack's own output for the
    whole site: 17 parts, 8 charts (the old dashboard had 3 charts, the headline cards below them)."""
    from ips_nb.pages.pack import PARTS

    board = SupervisionDashboard(settings)
    board.widget()
    assert board.body.children == tuple(board.parts[p.name] for p in PARTS)
    assert [p.name for p in PARTS] == _workbook_calls("supervision", "pack")[:-1]
    assert len(PARTS) == 17 and len(board.charts) == 8 and set(board.figures) == set(board.charts)
    whole = dashboard.SupervisionPack.from_data(board.data, board.params, board.pack.month)
    for part in PARTS:
        made = whole.part(part)
        if part.chart:
            (shown,) = board.parts[part.name].outputs
            assert board.figures[part.name] == made.fig, part.name
            assert shown == dashboard.chart_output(made), part.name  # the pack's own div and words
        else:
            assert board.parts[part.name].value == str(made), part.name


def test_a_consultant_narrows_the_consultants_parts_and_leaves_the_sites_whole(settings):
    from ips_nb.pages.pack import NARROWED, ONE_ROW, PARTS, SITE_WIDE

    board = SupervisionDashboard(settings)
    everyone = {p.name: board.parts[p.name].value for p in PARTS if not p.chart}
    board.consultant.value = "aar-k01"
    for part in PARTS:
        if part.scope == SITE_WIDE and not part.chart:
            assert board.parts[part.name].value == everyone[part.name], part.name
    assert {p.name for p in PARTS if p.scope == ONE_ROW} == {"consultants", "consultant_trends"}
    assert board.parts["headlines"].value != everyone["headlines"]  # NARROWED: the consultant's figures
    one = dashboard.SupervisionPack.from_data(board_settings.for_consultant(board.data, "aar-k01"),
                                              board.params, board.pack.month)
    for part in PARTS:
        if part.scope == NARROWED and part.chart:
            assert board.figures[part.name] == one.part(part).fig, part.name


def test_the_agenda_dashboard_is_the_agendas_parts_with_the_panel_under_the_head(settings):
    from ips_nb.pages.agenda import PARTS, AgendaView

    board = AgendaDashboard(settings)
    board.widget()
    assert board.body.children == tuple(board.parts[name] for name in PARTS)
    view = AgendaView.of(board.data, board.params, board.view.week)
    assert [board.parts[name].value for name in PARTS] == [str(getattr(view, name)()) for name in PARTS]
    writer = AgendaDashboard(Settings(**{**settings.__dict__, "user": "anna", "can_write": True}))
    writer.widget()
    head, panel, sections = writer.body.children
    assert (head, sections) == (writer.parts["head"], writer.parts["sections"])
    assert "ips-conference" in panel._dom_classes


def test_the_warm_up_makes_every_part_over_no_rows(demo_db, capfd, monkeypatch):
    """The warm pool's run over no rows goes through every part the pages show (a part it could
    not make would only be logged, and the first page would pay for it)."""
    from ips_nb.pages.agenda import AgendaView
    from ips_nb.pages.pack import PARTS

    made: list[str] = []
    part = dashboard.SupervisionPack.part
    monkeypatch.setattr(dashboard.SupervisionPack, "part", lambda self, p, c=None: made.append(p.name) or part(self, p, c))
    monkeypatch.setattr(AgendaView, "sections", lambda self, s=AgendaView.sections: made.append("sections") or s(self))
    dashboard.warm_up(demo_db)
    assert "warm-up failed" not in capfd.readouterr().err
    assert made == ([p.name for p in PARTS] + ["sections"]) * 3  # da, sv, en
