"""CPR (DK) and personnummer (SE): checked on import, kept only as a keyed hash.

The hash (HMAC-SHA256) lets the importer catch one person registered twice and link a person
across imports without the store ever holding the number in clear. It is only as secret as its
key: the rules for the key (length, file mode) and its fingerprint (what the database keeps to
notice another key) live here too.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from datetime import date
from pathlib import Path

from stdnum import luhn
from stdnum.dk import cpr as dk_cpr
from stdnum.exceptions import ValidationError

from ips_nb.settings import env_name, settings

KEY_ENV = env_name("key")


def normalise(value: str) -> str:
    """Digits with the separator dropped, so '010190-1234' and '0101901234' hash alike."""
    return re.sub(r"[\s-]", "", str(value))


def dk_birth_date(value: str) -> date:
    """Birth date from a Danish CPR (DDMMYY-SSSS; the century comes from the 7th digit)."""
    digits = normalise(value)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError("a Danish CPR number has 10 digits, DDMMYY-SSSS")
    try:
        return dk_cpr.get_birth_date(digits)
    except ValidationError:
        raise ValueError("the CPR number does not hold a real date") from None


def se_birth_date(value: str) -> date:
    """Birth date from a Swedish personnummer/samordningsnummer; checks the Luhn digit."""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{2})?(\d{2})(\d{2})(\d{2})[-+]?(\d{4})", text)
    if not m:
        raise ValueError("a Swedish personnummer looks like YYMMDD-NNNC")
    century, yy, mm, dd, tail = m.groups()
    day = int(dd) - 60 if int(dd) > 60 else int(dd)  # samordningsnummer adds 60 to the day
    year = int(century + yy) if century else (1900 + int(yy) if "+" in text or int(yy) > 30 else 2000 + int(yy))
    try:
        born = date(year, int(mm), day)
    except ValueError:
        raise ValueError("the personnummer does not hold a real date") from None
    if not luhn.is_valid(yy + mm + dd + tail):
        raise ValueError("the personnummer's check digit is wrong")
    return born


def check(value: str, country: str) -> date:
    """Validate an identity number for the site's country; return the birth date."""
    return dk_birth_date(value) if country == "DK" else se_birth_date(value)


def dk_gender(value: str) -> str:
    """Danish CPR: an odd last digit is a man, an even one a woman."""
    return "male" if int(normalise(value)[-1]) % 2 else "female"


def se_check_digit(first9: str) -> str:
    return luhn.calc_check_digit(first9)


# --- the key ------------------------------------------------------------------------------------
#
# The pseudonym is HMAC-SHA256(key, number). A CPR number has few possible values (a date and four
# digits), so the key is all that stands between a copy of the database and the numbers: a key
# that is empty or short, or a key file other users may read, would make every pseudonym as good
# as the number. Hence the rules below, each refused with one line that says what to do.

MIN_KEY_BYTES = 32
MAKE_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'
_FINGERPRINT_LABEL = b"ips-nb pseudonym key fingerprint v1"


class KeyRefused(ValueError):
    """A key that must not be used: `where` (the key file, or $IPS_NB_KEY) and one plain line
    `message` saying what to do."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def key_fingerprint(key: bytes) -> str:
    """What the database keeps to recognise its key: an HMAC of a fixed label, never the key.

    It tells two keys apart, and cannot be turned back into the key or into any pseudonym.
    """
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def short_fingerprint(key_or_fingerprint: bytes | str) -> str:
    """The first 12 hex digits, enough to tell keys apart in a message or an export."""
    fp = key_or_fingerprint if isinstance(key_or_fingerprint, str) else key_fingerprint(key_or_fingerprint)
    return fp[:12]


def check_key(key: bytes, where: str) -> bytes:
    """Refuse an empty or short key; `where` names it (the file, or $IPS_NB_KEY)."""
    if not key:
        raise KeyRefused(where, f"the key is empty; a CPR key needs at least {MIN_KEY_BYTES} "
                         f"bytes (make one with: {MAKE_KEY})")
    if len(key) < MIN_KEY_BYTES:
        raise KeyRefused(
            where, f"the key is {len(key)} byte{'s' if len(key) > 1 else ''} long; a CPR key "
            f"needs at least {MIN_KEY_BYTES} "
            f"(make one with: {MAKE_KEY}; pseudonyms made with the short key move to a new one "
            "with `ips-nb rekey`)")
    return key


def key_from_env() -> bytes | None:
    """$IPS_NB_KEY as bytes, or None when it is not set (an empty value counts as not set)."""
    env = settings().key
    return env.get_secret_value().encode() if env else None


def read_key_file(path: str | Path, *, check_length: bool = True) -> bytes:
    """The key in an existing key file, refused when others may read it, or when empty or short.

    `check_length=False` is for a key being retired (`ips-nb rekey --old-key-file`): a short key
    an earlier version accepted must still be readable to move away from it.
    """
    path = Path(path)
    shown = str(path.absolute())
    try:
        mode = path.stat().st_mode
        if path.is_dir():
            raise KeyRefused(shown, "is a folder, not a key file")
        if stat.S_IMODE(mode) & 0o077:
            raise KeyRefused(shown, f"other users may read the key file (mode "
                             f"{stat.S_IMODE(mode):04o}): run `chmod 600 {shown}`")
        key = path.read_bytes().strip()
    except OSError as exc:
        raise KeyRefused(shown, f"the key file cannot be read ({exc.strerror or exc})") from None
    if not key:
        raise KeyRefused(shown, f"the key file is empty; a CPR key needs at least "
                         f"{MIN_KEY_BYTES} bytes (restore the key file from your backup, or "
                         f"delete it to have a new one made for a new database)")
    return check_key(key, shown) if check_length else key


def create_key_file(path: str | Path) -> bytes:
    """A new random key in a new file of mode 0600; if another process made one first, theirs."""
    path = Path(path)
    # written whole under a private name, then linked into place: two first imports at once
    # both end up with the one key, and nobody ever reads a half-written file
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise KeyRefused(str(path.absolute()), f"the key file cannot be made "
                         f"({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        tmp.unlink(missing_ok=True)
    return read_key_file(path)


def load_key(key_file: str | Path = ".ips_nb_key", *, create: bool = True) -> bytes:
    """The hashing key: $IPS_NB_KEY, else the key file (made on first use when `create`).

    Raises KeyRefused for a key that must not be used; never returns an empty or short key.
    """
    env = key_from_env()
    if env is not None:
        return check_key(env, KEY_ENV)
    path = Path(key_file)
    if path.exists():
        return read_key_file(path)
    if not create:
        raise KeyRefused(str(path.absolute()), f"there is no key file, and {KEY_ENV} is not set")
    return create_key_file(path)


def cpr_hash(value: str, key: bytes) -> str:
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()
