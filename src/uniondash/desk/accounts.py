"""Passwords and account rules: argon2id hashes (argon2-cffi), names, roles.

A hash is checked against a fixed dummy hash when the account does not exist, so a sign-in with an
unknown name costs the same time as one with a wrong password (no account oracle by timing).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from uniondash.errors import UniondashError

Role = Literal["editor", "publisher"]
ROLES: tuple[Role, ...] = ("editor", "publisher")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # argon2 takes any length; a bound keeps a sign-in POST cheap

_HASHER = PasswordHasher()  # argon2id, the library's current parameters (RFC 9106 low-memory profile)
_DUMMY_HASH = _HASHER.hash("uniondash-no-such-account")


class AccountError(UniondashError):
    """A name, role or password that cannot be used; the message says why."""


def normal_name(name: str) -> str:
    """The account name as stored: NFKC, stripped, lower case (so 'Ann' and 'ａｎｎ' are one account)."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def check_name(name: str) -> str:
    cleaned = normal_name(name)
    if not NAME.match(cleaned):
        raise AccountError(
            f"account name {name[:40]!r}: use 2–32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return cleaned


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise AccountError(f"role {role[:20]!r}: use one of {', '.join(ROLES)}")
    return cast(Role, role)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password too long: at most {MAX_PASSWORD} characters")
    if password != password.strip() or any(unicodedata.category(c).startswith("C") for c in password):
        raise AccountError("password has spaces at its ends or control characters: type it again")
    return password


def use_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher (tests use cheap parameters; production keeps the library's)."""
    global _HASHER, _DUMMY_HASH
    _HASHER, _DUMMY_HASH = hasher, hasher.hash("uniondash-no-such-account")


def hash_password(password: str) -> str:
    return _HASHER.hash(check_password(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if `password` matches; an unknown account (None) is checked against a dummy hash (same cost)."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
