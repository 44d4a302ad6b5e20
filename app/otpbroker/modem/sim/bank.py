"""A bank of emulated modems sharing one delivery log, with an optional control socket.

A message one modem of the bank sends to the MSISDN of a modem of the same bank (its own
included) arrives there as a received SMS after ``route_delay`` seconds (the network's
time), unless the sender is under ``report-failed`` (the network reports it undelivered).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from .control import ControlServer
from .deliveries import Delivery, DeliveryLog
from .device import SimModem
from .identity import generate_profiles
from .personalities import DEFAULT
from .profile import ModemProfile

log = logging.getLogger(__name__)

_MODEM_ACTIONS = (
    "inject",
    "clear",
    "unwedge",
    "unplug",
    "replug",
    "hang-up",
    "status",
    "condition",
    "receive",
)


class ModemBank:
    """``count`` modems with generated identities (or the given ``profiles``).

    ``personalities`` are handed out in turn (``("quectel-ec25", "huawei-e3131")``);
    ``overrides`` set profile fields on every generated profile (``send_delay=0.2``,
    ``pin="1234"``, ``urc_interval=5``, ``conditions=("lte-no-sms",)`` ...).
    """

    def __init__(
        self,
        count: int = 1,
        *,
        profiles: Sequence[ModemProfile] | None = None,
        personalities: Sequence[str] = (DEFAULT,),
        link_dir: str | Path | None = None,
        deliveries_path: str | Path | None = None,
        control_path: str | Path | None = None,
        seed: int | None = None,
        route_delay: float = 0.5,
        **overrides: Any,
    ) -> None:
        """Build the modems (not started); ``ValueError`` for an unknown personality or a
        condition a modem cannot be in."""
        if profiles is None:
            profiles = generate_profiles(count, seed, personalities, **overrides)
        self.log = DeliveryLog(deliveries_path)
        self.modems = [SimModem(p, link_dir=link_dir, log=self.log) for p in profiles]
        self.control_path = Path(control_path) if control_path else None
        self._control: ControlServer | None = None
        self.route_delay = route_delay
        self.log.on_delivery(self._route)

    def __len__(self) -> int:
        """Number of modems."""
        return len(self.modems)

    def __iter__(self) -> Iterator[SimModem]:
        """The modems in order."""
        return iter(self.modems)

    def __getitem__(self, key: int | str) -> SimModem:
        """A modem by index or IMEI."""
        return self.find(key)

    def find(self, key: int | str) -> SimModem:
        """A modem by index (int or digit string shorter than an IMEI) or IMEI; ``KeyError``."""
        if isinstance(key, bool):
            raise KeyError(key)
        if isinstance(key, str) and key.isdigit() and len(key) < 15:
            key = int(key)
        if isinstance(key, int):
            if 0 <= key < len(self.modems):
                return self.modems[key]
            raise KeyError(key)
        for modem in self.modems:
            if modem.imei == key:
                return modem
        raise KeyError(key)

    def start(self) -> ModemBank:
        """Plug every modem in and open the control socket if configured."""
        for modem in self.modems:
            modem.start()
        if self.control_path is not None and self._control is None:
            self._control = ControlServer(self.control_path, self.handle).start()
        return self

    def stop(self) -> None:
        """Close the control socket and unplug every modem (links removed)."""
        if self._control is not None:
            self._control.stop()
            self._control = None
        for modem in self.modems:
            modem.stop()

    def __enter__(self) -> ModemBank:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop on leaving it."""
        self.stop()

    @property
    def deliveries(self) -> list[Delivery]:
        """Every message delivered by any modem."""
        return self.log.deliveries

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Wait until ``count`` messages were delivered in total (``TimeoutError`` otherwise)."""
        return self.log.wait_for(count, timeout)

    def holder(self, number: str) -> SimModem | None:
        """The modem of this bank whose SIM has ``number`` (international or national
        ``0...`` form), or None."""
        digits = "".join(c for c in number if c.isdigit())
        for modem in self.modems:
            own = "".join(c for c in modem.profile.msisdn if c.isdigit())
            if digits and (digits == own or (digits[0] == "0" and own.endswith(digits[1:]))):
                return modem
        return None

    def _route(self, delivery: Delivery) -> None:
        """A delivered message to a number of the bank: received there after the delay."""
        target = self.holder(delivery.to)
        if target is None:
            return
        try:
            sender = self.find(delivery.modem)
        except KeyError:
            return
        if any(c.split(":")[0] == "report-failed" for c in sender.conditions):
            return  # the network reports it undelivered: it never arrives
        timer = threading.Timer(
            self.route_delay, _arrive, (target, sender.profile.msisdn, delivery.text)
        )
        timer.daemon = True
        timer.start()

    @staticmethod
    def describe(modem: SimModem) -> dict[str, Any]:
        """A modem's identity and state for control answers."""
        return {
            "imei": modem.imei,
            "profile": modem.profile.personality,
            "conditions": modem.conditions,
            "imsi": modem.profile.imsi,
            "msisdn": modem.profile.msisdn,
            "path": modem.path,
            "link": str(modem.link) if modem.link else None,
            "plugged": modem.plugged,
            "faults": modem.dialogue.faults.active(),
            "data_path": modem.data_port.path if modem.data_port else None,
            "in_call": modem.dialogue.state.in_call,
            "stored": modem.stored_messages(),
        }

    def handle(self, request: Any) -> dict[str, Any]:
        """Answer one control request, e.g. ``{"modem": 0, "action": "inject", "kind":
        "cms-error", "code": 500}``; errors become ``{"ok": false, "error": ...}``."""
        if not isinstance(request, dict):
            return {"ok": False, "error": "request must be a JSON object"}
        action = request.get("action")
        if action == "deliveries":
            return {"ok": True, "deliveries": [d.as_dict() for d in self.deliveries]}
        if action == "modems":
            return {"ok": True, "modems": [self.describe(m) for m in self.modems]}
        if action not in _MODEM_ACTIONS:
            return {"ok": False, "error": f"unknown action {action!r}"}
        key = request.get("modem")
        if not isinstance(key, int | str):
            return {"ok": False, "error": "missing modem (index or IMEI)"}
        try:
            modem = self.find(key)
        except KeyError:
            return {"ok": False, "error": f"no modem {key!r}"}
        try:
            self._act(modem, action, request)
        except (TypeError, ValueError) as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True, "modem": self.describe(modem)}

    @staticmethod
    def _act(modem: SimModem, action: str, request: dict[str, Any]) -> None:
        if action == "inject":
            kind = request.get("kind")
            if not isinstance(kind, str):
                raise ValueError("inject needs a fault kind")
            params = {k: v for k, v in request.items() if k not in ("modem", "action", "kind")}
            modem.inject(kind, **params)
        elif action == "clear":
            modem.clear_faults()
        elif action == "unwedge":
            modem.inject("unwedge")
        elif action == "unplug":
            modem.unplug()
        elif action == "replug":
            modem.replug()
        elif action == "hang-up":
            modem.hang_up()
        elif action == "receive":
            _receive(modem, request)
        elif action == "condition":
            conditions = request.get("set", "")
            if not isinstance(conditions, str | list):
                raise ValueError('condition needs "set": "NAME[:PARAM][,NAME...]" ("" clears)')
            modem.set_conditions(conditions)


def _arrive(modem: SimModem, sender: str, text: str) -> None:
    """Hand a routed message to its modem (a SIM not ready or full: lost, as on a network)."""
    try:
        modem.receive_sms(sender, text)
    except ValueError as exc:
        log.warning("modem %s: routed SMS not received: %s", modem.imei, exc)


def _receive(modem: SimModem, request: dict[str, Any]) -> None:
    """``{"action": "receive", "modem": 0, "sender": "+62...", "text": "...", "parts":
    [1, 3], "reference": 7}``: the network hands the modem an SMS (parts, reference
    optional)."""
    sender, text = request.get("sender"), request.get("text")
    if not isinstance(sender, str) or not isinstance(text, str):
        raise ValueError('receive needs "sender" and "text" strings')
    parts = request.get("parts")
    if parts is not None and not (
        isinstance(parts, list)
        and all(isinstance(n, int) and not isinstance(n, bool) for n in parts)
    ):
        raise ValueError('"parts" must be a list of part numbers')
    reference = request.get("reference", 0)
    if not isinstance(reference, int) or isinstance(reference, bool):
        raise ValueError('"reference" must be an integer 0..65535')
    modem.receive_sms(sender, text, parts=parts, reference=reference)
