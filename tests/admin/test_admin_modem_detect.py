"""Plugged-in modems in the admin: detected on a fake sysfs tree whose serial nodes lead to
emulated modems, offered with "Add this modem", added through the form as a browser would,
CD-ROM sticks switched through the real helper (test root, stand-in usb_modeswitch)."""

from __future__ import annotations

import html
import io
import re
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "modem"))
sys.path.insert(0, str(Path(__file__).parents[1] / "system"))
from broker_harness import BrokerHarness
from helper_root import HelperRoot, fake_modeswitch
from usb_tree import UsbTree
from waiting import wait_until

from otpbroker.bootstrap import Machine
from otpbroker.domain.usb_modems import ProbedIdentity
from otpbroker.modem.discovery import UsbModemDiscovery
from otpbroker.modem.probe import ProbeAnswer, ask
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.usb import UsbInterface, UsbLayout, layout
from otpbroker.services.modem_discovery import ModemDiscoveryService
from otpbroker.system.helper_client import HelperClient
from otpbroker.system.usb_control import HelperUsbControl

# What QEMU's "-device usb-serial" shows the guest (hw/usb/dev-serial.c): an FTDI FT232.
QEMU_USB_SERIAL = UsbLayout("qemu", "modem", "0403", "6001", "QEMU", "QEMU USB SERIAL", "1",
                            (UsbInterface(0, "ftdi_sio", "at"),))  # fmt: skip
PACK = "/usr/share/usb_modeswitch/configPack.tar.gz"


class Recording:
    """The real prober, recording every port it opens."""

    def __init__(self) -> None:
        self.ports: list[str] = []

    def __call__(self, port: str, *, identify: bool = False, timeout: float = 1.0) -> ProbeAnswer:
        self.ports.append(port)
        return ask(port, identify=identify, timeout=timeout)


class FormFields(HTMLParser):
    """The fields a browser submits for the form posting to ``action`` (as shown)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select = action, False, ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif self.inside and tag == "input" and a.get("name"):
            self._input(a)
        elif self.inside and tag == "select":
            self.select = a.get("name", "")
        elif self.inside and tag == "option" and self.select:
            self._option(a)

    def _option(self, a: dict[str, str]) -> None:
        if "selected" in a or self.select not in self.fields:  # the first one unless one is chosen
            self.fields[self.select] = a.get("value", "")

    def _input(self, a: dict[str, str]) -> None:
        if a.get("type") != "checkbox" or "checked" in a:
            self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = ""


def form_fields(page: str, action: str) -> dict[str, str]:
    parser = FormFields(action)
    parser.feed(page)
    return parser.fields


@pytest.fixture
def harness(tmp_path: Path, helper, usb, prober):
    """The broker's detection reads the fake tree; its USB control runs the real helper."""
    client = HelperClient(helper.transport(), helper.stage)
    discovery = UsbModemDiscovery(str(usb.sysfs), str(usb.by_id), str(usb.dev), prober=prober)
    machine = Machine(usb_control=HelperUsbControl(client), usb_discovery=discovery)
    h = BrokerHarness(tmp_path / "data", machine)
    h.add_modem()
    h.start()
    yield h
    h.stop()


@pytest.fixture
def helper(tmp_path: Path) -> HelperRoot:
    """The helper's test root, with a stand-in usb_modeswitch and a one-entry data pack."""
    root = HelperRoot(tmp_path / "helper-root")
    fake_modeswitch(root)
    pack = root.path(PACK)
    pack.parent.mkdir(parents=True)
    with tarfile.open(pack, "w:gz") as archive:
        data = b'TargetVendor=0x19d2\nTargetProductList="1268,2003"\nStandardEject=1\n'
        member = tarfile.TarInfo("19d2:1232")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return root


@pytest.fixture
def usb(helper: HelperRoot) -> UsbTree:
    return UsbTree(helper.root)


@pytest.fixture
def prober() -> Recording:
    return Recording()


@pytest.fixture
def wired(harness) -> ModemDiscoveryService:
    """The broker's detection service (over the fake tree and the real helper)."""
    return harness.broker.modem_discovery


def start_sim(harness, **profile: str) -> SimModem:
    sim = SimModem(ModemProfile(**profile)).start()
    harness.sims.append(sim)
    return sim


def article(page: str, usb_path: str) -> str:
    found = re.search(rf'<article class="detected" data-usb-path="{re.escape(usb_path)}">(.*?)'
                      r"</article>", page, re.S)  # fmt: skip
    assert found, f"no detected device {usb_path}"
    return found.group(1)


def text(fragment: str, tag: str = " ") -> str:
    """What a reader sees: tags replaced by ``tag``, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", tag, fragment)).split()).replace(" ,", ",")


def test_a_usb_serial_adapter_is_found_asked_and_added_through_the_form(admin, harness, wired,
                                                                        usb, prober):  # fmt: skip
    sim = start_sim(harness, imei="356938035641231")
    plugged = usb.plug(QEMU_USB_SERIAL, "1-1", nodes={0: sim.path})
    link = str(plugged.links[0])
    status, page, _ = admin.get("/modems/detected")
    assert status == 200
    found = article(page, "1-1")
    summary = re.search(r'<span class="summary">(.*?)</span>', found, re.S).group(1)
    assert text(summary, tag="") == "USB serial adapter, AT answered"
    name = ProbedIdentity(sim.profile.manufacturer, sim.profile.model).name
    assert f"Says it is {name}, IMEI 356938035641231" in text(found)
    assert f"AT port: {link}" in text(found) and "0403:6001" in found
    assert prober.ports == [str(plugged.nodes[0])]  # only the adapter's port was asked
    add = re.search(r'<a class="add-link" href="([^"]+)">Add this modem</a>', found)
    _, form_page, _ = admin.get(html.unescape(add.group(1)))
    fields = form_fields(form_page, "/modems")
    assert (fields["port"], fields["name"], fields["imei"]) == (link, name, "356938035641231")
    status, _, headers = admin.post("/modems", fields, csrf=False)  # the form's own token
    assert status == 303 and headers["Location"].endswith("/modems")
    [record] = [m for m in harness.broker.store.list("modems") if m["name"] == name]
    assert record["port"] == link and record["imei"] == "356938035641231"

    def ready() -> bool:
        return any(s.connected and s.port == link for s in harness.broker.pool.statuses())

    assert wait_until(ready, 15), harness.broker.pool.statuses()
    prober.ports.clear()
    again = article(admin.get("/modems/detected")[1], "1-1")
    assert f"configured as {name}" in text(again) and "Add this modem" not in again
    assert prober.ports == []  # the running modem's port is never opened


def test_modem_list_and_form_show_plugged_in_modems_without_opening_ports(admin, harness,
                                                                          wired, usb, prober):  # fmt: skip
    plugged = usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    for path in ("/modems", "/modems/new"):
        page = admin.get(path)[1]
        found = article(page, "1-1.2")
        assert "Quectel EC25/EG25" in found and "not asked yet" in text(found)
        add = re.search(r'<a class="add-link" href="([^"]+)">Add this modem</a>', found)
        form = form_fields(admin.get(html.unescape(add.group(1)))[1], "/modems")
        assert form["port"] == str(plugged.links[2]) and form["name"] == "Quectel EC25/EG25"
        assert "Found by USB id only; no port was opened." in page
        assert "Detected serial ports" in page  # the raw port list stays
    assert prober.ports == []


def test_a_cdrom_stick_is_switched_through_the_helper(admin, harness, wired, usb, helper):
    usb.plug(layout("zte-mf667", "cdrom"), "1-1.4", devnum=11)
    page = admin.get("/modems/detected")[1]
    found = article(page, "1-1.4")
    assert "in CD-ROM mode" in text(found) and "usb_modeswitch should switch it" in text(found)
    assert 'action="/modems/usb/1-1.4/switch"' in found and "Add this modem" not in found
    anonymous_like = admin.post("/modems/usb/1-1.4/switch", csrf=False)
    assert anonymous_like[0] == 403
    assert not (helper.root / "usb_modeswitch.log").exists()
    admin.get("/modems/detected")
    status, _, headers = admin.post("/modems/usb/1-1.4/switch")
    assert status == 303 and headers["Location"].endswith("/modems/detected")
    assert (helper.root / "usb_modeswitch.log").read_text() == "-v 0x19d2 -p 0x1232 -b 1 -g 11 -K\n"
    assert "was told to switch to modem mode" in admin.get("/modems/detected")[1]


def test_a_refused_switch_shows_the_reason_and_runs_nothing(admin, harness, wired, usb, helper):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    admin.get("/modems/detected")
    for path, reason in (("1-1;reboot", "is not a USB device path"),
                         ("1-1.2", "no usb_modeswitch configuration for 2c7c:0125")):  # fmt: skip
        status, _, _ = admin.post(f"/modems/usb/{path}/switch")
        assert status == 303
        page = admin.get("/modems/detected")[1]
        assert "Not switched:" in page and reason in html.unescape(page)


def test_a_hilink_stick_is_explained_on_the_page(admin, harness, wired, usb):
    usb.plug(layout("huawei-e3131", "hilink"), "1-1.5")
    found = text(article(admin.get("/modems/detected")[1], "1-1.5"))
    assert "Huawei E3131/E303 HiLink, HiLink: network only, no AT port" in found
    assert "http://192.168.8.1" in found and "cannot send OTPs" in found
    assert "Add this modem" not in found


def test_unreadable_entries_are_listed_not_fatal(admin, harness, wired, usb):
    usb.plug(layout("quectel-ec25", "modem"), "1-1.2")
    garbage = usb.sysfs / "devices" / "usb1" / "1-1.2" / "product"
    garbage.write_bytes(b"\xff\xfe garbage")
    page = admin.get("/modems/detected")[1]
    assert "1 USB entry could not be read" in page
    assert "is not text" in html.unescape(page)
    assert "Quectel EC25/EG25" in article(page, "1-1.2")


def test_detection_pages_need_a_session(admin, harness, wired):
    anonymous = AdminClient(harness.base)
    status, _, headers = anonymous.get("/modems/detected")
    assert status == 303 and headers["Location"].endswith("/login")
    assert anonymous.post("/modems/usb/1-1.4/switch", csrf=False)[0] in (401, 403)


def test_detection_page_follows_the_content_security_policy(admin, harness, wired, usb):
    usb.plug(layout("zte-mf667", "cdrom"), "1-1.4")
    status, page, headers = admin.get("/modems/detected")
    assert status == 200 and "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "style=" not in page and "<script>" not in page
    assert re.search(r"\son[a-z]+=", page) is None
