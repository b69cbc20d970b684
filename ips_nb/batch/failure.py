"""What a failed job says and keeps: a one-line reason, and <stem>.failed.ipynb with the failing
cell marked (as papermill marks it), written beside the report without touching it.
"""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ips_nb.batch.files import FULL_ERRNOS, disk_full_line, write_atomic
from ips_nb.batch.jobs import Job, RunConfig, report_dir, workbooks_dir
from ips_nb.data.modes import make_folder

if TYPE_CHECKING:
    from nbformat import NotebookNode

class NotebookTimeout(Exception):
    """The whole notebook ran past --timeout."""



def first_line(text: str, limit: int = 300) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return (lines[0] if lines else "")[:limit]



def full_disk_error(exc: BaseException | None) -> tuple[int, str | None] | None:
    """(errno, file name or None) when `exc`, or what caused it, is a write that ran out of room.

    A workbook's own write failing that way reaches us as papermill's error naming the cell's OSError.
    """
    from papermill.exceptions import PapermillExecutionError

    for _ in range(5):  # the exception, then what it was raised from or during
        if exc is None:
            return None
        if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
            return exc.errno, exc.filename
        if isinstance(exc, PapermillExecutionError) and exc.ename in ("OSError", "IOError"):
            for code in FULL_ERRNOS:
                if f"[Errno {code}]" in str(exc.evalue) or os.strerror(code) in str(exc.evalue):
                    named = re.search(r": '([^']+)'$", str(exc.evalue).strip())
                    return code, named.group(1) if named else None
        exc = exc.__cause__ or exc.__context__
    return None


def _report_path(name: str | Path) -> Path:
    """A file of a job's temporary folder named as the report file it was to become (the folder
    itself as the report's folder)."""
    path = Path(name)
    if path.name.startswith(".tmp-"):
        return path.parent
    return path.parent.parent / path.name if path.parent.name.startswith(".tmp-") else path


def failure_reason(exc: BaseException, timeout: float | None = None, writing: Path | None = None) -> str:
    """One line naming the cause: the cell and its exception, a timeout, a dead kernel, a full disk.

    `writing` is the file the job was writing when it failed, named in a full disk's reason when
    the error itself names none.
    """
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    full = full_disk_error(exc)
    if full:
        code, name = full
        return disk_full_line(_report_path(name) if name else writing or "a report", code)
    if isinstance(exc, PapermillExecutionError):
        src = first_line(exc.source, 60)
        where = f"cell {exc.cell_index}" + (f" ({src})" if src else "")
        return first_line(f"{where}: {exc.ename}: {first_line(exc.evalue) or '(no message)'}")
    # by nbclient's exception types: the whole notebook's limit (ours), a cell's (nbclient's
    # CellTimeoutError, a TimeoutError), a kernel that never answered in time
    if isinstance(exc, (NotebookTimeout, TimeoutError, subprocess.TimeoutExpired)):
        return f"timed out after {timeout:g} s" if timeout else "timed out"
    if isinstance(exc, DeadKernelError):
        return "the kernel died"
    return first_line(f"{type(exc).__name__}: {exc}")






def mark_failure(nb: NotebookNode, reason: str, cell: int | None = None) -> NotebookNode:
    """papermill's way of marking a failure, for one papermill did not mark (timeout, dead kernel…).

    A red banner on top says what happened; with `cell` (the cell that was running) an anchor just
    before that cell says it again. Both carry papermill's error tag, so a re-run removes them.
    """
    import nbformat
    from markupsafe import Markup
    from papermill.execute import ERROR_MARKER_TAG, ERROR_STYLE, remove_error_markers

    from ips_nb.pages.render import environment

    marks = environment().get_template("batch/failure_marks.html.j2").module
    style = Markup(ERROR_STYLE)  # papermill's own attribute text
    running = nb.cells[cell] if cell is not None and 0 <= cell < len(nb.cells) else None
    nb = nbformat.v4.upgrade(remove_error_markers(nb))
    count = None
    if running is not None:
        index = next((i for i, c in enumerate(nb.cells) if c is running), 0)
        anchor = nbformat.v4.new_markdown_cell(str(marks.anchor(style, reason)))
        anchor.metadata["tags"] = [ERROR_MARKER_TAG]
        nb.cells.insert(index, anchor)
        count = running.get("execution_count")
        count = " " if count is None else count
    banner = nbformat.v4.new_markdown_cell(str(marks.banner(style, reason, count)))
    banner.metadata["tags"] = [ERROR_MARKER_TAG]
    nb.cells.insert(0, banner)
    return nb


def input_notebook(job: Job, cfg: RunConfig) -> NotebookNode | None:
    """The workbook as it is, when nothing of it was executed; None if it cannot be read."""
    import nbformat

    try:
        return nbformat.read(workbooks_dir(cfg) / f"{job.kind}.ipynb", as_version=4)
    except Exception:  # noqa: BLE001 - then there is nothing to keep
        return None


def keep_failed(job: Job, cfg: RunConfig, nb: NotebookNode | None) -> None:
    """Write <stem>.failed.ipynb beside the report, whole or not at all; the report is never touched.

    On a full disk (or any other error) an older failed notebook stays as it was: the job's reason
    already says what went wrong.
    """
    import warnings

    import nbformat

    if nb is None:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's validation notes about old notebooks
            data = nbformat.writes(nb).encode("utf-8")
        folder = make_folder(report_dir(job, cfg))
        write_atomic(folder / f"{job.stem}.failed.ipynb", data)
    except Exception:  # noqa: BLE001 - see above
        pass


def executed_notebook(exc: BaseException, ran: bool, nb_tmp: Path, reason: str, job: Job,
              cfg: RunConfig) -> NotebookNode | None:
    """What a failed job executed, its failing cell marked.

    papermill writes the notebook only when it ends: after a cell's error it has written it with
    its own marks, and after a whole run (a later step failed) it is complete. Otherwise (a
    timeout, a dead kernel, a full disk) the notebook the engine was executing holds the cells
    run so far, and failing that the input is kept with the reason on top.
    """
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from ips_nb.batch.engine import EXECUTING

    papermill_marked = isinstance(exc, PapermillExecutionError)
    if papermill_marked or ran:
        with contextlib.suppress(Exception):
            nb = nbformat.read(nb_tmp, as_version=4)
            return nb if papermill_marked else mark_failure(nb, reason)
    if EXECUTING["nb"] is not None:
        return mark_failure(EXECUTING["nb"], reason, EXECUTING["cell"])
    nb = input_notebook(job, cfg)
    return mark_failure(nb, reason) if nb is not None else None



def left_by(job: Job, cfg: RunConfig, pid: int, reason: str) -> NotebookNode | None:
    """The notebook a dead worker had written for `job` (all of it, if papermill had finished), marked."""
    import nbformat

    try:
        nb = nbformat.read(report_dir(job, cfg) / f".tmp-{job.stem}-{pid}" / f"{job.stem}.ipynb", as_version=4)
    except Exception:  # noqa: BLE001 - papermill writes it only at the end: usually there is none
        nb = input_notebook(job, cfg)
    return mark_failure(nb, reason) if nb is not None else None
