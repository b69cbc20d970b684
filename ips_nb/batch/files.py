"""Files written whole or not at all, and the leftovers of processes that died writing them.

A report's files appear only when complete: written in a temporary file or folder beside them,
synced to disk, then renamed, so an interrupted run, a dead worker or a full disk leaves the
previous good report in place. What such a death leaves behind carries the pid in its name, and
`remove_leftovers` removes it once that process is provably gone.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from pathlib import Path

from ips_nb.batch.jobs import KINDS, OVERVIEW
from ips_nb.data.modes import open_new


class DiskFull(OSError):
    """A write ran out of room (ENOSPC, or the quota); the file it would have replaced is untouched.

    str() is the one line a user reads: "the disk is full (No space left on device) writing <path>".
    """

    def __init__(self, path: str | Path, code: int = errno.ENOSPC) -> None:
        super().__init__(code, os.strerror(code), str(path))

    def __str__(self) -> str:
        return disk_full_line(self.filename, self.errno)

    def __reduce__(self) -> tuple:
        return DiskFull, (self.filename, self.errno)



FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def disk_full_line(path: str | Path, code: int = errno.ENOSPC) -> str:
    return f"the disk is full ({os.strerror(code)}) writing {path}"




def fsync(path: Path) -> None:
    """Flush a file's (or a folder's) data to the disk; a full disk or a bad one raises here."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if path.is_file() or exc.errno not in (errno.EINVAL, errno.EBADF):
            raise  # some file systems cannot sync a folder: that one is fine
    finally:
        os.close(fd)


def write_synced(path: Path, data: bytes) -> None:
    """Write a new file (owner-only, or group-readable: data.modes) and sync it; on any error no
    part of it is left."""
    try:
        with os.fdopen(open_new(path), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` by `data` whole or not at all: a temporary file beside it, synced, renamed.

    On a full disk the temporary file is removed and the old `path` stays as it was. The temporary
    file's name, .<name>.<pid>.part, lets a later run remove it if this process is killed meanwhile.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    write_synced(tmp, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        fsync(path.parent)  # the rename itself; the file is whole either way



_PERIOD = r"\d{4}-(?:\d{2}|W\d{2})(?:-[a-z0-9]+(?:-[a-z0-9]+)*)?"  # Job.stem: a period, maybe -<team slug>
_TMP_DIR = re.compile(rf"\.tmp-(?P<stem>{_PERIOD})-(?P<pid>[1-9]\d*)")
_PART = re.compile(r"\.(?P<name>[^/]+)\.(?P<pid>[1-9]\d*)\.part")


def _gone(pid: int, changed: float) -> bool:
    """True only if process `pid` provably no longer runs: it does not exist, or it started after
    `changed` (the leftover's last change), so it is another process that got the same pid."""
    import psutil

    try:
        return psutil.Process(pid).create_time() > changed + 2  # boot time is known to the second
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def remove_leftovers(out_dir: str | Path) -> None:
    """Remove what runs' dead processes left in the reports, and only that.

    A worker that dies leaves its job's folder .tmp-<stem>-<pid> (<out>/<site>/<kind>/ or
    <out>/overview/); a coordinator or worker killed mid-write leaves .<name>.<pid>.part beside a
    failed notebook or a run record. Such a thing is removed only if its name is exactly one the
    runner makes, a folder holds nothing but that stem's files, and the pid's process is gone
    (see _gone): never a live run's, never anything else. The pid is this machine's: reports
    shared with another machine running at the same time would need a lock, not this.
    """
    out = Path(out_dir)
    folders = [d for d in out.glob("*/*") if d.parent.name != OVERVIEW and d.name in KINDS]
    folders += [out / OVERVIEW, out / "runs"]
    for folder in folders:
        try:
            entries = list(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else []
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.lstat()
                tmp_dir, part = _TMP_DIR.fullmatch(entry.name), _PART.fullmatch(entry.name)
                if tmp_dir and folder.name != "runs" and entry.is_dir() and not entry.is_symlink():
                    stem = tmp_dir["stem"]
                    inside = list(entry.iterdir())
                    if all(f.is_file() and not f.is_symlink() and
                           (f.name.startswith(f"{stem}.") or f.name.startswith(f".{stem}.")) for f in inside) \
                            and _gone(int(tmp_dir["pid"]), max([st.st_mtime] + [f.lstat().st_mtime for f in inside])):
                        shutil.rmtree(entry)
                elif part and entry.is_file() and not entry.is_symlink() \
                        and (part["name"].endswith(".failed.ipynb") or folder.name == "runs") \
                        and _gone(int(part["pid"]), st.st_mtime):
                    entry.unlink()
            except OSError:
                continue  # gone meanwhile, or not ours to remove
