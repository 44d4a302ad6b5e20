"""QR codes as Pillow images and PNG bytes (made with ``qrcode``).

``qrcode`` and Pillow are imported on first use: the broker starts without them (a second of
boot time on a small board) and only the brochure needs them.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_image(text: str, size: int) -> Image.Image:
    """A black-on-white QR code of ``text``, at most ``size`` pixels square, sharp edges."""
    import qrcode
    from PIL import Image
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=QUIET_ZONE)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    modules = code.modules_count + 2 * QUIET_ZONE
    box = max(1, size // modules)
    matrix = code.get_matrix()  # includes the quiet zone
    image = Image.new("1", (modules, modules), 1)
    pixels = image.load()
    if pixels is None:  # Pillow's type allows it; a new image always has its pixels
        raise RuntimeError("no pixel access to a new image")
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x, y] = 0
    return image.resize((modules * box, modules * box), Image.Resampling.NEAREST).convert("L")


def png_bytes(image: Image.Image, dpi: int | None = None) -> bytes:
    """``image`` encoded as PNG (with its resolution when ``dpi`` is given)."""
    buffer = io.BytesIO()
    if dpi:
        image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=True)
    else:
        image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def qr_data_uri(text: str, size: int = 330) -> str:
    """A ``data:image/png;base64,...`` URI of the QR code of ``text``."""
    encoded = base64.b64encode(png_bytes(qr_image(text, size))).decode("ascii")
    return f"data:image/png;base64,{encoded}"
