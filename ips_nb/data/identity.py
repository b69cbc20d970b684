"""CPR (DK) and personnummer (SE): checked on import, kept only as a keyed hash.

The hash (HMAC-SHA256) lets the importer catch one person registered twice and link a person
across imports without the store ever holding the number in clear.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from datetime import date
from pathlib import Path

from stdnum import luhn
from stdnum.dk import cpr as dk_cpr
from stdnum.exceptions import ValidationError

KEY_ENV = "IPS_NB_KEY"


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


def load_key(key_file: str | Path = ".ips_nb_key") -> bytes:
    """The hashing key: $IPS_NB_KEY, else a key file created on first use with mode 0600."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode()
    path = Path(key_file)
    if not path.exists():
        # written whole under a private name, then linked into place: two first imports at once
        # both end up with the one key, and nobody ever reads a half-written file
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip().encode()


def cpr_hash(value: str, key: bytes) -> str:
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()
