"""USSD: decode what the driver asks for, answer what the network would."""

from __future__ import annotations

import string

from otpbroker.modem.pdu import PduError, encode_ussd_reply, gsm7_decode, unpack_septets

from .profile import UssdReply
from .results import Reply

_CODE_CHARS = set("0123456789*#+")


def _is_hex(text: str) -> bool:
    return len(text) % 2 == 0 and all(ch in string.hexdigits for ch in text)


def request_code(raw: str, cscs: str) -> str:
    """The code the driver means: as typed, UCS2 hex (``AT+CSCS="UCS2"``) or GSM-7 packed
    hex (``*888#`` sent as ``2A1C0E3702`` by some drivers for Huawei sticks)."""
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


def answer(replies: dict[str, UssdReply], code: str, cscs: str) -> Reply:
    """The reply to ``AT+CUSD=1,"<code>"``: OK plus a ``+CUSD`` line before or after it."""
    reply = replies.get(code)
    if reply is None:
        return Reply(after=["+CUSD: 4"])
    payload, dcs = encode_ussd_reply(reply.text, reply.style)
    if cscs == "UCS2" and reply.style == "gsm7":
        payload = reply.text.encode("utf-16-be").hex().upper()
    line = f'+CUSD: 0,"{payload}",{dcs}'
    if reply.order == "before":
        return Reply(before=[line])
    return Reply(after=[line])
