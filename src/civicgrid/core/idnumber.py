"""Chinese identifiers with check digits: resident ID (GB 11643-1999) and unified social
credit code (GB 32100-2015). Validation, derived facts and masking; no storage here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import mul

from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class InvalidIdentifier(ValueError):
    """The message says which rule the value breaks, in the user's language."""


@dataclass(frozen=True)
class ResidentId:
    number: str  # 18 characters, upper-case X
    region: str  # first 6 digits (GB/T 2260 code of the place of first registration)
    birth_date: dt.date
    sex: str  # "M" or "F" (odd / even 17th digit)

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def id_check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("the check character is computed over 17 digits")
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def parse_id_number(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number and derive birth date and sex.

    Accepts surrounding spaces and a lower-case x; rejects 15-digit legacy numbers (they
    must be upgraded to 18 first, as the public security registry did in 1999–2004).
    """
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise InvalidIdentifier(_("An ID number has 18 characters; this one has %(n)s.") % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdentifier(_("An ID number is 17 digits followed by a digit or X."))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(_("Characters 7–14 of an ID number must be a real birth date (YYYYMMDD)."))
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise InvalidIdentifier(_("The birth date in the ID number (%(d)s) is not plausible.") % {"d": birth})
    if id_check_char(number[:17]) != number[17]:
        raise InvalidIdentifier(_("The check character of the ID number is wrong (GB 11643)."))
    return ResidentId(number, number[:6], birth, "M" if int(number[16]) % 2 else "F")


def make_id_number(region: str, birth: dt.date, sequence: int, sex: str) -> str:
    """A valid ID number (for demo data and tests): region, birth date, 3-digit sequence whose
    last digit is odd for men and even for women, and the check character."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def mask_id_number(number: str) -> str:
    """330106**********10: a resident ID keeps its region and last two characters only.

    The eight birth-date digits and the two sequence digits before the last two stay hidden, so
    nothing shown beside the mask (age, sex, address) can rebuild the number: for a known age
    and sex about 33,000 numbers remain (365 birth dates × 100 sequences / 11 check characters
    ruled out by the last one). Other documents keep their first two and last two characters,
    with at least four hidden. See docs/personal-data.md.
    """
    number = number.strip()
    if len(number) == 18:
        return number[:6] + "*" * 10 + number[-2:]
    if len(number) < 8:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def mask_phone(phone: str) -> str:
    """138****5678 for mobiles; 0571-****5950 style for others (last four kept)."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) == 11 and digits.isdigit():
        return digits[:3] + "****" + digits[-4:]
    return digits[: max(0, len(digits) - 8)] + "****" + digits[-4:]


def normalise_phone(value: str) -> str:
    """Digits, with one leading + and inner hyphens kept; raises on anything else."""
    phone = (value or "").strip().replace(" ", "")
    body = phone[1:] if phone.startswith("+") else phone
    if not body or not body.replace("-", "").isdigit() or not 5 <= len(body.replace("-", "")) <= 15:
        raise InvalidIdentifier(_("A phone number is 5–15 digits (a leading + and hyphens are allowed)."))
    digits = body.replace("-", "")
    if not phone.startswith("+") and len(digits) >= 7 and digits[0] == "1" and digits[1] in "3456789" \
            and len(digits) != 11:
        # 13x–19x is a mobile prefix (service numbers such as 12345 start 12, landlines 0 or 2–9)
        raise InvalidIdentifier(_("A mobile number has 11 digits; this one has %(n)s.") % {"n": len(digits)})
    return phone


# --- unified social credit code (统一社会信用代码), GB 32100-2015 -----------------------------
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        raise InvalidIdentifier(
            _("A unified social credit code has 18 characters from 0–9 and A–Y without I, O, S, V, Z.")
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier(_("The check character of the unified social credit code is wrong (GB 32100)."))
    return code


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)
