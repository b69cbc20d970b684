"""The run's zygote: one process forking every worker's kernels; a worker's death must not take it down."""
from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time

import psutil

from ips_nb.batch.place import close_place, open_place
from ips_nb.batch.zygote import Zygote


def _request(tmp) -> dict:
    """A kernel command line that fails at once (its connection file is a folder): a cheap kernel."""
    return {"cmd": [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp)], "env": dict(os.environ),
            "cwd": str(tmp)}


def test_a_worker_dying_while_waiting_for_its_kernel_does_not_stop_the_zygote(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    place = open_place()
    try:
        path, pid = place.zygote_address()
        # a worker that asks and dies before the answer (here: closes its end at once)
        for _ in range(3):
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                        conn.connect(path)
                        conn.sendall(json.dumps(_request(tmp_path)).encode() + b"\n")
                    break
                except (FileNotFoundError, ConnectionRefusedError):
                    assert time.monotonic() < deadline, "the zygote never listened"
                    time.sleep(0.05)
        # the next worker still gets its kernel, from the same zygote
        kernel = Zygote(path, pid, wait=60).request(_request(tmp_path)["cmd"], dict(os.environ), str(tmp_path))()
        assert kernel > 0
        assert place.zygote.poll() is None, "the zygote died"
        with_no_owner = [c for c in psutil.Process(pid).children() if c.pid != kernel]
        psutil.wait_procs(with_no_owner, timeout=10)
        assert not [c for c in with_no_owner if c.is_running() and c.status() != psutil.STATUS_ZOMBIE], \
            "a kernel nobody asked for any more was left running"
        os.kill(kernel, signal.SIGKILL)
    finally:
        close_place(place)
    assert place.zygote.poll() is not None


def _listening(path: str) -> None:
    """Once a connection is taken (the zygote reads an empty request and goes on)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(path)
            return
        except (FileNotFoundError, ConnectionRefusedError):
            assert time.monotonic() < deadline, "the zygote never listened"
            time.sleep(0.02)


def test_asking_for_a_kernel_does_not_wait_for_the_answer(tmp_path, monkeypatch):
    """A worker's request returns while the zygote is busy (here: stopped); the pid is read when
    first needed, and once. A zygote that dies before answering leaves a dead kernel, not a hung worker."""
    from ips_nb.batch.zygote import ForkedProcess

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    place = open_place()
    try:
        path, pid = place.zygote_address()
        _listening(path)
        os.kill(pid, signal.SIGSTOP)
        answer = Zygote(path, pid, wait=60).request(_request(tmp_path)["cmd"], dict(os.environ), str(tmp_path))
        seen: list[int] = []
        never = ForkedProcess(answer, seen.append)
        os.kill(pid, signal.SIGKILL)
        assert never.poll() == -9 and never.pid is None and seen == []
    finally:
        close_place(place)
    place = open_place()
    try:
        path, pid = place.zygote_address()
        seen = []
        kernel = ForkedProcess(Zygote(path, pid, wait=60).request(_request(tmp_path)["cmd"], dict(os.environ),
                                                                  str(tmp_path)), seen.append)
        assert kernel.pid > 0 and kernel.pid == kernel.pid and seen == [kernel.pid]
        assert kernel.pid in [c.pid for c in psutil.Process(pid).children()] or kernel.poll() is not None
        kernel.kill()
        assert kernel.wait(timeout=30) == -9
    finally:
        close_place(place)
