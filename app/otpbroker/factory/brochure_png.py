"""The brochure as an A6 portrait PNG at 300 dpi (1240 x 1748 pixels), drawn with Pillow.

Texts are measured with Pillow: headings and lines shrink to fit the width (down to a
readable size, then wrap), so the longer Indonesian texts stay on the card.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from otpbroker.factory.card import BrochureCard
from otpbroker.factory.card_texts import texts
from otpbroker.factory.qr_images import png_bytes, qr_image

DPI = 300
WIDTH = round(105 / 25.4 * DPI)  # 1240
HEIGHT = round(148 / 25.4 * DPI)  # 1748
MARGIN = 64
INK = (20, 28, 36)
MUTED = (92, 102, 112)
ACCENT = (16, 86, 110)
PAPER = (255, 255, 255)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT_FILES = {
    "sans": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono-Bold.ttf",
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def font(kind: str, size: int) -> Font:
    """A DejaVu font (fonts-dejavu-core), or Pillow's built-in font when it is missing."""
    for folder in FONT_DIRS:
        path = folder / FONT_FILES[kind]
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


class Page:
    """A white page with a cursor that moves down as blocks are drawn."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
        self.draw = ImageDraw.Draw(self.image)
        self.y = 0

    def width_of(self, text: str, face: Font) -> float:
        return self.draw.textlength(text, font=face)

    def wrap(self, text: str, face: Font, width: int, *, anywhere: bool = False) -> list[str]:
        """Lines of ``text`` no wider than ``width`` (between words, or anywhere for codes)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            pieces = list(paragraph) if anywhere else paragraph.split(" ")
            joiner = "" if anywhere else " "
            line = ""
            for piece in pieces:
                candidate = f"{line}{joiner}{piece}" if line else piece
                if line and self.width_of(candidate, face) > width:
                    lines.append(line)
                    line = piece
                else:
                    line = candidate
            lines.append(line)
        return lines

    def text(self, x: int, text: str, face: Font, width: int, fill: tuple[int, int, int] = INK,
             *, anywhere: bool = False, gap: int = 10) -> int:  # fmt: skip
        """Draw wrapped text at the cursor; returns the height used."""
        start = self.y
        size = int(getattr(face, "size", 20))
        for line in self.wrap(text, face, width, anywhere=anywhere):
            self.draw.text((x, self.y), line, font=face, fill=fill)
            self.y += size + gap
        return self.y - start


def fitting(page: Page, text: str, kind: str, size: int, width: int, smallest: int) -> Font:
    """The font of ``kind`` at ``size``, smaller (down to ``smallest``) until ``text`` fits
    on one line of ``width`` pixels; texts longer still wrap at that size."""
    for candidate in range(size, smallest, -2):
        face = font(kind, candidate)
        if page.width_of(text, face) <= width:
            return face
    return font(kind, smallest)


def _header(page: Page, tagline: str) -> None:
    page.draw.rectangle((0, 0, WIDTH, 184), fill=ACCENT)
    page.draw.text((MARGIN, 34), "OTP Broker", font=font("bold", 76), fill=PAPER)
    face = fitting(page, tagline, "sans", 34, WIDTH - 2 * MARGIN, 24)
    page.draw.text((MARGIN, 122), tagline, font=face, fill=(214, 232, 238))
    page.y = 214


def _heading(page: Page, number: str, title: str) -> None:
    x = MARGIN
    top = page.y
    if number:
        page.draw.ellipse((x, top, x + 56, top + 56), fill=ACCENT)
        page.draw.text((x + 28, top + 28), number, font=font("bold", 36), fill=PAPER,
                       anchor="mm")  # fmt: skip
        x += 76
    width = WIDTH - MARGIN - x
    page.y += 4
    page.text(x, title, fitting(page, title, "bold", 42, width, 32), width, gap=8)
    page.y = max(page.y, top + 56) + 14


def _qr_block(page: Page, qr_text: str, qr_size: int, rows: list[tuple[str, str, int]],
              note: str = "") -> None:  # fmt: skip
    """A QR code on the left, labelled values on the right."""
    top = page.y
    qr = qr_image(qr_text, qr_size)
    page.image.paste(qr.convert("RGB"), (MARGIN - 24, top))  # the quiet zone is white anyway
    x = MARGIN - 24 + qr.width + 24
    width = WIDTH - MARGIN - x
    page.y = top + 20
    for label, value, size in rows:
        page.text(x, label, font("sans", 30), width, MUTED, gap=6)
        face = fitting_mono(page, value, size, width)
        page.text(x, value, face, width, anywhere=True, gap=8)
        page.y += 18
    if note:
        page.text(x, note, font("sans", 26), width, MUTED, gap=6)
    page.y = max(page.y, top + qr.height) + 14


def fitting_mono(page: Page, value: str, size: int, width: int, lines: int = 2) -> Font:
    """The monospaced font at ``size``, smaller when ``value`` would take over ``lines`` lines."""
    for candidate in range(size, 23, -2):
        face = font("mono", candidate)
        if len(page.wrap(value, face, width, anywhere=True)) <= lines:
            return face
    return font("mono", 24)


def _code(page: Page, label: str, value: str, size: int) -> None:
    width = WIDTH - 2 * MARGIN
    page.text(MARGIN, label, font("sans", 30), width, MUTED, gap=6)
    page.text(MARGIN, value, font("mono", size), width, anywhere=True)
    page.y += 14


def _paragraph(page: Page, text: str, bottom: int) -> None:
    """``text`` across the page, its font made smaller (down to 21 px) to end above ``bottom``."""
    width = WIDTH - 2 * MARGIN
    for size in range(27, 20, -1):
        face = font("sans", size)
        if page.y + len(page.wrap(text, face, width)) * (size + 8) <= bottom:
            break
    page.text(MARGIN, text, face, width, gap=8)


def render_page(card: BrochureCard) -> Image.Image:
    """The whole card, in the current language, as an RGB image of 1240 x 1748 pixels."""
    say = texts()
    page = Page()
    _header(page, say.tagline)
    _heading(page, "1", say.join_wifi)
    note = say.hidden_note if card.hidden else say.scan_note
    rows = [(say.network_name, card.ssid, 44), (say.password, card.wifi_password, 44)]
    _qr_block(page, card.wifi_qr, 440, rows, note)
    _heading(page, "2", say.open_admin)
    _qr_block(page, card.admin_url, 280, [(say.address, card.admin_url, 34)], say.address_note)
    _heading(page, "3", say.first_admin)
    _code(page, say.setup_code, card.setup_code, 52)
    page.draw.line((MARGIN, page.y, WIDTH - MARGIN, page.y), fill=(200, 206, 212), width=3)
    page.y += 26
    _heading(page, "", say.reset_heading)
    _code(page, say.reset_code, card.reset_code, 50)
    steps = say.reset_steps.format(file=card.reset_path.lstrip("/"))
    if card.factory_ssid:
        factory = say.factory_wifi.format(ssid=card.factory_ssid, password=card.factory_password)
        steps = f"{steps} {factory}"
    footer_top = HEIGHT - 72
    _paragraph(page, steps, footer_top)
    face = fitting(page, say.footer, "sans", 24, WIDTH - 2 * MARGIN, 18)
    page.draw.text((WIDTH // 2, HEIGHT - 48), say.footer, font=face, fill=MUTED, anchor="mm")
    if page.y > footer_top:
        raise ValueError("the brochure's values are too long to fit on the card")
    return page.image


def render_png(card: BrochureCard) -> bytes:
    """The card as PNG bytes, tagged 300 dpi."""
    return png_bytes(render_page(card), dpi=DPI)
