"""Who may read what ips-nb writes: its owner only, or also the owner's group when asked.

A database, a report, an executed notebook and a run record hold health data or say whose data it
is, so each file the tool creates is 0600 and each folder 0700; with IPS_NB_GROUP_READABLE=1
(the commands' `--group-readable`) 0640 and 0750, for a team whose coordinators share one
group. The mode is set on the file itself (os.open's mode, then fchmod, or chmod before a
rename makes it visible), never left to the process's umask: with the usual umask 022 a new
file would be readable by everyone on the machine, and a umask of 077 would take the group's
reading away even when it was asked for.

Only what the tool creates gets these modes. A file or folder that exists keeps its own (a
database another user made for the group stays as they made it; `chmod` changes it); a
folder's setgid bit, which makes new files take the folder's group, is kept.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ips_nb.settings import env_name, settings

GROUP_ENV = env_name("group_readable")


def group_readable() -> bool:
    """True when the owner's group may read what is written ($IPS_NB_GROUP_READABLE set, not 0)."""
    return settings().group_readable


def file_mode() -> int:
    return 0o640 if group_readable() else 0o600


def folder_mode() -> int:
    return 0o750 if group_readable() else 0o700


def set_mode(path: str | Path) -> None:
    """Give a file the file mode, a folder the folder mode (keeping a folder's setgid bit)."""
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode):
        os.chmod(path, folder_mode() | (st.st_mode & stat.S_ISGID))
    elif stat.S_ISREG(st.st_mode):
        os.chmod(path, file_mode())


def make_folder(path: str | Path) -> Path:
    """`path` and any missing parent, each folder made here given the folder mode; existing
    folders are left as they are."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    path.mkdir(parents=True, exist_ok=True)
    for folder in reversed(missing):
        try:
            set_mode(folder)
        except FileNotFoundError:  # removed meanwhile (a run's temporary folder): nothing to protect
            pass
    return path


def open_new(path: str | Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """A file descriptor on `path`, created with the file mode (an existing file made so too)."""
    fd = os.open(path, flags, file_mode())
    try:
        os.fchmod(fd, file_mode())
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_file(path: str | Path, data: bytes) -> None:
    """Write `path` whole with the file mode (not synced: see the runner's atomic writes)."""
    with os.fdopen(open_new(path), "wb") as f:
        f.write(data)


def create_sqlite_file(path: str | Path) -> None:
    """Make a new, empty SQLite file with the file mode, and its folder, before SQLite opens it
    (SQLite would create it by the umask; an empty file is an empty database to it, and it
    gives its journal and WAL files the database file's mode). An existing file is untouched."""
    path = Path(path)
    make_folder(path.parent)
    try:
        os.close(open_new(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        pass
