"""The one text rule at the boundary: what a text field may hold, with messages naming the field
by its label in the user's language.

NUL and lone surrogates are refused: PostgreSQL cannot store them, and no keyboard types them.
Other control characters (a bell, an escape, a form feed pasted from another program) are removed:
spreadsheets cannot hold them and nothing shows them. Line breaks and tabs stay in multi-line text
and become spaces in a single-line field. ``BoundaryTextMiddleware`` refuses NUL and lone surrogates
in every query string, API form field and JSON string before a view runs; actions apply
``clean_text`` for every channel, the command line, jobs and ledger files included.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .errors import UserError

_REFUSED = re.compile(r"[\x00\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\r\n]+")


def refused_character(value: str) -> str | None:
    """NUL or a lone surrogate in ``value`` (None if there is none)."""
    found = _REFUSED.search(value)
    return found.group(0) if found else None


def without_controls(value: str, *, multiline: bool = True) -> str:
    """``value`` with control characters removed (and line breaks turned into spaces unless
    ``multiline``)."""
    value = _CONTROLS.sub("", value)
    return value if multiline else _BREAKS.sub(" ", value)


def refused_message(label) -> str:
    return _("%(field)s contains a NUL character or a broken character; remove it and try again.") % {
        "field": label}


def clean_text(value, *, field: str, label=None, required: bool = False, limit: int | None = None,
               multiline: bool = True) -> str:
    """``value`` without control characters, stripped and checked: present if required, at most
    ``limit`` characters, no NUL. Errors name the field by ``label`` (its name when none is given)."""
    label = str(label if label is not None else field)
    value = "" if value is None else str(value)
    if refused_character(value) is not None:
        raise UserError(refused_message(label), field=field)
    value = without_controls(value, multiline=multiline).strip()
    if required and not value:
        raise UserError(_("%(field)s is required.") % {"field": label}, field=field)
    if limit is not None and len(value) > limit:
        raise UserError(_("%(field)s has at most %(n)s characters.") % {"field": label, "n": limit}, field=field)
    return value


# --- raw request data -------------------------------------------------------------------------------
# A ``\uXXXX`` escape that is itself not escaped (an even number of backslashes before it).
_JSON_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u([0-9a-fA-F]{4})")


def json_has_bad_escape(body: bytes) -> bool:
    """Whether a JSON document carries NUL as an escape (``\\u0000``) or a lone surrogate. Raw
    control bytes are invalid JSON already; a surrogate pair is a fine character; other control
    characters are removed by ``clean_text`` where the value is used."""
    if b"\\u" not in body:
        return False
    text = body.decode("utf-8", errors="replace")
    pending_high = -1  # end offset of a high surrogate escape waiting for its low half
    for match in _JSON_ESCAPE.finditer(text):
        code = int(match.group(1), 16)
        start = match.end() - 6
        if pending_high >= 0:
            if start == pending_high and 0xDC00 <= code <= 0xDFFF:
                pending_high = -1
                continue
            return True  # a high surrogate without its low half
        if 0xD800 <= code <= 0xDBFF:
            pending_high = match.end()
        elif 0xDC00 <= code <= 0xDFFF:
            return True
        elif code == 0:
            return True
    return pending_high >= 0
