"""Print an HTML report to PDF with headless Chromium (the agenda clinicians take to conference).

Chromium is a system program, not a Python dependency: `IPS_NB_CHROMIUM` names it, else
`chromium` on PATH, else /usr/bin/chromium. Each call gets its own throwaway profile so parallel
workers never share one, and the PDF appears only when complete (written beside, then renamed).
Every failure is a PdfError with a one-line reason the runner can record.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
         "--disable-extensions", "--mute-audio")
TIMEOUT = 90.0


class PdfError(RuntimeError):
    """The PDF could not be made; str() is one line fit for a run record."""


def chromium_path() -> str:
    """Where Chromium is: $IPS_NB_CHROMIUM, `chromium` on PATH, or Debian's /usr/bin/chromium."""
    return os.environ.get("IPS_NB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _last_line(text: str) -> str:
    """Chromium's stderr is chatty (dbus, GPU); the last non-noise line says what went wrong."""
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and "dbus" not in ln and "bytes written to file" not in ln]
    return lines[-1][:200] if lines else "no message"


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
        with tempfile.TemporaryDirectory(prefix="ips-nb-chromium-") as profile:
            cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html.as_uri()]
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
