"""Live pages: access lost is access gone, one person holds at most a few kernels, and a bad widget
message gets one sentence (ips_nb.live.kernels, ips_nb.live.revocation, ips_nb.live.dashboard).

The dashboards without a browser, as tests/unit/test_conference_dashboard.py does; the kernel
manager and the patrol with real kernels. The hub is the one thing played here (`Hub`: what it
answers for a user's token); tests/browser/test_hub_limits.py runs the same against the real hub.
"""
from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from ips_nb.data import connection
from ips_nb.data.tables import METADATA
from ips_nb.live import dashboard
from ips_nb.live.board_settings import Settings
from ips_nb.live.dashboard import AgendaDashboard, SupervisionDashboard

SAVED = '<span class="ips-conference-status">Gemt.</span>'
ACCESS_LOST = "Ikke gemt: serveren bekræftede ikke, at du stadig må skrive for dette sted."
ENDED_OLDEST = "Din ældste åbne side er lukket: du kan have højst 3 sider åbne ad gangen."
REVOKED = "Din adgang til dette sted er fjernet, og siden er lukket."


@pytest.fixture()
def settings(demo_db, params_dir, tmp_path) -> Settings:
    copy = tmp_path / "demo.db"  # written to: a copy of the session's demo database
    shutil.copy(connection.sqlite_file(demo_db), copy)
    return Settings(site="aarhus", month="2026-10", week="2026-W48", db_url=f"sqlite:///{copy}",
                    params_dir=params_dir, lang="da", user="anna", can_write=True)


@pytest.fixture(autouse=True)
def no_notice_left():
    yield
    dashboard._NOTICE.clear()


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _decisions(settings: Settings) -> int:
    engine = connection.connect(settings.db_url)
    t = METADATA.tables["conferences"]
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.origin == "conference")).scalar()
    finally:
        engine.dispose()


# -- what the page says ---------------------------------------------------------------------------

def test_the_server_notice_shows_in_the_sites_language_also_on_a_board_made_later(settings):
    board = SupervisionDashboard(settings)
    assert board.notice.layout.display == "none"
    dashboard.notify("ended_oldest", 3)
    assert (board.notice.value, board.notice.layout.display) == (ENDED_OLDEST, "")
    later = AgendaDashboard(settings)  # the notebook may run after the server's word arrived
    assert later.notice.value == ENDED_OLDEST
    assert later.notice in later.widget().children


def test_a_page_being_ended_says_why_and_can_neither_be_used_nor_save(settings):
    board = AgendaDashboard(settings)
    board.widget()
    panel = board.conference
    before = _decisions(settings)
    dashboard.closed("revoked")
    assert _text(board.error.value) == REVOKED and board.body.layout.display == "none"
    for widget in (board.week, board.team, board.consultant, panel.candidate, panel.decision,
                   panel.save_decision, panel.add, panel.mark):
        assert widget.disabled, widget
    panel.decision.value = "Skrevet efter lukningen"
    panel.save("decision")  # a message already on its way when the page closed
    assert _text(panel.status.value) == ACCESS_LOST and _decisions(settings) == before


def test_the_page_ended_for_a_newer_one_says_the_limit_with_its_plural(settings):
    board = SupervisionDashboard(settings)
    dashboard.closed("newer_page", 1)
    assert _text(board.error.value) == \
        "Siden er lukket, fordi du har åbnet en ny: du kan have højst 1 side åben ad gangen."


class _WriteCheck(BaseHTTPRequestHandler):
    """The server's answer to "may I still write?" (ips_nb.live.revocation.WriteCheckHandler)."""

    answer: dict = {"may_write": True}
    keys: list = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).keys.append(self.headers.get("X-Ips-Kernel-Key"))
        body = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_save_asks_the_server_first_and_writes_only_on_its_yes(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WriteCheck)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/services/ips/ips-kernel/may-write"
    try:
        checked = Settings(**{**settings.__dict__, "write_check": url, "kernel_key": "key-of-this-kernel"})
        board = AgendaDashboard(checked)
        board.widget()
        panel = board.conference
        before = _decisions(settings)
        _WriteCheck.answer = {"may_write": False}
        panel.decision.value = "Drøftet efter at adgangen var fjernet"
        panel.save("decision")
        assert _text(panel.status.value) == ACCESS_LOST and _decisions(settings) == before
        assert panel.decision.value == "Drøftet efter at adgangen var fjernet"  # kept, not lost
        _WriteCheck.answer = {"may_write": True}
        panel.save("decision")
        assert panel.status.value == SAVED and _decisions(settings) == before + 1
        assert set(_WriteCheck.keys) == {"key-of-this-kernel"}
    finally:
        server.shutdown()
        server.server_close()
    panel.decision.value = "Serveren svarer ikke"
    panel.save("decision")  # no answer is no
    assert _text(panel.status.value) == ACCESS_LOST and _decisions(settings) == before + 1


def test_settings_take_the_check_from_the_server_and_never_print_the_key():
    s = Settings.from_env({"IPS_NB_SERVE_WRITE_CHECK": "http://127.0.0.1:1/x", "IPS_NB_SERVE_KERNEL_KEY": "sesame"})
    assert (s.write_check, s.kernel_key) == ("http://127.0.0.1:1/x", "sesame")
    assert "sesame" not in repr(s)
    assert Settings.from_env({}).write_check is None  # standalone: the local user writes as before


# -- a malformed widget message ------------------------------------------------------------------

def test_a_malformed_widget_message_gets_one_sentence_and_the_log_the_traceback(settings, tmp_path, capfd):
    from jupyter_client.manager import AsyncKernelManager

    sentence = "Siden sendte en besked, som dashboardet ikke kunne bruge."
    env = {"IPS_NB_SERVE_SITE": "aarhus", "IPS_NB_SERVE_DB_URL": settings.db_url, "IPS_NB_SERVE_LANG": "da",
           "IPS_NB_SERVE_PARAMS_DIR": settings.params_dir, "IPS_NB_SERVE_MONTH": "2026-10",
           "IPS_NB_SERVE_WEEK": "2026-W48", "IPS_NB_SERVE_USER": "anna", "IPS_NB_SERVE_CAN_WRITE": "1"}

    async def go() -> list[dict]:
        import os

        km = AsyncKernelManager(kernel_name="python3")
        await km.start_kernel(env={**os.environ, **env}, cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            opened = []
            reply = await kc.execute_interactive(
                "from ips_nb.live.dashboard import show\nw = show('agenda')", timeout=120,
                output_hook=lambda m: opened.append(m) if m["msg_type"] == "comm_open" else None)
            assert reply["content"]["status"] == "ok"
            models = {m["content"]["comm_id"]: m["content"]["data"]["state"]["_model_name"] for m in opened}
            dropdown = next(c for c, name in models.items() if name == "DropdownModel")
            button = next(c for c, name in models.items() if name == "ButtonModel")
            for comm_id, data in ((dropdown, {"method": "update", "state": {"index": 999}, "buffer_paths": []}),
                                  (dropdown, ["not", "a", "dict"]),
                                  (button, {"method": "update", "state": {"disabled": "yes please"}})):
                kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))
            got: list[dict] = []
            while sum(m["msg_type"] == "error" for m in got) < 3:
                got.append(await kc.get_iopub_msg(timeout=60))
            return got
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    answers = asyncio.run(go())
    errors = [m["content"] for m in answers if m["msg_type"] == "error"]
    assert [(e["ename"], e["evalue"], e["traceback"]) for e in errors] == [("Exception", sentence, [sentence])] * 3
    everything = json.dumps([m["content"] for m in answers])
    assert "Traceback" not in everything and "site-packages" not in everything and "/" not in \
        "".join(e["evalue"] for e in errors)
    assert "TraitError" in capfd.readouterr().err  # the server's log has the traceback


# -- kernels: limits, the connected idle, revocation ------------------------------------------------

class Hub:
    """What JupyterHub answers for a user's token right now: their name and groups, or nobody."""

    def __init__(self) -> None:
        self.users = {"token-anna": {"name": "anna", "groups": []},
                      "token-bo": {"name": "bo", "groups": ["team-odense"]}}
        self.down = False

    async def user_for_token(self, token: str, use_cache: bool = True, session_id: str = "",
                             *, sync: bool = True) -> dict | None:
        assert use_cache is False and sync is False  # asked now, never from a cache
        if self.down:
            raise ConnectionError("hub unreachable")
        return self.users.get(token)


ACCESS = "sites:\n  aarhus: [anna]\n  odense: ['@team-odense']\ncoordinators: [coordinator]\n"


def test_limits_the_connected_idle_and_revocation_with_real_kernels(params_dir, tmp_path):
    from jupyter_server._tz import utcnow

    from ips_nb.live.access import AccessWatch
    from ips_nb.live.kernels import DashboardKernels, ServerFull
    from ips_nb.live.revocation import AccessPatrol

    access = tmp_path / "access.yaml"
    access.write_text(ACCESS, encoding="utf-8")

    async def go() -> None:
        km = DashboardKernels(per_user=2, max_kernels=3, connection_dir=str(tmp_path))
        hub = Hub()
        patrol = AccessPatrol(km, AccessWatch(access, params_dir), hub)
        started: list[str] = []

        def page(token: str):  # noqa: ANN202 - what a page request does: a key, then its kernel
            key = patrol.new_key(token, "")

            async def start() -> str:
                kernel_id = await km.start_kernel(kernel_name="python3", path=str(tmp_path))
                started.append(kernel_id)
                patrol.started(key, kernel_id)
                return kernel_id
            return key, start

        try:
            keys = {}
            for n in (1, 2, 3):
                key, start = page("token-anna")
                kernel_id, ended = await km.open_page("anna", "aarhus", start)
                keys[kernel_id] = key
                assert ended == (1 if n == 3 else 0)
            a1, a2, a3 = started
            assert km.page_kernels("anna") == [a2, a3] and a1 not in km  # the third ended the first
            key, start = page("token-bo")
            b1, _ = await km.open_page("bo", "odense", start)
            keys[b1] = key
            with pytest.raises(ServerFull):  # 3 page kernels held, none of them bo's to give up
                await km.open_page("bo", "odense", page("token-bo")[1])
            assert km.page_kernels() == [a2, a3, b1] and len(started) == 4  # nothing started or ended

            # the page that ended another was told (in the background, after its own start; a
            # loaded CI machine can take minutes to start kernels, so wait up to about three)
            for _ in range(360):
                try:
                    await km.run_code(a3, "from ips_nb.live import dashboard as d; "
                                      "assert d._NOTICE == [('ended_oldest', 2)]")
                    break
                except RuntimeError:
                    await asyncio.sleep(0.5)
            else:
                pytest.fail("the newer page was never told (the log above says why)")

            # connected but unused for longer than connected_idle_timeout: ended all the same
            km.notify_connect(a2)
            km._kernels[a2].last_activity = utcnow() - timedelta(seconds=km.connected_idle_timeout + 60)
            await km.cull_kernel_if_idle(a2)
            assert a2 not in km

            # the patrol: nothing to end while everyone may; a hub that does not answer ends nothing
            assert await patrol.check() == []
            hub.down = True
            assert await patrol.check() == [] and await patrol.may_write(keys[a3]) is False
            hub.down = False
            assert await patrol.may_write(keys[a3]) is True and await patrol.may_write("a guess") is False
            # the hub takes bo out of the group that gives him Odense: his page goes
            hub.users["token-bo"]["groups"] = []
            assert await patrol.may_write(keys[b1]) is False
            assert await patrol.check() == [b1] and b1 not in km
            # anna taken out of access.yaml: no save from that moment, her page at the next round
            access.write_text(ACCESS.replace("[anna]", "[]"), encoding="utf-8")
            assert await patrol.may_write(keys[a3]) is False
            assert await patrol.check() == [a3] and a3 not in km and km.page_kernels() == []
        finally:
            await km.shutdown_all(now=True)

    asyncio.run(go())


def test_the_hub_service_runs_the_patrol_and_the_limits_are_options():
    from ips_nb.live.kernels import DashboardKernels
    from ips_nb.live.voila_app import IpsVoila

    assert DashboardKernels.per_user.default_value == 3 and DashboardKernels.max_kernels.help
    assert DashboardKernels.connected_idle_timeout.default_value > 0
    assert 0 < IpsVoila.access_check_interval.default_value <= 5  # within 10 s with ending a kernel
