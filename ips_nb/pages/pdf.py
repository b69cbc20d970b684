"""Print an HTML report to PDF with headless Chromium (the agenda clinicians take to conference).

Chromium is a system program, not a Python dependency: `IPS_NB_CHROMIUM` names it, else
`chromium` on PATH, else /usr/bin/chromium. Each call gets its own throwaway profile so parallel
workers never share one, and the PDF appears only when complete (written beside, then renamed).
Every failure is a PdfError with a one-line reason the runner can record.

Chromium never opens the page from `file://`: a file page may load any other local file (an
iframe of /etc/passwd would print into the PDF). The page is served instead from a throwaway
loopback server that answers one unguessable path with the page's bytes and refuses everything
else, and an http page cannot reach `file://` at all.
"""
from __future__ import annotations

import contextlib
import http.server
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from ips_nb.settings import settings

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
         "--disable-extensions", "--mute-audio")
TIMEOUT = 90.0


class PdfError(RuntimeError):
    """The PDF could not be made; str() is one line fit for a run record."""


def chromium_path() -> str:
    """Where Chromium is: $IPS_NB_CHROMIUM, `chromium` on PATH, or Debian's /usr/bin/chromium."""
    return settings().chromium or shutil.which("chromium") or "/usr/bin/chromium"


def _last_line(text: str) -> str:
    """Chromium's stderr is chatty (dbus, GPU); the last non-noise line says what went wrong."""
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and "dbus" not in ln and "bytes written to file" not in ln]
    return lines[-1][:200] if lines else "no message"


class _OnePage(http.server.BaseHTTPRequestHandler):
    """Answers GET of exactly one path with the page; 404 for anything else (no folder, no file)."""

    path_served = ""
    body = b""

    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        if self.path != self.path_served:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep stderr quiet
        return


@contextlib.contextmanager
def _served(page: bytes) -> Iterator[str]:
    """The URL of `page` on a loopback server that lives as long as the block."""
    path = f"/{secrets.token_urlsafe(16)}.html"
    handler = type("OnePage", (_OnePage,), {"path_served": path, "body": page})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="ips-nb-pdf-page", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def render_pdf(html: str | Path, pdf: str | Path, *, chromium: str | None = None,
               timeout: float = TIMEOUT) -> Path:
    """Print the page at `html` (A4 by its print stylesheet) to `pdf`; returns the PDF's path."""
    html, pdf = Path(html).resolve(), Path(pdf)
    exe = chromium or chromium_path()
    if not html.is_file():
        raise PdfError(f"no HTML to print at {html}")
    if not (Path(exe).is_file() and os.access(exe, os.X_OK)) and not shutil.which(exe):
        raise PdfError(f"Chromium not found at {exe} (install it or set IPS_NB_CHROMIUM)")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf.with_name(f".{pdf.name}.{os.getpid()}.tmp")
    try:
        with tempfile.TemporaryDirectory(prefix="ips-nb-chromium-") as profile, \
                _served(html.read_bytes()) as url:
            cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", url]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                      stdin=subprocess.DEVNULL, errors="replace")
            except subprocess.TimeoutExpired:
                raise PdfError(f"Chromium did not finish printing within {timeout:.0f} s") from None
            except OSError as exc:
                raise PdfError(f"Chromium could not be started: {exc}") from None
        if done.returncode != 0:
            raise PdfError(f"Chromium failed (exit {done.returncode}): {_last_line(done.stderr)}")
        if not tmp.is_file() or tmp.stat().st_size == 0 or tmp.read_bytes()[:5] != b"%PDF-":
            raise PdfError(f"Chromium wrote no PDF: {_last_line(done.stderr)}")
        tmp.replace(pdf)
    finally:
        tmp.unlink(missing_ok=True)
    return pdf
