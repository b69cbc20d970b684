"""One job, executed: its workbook run by papermill on a kernel, exported to HTML in-process, its
files moved into place only once all of them are whole on the disk.
"""
from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import shutil
import signal
import time
from pathlib import Path

from ips_nb.batch.failure import NotebookTimeout, executed_notebook, failure_reason, first_line, keep_failed
from ips_nb.batch.files import fsync, write_synced
from ips_nb.batch.jobs import KINDS, OVERVIEW, Job, JobStatus, Result, RunConfig, report_dir, workbooks_dir
from ips_nb.batch.place import Interrupted
from ips_nb.data.location import hide_password
from ips_nb.data.modes import make_folder, set_mode
from ips_nb.data.params import ParamsError, SiteParams, load_params


def quiet_logs(verbose: bool) -> None:
    """Keep papermill's and the kernel's chatter off the coordinator's terminal."""
    level = logging.INFO if verbose else logging.CRITICAL
    for name in ("papermill", "traitlets", "nbclient", "asyncio", "jupyter_client"):
        logging.getLogger(name).setLevel(level)
    if not verbose:
        os.environ.setdefault("PYTHONWARNINGS", "ignore")



def check_json(path: Path) -> None:
    """The workbook's JSON exists and parses: a write cut short (a full disk) never replaces a good one.

    A workbook writing through a file it never closes loses the close's error, so on a full disk
    it may leave a truncated file without failing; the disk's free space then names the cause.
    """
    if not path.exists():
        raise RuntimeError("the workbook wrote no JSON")
    try:
        json.loads(path.read_bytes())
    except ValueError as exc:
        space = os.statvfs(path.parent)
        if space.f_bavail * space.f_frsize < 1 << 20:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
        raise RuntimeError(f"the workbook wrote JSON that does not parse ({first_line(exc)})") from exc



def execute(job: Job, cfg: RunConfig, params: SiteParams | None = None, km=None) -> Result:  # noqa: ANN001
    """Run one workbook, export HTML in-process, then move the files into place.

    `km` is a kernel started beforehand (see kernels.start_kernel); without it papermill starts one.
    Every file is written in a temporary folder beside the report and synced before the renames,
    so a failure at any point (a full disk included) leaves the previous report as it was.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from ips_nb.batch.engine import ENGINE, EXECUTING
    from ips_nb.batch.kernels import IpcKernelManager
    from ips_nb.pages.report import notebook_html
    from ips_nb.pages.titles import report_title

    quiet_logs(cfg.verbose)
    start = time.monotonic()
    if params is None:
        try:
            params = load_params(cfg.params_dir, job.site)
        except ParamsError as exc:
            return Result(job, JobStatus.FAILED, time.monotonic() - start, f"parameters: {exc}")
    final_dir = report_dir(job, cfg)
    tmp_dir = final_dir / f".tmp-{job.stem}-{os.getpid()}"
    nb_tmp, json_tmp, html_tmp = (tmp_dir / f"{job.stem}{ext}" for ext in (".ipynb", ".json", ".html"))
    pdf_tmp = [tmp_dir / f"{job.stem}.pdf"] if cfg.pdf and job.kind == "agenda" else []
    # the notebook keeps the URL without its password; its kernel finds the whole URL in $IPS_NB_DB
    kernel_database(cfg.db_url)
    parameters = {"site": job.site, KINDS[job.kind]: job.period, "db_url": hide_password(cfg.db_url),
                  "params_dir": str(Path(cfg.params_dir).resolve()), "json_path": str(json_tmp)}
    if job.kind == OVERVIEW:
        del parameters["site"]
        parameters["lang"] = cfg.lang
    if job.kind == "agenda":
        parameters["team"] = job.team or ""
    EXECUTING.update(nb=None, cell=None)
    ran = False  # papermill returned: nb_tmp is the whole executed notebook
    writing = final_dir / nb_tmp.name  # the file being made, for a full disk's reason
    outputs: list[str] = []
    try:
        make_folder(tmp_dir)  # and the report's folders, each new one owner-only (data.modes)
        with _deadline(cfg.timeout):
            nb = pm.execute_notebook(str(workbooks_dir(cfg) / f"{job.kind}.ipynb"), str(nb_tmp),
                                     parameters=parameters, kernel_name="python3", progress_bar=False,
                                     log_output=cfg.verbose, request_save_on_cell_execute=False,
                                     execution_timeout=math.ceil(cfg.timeout) + 5 if cfg.timeout else None,
                                     shutdown_kernel="immediate",
                                     kernel_manager_class=IpcKernelManager,
                                     engine_name=ENGINE, **({"km": km} if km else {}))
            ran = True
            title = report_title(job.kind, params, job.period, job.team)
            html = notebook_html(nb, lang=params.language, title=title, kind=job.kind)
        writing = final_dir / html_tmp.name
        write_synced(html_tmp, html.encode("utf-8"))
        writing = final_dir / json_tmp.name
        check_json(json_tmp)
        if pdf_tmp:
            from ips_nb.pages.pdf import render_pdf

            writing = final_dir / pdf_tmp[0].name
            render_pdf(html_tmp, pdf_tmp[0])
        made = [nb_tmp, json_tmp, html_tmp, *pdf_tmp]
        for tmp in made:  # all on the disk before any replaces a good file
            writing = final_dir / tmp.name
            set_mode(tmp)  # papermill, the workbook and Chromium wrote them by the umask
            fsync(tmp)
        for tmp in made:
            writing = final_dir / tmp.name
            tmp.replace(writing)
            outputs.append(str(writing))
        with contextlib.suppress(OSError):
            fsync(final_dir)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a one-line reason
        if isinstance(exc, (KeyboardInterrupt, Interrupted)):
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        if isinstance(exc, PapermillExecutionError):
            writing = final_dir / json_tmp.name  # the one file a workbook writes itself
        reason = failure_reason(exc, cfg.timeout, writing)
        try:
            keep_failed(job, cfg, executed_notebook(exc, ran, nb_tmp, reason, job, cfg))
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            EXECUTING.update(nb=None, cell=None)
        return Result(job, JobStatus.FAILED, time.monotonic() - start, reason)
    EXECUTING.update(nb=None, cell=None)
    (final_dir / f"{job.stem}.failed.ipynb").unlink(missing_ok=True)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    return Result(job, JobStatus.OK, time.monotonic() - start, outputs=outputs)


class _deadline:
    """A per-notebook time limit: SIGALRM in the worker's main thread raises NotebookTimeout."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds and seconds > 0 and hasattr(signal, "setitimer") else None

    def __enter__(self) -> None:
        if self.seconds:
            def _expired(signum, frame):  # noqa: ANN001
                raise NotebookTimeout()
            self._old = signal.signal(signal.SIGALRM, _expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old)



def kernel_database(url: str | None) -> None:
    """Put a database URL that holds a password in $IPS_NB_DB of this process, for the kernels it
    starts from now on: their notebooks name it without the password (location.db_url).

    A kernel's environment is in no notebook papermill writes, nor in any log; only the same
    user (and root) can read it from /proc, as they can the command's own.
    """
    if url and hide_password(url) != url:
        os.environ["IPS_NB_DB"] = url
