"""Hostile files the hardening tests and benchmarks/bench_upload_bombs.py send: a workbook whose
dimension tag claims the whole sheet, images that decompress to gigabytes, a JPEG with a page and
an archive appended. Made here, byte by byte, so nothing is downloaded."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="people" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(rows_xml: str, dimension: str) -> bytes:
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def dimension_bomb_xlsx() -> bytes:
    """≈ 1 KB: claims A1:XFD1048576 and has one cell, at XFD1048576 (openpyxl's row iterator
    would pad 1,048,576 rows × 16,384 columns)."""
    return xlsx(f'<row r="1048576">{_cell("XFD1048576", "x")}</row>', "A1:XFD1048576")


def wide_rows_xlsx(rows: int = 20_000) -> bytes:
    """A header, then ``rows`` rows whose one cell lies in the last column XFD."""
    body = '<row r="1">' + _cell("A1", "姓名") + _cell("B1", "证件号码") + "</row>"
    body += "".join(f'<row r="{n}">{_cell(f"XFD{n}", "x")}</row>' for n in range(2, rows + 2))
    return xlsx(body, f"A1:XFD{rows + 1}")


def small_ledger_claiming_whole_sheet() -> bytes:
    """A genuine two-row ledger whose dimension tag lies (A1:XFD1048576)."""
    body = ('<row r="1">' + _cell("A1", "姓名") + _cell("B1", "证件类型") + _cell("C1", "网格编码") + "</row>"
            '<row r="2">' + _cell("A2", "王芳") + _cell("B2", "护照") + _cell("C2", "330106001001001") + "</row>")
    return xlsx(body, "A1:XFD1048576")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 13_000, height: int = 13_000) -> bytes:
    """A valid grey PNG of width × height black pixels: ≈ 0.2 MB on disk, 169 MB decoded (and
    more once converted to RGB)."""
    raw_row = b"\x00" + b"\x00" * width  # filter byte + pixels
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(raw_row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", b"".join(parts))
            + _png_chunk(b"IEND", b""))


def jpeg(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def jpeg_with_payload() -> bytes:
    """A real JPEG, then an HTML page, then a zip archive (a polyglot)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    return jpeg() + b"<html><body><script>alert(document.cookie)</script></body></html>" + archive.getvalue()
