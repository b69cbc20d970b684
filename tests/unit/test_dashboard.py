"""The live dashboards' behaviour without a browser: filters, pinning, errors (ips_nb.live.dashboard)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ips_nb.live import dashboard
from ips_nb.live.dashboard import AgendaDashboard, Settings, SupervisionDashboard

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
    assert dashboard.site_choices(s) == ["malmo"]


def test_unpinned_offers_every_site(settings):
    coordinator = Settings(**{**settings.__dict__, "site": None})
    assert {"aarhus", "malmo"} <= set(dashboard.site_choices(coordinator))
    board = SupervisionDashboard(coordinator)
    assert board.site in board._controls(board.month).children


def test_pinned_server_refuses_another_site(settings):
    with pytest.raises(PermissionError):
        dashboard.load(settings, "malmo")
    board = SupervisionDashboard(settings)
    assert board.site not in board._controls(board.month).children
    assert list(board.site.options) == ["aarhus"]


def test_for_consultant_narrows_candidate_tables_only(settings):
    _, data = dashboard.load(settings, "aarhus")
    one = dashboard.for_consultant(data, "aar-k01")
    assert set(one.candidates["consultant_id"]) == {"aar-k01"}
    assert set(one.actions["candidate_id"]) <= set(one.candidates["candidate_id"])
    assert set(one.employer_contacts["consultant_id"]) <= {"aar-k01"}
    assert len(one.fidelity) == len(data.fidelity) and len(one.supervision) == len(data.supervision)
    assert dashboard.for_consultant(data, "") is data


def test_consultant_filter_changes_table_and_charts(settings):
    board = SupervisionDashboard(settings)
    assert board.error.layout.display == "none"
    assert len(_bars(board)) == 3
    before_table = board.candidates.value
    names = dict((v, k) for k, v in board.consultant.options)
    board.consultant.value = "aar-k01"
    assert _bars(board) == [names["aar-k01"]]
    assert board.candidates.value != before_table
    others = [n for cid, n in names.items() if cid not in ("", "aar-k01")]
    assert names["aar-k01"] in board.candidates.value
    assert not any(n in board.candidates.value for n in others)
    assert "Supervisionspakke" in board.head.value  # the head stays the site's


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
    assert sorted(p.name for p in (ROOT / "dashboards").iterdir()) == ["agenda.ipynb", "supervision.ipynb"]
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
