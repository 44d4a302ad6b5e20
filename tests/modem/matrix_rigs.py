"""Emulated modems of every personality driven by the real driver, for the matrix tests.

A *rig* is a pool of modems on real ptys behind ``SmsService`` (with ``ModemHealth`` and
``Alerts``), the way the broker wires them: each personality's modem holds its own recipient
prefix, and a plain ``generic`` modem is the default modem every failed message moves to.
Timings are short and the emulators have no delays, so that the matrix stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otpbroker.domain.routing import ModemRoute
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.personalities import NAMES, personality
from otpbroker.modem.status import ModemStatus
from otpbroker.modem.transport import SerialSettings
from otpbroker.services.alerts import Alerts
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.sms import SmsRequest, SmsService

from modem_waits import wait_until

PERSONALITIES = NAMES
LTE = ("generic", "quectel-ec25", "simcom-sim7600")
FAST = {"prompt_timeout": 2.0, "result_timeout": 3.0, "command_timeout": 2.0}
FALLBACK = "fallback"
VENDOR = {
    "generic": "generic", "huawei-e3131": "huawei", "zte-mf667": "zte",
    "quectel-ec25": "quectel", "simcom-sim7600": "simcom", "simcom-sim800": "simcom",
}  # fmt: skip
HOME_PATH = {
    "generic": "cs", "huawei-e3131": "cs", "zte-mf667": "cs", "quectel-ec25": "sgs",
    "simcom-sim7600": "sgs", "simcom-sim800": "cs",
}  # fmt: skip
"""The SMS path each personality has on its home network (its best radio, or the one the
personality names)."""


class Settings:
    """The SMS settings the service reads (the configuration's defaults, de-dup off)."""

    def __init__(self, **values: Any) -> None:
        self.values = {
            "device.country_code": "62",
            "sms.dedup_window_seconds": 0,
            "sms.max_attempts": 3,
            "sms.max_parts": 10,
            "sms.queue_timeout_seconds": 10,
            "sms.default_ttl_seconds": 600,
            **values,
        }

    def get(self, key: str) -> Any:
        """A setting's value."""
        return self.values[key]


class NoBlocks:
    """A blocking list with nobody on it."""

    def is_blocked(self, msisdn: str) -> bool:
        """Nobody is blocked."""
        return False


def profile_of(name: str, **fields: Any) -> dict[str, Any]:
    """Profile fields of a personality with its own identity, spelled out."""
    ident = personality(name).identity
    return {"personality": name, "manufacturer": ident.manufacturer, "model": ident.model,
            "revision": ident.revision, **fields}  # fmt: skip


def prefix_of(index: int) -> str:
    """The recipient prefix of the rig's modem number ``index`` (``62811``...)."""
    return f"6281{index + 1}"


@dataclass
class Rig:
    """Modems, their pool and the SMS service on top, as the broker wires them."""

    pool: ModemPool
    sims: dict[str, SimModem]
    alerts: Alerts
    health: ModemHealth
    sms: SmsService
    prefixes: dict[str, str] = field(default_factory=dict)

    def status(self, modem_id: str) -> ModemStatus:
        """The live status of one modem."""
        return next(s for s in self.pool.statuses() if s.modem_id == modem_id)

    def route(self, modem_id: str) -> ModemRoute:
        """How routing (holds included) sees one modem."""
        return next(r for r in self.sms.routes() if r.id == modem_id)

    def wait_ready(self, *modem_ids: str, timeout: float = 15.0) -> None:
        """Wait until the modems (all by default) are ready."""
        ids = modem_ids or tuple(self.sims)
        ok = wait_until(lambda: all(self.status(m).connected for m in ids), timeout)
        assert ok, [self.status(m) for m in ids]

    def number(self, modem_id: str, tail: str = "6666666") -> str:
        """A recipient number that routes to ``modem_id`` first."""
        return self.prefixes[modem_id] + tail

    def send(self, modem_id: str, text: str, *, manual: bool = False) -> Any:
        """Submit one SMS to a number routed to ``modem_id`` first (``manual``: only it)."""
        request = SmsRequest(self.number(modem_id), text, source="rest",
                             manual=manual, modem_id=modem_id if manual else None)  # fmt: skip
        return self.sms.submit(request)

    def stop(self) -> None:
        """Stop the pool, then the emulators."""
        self.pool.stop()
        for sim in self.sims.values():
            sim.stop()


def start_rig(
    link_dir: Path,
    modems: dict[str, dict[str, Any]],
    *,
    options: dict[str, Any] | None = None,
    health_interval: float = 0.3,
    path_alert_after: float = 0.0,
    same_prefix: str | None = None,
    settings: Settings | None = None,
    started: dict[str, Any] | None = None,
    **pool_args: Any,
) -> Rig:
    """A rig of ``{modem id: ModemProfile fields}`` plus the generic fallback modem.

    With ``same_prefix`` every modem holds that one prefix, so routing takes them in turn;
    ``settings``: what the service reads (the defaults of ``Settings`` when not given);
    ``started``: ``{modem id: emulator}`` already running (replayed field reports), put
    before the others."""
    alerts = Alerts()
    pools: list[ModemPool] = []  # the pool, once made (the health service needs it late)
    health = ModemHealth(alerts, path_alert_after=path_alert_after,
                         recover=lambda modem_id: pools[0].recover(modem_id))  # fmt: skip
    pool = ModemPool(on_route=health.observe, reconnect_delays=(0.1, 0.2, 0.5),
                     health_interval=health_interval, recheck_interval=health_interval,
                     **pool_args)  # fmt: skip
    pools.append(pool)
    sims: dict[str, SimModem] = {}
    specs: list[ModemSpec] = []
    prefixes: dict[str, str] = {}
    every = {**(started or {}), **modems, FALLBACK: profile_of("generic")}
    for index, (modem_id, profile) in enumerate(every.items()):
        imei = f"3569380356{index:05d}"
        if started and modem_id in started:
            sim = started[modem_id]
        else:
            sim = SimModem(ModemProfile(imei=imei, **profile), link_dir=link_dir).start()
        sims[modem_id] = sim
        fallback = modem_id == FALLBACK
        prefixes[modem_id] = same_prefix or prefix_of(index)
        held = () if fallback and not same_prefix else (prefixes[modem_id],)
        options_for = ModemOptions(**{**FAST, **(options or {})})
        specs.append(ModemSpec(modem_id, modem_id, SerialSettings(port=sim.port), options_for,
                               prefixes=held, default=fallback))  # fmt: skip
    pool.apply(specs)
    sms = SmsService(pool, NoBlocks(), settings or Settings(), health=health)  # type: ignore[arg-type]
    rig = Rig(pool, sims, alerts, health, sms, prefixes)
    rig.wait_ready()
    return rig


__all__ = [
    "FALLBACK", "HOME_PATH", "LTE", "PERSONALITIES", "VENDOR", "Rig", "Settings", "profile_of",
    "start_rig", "wait_until",
]  # fmt: skip
