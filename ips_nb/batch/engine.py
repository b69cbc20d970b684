"""Our papermill engine: a notebook run on a kernel started beforehand, its progress recorded.

papermill's own engine hands a kernel given as `km=` to nbclient, which then regards it as
someone else's and never shuts it down; ours makes nbclient own it, so it stops with the
notebook. What it records it records through nbclient's public hooks (on_cell_start,
on_cell_executed), not by overriding nbclient's methods: EXECUTING, so that a notebook cut short
(a timeout, a dead kernel) can be kept as <stem>.failed.ipynb with the running cell marked, and
WHEN_RUNNING, what the worker wants done as the notebook's last cell starts.

The engine is a class at module level, registered with papermill when this module is imported
(not through papermill's `papermill.engine` entry points: those are loaded while papermill itself
is still being imported, and would import all of this into every program that imports papermill).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE = "ips-nb-prestarted"

# What our engine is executing in this process: the notebook (its cells as far as they ran, with
# their outputs) and the index of the cell running (None between cells). papermill writes nothing
# until the notebook ends, so after a timeout or a dead kernel this is all that shows what ran;
# execute.execute keeps it as <stem>.failed.ipynb (failure.executed_notebook).
EXECUTING: dict = {"nb": None, "cell": None}
# Run once when the notebook's last cell starts (the worker asks for the next notebook's kernel
# there: it starts while papermill and the worker write this notebook's files, and takes no CPU
# from this notebook's own cells; asking does not wait, the zygote forks it when it can). Without
# a zygote, kernels are launched, which takes longer: then when the first cell starts.
WHEN_RUNNING: list[Callable[[], None]] = []


def _cell_starts(nb: Any, cell: Any, cell_index: int, **_: Any) -> None:
    """nbclient's on_cell_start: run WHEN_RUNNING at the right cell, note the cell running."""
    from ips_nb.batch.provisioner import ForkingProvisioner

    # a forked kernel starts in ~0.1 s: at the last cell; a launched one needs ~0.7 s: at once
    if cell_index == len(nb.cells) - 1 or ForkingProvisioner.zygote is None:
        while WHEN_RUNNING:
            WHEN_RUNNING.pop(0)()
    # still set if the cell never returns (timeout, dead kernel); a cell nbclient skips (markdown,
    # empty) runs nothing, so none is running
    runs = cell.cell_type == "code" and cell.source.strip()
    EXECUTING["cell"] = cell_index if runs else None


def _cell_executed(**_: Any) -> None:
    """nbclient's on_cell_executed: the cell returned, none is running."""
    EXECUTING["cell"] = None


class PrestartedEngine(NBClientEngine):
    """papermill's nbclient engine, but nbclient owns the kernel it is given, and records progress."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):  # noqa: ANN001, ANN003, ANN206
        EXECUTING.update(nb=nb, cell=None)  # papermill's manager and nbclient fill this very object
        return super().execute_notebook(nb, kernel_name, **kwargs)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,  # noqa: ANN001, ANN206
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 **kwargs):
        """papermill's NBClientEngine.execute_managed_notebook, with the hooks and owns_km."""
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
            on_cell_start=functools.partial(_cell_starts, nb_man.nb), on_cell_executed=_cell_executed)
        client = PapermillNotebookClient(nb_man, **final_kwargs)
        client.owns_km = True  # shut the kernel down and close its channels when done
        return client.execute()


papermill_engines.register(ENGINE, PrestartedEngine)
