"""`ips-nb validate`, `ips-nb import` and `ips-nb rekey`: read, check it all, then write in one go.

A site's rows in the SOURCE replace that site's rows in the database, in one transaction; other
sites are untouched, and importing the same files twice gives the same database. Any error
means nothing is written: not the database, not even a new SQLite file or a key file. A first
import into SQLite writes a hidden file beside the database and links it into place only once
it is whole, so an import that fails half-way (a full disk, a kill) leaves no empty database
that later runs would take for one without data; the key file it made goes too.

The key that hashes CPR numbers: $IPS_NB_KEY, else the file named by $IPS_NB_KEY_FILE, else
`.ips_nb_key` in the current folder, created (mode 0600) by the first import into a database
without pseudonyms. It lives apart from the database on purpose: a copy of the data alone cannot
be brute-forced back to CPR numbers. The database keeps the key's fingerprint (never the key),
so another key, a lost key file, a short key or a key file others may read is refused with one
line that says what to do; it is never replaced silently, because another key hashes the same
person differently and every link across imports would quietly break.

Re-keying (`rekey`) is honest about what a pseudonym is: an HMAC cannot be turned back into the
number, so the new pseudonyms are made from the numbers themselves, read again from files (the
sources the sites sent). Each number is first hashed with the old key to find the stored
pseudonym it belongs to; a stored pseudonym without its number stops the re-key, and nothing
changes.
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ips_nb.data import connection, identity, store
from ips_nb.data.problems import Problem, problem
from ips_nb.data.readers import read_source
from ips_nb.data.schema import TABLE_ORDER, TABLES
from ips_nb.data.tables import METADATA
from ips_nb.data.validate import Checked, Existing, check
from ips_nb.settings import env_name, settings

KEY_FILE_ENV = env_name("key_file")
REKEY_HINT = ("to move the database to the new key instead, run `ips-nb rekey SOURCE… "
              "--old-key-file OLD --new-key-file NEW` with the files that hold every candidate's "
              "CPR number (a pseudonym cannot be re-keyed without its number)")


class DatabaseUnavailable(Exception):
    """The database cannot be opened or read (message is one plain line)."""


@dataclass
class Outcome:
    """How an import (or a validation, or a re-key) ended: exit status, problems, what was written."""

    status: int
    problems: list[Problem] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    written: bool = False
    created: bool = False  # the import made a new database
    # rows recorded at the conference (origin 'conference') the import kept, per table
    kept: dict[str, int] = field(default_factory=dict)


def key_file() -> Path:
    return settings().key_file


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory ones)."""
    return connection.sqlite_file(url)


def read_existing(url: str) -> Existing:
    """Ids, row counts, CPR hashes and the key's fingerprint the database holds.

    Empty when there is no database yet; DatabaseUnavailable when it cannot be read or is not
    ours (an SQLite file of another program, a file that is no database).
    """
    try:
        connection.check_importable(url)
        path = sqlite_path(url)
        if path is not None and not path.exists():
            return Existing()  # do not create the file just to look inside
        engine = connection.connect(url)
    except connection.StoreError as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseUnavailable(f"not a database URL I can use ({exc})") from None
    try:
        with connection.snapshot(engine) as conn:
            tables = set(sa.inspect(conn).get_table_names())
            existing = Existing(present=bool(tables & set(TABLE_ORDER)))
            if existing.present:  # an earlier release's database: `ips-nb upgrade` first
                connection.require_current(conn, url, tables)
            for name in TABLE_ORDER:
                if name not in tables:
                    continue
                t = METADATA.tables[name]
                existing.counts[name] = dict(
                    conn.execute(sa.select(t.c.site, sa.func.count()).group_by(t.c.site)).all())
                key = TABLES[name].key
                if key:
                    existing.owners[name] = dict(conn.execute(sa.select(t.c[key], t.c.site)).all())
            if "candidates" in tables:
                t = METADATA.tables["candidates"]
                q = sa.select(t.c.cpr_hash, t.c.site, t.c.candidate_id).where(t.c.cpr_hash.is_not(None))
                existing.hashes = {h: (s, c) for h, s, c in conn.execute(q)}
            existing.fingerprint = store.stored_fingerprint(conn)
            return existing
    except connection.OutOfDate as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except sa.exc.SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"the database cannot be read: {first_line(exc)}") from None
    finally:
        engine.dispose()


def safe_url(url: str) -> str:
    """A database fit to print: an SQLite file's absolute path, else the URL without password."""
    return connection.shown(url)


first_line = connection.first_line  # the first line of an exception's message, for one-line reports


# --- the key ------------------------------------------------------------------------------------

@dataclass
class KeyChoice:
    """The key an import would use, where it comes from, and what is wrong with it."""

    key: bytes | None  # None: there is none yet (the import makes one), or it is refused
    label: str  # how the operator finds it: $IPS_NB_KEY or the key file's absolute path
    problems: list[Problem] = field(default_factory=list)


def choose_key(existing: Existing | None) -> KeyChoice:
    """The key for an import, judged alone and against the database's fingerprint; never made here.

    Refused (one error line each, saying what to do): an empty or short key, a key file others
    may read, no key at all when the database holds pseudonyms or a fingerprint, another key
    than the one the database records.
    """
    path = key_file()
    from_env = identity.key_from_env()
    label = identity.KEY_ENV if from_env is not None else str(path.absolute())
    try:
        if from_env is not None:
            key = identity.check_key(from_env, identity.KEY_ENV)
        elif path.exists():
            key = identity.read_key_file(path)
        else:
            key = None
    except identity.KeyRefused as exc:
        return KeyChoice(None, label, [problem(exc.where, None, None, None, exc.message)])
    if existing is None:
        return KeyChoice(key, label)
    recorded = existing.fingerprint
    if key is None:
        if recorded or existing.hashes:
            made = f"a key (fingerprint {recorded[:12]})" if recorded else "a key"
            return KeyChoice(None, label, [problem(
                label, None, None, None,
                f"there is no key file and {identity.KEY_ENV} is not set, but the database's CPR "
                f"pseudonyms were made with {made}: restore that key file from your backup (or "
                f"point {KEY_FILE_ENV} at it), or set {identity.KEY_ENV} to that key; a new key "
                "would make every person a stranger to the database")])
        return KeyChoice(None, label)
    if recorded and recorded != identity.key_fingerprint(key):
        return KeyChoice(None, label, [mismatch(label, key, recorded)])
    return KeyChoice(key, label)


def mismatch(label: str, key: bytes, recorded: str | None) -> Problem:
    """The one line for 'this is another key than the one behind the stored pseudonyms'."""
    theirs = f" (fingerprint {recorded[:12]})" if recorded else ""
    return problem(
        label, None, None, None,
        f"this CPR key (fingerprint {identity.short_fingerprint(key)}) is another key than the "
        f"one that made the database's pseudonyms{theirs}, so nothing was written: restore that "
        f"key's file (or point {KEY_FILE_ENV} at it), or set {identity.KEY_ENV} to that key; "
        + REKEY_HINT)


def _legacy_key_check(existing: Existing, choice: KeyChoice, checked: Checked) -> list[Problem]:
    """A database written before fingerprints existed: test the key on candidates it knows.

    When the SOURCE gives numbers for candidates whose pseudonyms the database holds, and the key
    reproduces none of them, it is another key. When it reproduces any (or there is nothing to
    compare), the key is taken, and its fingerprint is recorded from now on.
    """
    if existing.fingerprint or not existing.hashes or choice.key is None or not checked.ok:
        return []
    stored = {(site, cid): h for h, (site, cid) in existing.hashes.items()}
    frame = checked.frames.get("candidates")
    compared = matched = 0
    if frame is not None:
        for cid, site, number in zip(frame["candidate_id"], frame["site"], frame["cpr"]):
            old = stored.get((site, cid))
            if old is None or not isinstance(number, str) or not number:
                continue
            compared += 1
            matched += identity.cpr_hash(number, choice.key) == old
    if compared and not matched:
        return [mismatch(choice.label, choice.key, None)]
    return [problem(choice.label, None, None, None,
                    "the database holds CPR pseudonyms but no key fingerprint (an earlier "
                    "version wrote it): this import records this key's, and from now on "
                    "another key is refused", level="warning")]


# --- validate and import ------------------------------------------------------------------------

def validate_source(source: str | Path, url: str, params_dir: str | Path, *,
                    need_db: bool = False, today: date | None = None) -> Checked:
    """Read and check a SOURCE; the database is consulted for ids of other sites and its key.

    Without `need_db`, a database that cannot be read is a warning (the files are still
    checked); an import needs it and turns that into an error. `today` is the day of the
    import (dates of records after it are refused; None: not checked).
    """
    return _validate(source, url, params_dir, need_db=need_db, today=today)[0]


def _validate(source: str | Path, url: str, params_dir: str | Path, *, need_db: bool,
              today: date | None) -> tuple[Checked, Existing | None, KeyChoice]:
    raw = read_source(source)
    try:
        existing = read_existing(url)
    except DatabaseUnavailable as exc:
        if need_db:
            raise
        existing = None
        raw.problems.append(problem(safe_url(url), None, None, None,
                                    f"{exc}; ids were not checked against other sites",
                                    level="warning"))
    choice = choose_key(existing)
    known = existing or Existing()
    known.key = choice.key
    checked = check(raw, params_dir, known, today=today)
    checked.problems[:0] = choice.problems
    if existing is not None:
        checked.problems[:0] = _legacy_key_check(existing, choice, checked)
    if not checked.ok:
        checked.frames = {}
    return checked, existing, choice


def _create_schema(engine: sa.Engine) -> None:
    """Create missing tables; two first imports at once may race, so a clash is retried."""
    for attempt in range(3):
        try:
            connection.create_schema(engine)
            return
        except sa.exc.SQLAlchemyError:
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))


def import_source(source: str | Path, url: str, params_dir: str | Path, *,
                  today: date | None = None) -> Outcome:
    """Validate, then replace the SOURCE's sites in one transaction; status 0 written, 2 not.

    `today`: the day of the import, passed by the caller (the command line passes the day it
    runs); a date of a record after it is refused. None leaves dates unchecked against a day.
    """
    try:
        checked, existing, choice = _validate(source, url, params_dir, need_db=True, today=today)
    except DatabaseUnavailable as exc:
        return Outcome(2, [problem(safe_url(url), None, None, None, str(exc))])
    if not checked.ok:
        return Outcome(2, checked.problems, checked.sites, checked.rows)
    problems = list(checked.problems)
    created = existing is None or not existing.present
    made_key = choice.key is None and not key_file().exists()
    try:
        # the key validation accepted; none yet (a database without pseudonyms): made now
        key = choice.key or identity.load_key(key_file())
    except identity.KeyRefused as exc:
        return Outcome(2, problems + [problem(exc.where, None, None, None, exc.message)],
                       checked.sites, checked.rows)
    first = _FirstFile.of(url)
    engine = connection.connect(first.url if first else url)
    kept: dict[str, int] = {}
    done = False
    try:
        _create_schema(engine)
        store.write_sites(engine, checked.frames, key, kept)
        if first:
            engine.dispose()
            if not first.move_into_place():  # another first import made the database meanwhile:
                done = True  # this one is validated and written again, against and into it
                return import_source(source, url, params_dir, today=today)
        done = True
    except store.KeyMismatch as exc:  # another import recorded another key meanwhile
        problems.append(mismatch(choice.label, key, exc.stored))
        return Outcome(2, problems, checked.sites, checked.rows)
    except sa.exc.IntegrityError as exc:
        problems.append(problem(safe_url(url), None, None, None,
                                "the database refused the rows, so nothing was written; did "
                                "another import write the same ids meanwhile? Run the import "
                                f"again ({first_line(exc)})"))
        return Outcome(2, problems, checked.sites, checked.rows)
    except sa.exc.OperationalError as exc:
        problems.append(problem(safe_url(url), None, None, None, _not_written(exc)))
        return Outcome(2, problems, checked.sites, checked.rows)
    except OSError as exc:  # the new file could not be put in place (a full disk, say)
        problems.append(problem(safe_url(url), None, None, None,
                                f"nothing was written: {exc.strerror or exc}"))
        return Outcome(2, problems, checked.sites, checked.rows)
    finally:
        engine.dispose()
        if first:
            first.clear(keep_folder=done)
        if not done and made_key and not (first and first.path.exists()):
            key_file().unlink(missing_ok=True)  # no database records it: it would only mislead
    return Outcome(0, problems, checked.sites, checked.rows, written=True, created=created,
                   kept={name: n for name, n in kept.items() if n})


def _not_written(exc: sa.exc.OperationalError) -> str:
    """One line for a write SQLite or PostgreSQL gave up on: a full disk said as such."""
    said = first_line(exc)
    if "disk is full" in said or "No space left" in said:
        return f"nothing was written: the disk is full ({said}); free some space and import again"
    return f"nothing was written: the database is busy or unreachable ({said}); try again"


@dataclass
class _FirstFile:
    """A first import's SQLite database, written under a hidden name beside where it belongs.

    Linked into place only when whole (a hard link never replaces a file another first import
    put there meanwhile); whatever happens, the hidden file and its journal go, and so does the
    folder when this import made it and it is empty."""

    path: Path  # where the database belongs
    hidden: Path
    url: str  # the hidden file's URL
    folder_made: Path | None  # the outermost folder this import makes, if any

    @classmethod
    def of(cls, url: str) -> _FirstFile | None:
        path = sqlite_path(url)
        if path is None or path.exists() or sa.engine.make_url(url).query.get("uri"):
            return None
        path = path.absolute()
        hidden = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
        made = None
        for folder in path.parents:
            if folder.exists():
                break
            made = folder
        return cls(path, hidden, sa.engine.make_url(url).set(database=str(hidden))
                   .render_as_string(hide_password=False), made)

    def move_into_place(self) -> bool:
        """True when the whole file is now the database; False when one was there first."""
        try:
            os.link(self.hidden, self.path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: a rename, unless one is there now
            if self.path.exists():
                return False
            os.replace(self.hidden, self.path)
        return True

    def clear(self, *, keep_folder: bool) -> None:
        for leftover in (self.hidden, *(self.hidden.with_name(self.hidden.name + end)
                                        for end in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        if keep_folder or self.folder_made is None:
            return
        for folder in (self.path.parent, *self.path.parent.parents):
            try:
                folder.rmdir()  # only empty folders go: another's file keeps its folder
            except OSError:
                break
            if folder == self.folder_made:
                break


# --- re-key -------------------------------------------------------------------------------------

def _numbers(sources: list[str | Path], old_key: bytes) -> tuple[dict[str, str], list[Problem]]:
    """Old pseudonym → the number it was made from, for every CPR cell of the SOURCEs.

    The stored pseudonym is HMAC(key, the number as the importer spelt it: the ten digits for a
    Danish CPR, the last ten for a Swedish personnummer); both spellings are tried, so no site
    parameters are needed, and only a number that gives a stored pseudonym is ever used.
    """
    found: dict[str, str] = {}
    problems: list[Problem] = []
    for source in sources:
        raw = read_source(source)
        problems += [p for p in raw.problems if p.level == "error"]
        table = raw.tables.get("candidates")
        if table is None:
            if not any(p.level == "error" for p in raw.problems):
                problems.append(problem(str(source), None, None, None,
                                        "holds no candidates table: there are no CPR numbers "
                                        "to re-key from"))
            continue
        for _, cells in table.rows:
            digits = identity.normalise(cells.get("cpr", "")).replace("+", "")
            if not (digits.isascii() and digits.isdigit() and len(digits) in (10, 12)):
                continue
            for spelling in {digits, digits[-10:]}:
                found.setdefault(identity.cpr_hash(spelling, old_key), spelling)
    return found, problems


def rekey(sources: list[str | Path], url: str, old_key_file: str | Path,
          new_key_file: str | Path) -> Outcome:
    """Move every stored CPR pseudonym from the old key to the new one, in one transaction.

    The new key file is made (mode 0600) when it does not exist. Refused, with nothing written
    and no new key file left: an old key that is not the database's, a new key that is short or
    readable by others, and any stored pseudonym whose number no SOURCE holds. `rows` of the
    outcome counts the candidates re-keyed.
    """
    new_path = Path(new_key_file)
    try:
        old = identity.read_key_file(old_key_file, check_length=False)
        new = identity.read_key_file(new_path) if new_path.exists() else None
    except identity.KeyRefused as exc:
        return Outcome(2, [problem(exc.where, None, None, None, exc.message)])
    try:
        engine = connection.open_existing(url)
    except connection.StoreError as exc:
        return Outcome(2, [problem(safe_url(url), None, None, None, str(exc))])
    made_key = done = False
    try:
        with engine.connect() as conn:
            recorded = store.stored_fingerprint(conn)
        old_fp = identity.key_fingerprint(old)
        if recorded and recorded != old_fp:
            return Outcome(2, [problem(
                str(Path(old_key_file).absolute()), None, None, None,
                f"is not the key that made the database's pseudonyms (its fingerprint is "
                f"{old_fp[:12]}, the database's {recorded[:12]}): give the old key's file")])
        if new is not None and identity.key_fingerprint(new) == old_fp:
            return Outcome(2, [problem(str(new_path.absolute()), None, None, None,
                                       "is the old key itself: give a new key file (a file that "
                                       "does not exist yet is made with a new key)")])
        numbers, problems = _numbers(sources, old)
        if problems:
            return Outcome(2, problems)
        if new is None:
            new = identity.create_key_file(new_path)
            made_key = True
        count = store.rekey_pseudonyms(
            engine, old_fp, identity.key_fingerprint(new),
            lambda h: identity.cpr_hash(numbers[h], new) if h in numbers else None)
        done = True
    except store.Unmatched as exc:
        shown = [problem(safe_url(url), None, None, None,
                         f"candidate {cid} of site {site} has a pseudonym but no CPR number in "
                         "the SOURCE(s) that gives it with the old key: add that candidate's row "
                         "(with its cpr) to a SOURCE; nothing was re-keyed")
                 for site, cid in exc.candidates[:20]]
        if len(exc.candidates) > 20:
            shown.append(problem(safe_url(url), None, None, None,
                                 f"and {len(exc.candidates) - 20} more candidates without their "
                                 "number"))
        return Outcome(2, shown)
    except store.KeyMismatch as exc:
        return Outcome(2, [problem(str(Path(old_key_file).absolute()), None, None, None,
                                   f"is not the key that made the database's pseudonyms (the "
                                   f"database's fingerprint is {exc.stored[:12]})")])
    except identity.KeyRefused as exc:
        return Outcome(2, [problem(exc.where, None, None, None, exc.message)])
    except sa.exc.SQLAlchemyError as exc:
        return Outcome(2, [problem(safe_url(url), None, None, None,
                                   f"nothing was re-keyed: {first_line(exc)}; try again")])
    finally:
        engine.dispose()
        if made_key and not done:
            new_path.unlink(missing_ok=True)  # the re-key did not happen: its new key goes too
    return Outcome(0, [], rows={"candidates": count}, written=True)
