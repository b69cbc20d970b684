"""What a run tells: a line (or a progress bar) per finished job, and the run record
reports/runs/<stamp>.json, what ran on which data and how each site-period ended.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from ips_nb import __version__
from ips_nb.batch.files import FULL_ERRNOS, DiskFull, write_atomic
from ips_nb.batch.jobs import JobStatus, Result, RunConfig
from ips_nb.data.location import hide_password, redact
from ips_nb.data.modes import make_folder


def stop_signal(results: list[Result]) -> int | None:
    """The signal that stopped the run (for the exit status 128 + n), or None."""
    for r in results:
        if r.status == JobStatus.INTERRUPTED:
            return signal.Signals(r.signum) if r.signum else signal.SIGINT
    return None


def _quiet_stdout() -> None:
    """Point standard output at /dev/null (its reader is gone), so no later print fails."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class Progress:
    """A progress bar on a terminal; plain lines (one per site-period) when not on a terminal."""

    def __init__(self, total: int, stream=None) -> None:  # noqa: ANN001
        self.total, self.done = total, 0
        self.stream = stream or sys.stdout
        self.bar = None
        if hasattr(self.stream, "isatty") and self.stream.isatty():
            from tqdm import tqdm

            size = shutil.get_terminal_size((100, 24))  # a pty may report 0 × 0: tqdm then hides the bar
            self.bar = tqdm(total=total, file=self.stream, unit="notebook",
                            ncols=min(size.columns or 100, 120), nrows=max(size.lines, 24))

    def line(self, result: Result) -> str:
        mark = {JobStatus.OK: "ok", JobStatus.FAILED: "FAILED"}.get(result.status, result.status)
        text = f"[{self.done}/{self.total}] {result.job.label()}: {mark} ({result.seconds:.1f} s)"
        return text + (f" — {result.reason}" if result.reason else "")

    def __call__(self, result: Result) -> None:
        self.done += 1
        if self.bar is None:
            if self.stream is not None:
                try:
                    print(self.line(result), file=self.stream, flush=True)
                except BrokenPipeError:  # `ips-nb run … | head`: the reader left; the run goes on
                    self.stream = None
                    _quiet_stdout()
            return
        if result.status != JobStatus.OK:
            self.bar.write(self.line(result), file=self.stream)
        self.bar.set_postfix_str(result.job.label(), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def write_run_record(out_dir: str, command: list[str], cfg: RunConfig, results: list[Result],
                     fingerprint: str | None, started: datetime | None = None) -> Path:
    """reports/runs/<stamp>.json: what ran, on which data, how each site-period ended.

    Written whole or not at all; on a full disk it raises DiskFull (one line: the disk is full).
    """
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(out_dir) / "runs" / f"{stamp}.json"
    stopped = stop_signal(results)
    record = {"command": [redact(arg, cfg.db_url) for arg in command], "version": __version__,
              "db_fingerprint": fingerprint,
              "parameters": {"db_url": hide_password(cfg.db_url), "params_dir": cfg.params_dir, "out_dir": cfg.out_dir,
                             "timeout": cfg.timeout},
              "params_dir": cfg.params_dir,
              "started": started.isoformat() if started else None, "finished": now.isoformat(),
              "seconds": round((now - started).total_seconds(), 2) if started else None,
              "interrupted": signal.Signals(stopped).name if stopped else None,
              "counts": {str(s): sum(r.status == s for r in results) for s in JobStatus},
              "results": [{**asdict(r.job), "status": str(r.status), "seconds": round(r.seconds, 2),
                           "reason": redact(r.reason, cfg.db_url)} for r in results]}
    try:
        make_folder(path.parent)
        write_atomic(path, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
    except OSError as exc:
        if exc.errno in FULL_ERRNOS:
            raise DiskFull(path, exc.errno) from exc
        raise
    return path
