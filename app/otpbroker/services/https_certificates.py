"""The admin's HTTPS certificate use cases: show, upload, regenerate, and the listeners.

A certificate that is installed or regenerated is handed to the running HTTPS listener at
once (new connections get it; the port stays open).
"""

from __future__ import annotations

from typing import Any, Protocol


class CertificateStore(Protocol):
    """The TLS port: the device's certificate and key (``system.tls_directory``)."""

    def info(self) -> Any:
        """The installed certificate's details (None: none yet)."""
        ...

    def install(self, cert_pem: bytes, key_pem: bytes) -> Any:
        """Install an uploaded pair; raises ValueError (with ``.field``) for a bad one."""
        ...

    def regenerate(self) -> Any:
        """A fresh self-signed pair naming the device; its details."""
        ...

    def names(self) -> list[str]:
        """What a new self-signed certificate names."""
        ...


class HttpsListeners(Protocol):
    """The running HTTP/HTTPS listeners."""

    def certificate_changed(self) -> None:
        """Load the replaced pair into the running HTTPS listener."""
        ...

    def statuses(self) -> list[Any]:
        """Each scheme's listener state."""
        ...


class HttpsCertificates:
    """The HTTPS certificate of the device and the listeners that serve it."""

    def __init__(self, store: CertificateStore, listeners: HttpsListeners) -> None:
        """``store``: the certificate and key; ``listeners``: told when they change."""
        self._store = store
        self._listeners = listeners

    def info(self) -> Any:
        """The installed certificate (None: none yet)."""
        return self._store.info()

    def install(self, cert_pem: bytes, key_pem: bytes) -> Any:
        """Install an uploaded pair and serve it; raises ValueError naming the bad part."""
        installed = self._store.install(cert_pem, key_pem)
        self._listeners.certificate_changed()
        return installed

    def regenerate(self) -> Any:
        """Replace the pair by a fresh self-signed one and serve it."""
        fresh = self._store.regenerate()
        self._listeners.certificate_changed()
        return fresh

    def names(self) -> list[str]:
        """What a new self-signed certificate names."""
        return self._store.names()

    def listener_statuses(self) -> list[Any]:
        """Each scheme's listener state, for the HTTPS page."""
        return self._listeners.statuses()


__all__ = ["CertificateStore", "HttpsCertificates", "HttpsListeners"]
