"""The driver against the emulator over real ptys: identity, PIN, sending, encodings."""

from __future__ import annotations

import pytest

from otpbroker.domain.message import SendOutcome
from otpbroker.modem import pdu
from otpbroker.modem.encoded import encode_sms

from modem_waits import wait_ready, wait_until


def test_connects_and_reads_identity_and_network(make_sim, make_worker):
    sim = make_sim(
        imei="356938035643809",
        imsi="510109876543210",
        msisdn="+6281234567890",
        operator="INDOSAT",
        signal=25,
        cgsn_prefixed=True,
    )
    status = wait_ready(make_worker(sim.port))
    assert status.identity.imei == "356938035643809"
    assert status.identity.imsi == "510109876543210"
    assert status.identity.msisdn == "+6281234567890"
    assert (status.identity.manufacturer, status.identity.model) == ("OTP-Broker", "GENERIC-3GPP")
    assert status.vendor == "generic"  # a bare profile is a neutral 3GPP modem, no Huawei
    assert status.network.operator == "INDOSAT"
    assert status.network.rssi == 25
    assert status.network.registration == "home"
    assert status.cmms is True


def test_pin_is_entered_once_and_unlocks(make_sim, make_worker):
    sim = make_sim(pin="4321")
    wait_ready(make_worker(sim.port, pin="4321"))
    assert sim.dialogue.state.sim.value == "READY"
    assert sim.dialogue.state.attempts_left == 3


def test_wrong_pin_is_never_retried(make_sim, make_worker):
    sim = make_sim(pin="4321")
    worker = make_worker(sim.port, pin="0000")
    assert wait_until(lambda: worker.status.state == "pin_rejected", 10)
    # Give the worker time in which a naive driver would have retried.
    assert not wait_until(lambda: sim.dialogue.state.attempts_left < 2, 3)
    assert sim.dialogue.state.attempts_left == 2
    assert worker.status.state == "pin_rejected"


def test_locked_sim_without_pin_is_reported(make_sim, make_worker):
    sim = make_sim(pin="4321")
    worker = make_worker(sim.port)
    assert wait_until(lambda: worker.status.state == "pin_required", 10)
    assert sim.dialogue.state.attempts_left == 3


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("Kode OTP Anda 123456", "gsm7", 1),
        ("Harga {promo} [100%] ~ ^ | \\ €5", "gsm7", 1),
        ("OTP 😀 Ελληνικά 世界", "ucs2", 1),
        ("x" * 160, "gsm7", 1),
        ("x" * 161, "gsm7", 2),
        ("é" + "ж" * 69, "ucs2", 1),
        ("ж" * 71, "ucs2", 2),
        ("B" * 200, "gsm7", 2),
        ("😀" * 100, "ucs2", 4),
    ],
)
def test_sends_and_the_handset_gets_the_exact_text(make_sim, make_worker, text, encoding, parts):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    result = worker.submit_sms(encode_sms("+628126666666", text)).result(timeout=20)
    assert result.outcome is SendOutcome.SENT, result
    assert result.parts == parts and len(result.references) == parts
    [delivery] = sim.wait_for_deliveries(1)
    assert (delivery.to, delivery.text, delivery.encoding, delivery.parts) == (
        "+628126666666",
        text,
        encoding,
        parts,
    )


def test_at_control_characters_in_text_cannot_inject_commands(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    nasty = 'OTP 1234\x1aAT+CPIN="9999"\r\x1bATZ\r"quoted"\n'
    result = worker.submit_sms(encode_sms("+628126666666", nasty)).result(timeout=20)
    assert result.outcome is SendOutcome.SENT
    [delivery] = sim.wait_for_deliveries(1)
    assert delivery.text == nasty
    # The modem state was not touched by anything inside the text.
    assert sim.dialogue.state.attempts_left == 3 and sim.dialogue.state.echo is False
    again = worker.submit_sms(encode_sms("+628126666666", "after")).result(timeout=20)
    assert again.outcome is SendOutcome.SENT


@pytest.mark.parametrize(
    ("number", "text", "error"),
    [
        ("+628126666666", "", pdu.EmptyMessageError),
        ("+628126666666", "x" * (153 * 10 + 1), pdu.MessageTooLongError),
        ("0812 666", "hi", pdu.InvalidNumberError),
        ("+62abc", "hi", pdu.InvalidNumberError),
        ("+" + "1" * 21, "hi", pdu.InvalidNumberError),
        ("", "hi", pdu.InvalidNumberError),
    ],
)
def test_bad_input_is_rejected_before_touching_the_modem(
    make_sim, make_worker, number, text, error
):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    with pytest.raises(error) as raised:
        worker.submit_sms(encode_sms(number, text))
    assert str(raised.value)
    assert worker.queued == 0
    assert sim.log.parts == []


def test_part_limit_is_configurable(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    with pytest.raises(pdu.MessageTooLongError, match="3"):
        worker.submit_sms(encode_sms("+628126666666", "y" * 400, max_parts=2))
    message = encode_sms("+628126666666", "y" * 300, max_parts=2)
    assert worker.submit_sms(message).result(20).parts == 2


def test_concatenation_reference_changes_per_message(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    for _ in range(3):
        assert worker.submit_sms(encode_sms("+628126666666", "z" * 200)).result(20).parts == 2
    sim.wait_for_deliveries(3)
    references = {part.submit.concat[0] for part in sim.log.parts}
    assert len(references) == 3


def test_cmms_refused_is_switched_off_and_sending_still_works(make_sim, make_worker):
    sim = make_sim(cmms_supported=False)
    worker = make_worker(sim.port)
    status = wait_ready(worker)
    assert status.cmms is False
    assert (
        worker.submit_sms(encode_sms("+628126666666", "w" * 300)).result(20).outcome
        is SendOutcome.SENT
    )


def test_status_reports_reach_the_listener(make_sim, make_worker, tmp_path):
    from otpbroker.modem.gsm import ModemOptions
    from otpbroker.modem.transport import SerialSettings
    from otpbroker.modem.worker import ModemWorker

    sim = make_sim()
    reports = []
    worker = ModemWorker(
        "sr",
        SerialSettings(port=sim.port),
        ModemOptions(status_reports=True),
        on_status_report=lambda modem, report: reports.append((modem, report)),
    )
    worker.start()
    try:
        wait_ready(worker)
        result = worker.submit_sms(encode_sms("+628126666666", "with report")).result(20)
        assert wait_until(lambda: len(reports) == 1, 5)
        modem_id, report = reports[0]
        assert modem_id == "sr" and report.message_ref == result.references[0]
        assert report.delivered and report.recipient == "+628126666666"
    finally:
        worker.stop()


def test_unsolicited_noise_never_breaks_replies(make_sim, make_worker):
    sim = make_sim(urc_interval=0.01, urc_in_reply=0.7, seed=7)
    worker = make_worker(sim.port)
    status = wait_ready(worker)
    assert status.identity.imei == sim.imei
    futures = [worker.submit_sms(encode_sms("+628126666666", f"noisy {i}")) for i in range(30)]
    outcomes = [f.result(30).outcome for f in futures]
    assert outcomes == [SendOutcome.SENT] * 30
    texts = sorted(d.text for d in sim.wait_for_deliveries(30))
    assert texts == sorted(f"noisy {i}" for i in range(30))
