"""Typed outcomes: job statuses as an enum whose values are the run record's strings, failures
classified by nbclient's exception types (not by words in class names), the signal that stopped a
run carried as a number (not parsed back from its reason), and the command line's one exit policy."""
from __future__ import annotations

import json
import signal

from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ips_nb.batch.failure import NotebookTimeout, failure_reason
from ips_nb.batch.jobs import Job, JobStatus, Result, RunConfig
from ips_nb.batch.record import stop_signal, write_run_record
from ips_nb.cli import exit_status
from ips_nb.errors import BadInput, IpsError, UsageError


def test_statuses_are_the_run_records_strings(tmp_path):
    assert [s.value for s in JobStatus] == ["ok", "failed", "interrupted"]
    job = Job("supervision", "aarhus", "2026-10")
    results = [Result(job, JobStatus.OK, 1.0), Result(Job("agenda", "aarhus", "2026-W44"), JobStatus.FAILED, 0.5, "x")]
    cfg = RunConfig("sqlite:///x.db", "params", str(tmp_path))
    record = json.loads(write_run_record(str(tmp_path), ["ips-nb"], cfg, results, None).read_text(encoding="utf-8"))
    assert record["counts"] == {"ok": 1, "failed": 1, "interrupted": 0}
    assert [r["status"] for r in record["results"]] == ["ok", "failed"]


def test_failures_are_classified_by_exception_type():
    assert failure_reason(CellTimeoutError("a cell ran past its limit"), 3) == "timed out after 3 s"
    assert failure_reason(NotebookTimeout(), 600) == "timed out after 600 s"
    assert failure_reason(DeadKernelError("Kernel died")) == "the kernel died"

    class NoTimeoutHere(Exception):  # a name with "Timeout" in it is not a timeout
        pass

    class DeadKernelNote(Exception):
        pass

    assert failure_reason(NoTimeoutHere("bad row"), 3) == "NoTimeoutHere: bad row"
    assert failure_reason(DeadKernelNote("just a note")) == "DeadKernelNote: just a note"


def test_the_stopping_signal_is_carried_not_parsed():
    job = Job("supervision", "aarhus", "2026-10")
    stopped = Result(job, JobStatus.INTERRUPTED, 0.0, "not finished", signum=int(signal.SIGTERM))
    assert stop_signal([Result(job, JobStatus.OK, 1.0), stopped]) == signal.SIGTERM
    assert stop_signal([Result(job, JobStatus.OK, 1.0)]) is None


def test_one_exit_policy(monkeypatch, capsys):
    class Unreadable(BadInput):
        pass

    assert issubclass(UsageError, BadInput) and issubclass(BadInput, IpsError)
    assert exit_status(Unreadable("params/aarhus.yaml, row 3, column team: 'x' is no team")) == 2
    assert capsys.readouterr().err == "ips-nb: params/aarhus.yaml, row 3, column team: 'x' is no team\n"
    assert exit_status(IpsError("the disk is full")) == 1

    def bug() -> None:
        raise KeyError("surprise")

    try:
        bug()
    except KeyError as exc:
        caught = exc
    monkeypatch.delenv("IPS_NB_DEBUG", raising=False)
    capsys.readouterr()
    assert exit_status(caught) == 1
    assert capsys.readouterr().err == "ips-nb: KeyError: 'surprise'\n"
    monkeypatch.setenv("IPS_NB_DEBUG", "1")
    assert exit_status(caught) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "in bug" in err
    assert err.endswith("ips-nb: KeyError: 'surprise'\n")
