"""What the listeners should be (a plan per scheme), what they are (a status), and the
certificate files HTTPS presents."""

from __future__ import annotations

from dataclasses import dataclass, field

from otpbroker.domain.front import FrontLimits


@dataclass(frozen=True)
class TlsFiles:
    """Certificate (chain) file, key file, and a stamp that changes when they are replaced."""

    certificate: str
    key: str
    stamp: object


@dataclass(frozen=True)
class ListenerPlan:
    """What should listen: a port per scheme, or None when that scheme is off."""

    host: str
    http_port: int | None
    https_port: int | None
    limits: FrontLimits = field(default_factory=FrontLimits)

    def port(self, scheme: str) -> int | None:
        """The wanted port of ``scheme`` (None: off)."""
        return self.http_port if scheme == "http" else self.https_port


@dataclass(frozen=True)
class ListenerStatus:
    """One scheme's listener as the admin shows it."""

    scheme: str
    state: str  # "listening", "error" or "off"
    host: str = ""
    port: int | None = None  # the port asked for (0: any free port)
    bound_port: int | None = None
    error: str = ""
    retry_in: float | None = None  # seconds until the next attempt after an error

    @property
    def url(self) -> str:
        """``scheme://host:port`` of a running listener ("" otherwise)."""
        if self.bound_port is None:
            return ""
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{self.bound_port}"
