"""Every personality on its home network: identity, SMS path, sends, USSD and noise.

One rig for the module (every personality plus the fallback modem), real ptys, the real
driver behind ``SmsService``; the emulators print their unsolicited noise all along.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from matrix_rigs import HOME_PATH, PERSONALITIES, VENDOR, Rig, profile_of, start_rig

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.sim.profile import default_ussd

RESIDUAL_NOISE = {"generic": {"field"}, "zte-mf667": {"zpasr"}}
"""Noise no command switches off (the generic one has no switch; ZTE's +ZPASR has none)."""


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> Iterator[Rig]:
    link_dir = tmp_path_factory.mktemp("matrix-sends")
    modems = {name: profile_of(name, urc_interval=0.05, seed=7) for name in PERSONALITIES}
    started = start_rig(link_dir, modems)
    yield started
    started.stop()


@pytest.mark.parametrize("name", PERSONALITIES)
def test_identity_vendor_and_home_sms_path(rig, name):
    status = rig.status(name)
    persona_identity = rig.sims[name].profile.identity
    assert (status.identity.manufacturer, status.identity.model) == persona_identity[:2]
    assert status.identity.imei == rig.sims[name].imei
    assert status.vendor == VENDOR[name]
    assert status.sms_path is not None and status.sms_path.code == HOME_PATH[name]
    assert status.sms_path.available and rig.route(name).healthy


@pytest.mark.parametrize("name", PERSONALITIES)
def test_single_multipart_and_unicode_sends(rig, name):
    sim = rig.sims[name]
    texts = [
        "Kode OTP Anda 482913, berlaku 5 menit.",
        "Tagihan [INV-77] {lunas} ~ ^ | € " + "B" * 190,  # GSM-7 escapes, 2 parts
        "Kode: 9876 😀 " + "Привет мир, " * 8,  # UCS2 with a surrogate pair, 2 parts
    ]
    before = len(sim.deliveries)
    for text in texts:
        delivery = rig.send(name, text)
        assert delivery.outcome is SendOutcome.SENT, delivery
        assert delivery.modem_id == name and delivery.error_class is None
    assert [d.text for d in sim.wait_for_deliveries(before + 3)[before:]] == texts
    assert [d.parts for d in sim.deliveries[before:]] == [1, 2, 2]


@pytest.mark.parametrize("name", PERSONALITIES)
@pytest.mark.parametrize("code", ["*888#", "*100#", "*555#"])
def test_ussd_is_decoded_in_the_personalitys_encoding(rig, name, code):
    assert rig.pool.ussd(name, code, timeout=20) == default_ussd()[code].text


@pytest.mark.parametrize("name", PERSONALITIES)
def test_noise_is_silenced_where_the_vendor_allows_it(rig, name):
    sim = rig.sims[name]
    persona = sim.dialogue.persona
    assert persona.noise_groups  # every personality makes noise at power-up
    assert sim.dialogue.state.noise == RESIDUAL_NOISE.get(name, set())
    # what is left is ignored: the modem still answers and sends between the lines
    assert rig.send(name, "after the noise").outcome is SendOutcome.SENT
