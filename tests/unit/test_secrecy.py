"""The server's secrets out of its log and its kernels, and the login throttle's arithmetic
(ips_nb.live.secrecy, ips_nb.live.login), on hand-made records and a hand-driven clock."""
from __future__ import annotations

import logging

import pytest

from ips_nb.live.login import Throttle, client_address, wait_message
from ips_nb.live.secrecy import hide_in_logs, kernel_env, scrub

TOKEN = "Zx81-secret-token-value"


def test_credential_parameters_are_scrubbed_wherever_they_are():
    assert scrub("404 GET /nowhere?token=abc123 (127.0.0.1) 0.5ms") == "404 GET /nowhere?token=[secret] (127.0.0.1) 0.5ms"
    assert scrub("/tree?a=1&token=abc&b=2") == "/tree?a=1&token=[secret]&b=2"
    assert scrub("/oauth_callback?code=c0de&state=st4te") == "/oauth_callback?code=[secret]&state=[secret]"
    assert scrub("HTTPServerRequest(uri='/x?_xsrf=q1w2', method='GET')") == \
        "HTTPServerRequest(uri='/x?_xsrf=[secret]', method='GET')"
    assert scrub("/voila/render/agenda.ipynb?week=2026-W48") == "/voila/render/agenda.ipynb?week=2026-W48"


def test_a_hidden_value_never_reaches_a_log_handler(caplog):
    hide_in_logs(TOKEN, "short")
    log = logging.getLogger("tornado.access")
    with caplog.at_level(logging.INFO):
        log.warning("%d %s", 404, f"GET /nowhere/{TOKEN} (127.0.0.1)")
        try:
            raise ValueError(f"bad request /x/{TOKEN}")
        except ValueError:
            logging.getLogger("tornado.application").exception("Uncaught exception GET /x?token=%s", TOKEN)
        logging.getLogger("ips_nb").info("a short word stays")
    text = caplog.text + "".join(logging.Formatter().format(r) for r in caplog.records)
    assert TOKEN not in text
    assert "404 GET /nowhere/[secret]" in text and "bad request /x/[secret]" in text
    assert "a short word stays" in text  # values under 8 characters are not hidden


def test_kernels_get_no_hub_secret():
    env = {"PATH": "/usr/bin", "IPS_NB_SERVE_DB_URL": "sqlite:///x.db", "IPS_NB_SERVE_SITE": "aarhus",
           "JUPYTERHUB_API_TOKEN": "t", "JPY_API_TOKEN": "t", "JUPYTERHUB_CLIENT_ID": "service-ips",
           "JUPYTERHUB_OAUTH_CALLBACK_URL": "/cb", "IPS_NB_HUB_PASSWORD": "p", "IPS_NB_HUB_DB": "postgresql://u:p@h/d",
           "IPS_NB_SERVE_TOKEN": "s", "CONFIGPROXY_AUTH_TOKEN": "c"}
    assert kernel_env(env) == {"PATH": "/usr/bin", "IPS_NB_SERVE_DB_URL": "sqlite:///x.db", "IPS_NB_SERVE_SITE": "aarhus"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_locked_after_the_allowed_failures_for_a_doubling_time():
    clock = Clock()
    t = Throttle(allowed=3, lock=10, max_lock=35, forget=3600, clock=clock)
    for _ in range(2):
        t.failed("sup-aarhus")
        assert t.wait("sup-aarhus") == 0
    t.failed("sup-aarhus")
    assert t.wait("sup-aarhus") == 10 and t.wait("sup-odense") == 0
    clock.now += 10
    assert t.wait("sup-aarhus") == 0
    t.failed("sup-aarhus")
    assert t.wait("sup-aarhus") == 20
    clock.now += 20
    t.failed("sup-aarhus")
    assert t.wait("sup-aarhus") == 35  # 40, held at the longest lock
    clock.now += 35
    t.succeeded("sup-aarhus")
    t.failed("sup-aarhus")
    assert t.wait("sup-aarhus") == 0  # a success starts the count afresh


def test_a_count_is_forgotten_after_a_quiet_hour():
    clock = Clock()
    t = Throttle(allowed=2, lock=10, max_lock=900, forget=3600, clock=clock)
    t.failed("10.0.0.5")
    clock.now += 3601
    t.failed("10.0.0.5")
    assert t.wait("10.0.0.5") == 0


class Request:
    """What tornado gives the hub behind the proxy: headers, and remote_ip (which it took from
    X-Real-Ip when a client sent one)."""

    def __init__(self, forwarded: str, real_ip: str = "10.9.9.9") -> None:
        self.headers = {"X-Forwarded-For": forwarded, "X-Real-Ip": real_ip}
        self.remote_ip = real_ip


@pytest.mark.parametrize(("forwarded", "trusted", "expected"), [
    ("127.0.0.1", [], "127.0.0.1"),                         # straight to the proxy on this machine
    ("10.0.0.5,127.0.0.1", [], "127.0.0.1"),                # a client's own header is not believed
    ("10.0.0.5, 127.0.0.1", ["127.0.0.1"], "10.0.0.5"),     # a trusted TLS proxy's is
    ("6.6.6.6, 10.0.0.5, 127.0.0.1", ["127.0.0.1"], "10.0.0.5"),
])
def test_the_client_address_is_what_the_proxy_saw(forwarded, trusted, expected):
    assert client_address(Request(forwarded), trusted) == expected  # never X-Real-Ip's


def test_the_wait_is_said_in_words():
    assert wait_message(0.3) == "Too many failed logins. Try again in 1 second."
    assert wait_message(29.2) == "Too many failed logins. Try again in 30 seconds."
    assert wait_message(240) == "Too many failed logins. Try again in 4 minutes."
    assert wait_message(60, "da") == "Der har været for mange mislykkede login. Prøv igen om 60 sekunder."
    assert wait_message(61 * 60, "sv").endswith("Försök igen om 61 minuter.")
