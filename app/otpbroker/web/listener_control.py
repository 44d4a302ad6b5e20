"""The listeners the API settings ask for, moved when those settings change.

``serve --host/--http-port/--https-port`` give the host and may replace a configured port
(0: any free port); the settings say which schemes are enabled and on which ports otherwise.
Before ``start`` and after ``stop`` a settings change moves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from otpbroker.domain.front import FrontLimits
from otpbroker.web.listener_plan import ListenerPlan, TlsFiles
from otpbroker.web.listeners import Listeners

SERVER_MARGIN = 30  # seconds the front waits for an answer beyond the longest send-sms


def front_limits(settings: Mapping[str, Any]) -> FrontLimits:
    """The ``front.*`` limits; the front waits for an answer longer than a send-sms may
    legitimately take (queue, then every attempt's prompt and result time-outs)."""
    attempt = int(settings["sms.prompt_timeout_seconds"]) + int(
        settings["sms.result_timeout_seconds"]
    )
    longest_send = (
        int(settings["sms.queue_timeout_seconds"]) + int(settings["sms.max_attempts"]) * attempt
    )
    return FrontLimits(
        max_connections=int(settings["front.max_connections"]),
        max_connections_per_client=int(settings["front.max_connections_per_client"]),
        request_timeout=int(settings["front.request_timeout_seconds"]),
        keep_alive=int(settings["front.keep_alive_seconds"]),
        queue_timeout=int(settings["front.queue_timeout_seconds"]),
        server_timeout=longest_send + SERVER_MARGIN,
    )


@dataclass(frozen=True)
class ListenOptions:
    """Where ``serve`` listens: the host, and ports that replace the configured ones."""

    host: str
    http_port: int | None = None
    https_port: int | None = None

    def plan(self, settings: Mapping[str, Any]) -> ListenerPlan:
        """The enabled schemes and their ports (an option given here wins)."""
        http = int(settings["api.http_port"]) if self.http_port is None else self.http_port
        https = int(settings["api.https_port"]) if self.https_port is None else self.https_port
        return ListenerPlan(
            self.host,
            http if settings["api.http_enabled"] else None,
            https if settings["api.https_enabled"] else None,
            front_limits(settings),
        )


class PairFiles(Protocol):
    """Certificate file, key file, and a stamp that changes when they are replaced."""

    @property
    def certificate(self) -> str:
        """The certificate (chain) file."""
        ...

    @property
    def key(self) -> str:
        """The key file."""
        ...

    @property
    def stamp(self) -> float | None:
        """Changes when the pair is replaced."""
        ...


class CertificatePair(Protocol):
    """The device's HTTPS pair (``system.tls_directory.TlsDirectory``)."""

    def files(self) -> PairFiles:
        """The pair's files, made self-signed first when there is none yet."""
        ...


class ServedCertificate:
    """Called by the HTTPS listener: the files it serves (``TlsFiles``)."""

    def __init__(self, pair: CertificatePair) -> None:
        """``pair``: the device's certificate and key."""
        self._pair = pair

    def __call__(self) -> TlsFiles:
        """The current pair's files and stamp."""
        files = self._pair.files()
        return TlsFiles(files.certificate, files.key, files.stamp)


class ConfiguredListeners:
    """Keeps ``listeners`` in line with the API settings once started."""

    def __init__(self, listeners: Listeners) -> None:
        """``listeners``: the HTTP/HTTPS servers."""
        self.listeners = listeners
        self._options: ListenOptions | None = None

    def start(self, options: ListenOptions, settings: Mapping[str, Any]) -> Listeners:
        """Listen as ``options`` and ``settings`` say (at once: the result is known here)."""
        self._options = options
        self.listeners.apply(options.plan(settings))
        return self.listeners

    def apply(self, settings: Mapping[str, Any]) -> None:
        """Move the listeners to changed settings (in the background; nothing before start)."""
        options = self._options
        if options is not None:
            self.listeners.request(options.plan(settings))

    def stop(self) -> None:
        """Close the listeners; later settings changes move nothing."""
        self._options = None
        self.listeners.close()


__all__ = [
    "CertificatePair",
    "ConfiguredListeners",
    "ListenOptions",
    "ServedCertificate",
    "front_limits",
]
