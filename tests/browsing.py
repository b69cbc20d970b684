"""Opening a page in headless Chromium with every request that leaves `allowed` refused and kept."""
from __future__ import annotations

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_guarded(browser, url: str, allowed: str, dialogs: list[str] | None = None):
    """The page, the requests that tried to leave, and the console errors seen so far.

    With `dialogs`, every alert/confirm/prompt the page opens is dismissed and its message kept there
    (from the first script on, so a dialog during loading is not missed)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    left, errors = [], []
    if dialogs is not None:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed)
               else (left.append(route.request.url), route.abort()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, left, errors


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(site: str, db: str, params_dir: str, log, today, **options):
    """`ips-nb serve`'s Voila for `site` on a free loopback port: yields (base URL, log path) once it
    answers, and stops it (terminate, then kill) however the test ends."""
    import subprocess
    import time
    import urllib.request

    from ips_nb.live.serve import launch

    port = free_port()
    proc = launch(site, port, db, params_dir, today=today, stdout=log.open("w"),
                  stderr=subprocess.STDOUT, **options)
    base = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > end or proc.poll() is not None:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield base, log
    finally:
        stop_process(proc, 20)


def stop_process(proc, timeout: float) -> None:
    """Terminate a server the test started; kill it if it does not end within `timeout` seconds."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def websocket_status(url: str, headers: dict) -> int:
    """A websocket handshake with these headers: 101, or the status of the refusal."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def go() -> int:
        try:
            ws = await websocket_connect(HTTPRequest(url, headers=headers))
        except HTTPClientError as exc:
            return exc.code
        ws.close()
        return 101

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        return pool.submit(lambda: asyncio.run(go())).result()
