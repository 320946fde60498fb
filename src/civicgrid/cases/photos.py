"""Photos of reports and results: images only, sniffed by their content (not the name or the
declared type), size- and pixel-limited; the EXIF GPS position is read; the public copy is
re-encoded without any metadata (EXIF, GPS, maker notes).

Decompression bombs: the pixel count is read from the header (``Image.open`` decodes nothing)
and refused before any decoding; Pillow's own bomb limit is set to the same number, so no other
code path decodes more either. The staff copy keeps the photo as taken (EXIF, quality) but ends
at the image's own end marker (JPEG EOI, PNG IEND, the WebP RIFF length): bytes appended after it
— an HTML page, a ZIP archive — are dropped, never stored or served."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from civicgrid.core.errors import UserError

ALLOWED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000  # pixels on the longer side (a panorama of 40 MP fits)
MAX_PHOTOS = 6


def _limit_pillow() -> None:
    """Pillow's own bomb check (a warning above MAX_IMAGE_PIXELS, an error above twice that) at our
    limit instead of its 89 megapixels, for every image this process opens."""
    from PIL import Image

    if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_PIXELS:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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

    _limit_pillow()
    limit = _max_bytes()
    not_a_photo = _("%(field)s: only photos (JPEG, PNG or WebP) can be attached.") % {"field": field}
    if not data:
        raise UserError(_("%(field)s: the file is empty.") % {"field": field}, field=field)
    if len(data) > limit:
        raise UserError(_("%(field)s: a photo may be at most %(mb)s MB.") % {"field": field, "mb": limit // 1048576},
                        field=field)
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            fmt, (width, height) = probe.format, probe.size
    except Image.DecompressionBombError:
        width = height = MAX_SIDE + 1
        fmt = None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UserError(not_a_photo, field=field)
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise UserError(_("%(field)s: the photo is too large (at most 40 megapixels).") % {"field": field},
                        field=field)
    if fmt not in ALLOWED:
        raise UserError(not_a_photo, field=field)
    data = image_bytes_only(data, fmt)
    if data is None:
        raise UserError(not_a_photo, field=field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UserError(not_a_photo, field=field)
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


def image_bytes_only(data: bytes, fmt: str) -> bytes | None:
    """``data`` up to the image's own end (bytes appended after it dropped); None if it has none."""
    if fmt == "PNG":
        return _png_end(data)
    if fmt == "JPEG":
        return _jpeg_end(data)
    if fmt == "WEBP":
        if len(data) < 12 or data[:4] != b"RIFF":
            return None
        end = 8 + int.from_bytes(data[4:8], "little")
        return data[:end] if end <= len(data) else None
    return None


def _png_end(data: bytes) -> bytes | None:
    pos = 8  # signature
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return data[:pos] if pos <= len(data) else None
    return None


def _jpeg_end(data: bytes) -> bytes | None:
    """After SOI, marker segments carry their length; after each SOS the entropy-coded data runs
    to the next marker that is not a stuffed byte (FF00) or a restart marker (FFD0–FFD7)."""
    if data[:2] != b"\xff\xd8":
        return None
    pos, size = 2, len(data)
    while pos + 2 <= size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            return data[:pos + 2]
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            pos += 2
            continue
        if pos + 4 > size:
            return None
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        pos += 2 + length
        if marker == 0xDA:  # start of scan: skip the entropy-coded data
            while pos + 1 < size:
                if data[pos] == 0xFF and data[pos + 1] != 0x00 and not 0xD0 <= data[pos + 1] <= 0xD7:
                    break
                pos += 1
    return None


def prepare_photos(items, *, field: str = "photos") -> list[Photo]:
    items = list(items or [])
    if len(items) > MAX_PHOTOS:
        raise UserError(_("%(field)s: at most %(n)s photos.") % {"field": field, "n": MAX_PHOTOS}, field=field)
    return [prepare_photo(item, field=field) for item in items]
