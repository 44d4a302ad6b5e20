"""The device's HTTPS pair as one object: the TLS port the certificate service works through.

``TlsDirectory`` wraps the functions of ``system.tls`` for one folder (``<data-dir>/tls``) and
the names a self-signed certificate gives the device (host name, ``<host>.local``, the access
point address and the static Ethernet address).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from otpbroker.system import tls
from otpbroker.system.device_names import DeviceNames, device_names


@dataclass(frozen=True)
class PairFiles:
    """Certificate file, key file, and a stamp that changes when they are replaced."""

    certificate: str
    key: str
    stamp: float | None


class TlsDirectory:
    """The HTTPS certificate and key in ``folder``, naming the device as ``settings`` say."""

    def __init__(
        self,
        folder: str | Path,
        settings: Callable[[], Mapping[str, Any]],
        hostname: Callable[[], str] = socket.gethostname,
    ) -> None:
        """``settings``: the stored settings (access point and Ethernet addresses)."""
        self.folder = Path(folder)
        self._settings = settings
        self._hostname = hostname

    def device_names(self) -> DeviceNames:
        """What a self-signed certificate names, host names first."""
        return device_names(self._hostname(), self._settings())

    def names(self) -> list[str]:
        """Every name a new self-signed certificate would carry."""
        return list(self.device_names().all())

    def files(self) -> PairFiles:
        """The pair's files, made self-signed first when there is none yet."""
        if not tls.has_pair(self.folder):
            names = self.device_names()
            tls.ensure_self_signed(self.folder, names.hostnames, names.addresses)
        stamp = tls.modified_stamp(self.folder)
        return PairFiles(str(tls.cert_path(self.folder)), str(tls.key_path(self.folder)), stamp)

    def info(self) -> tls.CertInfo | None:
        """The installed certificate (None: none yet)."""
        return tls.certificate_info(self.folder) if tls.has_pair(self.folder) else None

    def install(self, cert_pem: bytes, key_pem: bytes) -> tls.CertInfo:
        """Install an uploaded pair (``tls.CertificateError`` says what is wrong with it)."""
        return tls.install_uploaded(self.folder, cert_pem, key_pem)

    def regenerate(self) -> tls.CertInfo:
        """Replace the pair by a fresh self-signed one naming the device."""
        names = self.device_names()
        return tls.regenerate_self_signed(self.folder, names.hostnames, names.addresses)


__all__ = ["PairFiles", "TlsDirectory"]
