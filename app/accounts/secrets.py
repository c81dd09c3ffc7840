"""Sign-in secrets: what a PIN, a picture password and a password may be, and their hashes.

- Students: a PIN of 4 to 8 digits, or a picture password: 3 to 6 pictures from PICTURES,
  chosen in order by the teacher (young learners who cannot read yet remember pictures).
- Teachers, administrators and parents: a password of at least 8 characters.

Only an argon2id hash is stored (argon2-cffi's defaults, RFC 9106's low-memory profile:
64 MiB, 3 passes), so a copied store does not give a 4-digit PIN away in a second. The kind
is hashed with the secret, so a PIN can never be used as the picture password or the reverse.
"""

from __future__ import annotations

import enum
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.db.models import Role
from app.errors import SlateError

# The pictures of picture passwords. The widget draws each one itself (ui/widgets/pictures.py)
# with QPainter, so no copied artwork ships with Slate; only these names are stored.
PICTURES = ("sun", "moon", "star", "heart", "tree", "fish", "house", "drop", "leaf")
PICTURE_COUNT = (3, 6)
PIN_LENGTH = (4, 8)
MIN_PASSWORD = 8
MAX_PASSWORD = 200


class SecretKind(enum.StrEnum):
    PIN = "pin"
    PICTURES = "pictures"
    PASSWORD = "password"


class SecretError(SlateError):
    """A secret does not follow the rules for its kind; the message says which rule."""


def kinds_for(role: Role) -> tuple[SecretKind, ...]:
    """Which kinds of secret an account of this role may have."""
    if role == Role.STUDENT:
        return (SecretKind.PIN, SecretKind.PICTURES)
    return (SecretKind.PASSWORD,)


def normalise(kind: SecretKind, secret: str | list[str] | tuple[str, ...]) -> str:
    """The canonical text that is hashed, after checking the rules for its kind."""
    if kind == SecretKind.PICTURES:
        if isinstance(secret, str):
            secret = [p for p in secret.replace(",", " ").split() if p]
        pictures = [p.strip().lower() for p in secret]
        low, high = PICTURE_COUNT
        if not low <= len(pictures) <= high:
            raise SecretError(
                f"A picture password has {low} to {high} pictures, not {len(pictures)}."
            )
        unknown = [p for p in pictures if p not in PICTURES]
        if unknown:
            raise SecretError(
                f"Unknown picture {unknown[0]!r}; the pictures are {', '.join(PICTURES)}."
            )
        return "pictures:" + "-".join(pictures)
    if not isinstance(secret, str):
        raise SecretError(f"A {kind.value} is typed, not a list of pictures.")
    if kind == SecretKind.PIN:
        pin = secret.strip()
        low, high = PIN_LENGTH
        if not (pin.isascii() and pin.isdigit() and low <= len(pin) <= high):
            raise SecretError(f"A PIN is {low} to {high} digits.")
        return "pin:" + pin
    # NFKC: the same password typed on two keyboards (composed or not) is the same password.
    password = unicodedata.normalize("NFKC", secret)
    if len(password) < MIN_PASSWORD:
        raise SecretError(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise SecretError(f"A password can have at most {MAX_PASSWORD} characters.")
    return "password:" + password


_hasher = PasswordHasher()


def set_hash_parameters(hasher: PasswordHasher) -> PasswordHasher:
    """Use other argon2 parameters from now on (returns the previous hasher). For very slow
    machines, and for tests, which use argon2's cheapest profile to keep hundreds of sign-ins
    quick; existing hashes still verify, and are rehashed to the new cost at sign-in."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def hash_secret(kind: SecretKind, secret: str | list[str] | tuple[str, ...]) -> str:
    return _hasher.hash(normalise(kind, secret))


def verify_secret(
    kind: SecretKind, secret_hash: str, secret: str | list[str] | tuple[str, ...]
) -> bool:
    """Whether `secret` matches; a secret that breaks the rules of its kind simply does not."""
    try:
        text = normalise(kind, secret)
    except SecretError:
        return False
    try:
        return _hasher.verify(secret_hash, text)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(secret_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at sign-in)."""
    return _hasher.check_needs_rehash(secret_hash)
