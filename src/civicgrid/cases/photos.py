"""Photos of reports and results: images only, sniffed by their content (not the name or the
declared type), size- and pixel-limited; the EXIF GPS position is read; the public copy is
re-encoded without any metadata (EXIF, GPS, maker notes)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from civicgrid.core.errors import UserError

ALLOWED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 6


@dataclass
class Photo:
    content_type: str
    data: bytes
    public_data: bytes
    sha256: str
    width: int
    height: int
    exif_lon: float | None
    exif_lat: float | None


def _max_bytes() -> int:
    return int(getattr(settings, "CIVICGRID_CASE_PHOTO_MAX_BYTES", 8 * 1024 * 1024))


def _rational(value) -> float:
    try:
        return float(value)
    except TypeError:
        num, den = value
        return num / den if den else 0.0


def _gps(exif) -> tuple[float | None, float | None]:
    """Decimal (lon, lat) from the EXIF GPS IFD, or (None, None)."""
    try:
        gps = exif.get_ifd(0x8825)
    except Exception:  # noqa: BLE001 - a broken GPS block is simply no position
        return None, None
    try:
        lat_ref, lat, lon_ref, lon = gps.get(1), gps.get(2), gps.get(3), gps.get(4)
        if not (lat and lon):
            return None, None
        to_deg = lambda dms: _rational(dms[0]) + _rational(dms[1]) / 60 + _rational(dms[2]) / 3600  # noqa: E731
        la, lo = to_deg(lat), to_deg(lon)
        if str(lat_ref).upper().startswith("S"):
            la = -la
        if str(lon_ref).upper().startswith("W"):
            lo = -lo
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            return None, None
        return round(lo, 7), round(la, 7)
    except Exception:  # noqa: BLE001
        return None, None


def prepare_photo(data: bytes, *, field: str = "photos") -> Photo:
    """Check one uploaded image and make its public copy; raises UserError naming the field."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = _max_bytes()
    if not data:
        raise UserError(_("%(field)s: the file is empty.") % {"field": field}, field=field)
    if len(data) > limit:
        raise UserError(_("%(field)s: a photo may be at most %(mb)s MB.") % {"field": field, "mb": limit // 1048576},
                        field=field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UserError(_("%(field)s: only photos (JPEG, PNG or WebP) can be attached.") % {"field": field},
                        field=field)
    if fmt not in ALLOWED:
        raise UserError(_("%(field)s: only photos (JPEG, PNG or WebP) can be attached.") % {"field": field},
                        field=field)
    if image.width * image.height > MAX_PIXELS:
        raise UserError(_("%(field)s: the photo is too large (at most 40 megapixels).") % {"field": field},
                        field=field)
    lon, lat = _gps(image.getexif())
    public = ImageOps.exif_transpose(image)
    pixels = public.convert("RGBA" if public.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    clean = Image.new(pixels.mode, pixels.size)  # a new image carries no metadata at all
    clean.paste(pixels)
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.convert("RGB").save(out, format="JPEG", quality=85)
    else:
        clean.save(out, format=fmt)
    return Photo(ALLOWED[fmt], data, out.getvalue(), hashlib.sha256(data).hexdigest(), image.width, image.height,
                 lon, lat)


def prepare_photos(items, *, field: str = "photos") -> list[Photo]:
    items = list(items or [])
    if len(items) > MAX_PHOTOS:
        raise UserError(_("%(field)s: at most %(n)s photos.") % {"field": field, "n": MAX_PHOTOS}, field=field)
    return [prepare_photo(item, field=field) for item in items]
