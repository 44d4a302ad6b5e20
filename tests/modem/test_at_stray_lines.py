"""A stray line the AT channel ignores is logged, but a PDU (which a decoder could turn back
into a message text) only by its length."""

from __future__ import annotations

from otpbroker.modem.at import shown_line
from otpbroker.modem.pdu import encode_deliver


def test_a_pdu_is_shown_by_its_length_only() -> None:
    [pdu] = encode_deliver("+628126666666", "Kode OTP 482913")
    assert shown_line(pdu) == f"<PDU, {len(pdu)} hex digits>"


def test_other_lines_are_shown_as_they_are() -> None:
    assert shown_line("+CSQ: 20,99") == "'+CSQ: 20,99'"
    assert shown_line("ABCDEF") == "'ABCDEF'"  # too short to be a PDU
    assert shown_line("x" * 100) == repr("x" * 80)
