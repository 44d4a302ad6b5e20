"""USSD: decode what a client asks for, answer what the network would, shown the way the
modem's personality shows it (3GPP TS 27.007 §7.15, TS 23.038 §5)."""

from __future__ import annotations

import string

from otpbroker.modem.pdu import (
    PduError,
    encode_ussd_reply,
    gsm7_decode,
    gsm7_encode,
    unpack_septets,
)

from .profile import UssdReply

_CODE_CHARS = set("0123456789*#+")
TEXT_CHARSETS = frozenset({"GSM", "IRA", "8859-1", "PCCP", "PCCP437", "PCDN"})
DCS_GSM7 = 15
DCS_UCS2 = 72


def _is_hex(text: str) -> bool:
    return len(text) % 2 == 0 and all(ch in string.hexdigits for ch in text)


def request_code(raw: str, cscs: str) -> str:
    """The code the client means: as typed, UCS2 hex (``AT+CSCS="UCS2"``) or GSM-7 packed
    hex (``*888#`` sent as ``2A1C0E3702`` by clients for Huawei sticks)."""
    code = raw.strip()
    if not code or not _is_hex(code) or set(code) & {"*", "#"}:
        return code
    data = bytes.fromhex(code)
    if cscs == "UCS2" and len(data) % 2 == 0:
        try:
            text = data.decode("utf-16-be")
        except UnicodeDecodeError:
            text = ""
        if text and set(text) <= _CODE_CHARS:
            return text
    try:
        text = gsm7_decode(unpack_septets(data, len(data) * 8 // 7))
    except PduError:
        return code
    # Trailing fill: a zero septet ('@') or CR padding (TS 23.038 6.1.2.3.1).
    return text.rstrip("@\r")


def _ucs2(text: str) -> str:
    return text.encode("utf-16-be", "surrogatepass").hex().upper()


def _as_named(reply: UssdReply, cscs: str) -> tuple[str, int]:
    """The generic emulator: each reply in its own style, GSM text as UCS2 under UCS2."""
    payload, dcs = encode_ussd_reply(reply.text, reply.style)
    if cscs == "UCS2" and reply.style == "gsm7":
        payload = _ucs2(reply.text)
    return payload, dcs


def _in_charset(text: str, cscs: str) -> str:
    """GSM 7-bit text converted to the TE character set, as 3GPP asks."""
    if cscs == "UCS2":
        return _ucs2(text)
    if cscs == "HEX":
        return "".join(f"{septet:02X}" for septet in gsm7_encode(text))
    return text


def present(reply: UssdReply, style: str, cscs: str) -> tuple[str, int]:
    """(``<str>``, ``<dcs>``) of a network reply as a modem of ``style`` shows it."""
    if style == "as-named":
        return _as_named(reply, cscs)
    if reply.style == "ascii-hex":  # 8-bit data: every modem shows it as hex octets
        return encode_ussd_reply(reply.text, reply.style)
    if reply.style == "ucs2" or style == "ucs2":
        return _ucs2(reply.text), DCS_UCS2
    if style == "packed":
        return encode_ussd_reply(reply.text, "gsm7-packed")
    if cscs not in TEXT_CHARSETS | {"UCS2", "HEX"}:
        raise ValueError(f"cannot show USSD text in charset {cscs}")
    return _in_charset(reply.text, cscs), DCS_GSM7
