"""Shared handling of issued secret keys (API tokens, Open311 keys): only a hash is stored, and a
key's last use is recorded on its row at most every so often."""

from __future__ import annotations

import hashlib

from django.utils import timezone


def key_hash(key: str) -> str:
    """What is stored of a key: its SHA-256, hex (keys are long random strings, so no salt)."""
    return hashlib.sha256(key.encode()).hexdigest()


def touch_last_used(row, *, min_interval: float) -> None:
    """Record the key's last use on ``row.last_used_at`` (not audited: every call would write
    twice), at most once per ``min_interval`` seconds — a busy client's every request would
    otherwise queue on the same row."""
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= min_interval:
        type(row).objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
