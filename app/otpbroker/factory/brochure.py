"""The printable brochure of a device: its card, as PNG and HTML, for the CLI and the admin."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from otpbroker.factory.brochure_html import CARD_CSS, card_fragment, document
from otpbroker.factory.card import BrochureCard, build_card
from otpbroker.factory.device_secrets import FactorySecrets


class Brochure:
    """Renders the card of ``secrets`` with the settings returned by ``settings``."""

    css = CARD_CSS

    def __init__(self, secrets: FactorySecrets, settings: Callable[[], Mapping[str, Any]]) -> None:
        self.secrets = secrets
        self.settings = settings

    def card(self) -> BrochureCard:
        """The values printed now."""
        return build_card(self.secrets.printable(), self.settings())

    def png(self) -> bytes:
        """A6 portrait PNG, 300 dpi."""
        from otpbroker.factory.brochure_png import render_png  # Pillow: loaded when needed

        return render_png(self.card())

    def fragment(self) -> str:
        """The card as an HTML fragment (values escaped)."""
        return card_fragment(self.card())

    def document(self) -> str:
        """A complete printable HTML page."""
        return document(self.card())

    def write(self, folder: Path) -> list[Path]:
        """Write ``brochure.html`` and ``brochure.png`` (mode 0600: they hold secrets)."""
        from otpbroker.factory.brochure_png import render_png

        folder.mkdir(parents=True, exist_ok=True)
        card = self.card()
        outputs = [(folder / "brochure.html", document(card).encode("utf-8")),
                   (folder / "brochure.png", render_png(card))]  # fmt: skip
        for path, data in outputs:
            path.touch(mode=0o600, exist_ok=True)
            path.chmod(0o600)
            path.write_bytes(data)
        return [path for path, _ in outputs]
