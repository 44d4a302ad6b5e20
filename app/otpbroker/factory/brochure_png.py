"""The brochure as an A6 portrait PNG at 300 dpi (1240 x 1748 pixels), drawn with Pillow."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from otpbroker.factory.card import BrochureCard
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


def _header(page: Page) -> None:
    page.draw.rectangle((0, 0, WIDTH, 184), fill=ACCENT)
    page.draw.text((MARGIN, 34), "OTP Broker", font=font("bold", 76), fill=PAPER)
    page.draw.text((MARGIN, 122), "Device card · keep it safe", font=font("sans", 34),
                   fill=(214, 232, 238))  # fmt: skip
    page.y = 214


def _heading(page: Page, number: str, title: str) -> None:
    x = MARGIN
    if number:
        page.draw.ellipse((x, page.y, x + 56, page.y + 56), fill=ACCENT)
        page.draw.text((x + 28, page.y + 28), number, font=font("bold", 36), fill=PAPER,
                       anchor="mm")  # fmt: skip
        x += 76
    page.draw.text((x, page.y + 4), title, font=font("bold", 42), fill=INK)
    page.y += 70


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


def render_page(card: BrochureCard) -> Image.Image:
    """The whole card as an RGB image of 1240 x 1748 pixels."""
    page = Page()
    _header(page)
    _heading(page, "1", "Join the device's Wi-Fi")
    note = "Hidden network: type its name." if card.hidden else "Scan with the phone's camera."
    rows = [("Network name", card.ssid, 44), ("Password", card.wifi_password, 44)]
    _qr_block(page, card.wifi_qr, 440, rows, note)
    _heading(page, "2", "Open the admin page")
    _qr_block(page, card.admin_url, 280, [("Address", card.admin_url, 34)],
              "While connected to the device's Wi-Fi.")  # fmt: skip
    _heading(page, "3", "Create the first administrator")
    _code(page, "Setup code", card.setup_code, 52)
    page.draw.line((MARGIN, page.y, WIDTH - MARGIN, page.y), fill=(200, 206, 212), width=3)
    page.y += 26
    _heading(page, "", "Reset network and administrators")
    _code(page, "Reset code", card.reset_code, 50)
    steps = (
        f"On a FAT32 USB stick, create the file {card.reset_path.lstrip('/')} (lower case) "
        "holding this code, and plug the stick in. Wi-Fi, DHCP and Ethernet settings return "
        "to the factory values and every administrator is deleted."
    )
    if card.factory_ssid:
        steps += f" Factory Wi-Fi: {card.factory_ssid} / {card.factory_password}"
    page.text(MARGIN, steps, font("sans", 27), WIDTH - 2 * MARGIN, gap=8)
    footer = "Whoever holds this card can join the Wi-Fi and reset the device."
    page.draw.text((WIDTH // 2, HEIGHT - 48), footer, font=font("sans", 24), fill=MUTED,
                   anchor="mm")  # fmt: skip
    if page.y > HEIGHT - 72:
        raise ValueError("the brochure's values are too long to fit on the card")
    return page.image


def render_png(card: BrochureCard) -> bytes:
    """The card as PNG bytes, tagged 300 dpi."""
    return png_bytes(render_page(card), dpi=DPI)
