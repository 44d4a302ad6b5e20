"""What the brochure says, in the current language: one place for the PNG and the HTML card.

``texts()`` is called while a card is drawn, inside ``use_language``; the values printed on
the card (network name, codes, address) are never translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.i18n.translate import _


@dataclass(frozen=True)
class CardTexts:
    """Every sentence and label of the card, translated."""

    tagline: str
    join_wifi: str
    wifi_qr_alt: str
    network_name: str
    password: str
    hidden_note: str
    scan_note: str
    open_admin: str
    admin_qr_alt: str
    address: str
    address_note: str
    first_admin: str
    setup_code: str
    reset_heading: str
    reset_code: str
    reset_steps: str  # holds {file}
    factory_wifi: str  # holds {ssid} and {password}
    footer: str
    document_title: str  # holds {ssid}


def texts() -> CardTexts:
    """The card's texts in the current language."""
    return CardTexts(
        tagline=_("Device card · keep it safe"),
        join_wifi=_("Join the device's Wi-Fi"),
        wifi_qr_alt=_("Wi-Fi QR code"),
        network_name=_("Network name"),
        password=_("Password"),
        hidden_note=_("Hidden network: type its name."),
        scan_note=_("Scan with the phone's camera."),
        open_admin=_("Open the admin page"),
        admin_qr_alt=_("Admin address QR code"),
        address=_("Address"),
        address_note=_("While connected to the device's Wi-Fi."),
        first_admin=_("Create the first administrator"),
        setup_code=_("Setup code"),
        reset_heading=_("Reset network and administrators"),
        reset_code=_("Reset code"),
        reset_steps=_(
            "On a FAT32 USB stick, create the file {file} (lower case) holding this code, "
            "and plug the stick in. Wi-Fi, DHCP and Ethernet settings return to the factory "
            "values and every administrator is deleted."
        ),
        factory_wifi=_("Factory Wi-Fi: {ssid} / {password}."),
        footer=_("Whoever holds this card can join the Wi-Fi and reset the device."),
        document_title=_("OTP Broker device card: {ssid}"),
    )
