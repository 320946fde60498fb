"""Personal data at rest: AES-256-GCM encryption and HMAC-SHA-256 blind indexes.

Both keys are derived (HKDF-SHA-256) from the data key (``settings.DATA_KEY``, base64 of 32
bytes, from ``CIVICGRID_DATA_KEY_FILE`` in production or ``var/data.key`` locally), so one
file is all an operator keeps safe. Ciphertexts are bound to their column by associated
data (a value copied into another column does not decrypt), and carry a version prefix so
the scheme can change without ambiguity.

Nothing decrypts implicitly: models hold ciphertext in plain text columns, and the one
place that turns it back into plaintext for a user is a ``queries`` function that checks
the user's role and writes an audit row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "g1"  # AES-256-GCM, 96-bit random nonce, HKDF-derived key


class DecryptionError(Exception):
    """The ciphertext was altered, belongs to another column, or was made with another key."""


@lru_cache(maxsize=4)
def _keys(data_key: str) -> tuple[AESGCM, bytes]:
    try:
        master = base64.b64decode(data_key, validate=True)
    except ValueError:
        master = b""
    if len(master) != 32:
        raise ImproperlyConfigured("the data key must be base64 of exactly 32 bytes")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return AESGCM(derive(b"civicgrid encryption v1")), derive(b"civicgrid blind index v1")


def fingerprint(data_key: str | None = None) -> str:
    """A name for the data key (32 hex characters), safe to store and print: derived with its own
    HKDF label, so it reveals nothing of the encryption or index keys."""
    try:
        master = base64.b64decode(data_key or settings.DATA_KEY, validate=True)
    except ValueError:
        master = b""
    if len(master) != 32:
        raise ImproperlyConfigured("the data key must be base64 of exactly 32 bytes")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"civicgrid key fingerprint v1").derive(master)
    return hashlib.sha256(derived).hexdigest()[:32]


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.DATA_KEY)


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt text for the column named by ``context`` (e.g. "registry.person.id_number")."""
    aead, _ = _current()
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, *, context: str) -> str:
    aead, _ = _current()
    version, _sep, body = token.partition(":")
    if version != VERSION:
        raise DecryptionError(f"unknown ciphertext version {version!r}")
    raw = base64.b64decode(body)
    try:
        return aead.decrypt(raw[:12], raw[12:], context.encode("utf-8")).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("ciphertext does not verify with this key and column") from exc


def encrypt_optional(plaintext: str, *, context: str) -> str:
    return encrypt(plaintext, context=context) if plaintext else ""


def decrypt_optional(token: str, *, context: str) -> str:
    return decrypt(token, context=context) if token else ""


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for exact-match search of an encrypted value (32 hex characters).

    ``purpose`` separates indexes (the same phone number in two columns gives two different
    indexes). Without the data key the index reveals nothing, and it is not reversible.
    """
    _, key = _current()
    mac = hmac.new(key, purpose.encode("utf-8") + b"\x00" + value.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:32]


def blind_index_optional(value: str, *, purpose: str) -> str | None:
    return blind_index(value, purpose=purpose) if value else None
