"""Find the USB modems plugged in, and which of their ports carries AT commands.

For each USB device in sysfs (``modem/sysfs.py``) the vendor:product table
(``modem/usb_models.py``) says what it is: a known modem (its AT interface by number, or
for Huawei by class code), a modem still in CD-ROM mode, a HiLink stick (network only), or
a USB-serial adapter. Devices the table does not know are listed when they have serial
ports. With ``probe``, ports whose role is not known are asked ``AT`` in parallel (short
time-out); the lowest-numbered interface that answers is the AT port. Then each AT port is
asked who it is (``AT+CGMI``, ``AT+CGMM``, ``AT+CGSN``). Ports configured modems use are
never opened. Serial ports are reported by their ``/dev/serial/by-id`` link when udev made
one (stable across replugging), else by their kernel node.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from otpbroker.domain.usb_modems import DetectedModem, DiscoveryResult, ProbedIdentity, UsbPort
from otpbroker.modem import usb_models
from otpbroker.modem.probe import ProbeAnswer, ask
from otpbroker.modem.serial_ports import BY_ID_DIR, DEV_DIR, by_id_links
from otpbroker.modem.sysfs import UsbDeviceInfo, UsbInterfaceInfo, read_usb_devices

log = logging.getLogger(__name__)

Prober = Callable[..., ProbeAnswer]
MAX_PARALLEL_PROBES = 8

CDROM_NOTE = (
    "In CD-ROM mode: the stick shows its driver disc instead of its modem. usb_modeswitch "
    "should switch it to modem mode when it is plugged in; if it stays like this, switch it "
    "now."
)
HILINK_NOTE = (
    "A HiLink stick: a small router on a stick with its own web page at http://{ui} and no "
    'AT port, so OTP Broker cannot send OTPs through it. Use a model with "stick" (modem) '
    "firmware, reflash this one to stick firmware (at your own risk), or use a supported "
    "modem."
)
NOT_ASKED_NOTE = "Not a model we know: its serial ports have not been asked with AT yet."
SILENT_NOTE = (
    "None of its serial ports answered AT (asked twice, {timeout:g} s each): it may not be a "
    "modem, may still be starting, or its port may be in use."
)
IN_USE_NOTE = "Its serial ports are used by a configured modem, so they were not asked."
BRIDGE_SILENT_NOTE = (
    "The adapter's port did not answer AT: check that the modem is powered, the wiring "
    "(TX/RX crossed) and the baud rate."
)


@dataclass
class _Plan:
    """One device on its way to a DetectedModem (mutable while probing)."""

    device: UsbDeviceInfo
    kind: str
    family: str
    ports: list[UsbPort]
    at_source: str = ""
    answered: bool | None = None
    identity: ProbedIdentity | None = None
    web_ui: str = ""
    note: str = ""
    candidates: list[UsbPort] = field(default_factory=list)

    @property
    def at(self) -> UsbPort | None:
        """The port whose role is ``at`` (None: not known)."""
        return next((p for p in self.ports if p.role == "at" and p.device), None)

    def set_role(self, port: UsbPort, role: str) -> UsbPort:
        """Give ``port`` a new role; the updated port."""
        updated = replace(port, role=role)
        self.ports = [updated if p.interface == port.interface else p for p in self.ports]
        return updated


def _role(model: usb_models.UsbModel | None, interface: UsbInterfaceInfo) -> str:
    """What an interface is for, from the driver, the table and the class codes."""
    if interface.driver == "usb-storage" or interface.klass == "08":
        return "storage"
    if interface.driver in usb_models.NET_DRIVERS:
        return "net" if interface.nets else "data"
    if not interface.ttys:
        return "data" if interface.driver == "cdc_acm" else "unknown"
    if model is None or model.kind == "bridge":
        return "unknown"
    if model.by_class:
        found = usb_models.class_role(interface.klass, interface.subclass, interface.protocol)
        return found or "unknown"
    return model.role(interface.number) or "unknown"


class UsbModemDiscovery:
    """The ``ModemDiscovery`` port on sysfs, ``/dev/serial/by-id`` and short AT probes."""

    def __init__(self, sysfs_root: str = "/sys", by_id_dir: str = BY_ID_DIR,
                 dev_dir: str = DEV_DIR, *, prober: Prober = ask,
                 probe_timeout: float = 1.0) -> None:  # fmt: skip
        self.sysfs_root = sysfs_root
        self.by_id_dir = by_id_dir
        self.dev_dir = dev_dir
        self.prober = prober
        self.probe_timeout = probe_timeout

    # -- the port ---------------------------------------------------------------------------
    def detect(self, probe: bool = True, exclude: Collection[str] = ()) -> DiscoveryResult:
        """Every modem-like USB device now; see the module docstring."""
        devices, problems = read_usb_devices(self.sysfs_root)
        links = self._links()
        plans = [plan for device in devices if (plan := self._plan(device, links)) is not None]
        if probe:
            blocked = {os.path.realpath(path) for path in exclude if path}
            self._probe_unknown(plans, blocked)
            self._identify(plans, blocked)
        return DiscoveryResult(tuple(self._result(plan) for plan in plans), tuple(problems))

    # -- reading ----------------------------------------------------------------------------
    def _links(self) -> dict[str, str]:
        """Real device path -> its by-id link (links whose device is gone are left out)."""
        links: dict[str, str] = {}
        for link, target in by_id_links(self.by_id_dir):
            links.setdefault(target, link)
        return links

    def _ports(self, model: usb_models.UsbModel | None, device: UsbDeviceInfo,
               links: dict[str, str]) -> list[UsbPort]:  # fmt: skip
        ports = []
        for interface in sorted(device.interfaces, key=lambda i: i.number):
            role = _role(model, interface)
            node = os.path.join(self.dev_dir, interface.ttys[0]) if interface.ttys else ""
            target = os.path.realpath(node) if node else ""
            link = links.get(target, "") if node else ""
            netdev = interface.nets[0] if interface.nets else ""
            ports.append(
                UsbPort(interface.number, role, interface.driver, node, link, netdev, target)
            )
        return ports

    def _plan(self, device: UsbDeviceInfo, links: dict[str, str]) -> _Plan | None:
        model = usb_models.lookup(device.vendor_id, device.product_id)
        ports = self._ports(model, device, links)
        serial = [p for p in ports if p.device]
        label = " ".join(s for s in (device.manufacturer, device.product) if s)
        if model is None:
            if not serial:
                return None  # not a modem of any kind (a keyboard, a hub, a flash drive)
            return _Plan(device, "unknown", label or "Unknown USB serial device", ports,
                         note=NOT_ASKED_NOTE, candidates=serial)  # fmt: skip
        plan = _Plan(device, model.kind, model.family, ports, web_ui=model.web_ui)
        if model.kind == "modem" and not serial:
            plan.kind = self._serial_less_kind(ports)
            plan.web_ui = plan.web_ui or ("192.168.8.1" if plan.kind == "hilink" else "")
        if plan.kind == "cdrom":
            plan.note = CDROM_NOTE
        elif plan.kind == "hilink":
            plan.note = HILINK_NOTE.format(ui=plan.web_ui or "192.168.8.1")
        elif plan.kind == "bridge" and len(serial) == 1:
            plan.set_role(serial[0], "at")
            plan.at_source = "single"
        elif plan.at is not None:
            plan.at_source = "class" if model.by_class else "table"
        else:
            plan.candidates = [p for p in serial if p.role == "unknown"]
            plan.note = NOT_ASKED_NOTE if plan.kind != "bridge" else ""
        if plan.kind == "bridge" and plan.at is not None:
            plan.candidates = [plan.at]
        return plan

    @staticmethod
    def _serial_less_kind(ports: Iterable[UsbPort]) -> str:
        """A vendor's modem with no serial port: HiLink when it has a net link, else CD-ROM."""
        drivers = {p.driver for p in ports}
        if drivers & usb_models.HILINK_DRIVERS:
            return "hilink"
        return "cdrom" if any(p.role == "storage" for p in ports) else "unknown"

    # -- asking -----------------------------------------------------------------------------
    def _ask_all(self, jobs: list[tuple[str, bool]]) -> dict[str, ProbeAnswer]:
        """Ask every port in parallel (at most MAX_PARALLEL_PROBES at once)."""
        if not jobs:
            return {}
        with ThreadPoolExecutor(min(MAX_PARALLEL_PROBES, len(jobs))) as pool:
            futures = {
                port: pool.submit(self.prober, port, identify=identify, timeout=self.probe_timeout)
                for port, identify in jobs
            }
        return {port: future.result() for port, future in futures.items()}

    def _usable(self, port: UsbPort, blocked: set[str]) -> bool:
        return os.path.exists(port.device) and os.path.realpath(port.device) not in blocked

    def _probe_unknown(self, plans: list[_Plan], blocked: set[str]) -> None:
        jobs = [(p.device, len(plan.candidates) == 1) for plan in plans
                for p in plan.candidates if self._usable(p, blocked)]  # fmt: skip
        answers = self._ask_all(jobs)
        for plan in plans:
            asked = [p for p in plan.candidates if p.device in answers]
            if asked:
                self._settle(plan, asked, answers)
            elif any(os.path.realpath(p.device) in blocked for p in plan.candidates):
                plan.note = IN_USE_NOTE

    def _settle(self, plan: _Plan, asked: list[UsbPort], answers: dict[str, ProbeAnswer]
                ) -> None:  # fmt: skip
        """Pick the AT port among the asked ones; the others that answered are secondary."""
        speaking = [p for p in asked if answers[p.device].answered]
        plan.answered = bool(speaking)
        for port in asked:
            log.info("USB %s interface %d (%s): %s", plan.device.name, port.interface,
                     port.device, "answered AT" if answers[port.device].answered
                     else answers[port.device].reason)  # fmt: skip
        if not speaking:
            plan.note = (
                BRIDGE_SILENT_NOTE
                if plan.kind == "bridge"
                else SILENT_NOTE.format(timeout=self.probe_timeout)
            )
            return
        first, *others = sorted(speaking, key=lambda p: p.interface)
        if plan.at is None or plan.at.device != first.device:
            plan.set_role(first, "at")
        plan.at_source = "single" if plan.at_source == "single" else "probe"
        for port in others:
            plan.set_role(port, "at-secondary")
        plan.identity = answers[first.device].identity
        if plan.kind == "unknown":
            plan.kind = "modem"
        plan.note = ""

    def _identify(self, plans: list[_Plan], blocked: set[str]) -> None:
        wanted = [plan for plan in plans if plan.at is not None and plan.identity is None
                  and plan.answered is not False and self._usable(plan.at, blocked)]  # fmt: skip
        answers = self._ask_all([(plan.at.device, True) for plan in wanted if plan.at])
        for plan in wanted:
            answer = answers.get(plan.at.device) if plan.at else None
            if answer is None:
                continue
            plan.answered = answer.answered
            plan.identity = answer.identity
            if not answer.answered:
                plan.note = f"Its AT port did not answer: {answer.reason}."

    # -- result -----------------------------------------------------------------------------
    @staticmethod
    def _result(plan: _Plan) -> DetectedModem:
        device, at = plan.device, plan.at
        return DetectedModem(
            usb_path=device.name, vendor_id=device.vendor_id, product_id=device.product_id,
            family=plan.family, kind=plan.kind, manufacturer=device.manufacturer,
            product=device.product, serial=device.serial,
            at_port=at.path if at is not None else "", at_source=plan.at_source,
            answered=plan.answered, ports=tuple(plan.ports), identity=plan.identity,
            note=plan.note, web_ui=plan.web_ui,
        )  # fmt: skip


__all__ = ["UsbModemDiscovery"]
