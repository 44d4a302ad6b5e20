"""Property tests: SMS-SUBMIT round trips, status reports, septets, and fuzzed decoders."""

import contextlib
import re
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from otpbroker.modem.pdu import (
    PduError,
    choose_encoding,
    count_parts,
    decode_status_report,
    decode_submit,
    decode_ussd,
    encode_status_report,
    encode_submit,
    encode_ussd_reply,
    gsm7_decode,
    gsm7_encode,
    pack_septets,
    unpack_septets,
)

HEX = re.compile(r"[0-9A-F]+")
GSM_CHARS = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\x0c"
)
SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])

numbers = st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True)
octets = st.integers(min_value=0, max_value=255)
any_text = st.text(max_size=600).filter(bool)
gsm_text = st.text(alphabet=GSM_CHARS, min_size=1, max_size=600)
mixed_text = st.one_of(any_text, gsm_text, st.text(alphabet=GSM_CHARS + "ж😀", min_size=1))


@SETTINGS
@given(
    number=numbers,
    text=mixed_text,
    reference=octets,
    message_ref=octets,
    validity=st.none() | octets,
    status_report=st.booleans(),
    smsc=st.none() | numbers,
)
def test_submit_round_trip(
    number: str,
    text: str,
    reference: int,
    message_ref: int,
    validity: int | None,
    status_report: bool,
    smsc: str | None,
) -> None:
    pdus = encode_submit(
        number,
        text,
        reference=reference,
        max_parts=255,
        smsc=smsc,
        validity=validity,
        status_report=status_report,
        message_ref=message_ref,
    )
    encoding, parts = count_parts(text)
    assert encoding == choose_encoding(text)
    assert len(pdus) == parts
    smsc_octets = int(pdus[0].hex[:2], 16) + 1
    decoded = []
    for pdu in pdus:
        assert HEX.fullmatch(pdu.hex)
        assert pdu.tpdu_length == len(pdu.hex) // 2 - smsc_octets
        part = decode_submit(pdu.hex)
        assert part.destination == number
        assert part.smsc == smsc
        assert part.encoding == encoding
        assert part.message_ref == message_ref
        assert part.validity == validity
        assert part.status_report == status_report
        assert part.text
        decoded.append(part)
    if parts == 1:
        assert decoded[0].concat is None
    else:
        assert {p.concat[:2] for p in decoded if p.concat} == {(reference, parts)}
        assert sorted(p.concat[2] for p in decoded if p.concat) == list(range(1, parts + 1))
    ordered = sorted(decoded, key=lambda p: p.concat[2] if p.concat else 0)
    assert "".join(p.text for p in ordered) == text


@SETTINGS
@given(text=gsm_text)
def test_gsm7_parts_fit_and_escapes_stay_whole(text: str) -> None:
    pdus = encode_submit("+1", text, max_parts=255)
    for pdu in pdus:
        part = decode_submit(pdu.hex).text
        cost = len(gsm7_encode(part))
        assert cost <= (160 if len(pdus) == 1 else 153)


@SETTINGS
@given(septets=st.lists(st.integers(0, 127), max_size=200), fill=st.integers(0, 6))
def test_pack_unpack_round_trip(septets: list[int], fill: int) -> None:
    packed = pack_septets(septets, fill)
    assert len(packed) == (fill + 7 * len(septets) + 7) // 8
    assert unpack_septets(packed, len(septets), fill) == septets


@SETTINGS
@given(text=gsm_text)
def test_gsm7_text_round_trip(text: str) -> None:
    assert gsm7_decode(gsm7_encode(text)) == text


zones = st.integers(min_value=-79, max_value=79).map(lambda q: timezone(timedelta(minutes=15 * q)))
times = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2099, 12, 30),
    timezones=zones,
).map(lambda d: d.replace(microsecond=0))


@SETTINGS
@given(message_ref=octets, recipient=numbers, status=octets, sc_time=times, dt_time=times)
def test_status_report_round_trip(
    message_ref: int,
    recipient: str,
    status: int,
    sc_time: datetime,
    dt_time: datetime,
) -> None:
    pdu = encode_status_report(message_ref, recipient, status, sc_time, discharge_time=dt_time)
    assert HEX.fullmatch(pdu)
    report = decode_status_report(pdu)
    assert report.message_ref == message_ref
    assert report.recipient == recipient
    assert report.status == status
    assert report.delivered == (status <= 0x1F)
    assert report.final == (not 0x20 <= status <= 0x3F)
    assert report.service_centre_time == sc_time
    assert report.service_centre_time.utcoffset() == sc_time.utcoffset()
    assert report.discharge_time == dt_time
    assert report.discharge_time.tzinfo is not None


def _only_pdu_errors(pdu_hex: str) -> None:
    for decoder in (decode_submit, decode_status_report):
        for with_smsc in (True, False):
            with contextlib.suppress(PduError):
                decoder(pdu_hex, with_smsc=with_smsc)


@settings(deadline=None, max_examples=1000)
@given(data=st.binary(max_size=200))
def test_decoders_on_random_bytes_raise_only_pdu_error(data: bytes) -> None:
    _only_pdu_errors(data.hex())
    _only_pdu_errors(data.hex().upper())


SEEDS = [
    encode_submit("+4670", "hello {world}", smsc="+4412", validity=5)[0].hex,
    encode_submit("+4670", "ж" * 100, reference=9, status_report=True)[1].hex,
    encode_submit("1234", "x" * 200)[0].hex,
    "0006D60B911326880736F4111011719551401110117195714000",
    "0019000281F50000111011719551400" + "2E834",
]


@settings(deadline=None, max_examples=1000)
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(st.tuples(st.integers(0, 400), octets), min_size=1, max_size=4),
    cut=st.integers(0, 400),
)
def test_decoders_on_mutated_pdus_raise_only_pdu_error(
    seed: str,
    edits: list[tuple[int, int]],
    cut: int,
) -> None:
    data = bytearray(bytes.fromhex(seed))
    for index, value in edits:
        data[index % len(data)] = value
    _only_pdu_errors(bytes(data).hex())
    _only_pdu_errors(bytes(data[: cut % (len(data) + 1)]).hex())


@settings(deadline=None, max_examples=500)
@given(text=st.text(max_size=50))
def test_decoders_on_random_text_raise_only_pdu_error(text: str) -> None:
    _only_pdu_errors(text)


@settings(deadline=None, max_examples=500)
@given(
    payload=st.one_of(st.text(max_size=80), st.binary(max_size=80).map(bytes.hex)),
    dcs=st.integers(-5, 300),
    charset=st.sampled_from(["GSM", "UCS2", "IRA", "ucs2", ""]),
)
def test_decode_ussd_never_raises(payload: str, dcs: int, charset: str) -> None:
    assert isinstance(decode_ussd(payload, dcs, charset), str)


@SETTINGS
@given(text=st.text(min_size=1, max_size=80))
def test_ussd_ucs2_reply_round_trip(text: str) -> None:
    payload, dcs = encode_ussd_reply(text, "ucs2")
    assert decode_ussd(payload, dcs) == text


@SETTINGS
@given(text=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1))
def test_ussd_ascii_hex_reply_round_trip(text: str) -> None:
    payload, dcs = encode_ussd_reply(text, "ascii-hex")
    assert decode_ussd(payload, dcs) == text


@SETTINGS
@given(text=st.from_regex(r"[A-Za-z0-9 .,:*#]{4,120}", fullmatch=True))
def test_ussd_packed_reply_round_trip(text: str) -> None:
    payload, dcs = encode_ussd_reply(text, "gsm7-packed")
    # Packed octets that all look like ASCII text (printable, TAB, LF, CR) are
    # indistinguishable from ASCII hex, which the decoder prefers by design.
    assume(not all(0x20 <= b <= 0x7E or b in (9, 10, 13) for b in bytes.fromhex(payload)))
    assert decode_ussd(payload, dcs) == text
