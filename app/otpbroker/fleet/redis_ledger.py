"""RedisSharedLedger: the shared ledger (``domain.fleet.SharedLedger``) on Redis or Valkey.

One key per message id, ``otpb:ledger:<id key>``, holding ``{"d": device, "s": state,
"t": time}`` (never a text) with an expiry. Claims, records and releases are Lua scripts,
so each is atomic on the server (``SET ... NX`` semantics plus "only its holder changes
it"). Every client error becomes ``ConnectionError`` (an ``OSError``): the service goes on
with the local ledger and says so.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.exceptions import RedisError

from otpbroker.domain.fleet import DeviceBeat, ModemBeat, SharedClaim

log = logging.getLogger(__name__)

PREFIX = "otpb:ledger:"
BEATS = "otpb:device:"
TIMEOUT_SECONDS = 2.0
T = TypeVar("T")

_CLAIM = """
local v = redis.call('GET', KEYS[1])
if v then
  local ok, rec = pcall(cjson.decode, v)
  if not (ok and type(rec) == 'table' and rec['s'] == 'claimed') then return v end
  if rec['d'] ~= ARGV[1] then
    local beat = redis.call('GET', ARGV[4] .. tostring(rec['d']))
    if beat then
      local fine, live = pcall(cjson.decode, beat)
      if fine and type(live) == 'table' and live['b'] == rec['b'] then return v end
    end
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return false
"""
_RECORD = """
local v = redis.call('GET', KEYS[1])
if v then
  local ok, rec = pcall(cjson.decode, v)
  if ok and type(rec) == 'table' and rec['d'] ~= ARGV[1] then return v end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return false
"""
_RELEASE = """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, rec = pcall(cjson.decode, v)
if ok and type(rec) == 'table' and rec['d'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisSharedLedger:
    """Message ids claimed and recorded in one Redis/Valkey database (thread-safe: the
    client keeps a connection pool)."""

    def __init__(self, url: str, clock: Callable[[], float]) -> None:
        """Connect lazily to ``url`` (``redis://`` or ``rediss://``); ``clock``: wall clock."""
        self._client: Any = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS,
            health_check_interval=30,
        )  # fmt: skip
        self._clock = clock
        self._claim = self._client.register_script(_CLAIM)
        self._record = self._client.register_script(_RECORD)
        self._release = self._client.register_script(_RELEASE)

    @classmethod
    def at(cls, url: str) -> RedisSharedLedger:
        """The ledger at ``url`` (wall clock: ``time.time``)."""
        return cls(url, time.time)

    def __repr__(self) -> str:
        """No URL (it may hold a password)."""
        return "RedisSharedLedger()"

    def claim(self, key: str, device: str, boot: str, seconds: float) -> SharedClaim | None:
        """Claim ``key`` for ``device`` (atomic); None when granted, else its holder. A
        claim not sent yet is taken over from a device whose heartbeat (``BEATS``) is gone
        or carries another boot id."""
        value = self._value(device, "claimed", boot)
        args: list[str | int] = [device, value, _ms(seconds), BEATS]
        held = _call(lambda: self._claim(keys=[PREFIX + key], args=args))
        return None if held is None else _parse(held)

    def record(self, key: str, device: str, state: str, seconds: float) -> None:
        """Record ``state`` for ``key`` unless another device holds it (logged)."""
        value = self._value(device, state)
        held = _call(lambda: self._record(keys=[PREFIX + key], args=[device, value, _ms(seconds)]))
        if held is not None:
            log.warning("shared ledger: a message id is held by another device; %s not recorded",
                        state)  # fmt: skip

    def release(self, key: str, device: str) -> None:
        """Forget ``key`` when ``device`` holds it."""
        _call(lambda: self._release(keys=[PREFIX + key], args=[device]))

    def lookup(self, key: str) -> SharedClaim | None:
        """Who holds ``key``."""
        held = _call(lambda: self._client.get(PREFIX + key))
        return None if held is None else _parse(held)

    def beat(self, beat: DeviceBeat, seconds: float) -> None:
        """Publish ``beat`` under ``otpb:device:<name>`` with an expiry."""
        modems = [[m.modem_id, m.state, m.sent, m.failed, m.unknown] for m in beat.modems]
        value = json.dumps({"d": beat.device, "t": round(beat.at, 3), "b": beat.boot, "m": modems})
        _call(lambda: self._client.set(BEATS + beat.device, value, px=_ms(seconds)))

    def beats(self) -> list[DeviceBeat]:
        """Every live heartbeat, by device name."""
        keys = sorted(_call(lambda: list(self._client.scan_iter(match=BEATS + "*", count=100))))
        values = _call(lambda: self._client.mget(keys)) if keys else []
        return [beat for raw in values if raw is not None and (beat := _beat(raw)) is not None]

    def ping(self) -> None:
        """Reach the store (ConnectionError when it cannot be reached)."""
        _call(self._client.ping)

    def close(self) -> None:
        """Close the pool's connections."""
        _call(self._client.close)

    def _value(self, device: str, state: str, boot: str = "") -> str:
        record = {"d": device, "s": state, "t": round(self._clock(), 3)}
        if boot:
            record["b"] = boot
        return json.dumps(record)


def _call(action: Callable[[], T]) -> T:
    """Run ``action``; a client error becomes ConnectionError (never with a value)."""
    try:
        return action()
    except RedisError as exc:
        raise ConnectionError(f"shared ledger unreachable: {type(exc).__name__}: {exc}") from None


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _parse(raw: bytes | str) -> SharedClaim:
    """A stored record; an unreadable one reads as held by an unknown device, possibly sent."""
    try:
        record = json.loads(raw)
        return SharedClaim(str(record["d"]), str(record["s"]), float(record["t"]))
    except (ValueError, KeyError, TypeError):
        return SharedClaim("?", "unknown", 0.0)


def _beat(raw: bytes | str) -> DeviceBeat | None:
    try:
        record = json.loads(raw)
        modems = tuple(ModemBeat(str(m[0]), str(m[1]), int(m[2]), int(m[3]), int(m[4]))
                       for m in record["m"])  # fmt: skip
        return DeviceBeat(str(record["d"]), float(record["t"]), modems, str(record.get("b", "")))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


__all__ = ["BEATS", "PREFIX", "RedisSharedLedger"]
