"""Tokens of filed requests, API keys and the actors of a key's requests and reads."""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext as _

from civicgrid.core.capabilities import VIEW
from civicgrid.core.keys import key_hash
from civicgrid.registry.capabilities import ADDRESS_MATCH

from .. import queries
from ..models import Case, Open311Key
from .mapping import (
    feed,
)
from .spec import (
    MAX_ID,
    TOKEN_SALT,
    Open311Error,
)


# --- tokens and keys -----------------------------------------------------------------------------------
def token_for(case: Case) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign(str(case.pk))


def case_for_token(token: str) -> Case | None:
    try:
        pk = int(signing.Signer(salt=TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    if not 0 < pk <= MAX_ID:
        return None
    return feed().filter(pk=pk).first()


def key_for(api_key: str) -> Open311Key:
    """The active key row for a presented api_key; 403 otherwise."""
    if not api_key:
        raise Open311Error(403, _("api_key: this call needs an API key (ask the platform's administrators)."))
    row = queries.open311_key(key_hash(api_key.strip()))
    if row is None:
        raise Open311Error(403, _("api_key: this key is not valid (unknown or revoked)."))
    return row


class Open311Client:
    """The actor of a request filed by an Open311 client: no account, no scope; audited and shown
    in the history as ``open311:<key name>``."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None

    def __init__(self, key: Open311Key):
        self.key = key

    def get_username(self) -> str:
        return f"open311:{self.key.name}"[:150]

    def scope_codes(self, capability: str | None = None) -> tuple[str, ...]:
        return ()

    def has_capability(self, capability: str) -> bool:
        return False

    def active_memberships(self):
        return []

    def __str__(self) -> str:
        return self.get_username()


class KeyReader(Open311Client):
    """Reads of the register made for an Open311 key: the buildings and components of the key's
    area only (everywhere for a key without an area), through the register's own scoped queries."""

    def scope_codes(self, capability: str | None = None) -> tuple[str, ...] | None:
        return (self.key.area_code,) if self.key.area_code else None

    def has_capability(self, capability: str) -> bool:
        return capability in (VIEW, ADDRESS_MATCH)


