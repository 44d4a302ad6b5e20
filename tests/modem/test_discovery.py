"""USB modem discovery on fake sysfs trees built from every emulator personality's layouts.

The AT interface's node links to a real emulated modem (pty); the other serial interfaces
are dead ptys (nobody answers) or plain files. Known ids must give the AT port from the
table without opening anything; unknown ids must be found by asking every port with AT.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from usb_tree import UsbTree

from otpbroker.domain.usb_modems import DetectedModem
from otpbroker.modem import usb_models
from otpbroker.modem.discovery import UsbModemDiscovery
from otpbroker.modem.probe import ProbeAnswer, ask
from otpbroker.modem.serial_ports import detect_ports
from otpbroker.modem.sim import ModemProfile, SimModem, personalities
from otpbroker.modem.sim.usb import PERSONALITIES, UsbInterface, UsbLayout, layout
from otpbroker.modem.sysfs import usb_path_of

MODEM_LAYOUTS = [(profile, lay) for profile, lays in PERSONALITIES.items() for lay in lays
                 if lay.mode == "modem"]  # fmt: skip
KNOWN = [(p, lay) for p, lay in MODEM_LAYOUTS if usb_models.lookup(lay.vendor_id, lay.product_id)]
IDENTITY = {"manufacturer": "Quectel", "model": "EC25", "imei": "867530912345678"}


def ids(item: tuple[str, UsbLayout]) -> str:
    return f"{item[0]}-{item[1].name}"


class Recorder:
    """A prober that records every port it is asked to open, then really asks it."""

    def __init__(self, real: Callable[..., ProbeAnswer] | None = ask) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.real = real

    def __call__(self, port: str, *, identify: bool = False, timeout: float = 1.0) -> ProbeAnswer:
        self.calls.append((port, identify))
        if self.real is None:
            raise AssertionError(f"no port may be opened, but {port} was")
        return self.real(port, identify=identify, timeout=timeout)

    @property
    def ports(self) -> list[str]:
        return [port for port, _identify in self.calls]


@pytest.fixture
def tree(tmp_path: Path) -> UsbTree:
    return UsbTree(tmp_path / "root")


@pytest.fixture
def sims() -> Iterator[Callable[..., SimModem]]:
    started: list[SimModem] = []

    def start(**profile: str) -> SimModem:
        identity = {} if "personality" in profile else IDENTITY
        sim = SimModem(ModemProfile(**{**identity, **profile})).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def dead_ptys() -> Iterator[Callable[[], str]]:
    """Pty slaves whose master is held open and never answers."""
    fds: list[int] = []

    def make() -> str:
        master, slave = os.openpty()
        fds.extend((master, slave))
        return os.ttyname(slave)

    yield make
    for fd in fds:
        os.close(fd)


def discovery(tree: UsbTree, prober: Callable[..., ProbeAnswer]) -> UsbModemDiscovery:
    return UsbModemDiscovery(str(tree.sysfs), str(tree.by_id), str(tree.dev), prober=prober)


def tty_interfaces(lay: UsbLayout) -> list[UsbInterface]:
    return [i for i in lay.interfaces if i.has_tty]


def only(result_modems: tuple[DetectedModem, ...]) -> DetectedModem:
    assert len(result_modems) == 1, result_modems
    return result_modems[0]


def plug_with_live_at(tree, lay, sim, dead_ptys, *, usb_path="1-1.2", at=None):
    """The AT interface's node -> the emulator; every second other serial one -> a dead pty."""
    at = lay.at_interface if at is None else at
    others = [i.number for i in tty_interfaces(lay) if i.number != at]
    nodes = {number: dead_ptys() for number in others[::2]}
    nodes[at] = sim.path
    return tree.plug(lay, usb_path, nodes=nodes)


# ---------------------------------------------------------------- known ids: the table


@pytest.mark.parametrize("item", KNOWN, ids=ids)
def test_a_known_id_gives_the_layouts_at_port_without_opening_any_port(tree, item):
    _profile, lay = item
    plugged = tree.plug(lay)
    never = Recorder(real=None)
    modem = only(discovery(tree, never).detect(probe=False).modems)
    assert modem.at_port == str(plugged.links[lay.at_interface])
    assert modem.vid_pid == lay.vid_pid and modem.usb_path == "1-1.2"
    assert modem.at_source in ("table", "single") and modem.answered is None
    roles = {p.interface: p.role for p in modem.ports}
    for interface in lay.interfaces:
        if interface.role != "data":  # the data half of a CDC pair has no port of its own
            assert roles[interface.number] == interface.role, interface
    assert never.calls == []


def test_every_emulator_personality_has_its_usb_layouts():
    assert set(PERSONALITIES) == set(personalities.NAMES)


@pytest.mark.parametrize("item", KNOWN, ids=ids)
def test_a_known_modem_is_asked_for_its_identity_on_its_at_port_only(tree, sims, dead_ptys, item):
    profile, lay = item
    sim = sims(personality=profile, imei="867530912345678")  # answering in its vendor's style
    plugged = plug_with_live_at(tree, lay, sim, dead_ptys)
    recorder = Recorder()
    modem = only(discovery(tree, recorder).detect(probe=True).modems)
    assert recorder.ports == [str(plugged.nodes[lay.at_interface])]
    assert modem.answered is True and modem.at_port == str(plugged.links[lay.at_interface])
    assert modem.identity is not None
    said = (modem.identity.manufacturer, modem.identity.model, modem.identity.imei)
    assert said == (sim.profile.manufacturer, sim.profile.model, "867530912345678")


def test_the_identity_gives_the_suggested_name(tree, sims):
    tree.plug(layout("quectel-ec25", "modem"), nodes={2: sims().path})
    modem = only(discovery(tree, Recorder()).detect().modems)
    assert modem.identity is not None and modem.identity.name == "Quectel EC25"


# ---------------------------------------------------------------- unknown ids: asking


@pytest.mark.parametrize("item", MODEM_LAYOUTS, ids=ids)
def test_an_unknown_id_is_found_by_asking_every_port(tree, sims, dead_ptys, item):
    _profile, known = item
    lay = replace(known, vendor_id="1234", product_id="5678")
    sim = sims(imei="356938035643809")
    plugged = plug_with_live_at(tree, lay, sim, dead_ptys)
    recorder = Recorder()
    found = discovery(tree, recorder)
    unasked = only(found.detect(probe=False).modems)
    assert unasked.kind == "unknown" and unasked.at_port == "" and "not been asked" in unasked.note
    assert recorder.calls == []
    modem = only(found.detect(probe=True).modems)
    assert modem.kind == "modem" and modem.at_source == "probe" and modem.answered is True
    assert modem.at_port == str(plugged.links[lay.at_interface])
    assert modem.identity is not None and modem.identity.imei == "356938035643809"
    asked = {port for port, _ in recorder.calls}
    assert asked == {str(node) for node in plugged.nodes.values()}
    roles = {p.interface: p.role for p in modem.ports}
    assert [n for n, role in roles.items() if role == "at"] == [lay.at_interface]


def test_of_two_answering_ports_the_lowest_interface_is_the_at_port(tree, sims):
    lay = replace(layout("quectel-ec25", "modem"), vendor_id="1234", product_id="0001")
    first, second = sims(imei="356938035643817"), sims(imei="356938035643825")
    plugged = tree.plug(lay, nodes={2: first.path, 3: second.path})
    modem = only(discovery(tree, Recorder()).detect().modems)
    assert modem.at_port == str(plugged.links[2])
    roles = {p.interface: p.role for p in modem.ports}
    assert roles[2] == "at" and roles[3] == "at-secondary" and roles[0] == "unknown"
    assert modem.identity is not None and modem.identity.imei == "356938035643817"


def test_nothing_answering_is_said_plainly(tree, dead_ptys):
    lay = replace(layout("simcom-sim7600", "modem"), vendor_id="1234", product_id="0002")
    tree.plug(lay, nodes={2: dead_ptys(), 3: dead_ptys()})
    modem = only(discovery(tree, Recorder()).detect().modems)
    assert modem.kind == "unknown" and modem.answered is False and modem.at_port == ""
    assert "None of its serial ports answered AT" in modem.note


def test_an_adapter_whose_modem_is_silent_keeps_its_port_and_says_why(tree, dead_ptys):
    plugged = tree.plug(layout("simcom-sim800", "ch340"), nodes={0: dead_ptys()})
    modem = only(discovery(tree, Recorder()).detect().modems)
    assert modem.kind == "bridge" and modem.family == "USB serial adapter"
    assert modem.answered is False and modem.at_port == str(plugged.links[0])
    assert "wiring" in modem.note and "baud rate" in modem.note


def test_the_probe_time_out_is_the_short_one(tree, sims):
    timeouts: list[float] = []

    def prober(port: str, *, identify: bool = False, timeout: float = 9.0) -> ProbeAnswer:
        timeouts.append(timeout)
        return ask(port, identify=identify, timeout=timeout)

    tree.plug(layout("generic", "ftdi"), nodes={0: sims().path})
    only(discovery(tree, prober).detect().modems)
    assert timeouts == [1.0]


# ---------------------------------------------------------------- CD-ROM and HiLink


CDROM = [(p, lay) for p, lays in PERSONALITIES.items() for lay in lays if lay.mode == "cdrom"]


@pytest.mark.parametrize("item", CDROM, ids=ids)
def test_a_stick_in_cdrom_mode_is_reported_with_the_way_out(tree, item):
    _profile, lay = item
    tree.plug(lay)
    modem = only(discovery(tree, Recorder(real=None)).detect().modems)
    assert modem.kind == "cdrom" and modem.at_port == "" and modem.vid_pid == lay.vid_pid
    assert "CD-ROM mode" in modem.note and "usb_modeswitch" in modem.note
    assert [p.role for p in modem.ports] == ["storage"]


def test_an_unlisted_huawei_id_with_storage_only_is_a_cdrom_too(tree):
    tree.plug(replace(layout("huawei-e3131", "cdrom"), product_id="1c0b"))
    modem = only(discovery(tree, Recorder(real=None)).detect().modems)
    assert modem.kind == "cdrom" and "usb_modeswitch" in modem.note


@pytest.mark.parametrize("product_id", ["14db", "14dc", "1f1e"])
def test_a_hilink_stick_is_explained_not_hidden(tree, product_id):
    tree.plug(replace(layout("huawei-e3131", "hilink"), product_id=product_id))
    modem = only(discovery(tree, Recorder(real=None)).detect().modems)
    assert modem.kind == "hilink" and modem.at_port == "" and modem.web_ui == "192.168.8.1"
    for words in ("router on a stick", "http://192.168.8.1", "no AT port",
                  "cannot send OTPs", "stick\" (modem) firmware", "own risk", "supported"):  # fmt: skip
        assert words in modem.note
    assert {p.role for p in modem.ports} == {"net", "data", "storage"}
    assert [p.netdev for p in modem.ports if p.role == "net"] == ["usb0"]


def test_zte_web_ui_firmware_is_explained_with_its_address(tree):
    tree.plug(replace(layout("huawei-e3131", "hilink"), vendor_id="19d2", product_id="1405"))
    modem = only(discovery(tree, Recorder(real=None)).detect().modems)
    assert modem.kind == "hilink" and "http://192.168.0.1" in modem.note


# ---------------------------------------------------------------- what is not a modem


def test_other_usb_devices_are_not_listed(tree):
    flash_drive = UsbLayout("stick", "cdrom", "0781", "5567", "SanDisk", "Cruzer Blade", "4C53",
                            (UsbInterface(0, "usb-storage", "storage", "08", "06", "50"),))  # fmt: skip
    network = UsbLayout("eth", "modem", "0bda", "8153", "Realtek", "USB 10/100/1000 LAN", "01",
                        (UsbInterface(0, "cdc_ether", "net", "02", "06", "00"),))  # fmt: skip
    tree.plug(flash_drive, "1-1.1")
    tree.plug(network, "1-1.3")
    assert discovery(tree, Recorder(real=None)).detect().modems == ()


def test_several_devices_are_each_reported(tree, sims):
    tree.plug(layout("quectel-ec25", "modem"), "1-1.1", nodes={2: sims().path})
    tree.plug(layout("huawei-e3131", "hilink"), "1-1.2")
    tree.plug(layout("zte-mf667", "cdrom"), "1-1.3")
    found = discovery(tree, Recorder()).detect(probe=False)
    assert [(m.usb_path, m.kind) for m in found.modems] == [
        ("1-1.1", "modem"), ("1-1.2", "hilink"), ("1-1.3", "cdrom")]  # fmt: skip
    assert found.problems == ()


# ---------------------------------------------------------------- configured ports


def test_ports_of_configured_modems_are_never_opened(tree, sims, dead_ptys):
    sim = sims()
    lay = replace(layout("quectel-ec25", "modem"), vendor_id="1234", product_id="0003")
    plugged = plug_with_live_at(tree, lay, sim, dead_ptys)
    recorder = Recorder()
    configured = str(plugged.links[2])  # configured by its by-id link: the node is the same
    modem = only(discovery(tree, recorder).detect(probe=True, exclude=[configured]).modems)
    assert str(plugged.nodes[2]) not in recorder.ports
    assert modem.at_port == "" and modem.answered is False


def test_a_device_whose_only_port_is_configured_says_why_it_was_not_asked(tree, sims):
    sim = sims()
    lay = replace(layout("simcom-sim800", "ch340"), vendor_id="1234", product_id="0004")
    tree.plug(lay, nodes={0: sim.path})
    recorder = Recorder()
    modem = only(discovery(tree, recorder).detect(exclude=[sim.path]).modems)
    assert recorder.calls == [] and modem.answered is None
    assert modem.note == "Its serial ports are used by a configured modem, so they were not asked."


def test_a_known_modems_configured_at_port_is_not_asked_for_identity(tree, sims):
    sim = sims()
    plugged = tree.plug(layout("simcom-sim7600", "modem"), nodes={2: sim.path})
    recorder = Recorder(real=None)
    modem = only(discovery(tree, recorder).detect(exclude=[sim.path]).modems)
    assert modem.at_port == str(plugged.links[2]) and modem.identity is None
    assert modem.answered is None and recorder.calls == []


def test_raw_ports_are_still_listed_for_the_admin(tree):
    plugged = tree.plug(layout("zte-mf667", "modem"))
    ports = detect_ports(str(tree.by_id), str(tree.dev))
    by_id = [p["path"] for p in ports if p["kind"] == "by-id"]
    assert sorted(by_id) == sorted(str(link) for link in plugged.links.values())


def test_the_usb_path_of_a_configured_port_is_found_for_a_reset(tree, tmp_path):
    quectel = tree.plug(layout("quectel-ec25", "modem"), "1-1.2")
    acm = tree.plug(layout("generic", "cdc-acm"), "3-1.4.2")
    root = str(tree.sysfs)
    assert usb_path_of(str(quectel.links[2]), root) == "1-1.2"  # a by-id link
    assert usb_path_of(str(quectel.nodes[3]), root) == "1-1.2"  # a kernel node
    assert usb_path_of(str(acm.links[0]), root) == "3-1.4.2"
    plain = tmp_path / "ttyS0"
    plain.write_text("")
    assert usb_path_of(str(plain), root) is None  # not a USB tty
    assert usb_path_of("/dev/ttyUSB77", root) is None  # no such tty in sysfs
