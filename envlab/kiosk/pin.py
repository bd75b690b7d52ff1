"""The operator's PIN, kept only as a salted scrypt hash (stdlib :func:`hashlib.scrypt`).

A hash reads ``scrypt$n=16384,r=8,p=1$SALT$KEY`` (salt and key in unpadded URL-safe base64), so the
cost can grow later and files written today still verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

MIN_PIN = 4
MAX_PIN = 64
_COST = {"n": 2**14, "r": 8, "p": 1}  # about 50 ms and 16 MiB: slow to guess, quick to type
_MAX_MEMORY = 2**28  # bytes: a hash asking for more is refused, never computed
_FORMAT = re.compile(r"scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]{16,88})\$([A-Za-z0-9_-]{43,88})")


class PinHashError(ValueError):
    """A stored hash that is not one :func:`hash_pin` writes."""


@dataclass(frozen=True)
class PinHash:
    """A parsed hash: the scrypt cost, the salt and the derived key."""

    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    @classmethod
    def parse(cls, text: str) -> PinHash:
        """Read a hash as :func:`hash_pin` writes it.

        Raises:
            PinHashError: It is not such a hash, or asks for an unreasonable cost.
        """
        match = _FORMAT.fullmatch(text)
        if match is None:
            raise PinHashError("not a PIN hash: make one with `envlab kiosk --hash-pin`")
        n, r, p = (int(g) for g in match.groups()[:3])
        if n < 2 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16 or 128 * n * r > _MAX_MEMORY:
            raise PinHashError(f"scrypt cost n={n},r={r},p={p} is out of range "
                               f"(n a power of two, 128·n·r at most {_MAX_MEMORY >> 20} MiB)")
        try:
            return cls(n, r, p, _unb64(match[4]), _unb64(match[5]))
        except ValueError:  # binascii.Error: a base64 text of an impossible length
            raise PinHashError("not a PIN hash: its salt or key is damaged") from None

    def matches(self, pin: str) -> bool:
        """Whether ``pin`` is the PIN this hash was made from (compared in constant time)."""
        return hmac.compare_digest(_derive(pin, self.salt, self.n, self.r, self.p, len(self.key)), self.key)


def check_pin(pin: str) -> None:
    """Refuse a PIN too short to guard anything, or too long to type.

    Raises:
        ValueError: With what is wrong.
    """
    if not MIN_PIN <= len(pin) <= MAX_PIN:
        raise ValueError(f"a PIN has {MIN_PIN} to {MAX_PIN} characters")
    if not pin.isprintable():
        raise ValueError("a PIN has no control characters")


def hash_pin(pin: str) -> str:
    """The hash to keep instead of ``pin``, with a fresh random salt."""
    check_pin(pin)
    salt = secrets.token_bytes(16)
    key = _derive(pin, salt, _COST["n"], _COST["r"], _COST["p"], 32)
    cost = ",".join(f"{name}={value}" for name, value in _COST.items())
    return f"scrypt${cost}${_b64(salt)}${_b64(key)}"


def _derive(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=132 * n * r + 2**24)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
