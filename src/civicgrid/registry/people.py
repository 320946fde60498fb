"""Checking and preparing a person's fields: one function used by the form, the API, the
ledger import and the demo generator, so every path applies the same rules.

``prepare_person`` turns user input into model field values: the ID number validated
(GB 11643 for resident IDs), birth date and sex derived from it, ID and phone encrypted with
their blind indexes and masked forms, pinyin search keys from the name. Errors are
collected per field, in the user's language, never raised one at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from civicgrid.core import crypto
from civicgrid.core.idnumber import (
    InvalidIdentifier,
    mask_id_number,
    mask_phone,
    normalise_phone,
    parse_id_number,
)

from .models import Person, PersonTag

ID_CONTEXT = "registry.person.id_number"
PHONE_CONTEXT = "registry.person.phone"
SPECIAL_CONTEXT = "registry.special_group"
ID_PURPOSE = "person.id_number"
PHONE_PURPOSE = "person.phone"
GROUP_PURPOSE = "special.group"

# Fields a user may set on a person (the rest are derived).
PERSON_INPUT_FIELDS = (
    "name", "id_type", "id_number", "phone", "residence", "ethnicity", "relation", "address", "note",
    "birth_date", "sex",
)


@dataclass
class Prepared:
    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@lru_cache(maxsize=65_536)
def _char_pinyin(ch: str) -> str:
    return "".join(lazy_pinyin(ch, errors="ignore")).lower()


def name_keys(name: str) -> tuple[str, str]:
    """Pinyin initials and full pinyin (lower case, no tones): 张伟 → ("zw", "zhangwei").

    Character by character (a name is not a phrase, so phrase readings do not apply), each
    character's reading cached: a million names cost a dictionary lookup per character.
    """
    syllables = [_char_pinyin(ch) for ch in name]
    return "".join(s[:1] for s in syllables)[:50], "".join(syllables)[:200]


def id_index(number: str) -> str:
    return crypto.blind_index(number.strip().upper(), purpose=ID_PURPOSE)


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone.replace("-", "").replace(" ", ""), purpose=PHONE_PURPOSE)


def group_index(group: str) -> str:
    return crypto.blind_index(group, purpose=GROUP_PURPOSE)


def seal_special_record(group: str, *, note: str = "", since: dt.date | None = None, officer: str = "") -> dict:
    """Stored fields of a new special-group record: the group and its details encrypted together
    (``payload_enc``) and the group's blind index (``group_index``). The group is not checked here."""
    payload = {"group": group, "note": note, "since": since.isoformat() if since else "", "officer": officer}
    return {"group_index": group_index(group),
            "payload_enc": crypto.encrypt(json.dumps(payload, ensure_ascii=False), context=SPECIAL_CONTEXT)}


@lru_cache(maxsize=64)
def _choice_map(choices, language) -> dict[str, str]:
    """Accepted spellings of a choice (its value, its label in the current language, its Chinese label)."""
    valid = {c.value: c.value for c in choices} | {str(c.label): c.value for c in choices}
    with override("zh-hans"):
        valid |= {str(c.label): c.value for c in choices}
    # "老年人（60岁以上）" may be written "老年人": the label without its parenthesis
    for label, value in list(valid.items()):
        short = re.split(r"[（(]", label, maxsplit=1)[0].strip()
        if short and short != label:
            valid.setdefault(short, value)
    return valid


def _choice(value, choices, field_name: str, errors: dict, default=None, language=None):
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        return default
    valid = _choice_map(choices, language or get_language())
    if value not in valid:
        errors[field_name] = _("%(field)s must be one of: %(values)s.") % {
            "field": field_name, "values": ", ".join(str(c.label) for c in choices),
        }
        return default
    return valid[value]


def prepare_person(
    data: dict, *, partial: bool = False, current_id_type: str | None = None, today: dt.date | None = None,
    language: str | None = None,
) -> Prepared:
    """Validate input for a person and compute stored values.

    ``partial``: only the keys present in ``data`` are checked (an update); otherwise name
    and, for resident IDs, the ID number are required. ``language``: the active language,
    when the caller (a ledger of a million rows) has it at hand already.
    """
    out = Prepared()
    v, errors = out.values, out.errors
    language = language or get_language()

    if "name" in data or not partial:
        name = (data.get("name") or "").strip()
        if not name:
            errors["name"] = _("name is required.")
        elif len(name) > 50:
            errors["name"] = _("name has at most 50 characters.")
        else:
            v["name"] = name
            v["name_initials"], v["name_pinyin"] = name_keys(name)

    # An update that leaves the number out and the document type as it was keeps the stored
    # number: a worker fixing a phone must not have to reveal (and so audit) the ID to save.
    keeps_id = (partial and "id_number" not in data and current_id_type is not None
                and _choice(data.get("id_type"), Person.IdType, "id_type", {}, current_id_type, language)
                == current_id_type)
    if not keeps_id and ("id_type" in data or "id_number" in data or not partial):
        id_type = _choice(data.get("id_type"), Person.IdType, "id_type", errors, Person.IdType.RESIDENT_ID,
                          language)
        number = (data.get("id_number") or "").strip().upper()
        if id_type == Person.IdType.RESIDENT_ID:
            if not number:
                errors["id_number"] = _("id_number is required for a resident identity card.")
            else:
                try:
                    parsed = parse_id_number(number, today=today)
                except InvalidIdentifier as exc:
                    errors["id_number"] = f"id_number: {exc}"
                else:
                    v["birth_date"], v["sex"] = parsed.birth_date, parsed.sex
        elif id_type != Person.IdType.NONE and number and not (4 <= len(number) <= 30 and number.isalnum()):
            errors["id_number"] = _("id_number: a document number is 4–30 letters or digits.")
        if "id_number" not in errors and id_type:
            v["id_type"] = id_type
            if number and id_type != Person.IdType.NONE:
                v["id_enc"] = crypto.encrypt(number, context=ID_CONTEXT)
                v["id_index"] = id_index(number)
                v["id_masked"] = mask_id_number(number)
            else:
                v["id_enc"], v["id_index"], v["id_masked"] = "", None, ""

    if "phone" in data:
        raw = (data.get("phone") or "").strip()
        if not raw:
            v["phone_enc"], v["phone_index"], v["phone_masked"], v["phone_tail"] = "", None, "", ""
        else:
            try:
                phone = normalise_phone(raw)
            except InvalidIdentifier as exc:
                errors["phone"] = f"phone: {exc}"
            else:
                v["phone_enc"] = crypto.encrypt(phone, context=PHONE_CONTEXT)
                v["phone_index"] = phone_index(phone)
                v["phone_masked"] = mask_phone(phone)
                v["phone_tail"] = phone.replace("-", "")[-4:]

    if "residence" in data or not partial:
        v["residence"] = _choice(data.get("residence"), Person.Residence, "residence", errors,
                                 Person.Residence.REGISTERED, language)

    # Birth date and sex are typed only where the document does not carry them.
    effective_id_type = v.get("id_type") or current_id_type or Person.IdType.RESIDENT_ID
    if effective_id_type != Person.IdType.RESIDENT_ID:
        if data.get("birth_date"):
            birth = data["birth_date"]
            if isinstance(birth, str):
                try:
                    birth = dt.date.fromisoformat(birth.strip())
                except ValueError:
                    errors["birth_date"] = _("birth_date must be a date written YYYY-MM-DD.")
                    birth = None
            if birth is not None:
                v["birth_date"] = birth
        if data.get("sex"):
            v["sex"] = _choice(data.get("sex"), Person.Sex, "sex", errors, "", language)

    for name, limit in (("ethnicity", 20), ("relation", 20), ("address", 200), ("note", 500)):
        if name in data:
            text = (data.get(name) or "").strip()
            if len(text) > limit:
                errors[name] = _("%(field)s has at most %(n)s characters.") % {"field": name, "n": limit}
            else:
                v[name] = text
    return out


def prepare_tags(tags, errors: dict, *, language: str | None = None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = [t for t in tags.replace("，", ",").replace("、", ",").split(",") if t.strip()]
    valid = _choice_map(PersonTag.Tag, language or get_language())
    result, unknown = [], []
    for tag in tags:
        tag = tag.strip()
        if tag in valid:
            result.append(valid[tag])
        else:
            unknown.append(tag)
    if unknown:
        errors["tags"] = _("tags: unknown %(tags)s; allowed: %(allowed)s.") % {
            "tags": "、".join(unknown), "allowed": "、".join(str(t.label) for t in PersonTag.Tag),
        }
    return sorted(set(result))
