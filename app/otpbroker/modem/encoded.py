"""A message encoded once, whichever modem sends it, and the PDUs a modem writes for it.

``encode_sms`` does the whole work of encoding a text exactly once, when the message is
accepted: the destination address, the choice of GSM 7-bit or UCS2, the split into parts,
the septet packing (or UTF-16) of every part and its hex form. The ``EncodedMessage`` travels
with the job to the modem's owner thread, and on to another modem after a failed attempt.

What depends on the modem is added by ``EncodedMessage.pdus`` at each attempt, as a few
octets around and inside the encoded parts: the SMS-centre field (the modem's SMSC setting),
the first octet (TP-VPF with a validity period, TP-SRR with status reports, TP-UDHI for
several parts), the validity octet, and the concatenation reference (the modem's own
counter). TP-MR is always 0 (the modem fills it in). The text is never encoded again; the
PDUs are byte for byte those of ``pdu.encode_submit`` with the same arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.modem.pdu.address import encode_address, encode_smsc
from otpbroker.modem.pdu.dcs import DCS_GSM7, DCS_UCS2
from otpbroker.modem.pdu.errors import EmptyMessageError, MessageTooLongError
from otpbroker.modem.pdu.segment import choose_encoding, split_text
from otpbroker.modem.pdu.submit import (
    MAX_CONCAT_PARTS,
    MTI_SUBMIT,
    PID_DEFAULT,
    SRR,
    UDHI,
    VPF_RELATIVE,
    SubmitPdu,
)
from otpbroker.modem.pdu.userdata import concat_header, encode_user_data

REFERENCE_OCTET = 3
"""Where the 8-bit concatenation reference sits in a part's user data (UDHL, IEI, IEDL, ref)."""


@dataclass(frozen=True)
class EncodedPart:
    """One part's TP-UDL and its TP-UD in hex, the concatenation reference left out."""

    length: int
    after_reference: str
    """The user data after the reference octet (all of it for a one-part message)."""


@dataclass(frozen=True, repr=False)
class EncodedMessage:
    """The modem-independent encoding of one message (never shown: it holds the text)."""

    destination: str
    """TP-DA in hex."""
    dcs: int
    encoded_parts: tuple[EncodedPart, ...]
    before_reference: str = ""
    """The concatenation header up to the reference, in hex ("" for a one-part message)."""

    @property
    def parts(self) -> int:
        """How many SMS parts the message takes."""
        return len(self.encoded_parts)

    def __repr__(self) -> str:
        """The number of parts only."""
        return f"EncodedMessage(<{self.parts} parts>)"

    def pdus(
        self,
        *,
        smsc: str | None = None,
        validity: int | None = None,
        status_report: bool = False,
        reference: int = 0,
    ) -> list[SubmitPdu]:
        """The SMS-SUBMIT PDUs a modem writes: its SMSC, validity, status-report request and
        concatenation reference around the parts encoded once (see the module docstring)."""
        _check_octet("reference", reference)
        if validity is not None:
            _check_octet("validity", validity)
        centre = encode_smsc(smsc).hex().upper()
        head = self._head(validity, status_report)
        concat = f"{self.before_reference}{reference:02X}" if self.parts > 1 else ""
        pdus = []
        for part in self.encoded_parts:
            tpdu = f"{head}{part.length:02X}{concat}{part.after_reference}"
            pdus.append(SubmitPdu(hex=centre + tpdu, tpdu_length=len(tpdu) // 2))
        return pdus

    def _head(self, validity: int | None, status_report: bool) -> str:
        """First octet, TP-MR, TP-DA, TP-PID, TP-DCS and TP-VP, in hex."""
        first = MTI_SUBMIT
        if validity is not None:
            first |= VPF_RELATIVE
        if status_report:
            first |= SRR
        if self.parts > 1:
            first |= UDHI
        period = f"{validity:02X}" if validity is not None else ""
        return f"{first:02X}00{self.destination}{PID_DEFAULT:02X}{self.dcs:02X}{period}"


def encode_sms(number: str, text: str, max_parts: int = 10) -> EncodedMessage:
    """Encode ``text`` to ``number`` once; at most ``max_parts`` parts.

    Raises the codec's errors, as ``pdu.encode_submit`` does: ``InvalidNumberError``,
    ``EmptyMessageError``, ``MessageTooLongError``, ``ValueError`` for a bad ``max_parts``.
    """
    if isinstance(max_parts, bool) or not isinstance(max_parts, int) or max_parts < 1:
        raise ValueError(f"max_parts must be a positive integer, got {max_parts!r}")
    destination = encode_address(number, "destination number").hex().upper()
    if not text:
        raise EmptyMessageError("message text is empty")
    encoding = choose_encoding(text)
    chunks = split_text(text, encoding)
    total = len(chunks)
    if total > min(max_parts, MAX_CONCAT_PARTS):
        raise MessageTooLongError(total, min(max_parts, MAX_CONCAT_PARTS))
    dcs = DCS_GSM7 if encoding == "gsm7" else DCS_UCS2
    if total == 1:
        length, user_data = encode_user_data(chunks[0], encoding)
        return EncodedMessage(destination, dcs, (EncodedPart(length, user_data.hex().upper()),))
    parts = []
    for sequence, chunk in enumerate(chunks, start=1):
        length, user_data = encode_user_data(chunk, encoding, concat_header(0, total, sequence))
        parts.append(EncodedPart(length, user_data[REFERENCE_OCTET + 1 :].hex().upper()))
    before = concat_header(0, total, 1)[:REFERENCE_OCTET].hex().upper()
    return EncodedMessage(destination, dcs, tuple(parts), before)


def _check_octet(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise ValueError(f"{name} must be an integer 0..255, got {value!r}")


__all__ = ["EncodedMessage", "EncodedPart", "encode_sms"]
