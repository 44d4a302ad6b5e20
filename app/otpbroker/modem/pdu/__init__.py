"""Pure SMS PDU codec (3GPP TS 23.038 / 23.040), standard library only.

Encodes SMS-SUBMIT (GSM 7-bit or UCS2, concatenated when needed), decodes SMS-SUBMIT,
SMS-DELIVER (encoded too, for emulators) and SMS-STATUS-REPORT, and handles USSD strings.
Hex strings are upper case on output; the decoders accept either case. Every codec error
is a :class:`PduError` (a ``ValueError``).
"""

from .decode import DecodedSubmit, decode_submit
from .deliver import DeliverPdu, decode_deliver, encode_deliver, first_octet
from .errors import EmptyMessageError, InvalidNumberError, MessageTooLongError, PduError
from .gsm7 import gsm7_decode, gsm7_encode, pack_septets, unpack_septets
from .report import StatusReport, decode_status_report, encode_status_report
from .segment import Encoding, choose_encoding, count_parts
from .submit import SubmitPdu, encode_submit
from .ussd import decode_ussd, encode_ussd_reply, encode_ussd_request_packed
from .validity import validity_from_minutes

__all__ = [
    "DecodedSubmit",
    "DeliverPdu",
    "EmptyMessageError",
    "Encoding",
    "InvalidNumberError",
    "MessageTooLongError",
    "PduError",
    "StatusReport",
    "SubmitPdu",
    "choose_encoding",
    "count_parts",
    "decode_deliver",
    "decode_status_report",
    "decode_submit",
    "decode_ussd",
    "encode_deliver",
    "encode_status_report",
    "encode_submit",
    "encode_ussd_reply",
    "encode_ussd_request_packed",
    "first_octet",
    "gsm7_decode",
    "gsm7_encode",
    "pack_septets",
    "unpack_septets",
    "validity_from_minutes",
]
