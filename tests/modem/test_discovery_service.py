"""The detection use case: plugged-in modems against the configured ones (a real store, the
real discovery on a fake sysfs tree, emulated modems on ptys)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from usb_tree import UsbTree

from otpbroker.config import ConfigStore
from otpbroker.domain.usb_modems import UsbControlError
from otpbroker.modem.discovery import UsbModemDiscovery
from otpbroker.modem.probe import ProbeAnswer, ask
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.usb import layout
from otpbroker.services.modem_discovery import ModemDiscoveryService


class Recording:
    """A prober that records the ports it opens, then really asks them."""

    def __init__(self) -> None:
        self.ports: list[str] = []

    def __call__(self, port: str, *, identify: bool = False, timeout: float = 1.0) -> ProbeAnswer:
        self.ports.append(port)
        return ask(port, identify=identify, timeout=timeout)


class RecordingControl:
    """The UsbControl port, recording what it is asked (the helper is tested elsewhere)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def reset(self, usb_path: str) -> None:
        self.calls.append(("reset", usb_path))

    def switch_mode(self, usb_path: str) -> None:
        self.calls.append(("switch", usb_path))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConfigStore]:
    with ConfigStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def plugged(tmp_path: Path) -> Iterator[tuple[UsbTree, dict[str, SimModem], dict[str, str]]]:
    """A Quectel at 1-1.1 and an FTDI adapter at 1-1.2, each with an emulator; a CD-ROM stick."""
    tree = UsbTree(tmp_path / "root")
    quectel_sim = ModemProfile(manufacturer="Quectel", model="EC25", imei="867530912345678")
    sim800 = ModemProfile(manufacturer="SIMCOM_Ltd", model="SIMCOM_SIM800L", imei="865067020000001")
    sims = {"quectel": SimModem(quectel_sim).start(), "adapter": SimModem(sim800).start()}
    quectel = tree.plug(layout("quectel-ec25", "modem"), "1-1.1", nodes={2: sims["quectel"].path})
    adapter = tree.plug(layout("simcom-sim800", "ftdi"), "1-1.2", nodes={0: sims["adapter"].path})
    tree.plug(layout("zte-mf667", "cdrom"), "1-1.3")
    links = {"quectel": str(quectel.links[2]), "adapter": str(adapter.links[0])}
    yield tree, sims, links
    for sim in sims.values():
        sim.stop()


def service(tree: UsbTree, store: ConfigStore, prober=ask, usb=None) -> ModemDiscoveryService:
    found = UsbModemDiscovery(str(tree.sysfs), str(tree.by_id), str(tree.dev), prober=prober)
    return ModemDiscoveryService(found, store, usb)


def test_nothing_configured_every_modem_is_offered_with_its_suggestion(plugged, store):
    tree, _sims, links = plugged
    report = service(tree, store).report()
    assert [e.modem.usb_path for e in report.unconfigured] == ["1-1.1", "1-1.2", "1-1.3"]
    quectel, adapter, cdrom = report.entries
    assert quectel.suggestion() == {"name": "Quectel EC25", "port": links["quectel"],
                                    "imei": "867530912345678"}  # fmt: skip
    assert adapter.suggestion() == {"name": "SIMCOM_Ltd SIMCOM_SIM800L", "port": links["adapter"],
                                    "imei": "865067020000001"}  # fmt: skip
    assert quectel.can_add and adapter.can_add and not cdrom.can_add
    assert report.probed and report.problems == ()


def test_a_configured_modems_port_is_never_opened_and_it_is_named(plugged, store):
    tree, sims, links = plugged
    store.add("modems", {"name": "Quectel on USB 1", "port": links["quectel"]})
    store.add("modems", {"name": "SIM800 data", "port": "/dev/ttyUSB9",
                         "data_port": sims["adapter"].path})  # fmt: skip
    prober = Recording()
    report = service(tree, store, prober).report()
    assert prober.ports == []  # the only AT ports belong to configured modems
    quectel, adapter, _cdrom = report.entries
    assert quectel.configured_as == ("Quectel on USB 1",) and not quectel.can_add
    assert adapter.configured_as == ("SIM800 data",)
    assert [e.modem.usb_path for e in report.unconfigured] == ["1-1.3"]


def test_a_modem_recorded_by_its_imei_counts_as_configured(plugged, store):
    tree, _sims, _links = plugged
    store.add("modems", {"name": "moved stick", "port": "/dev/serial/by-id/old-name",
                         "imei": "867530912345678"})  # fmt: skip
    report = service(tree, store).report()
    assert report.entries[0].configured_as == ("moved stick",)


def test_without_probing_nothing_is_opened(plugged, store):
    tree, _sims, links = plugged
    prober = Recording()
    report = service(tree, store, prober).report(probe=False)
    assert prober.ports == [] and not report.probed
    assert report.entries[0].suggestion() == {"name": "Quectel EC25/EG25",
                                              "port": links["quectel"], "imei": ""}  # fmt: skip


def test_switch_goes_to_the_usb_control(plugged, store):
    tree, _sims, _links = plugged
    usb = RecordingControl()
    service(tree, store, usb=usb).switch_mode("1-1.3")
    assert usb.calls == [("switch", "1-1.3")]


@pytest.mark.parametrize("bad", ["../../etc", "1-1;reboot", "1-1.3:1.0", ""])
def test_a_bad_usb_path_is_refused_before_the_control_is_asked(plugged, store, bad):
    tree, _sims, _links = plugged
    usb = RecordingControl()
    with pytest.raises(UsbControlError, match="is not a USB device path"):
        service(tree, store, usb=usb).switch_mode(bad)
    assert usb.calls == []


def test_without_a_usb_control_the_switch_says_why(plugged, store):
    tree, _sims, _links = plugged
    with pytest.raises(UsbControlError, match="not available here"):
        service(tree, store).switch_mode("1-1.3")
