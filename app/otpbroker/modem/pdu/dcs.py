"""Data coding schemes (3GPP TS 23.038 section 4 for SMS, section 5 for CBS/USSD)."""

from __future__ import annotations

from typing import Literal

from .errors import PduError

Alphabet = Literal["gsm7", "8bit", "ucs2"]

DCS_GSM7 = 0x00
DCS_UCS2 = 0x08

_ALPHABET_BITS: tuple[Alphabet, ...] = ("gsm7", "8bit", "ucs2", "gsm7")  # 11 = reserved


def sms_alphabet(dcs: int) -> Alphabet:
    """Alphabet of an SMS TP-DCS octet; reserved codings count as GSM 7-bit.

    Raises :class:`PduError` for compressed user data, which this codec does not support.
    """
    group = dcs >> 4
    if group <= 0x07:  # general data coding, with or without automatic deletion
        if dcs & 0x20:
            raise PduError(f"DCS {dcs:02X}: compressed user data is not supported")
        return _ALPHABET_BITS[(dcs >> 2) & 0x03]
    if group == 0x0E:  # message waiting indication, store, UCS2
        return "ucs2"
    if group == 0x0F:  # data coding / message class
        return "8bit" if dcs & 0x04 else "gsm7"
    return "gsm7"  # 0x8-0xB reserved, 0xC/0xD message waiting (GSM 7-bit)


def cbs_alphabet(dcs: int) -> Alphabet | None:
    """Alphabet of a CBS/USSD data coding scheme; ``None`` when the data is compressed.

    0x00-0x0F, 0x20-0x2F and 0x0F: language groups in GSM 7-bit; 0x11 UCS2 with a language
    prefix; 0x40-0x7F / 0x90-0x9F: alphabet bits 3-2; 0xF0-0xFF: bit 2 selects 8-bit.
    Reserved codings count as GSM 7-bit.
    """
    group = dcs >> 4
    if dcs == 0x11:
        return "ucs2"
    if 0x04 <= group <= 0x07 or group == 0x09:  # general data coding / message with UDH
        if dcs & 0x20 and group != 0x09:
            return None
        return _ALPHABET_BITS[(dcs >> 2) & 0x03]
    if group == 0x0E:  # WAP-defined
        return "8bit"
    if group == 0x0F:
        return "8bit" if dcs & 0x04 else "gsm7"
    return "gsm7"
