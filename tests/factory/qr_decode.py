"""Reading QR codes back with a real decoder (zxing-cpp), from PNG bytes and from HTML."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import zxingcpp
from PIL import Image


def decode_png(data: bytes) -> list[str]:
    """The texts of every QR code in the PNG image ``data``."""
    image = Image.open(io.BytesIO(data)).convert("L")
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img" and values.get("data-qr"):
            self.sources[str(values["data-qr"])] = str(values.get("src") or "")


def decode_html(html: str) -> dict[str, list[str]]:
    """``{data-qr name: texts}`` for every QR image (PNG data URI) in ``html``."""
    parser = _Images()
    parser.feed(html)
    decoded = {}
    for name, source in parser.sources.items():
        prefix = "data:image/png;base64,"
        assert source.startswith(prefix), source[:40]
        decoded[name] = decode_png(base64.b64decode(source[len(prefix) :]))
    return decoded
