"""The printable brochure of a device: its card, as PNG and HTML, for the CLI and the admin.

The card is written in the device's language (``device.language``). Before the owner has
chosen one (the setting is empty at first boot, when the card is first made) nobody knows
which language the owner reads, so ``write`` makes the card in both: ``brochure.html`` and
``brochure.png`` in English (the setting's fallback), ``brochure.id.html`` and
``brochure.id.png`` in Bahasa Indonesia.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from otpbroker.factory.brochure_html import CARD_CSS, card_fragment, document
from otpbroker.factory.card import BrochureCard, build_card
from otpbroker.factory.device_secrets import FactorySecrets
from otpbroker.i18n.translate import ENGLISH, LANGUAGES, supported, use_language


def file_names(language: str, first: bool) -> tuple[str, str]:
    """The HTML and PNG names of the card in ``language`` (the first one unsuffixed)."""
    stem = "brochure" if first else f"brochure.{language}"
    return f"{stem}.html", f"{stem}.png"


class Brochure:
    """Renders the card of ``secrets`` with the settings returned by ``settings``."""

    css = CARD_CSS

    def __init__(self, secrets: FactorySecrets, settings: Callable[[], Mapping[str, Any]]) -> None:
        self.secrets = secrets
        self.settings = settings

    def language(self) -> str:
        """The device's language (``en`` or ``id``); ``""`` while the owner has not chosen."""
        return supported(str(self.settings().get("device.language") or ""))

    def _language(self, language: str | None) -> str:
        return supported(language) or self.language() or ENGLISH

    def card(self) -> BrochureCard:
        """The values printed now."""
        return build_card(self.secrets.printable(), self.settings())

    def png(self, language: str | None = None) -> bytes:
        """A6 portrait PNG, 300 dpi, in ``language`` (default: the device's)."""
        from otpbroker.factory.brochure_png import render_png  # Pillow: loaded when needed

        with use_language(self._language(language)):
            return render_png(self.card())

    def fragment(self, language: str | None = None) -> str:
        """The card as an HTML fragment (values escaped), in ``language``."""
        with use_language(self._language(language)):
            return card_fragment(self.card())

    def document(self, language: str | None = None) -> str:
        """A complete printable HTML page, in ``language``."""
        with use_language(self._language(language)):
            return document(self.card())

    def write(self, folder: Path) -> list[Path]:
        """Write the card as HTML and PNG (mode 0600: they hold secrets), see the module."""
        from otpbroker.factory.brochure_png import render_png

        chosen = self.language()
        languages = [chosen] if chosen else [ENGLISH, *(x for x in LANGUAGES if x != ENGLISH)]
        folder.mkdir(parents=True, exist_ok=True)
        card = self.card()
        outputs: list[tuple[Path, bytes]] = []
        for number, language in enumerate(languages):
            html_name, png_name = file_names(language, first=number == 0)
            with use_language(language):
                outputs += [(folder / html_name, document(card).encode("utf-8")),
                            (folder / png_name, render_png(card))]  # fmt: skip
        for path, data in outputs:
            path.touch(mode=0o600, exist_ok=True)
            path.chmod(0o600)
            path.write_bytes(data)
        for language in LANGUAGES:  # a card of another language left from before: outdated
            for name in file_names(language, first=False):
                if folder / name not in dict(outputs):
                    (folder / name).unlink(missing_ok=True)
        return [path for path, _data in outputs]
