"""The readiness rule: ready only when not stopping and a modem may send API messages now;
every other modem says why, in words that hold no number, IMSI or path."""

from __future__ import annotations

from otpbroker.domain.routing import ModemRoute
from otpbroker.services.readiness import ReadinessCheck, ReadinessNote, reason_words, scrub

IMSI = "510101234567890"


def check(routes: list[ModemRoute], *, stopping: bool = False, names=None):
    """The readiness of ``routes`` (names by id, default the ids)."""
    return ReadinessCheck(lambda: routes, lambda: names or {}, lambda: stopping).check()


def out(modem_id: str, reason: str, text: str) -> ModemRoute:
    """A modem out of routing for ``reason`` with ``text``."""
    return ModemRoute(modem_id, healthy=False, reason=reason, reason_text=text, sim_id=IMSI)


def test_one_eligible_modem_makes_the_device_ready():
    result = check([ModemRoute("m1", sim_id=IMSI), out("m2", "inactive", "deactivated")])
    assert result.ready and not result.stopping and result.summary == "ready"
    assert [(m.id, m.state) for m in result.modems] == [("m1", "ready"), ("m2", "inactive")]


def test_stopping_is_never_ready():
    result = check([ModemRoute("m1")], stopping=True)
    assert not result.ready and result.stopping
    assert result.summary == "the device is stopping"


def test_no_modem_is_not_ready():
    result = check([])
    assert not result.ready and result.modems == () and result.summary == "no modem is configured"


def test_a_modem_for_manual_sms_only_is_not_ready():
    result = check([ModemRoute("m1", send_from_api=False)])
    assert not result.ready and result.modems[0].state == "not_for_api"


def test_port_errors_are_given_in_fixed_words():
    route = out("m1", "disconnected", "cannot open /dev/ttyUSB2: [Errno 2] no such file")
    words = reason_words(route)
    assert "/dev/" not in words and "ttyUSB2" not in words and words.startswith("not connected")


def test_the_device_s_own_words_are_kept_but_scrubbed():
    route = out("m1", "sim_account", f"SIM {IMSI} (+6281100000001) refused. Top up")
    assert reason_words(route) == "SIM … (…) refused. Top up"


def test_names_are_scrubbed_and_sorted():
    routes = [ModemRoute("b"), ModemRoute("a")]
    result = check(routes, names={"a": "zeta 081100000001", "b": "alpha"})
    assert [m.name for m in result.modems] == ["alpha", "zeta …"]


def test_scrub_keeps_short_numbers_and_words_with_slashes():
    assert scrub("back at 2026-12-06 23:14, part 1/2, SMS/USSD") == (
        "back at 2026-12-06 23:14, part 1/2, SMS/USSD"
    )


def test_a_note_never_changes_readiness_and_its_words_are_scrubbed():
    note = ReadinessNote("shared_ledger", "unreachable", "store /var/lib/x at +62 812 3456 789")
    for routes, ready in (([ModemRoute("m1")], True), ([], False)):
        result = ReadinessCheck(lambda r=routes: r, dict, lambda: False, lambda: [note]).check()
        assert result.ready is ready
        [shown] = result.notes
        assert (shown.about, shown.state) == ("shared_ledger", "unreachable")
        assert "/var/lib" not in shown.reason and "3456" not in shown.reason
    assert check([ModemRoute("m1")]).notes == ()  # no notes by default
