"""The front (haproxy) before the app server: its limits and what it serves.

The values the broker hands to the front's supervisor (``ports.FrontProcess``) and the
renderer of its configuration (``system.render_haproxy``).
"""

from __future__ import annotations

from dataclasses import dataclass


class FrontUnavailable(RuntimeError):
    """The front cannot run: haproxy is not installed, or refuses its configuration."""


@dataclass(frozen=True)
class FrontLimits:
    """The front's limits (settings ``front.*``) and the server time-out derived from the
    ``sms.*`` time-outs; all times in seconds."""

    max_connections: int = 2000
    max_connections_per_client: int = 50
    request_timeout: int = 10
    keep_alive: int = 15
    queue_timeout: int = 10
    server_timeout: int = 600


@dataclass(frozen=True)
class FrontPlan:
    """What haproxy serves: a listening descriptor per scheme (None: off), the combined
    certificate-and-key file for HTTPS, cheroot's Unix socket per scheme, the limits, and
    the slots (concurrent requests) cheroot gets for the API, for event streams and for
    large uploads."""

    http_fd: int | None
    https_fd: int | None
    pem: str
    http_socket: str
    https_socket: str
    limits: FrontLimits
    api_slots: int = 12
    stream_slots: int = 3
    upload_slots: int = 2
    stream_path: str = "/admin-api/monitor/stream"


__all__ = ["FrontLimits", "FrontPlan", "FrontUnavailable"]
