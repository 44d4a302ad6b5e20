"""The HTTPS certificate and key in one folder: self-signed default, validated uploads, info.

Everything goes through the ``openssl`` command (list arguments, no shell) and the standard
``ssl`` module; nothing here needs a Python crypto package. The folder holds ``cert.pem`` (the
server certificate, optionally followed by its chain) and ``key.pem`` (mode 0600); the folder
itself is 0700. An upload is validated completely before it replaces anything, and the pair it
replaces is kept as ``cert.pem.bak`` / ``key.pem.bak``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from otpbroker.i18n.translate import N_, _
from otpbroker.system.device_names import valid_hostname

CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"
BACKUP_SUFFIX = ".bak"
VALID_DAYS = 3650
_OPENSSL_TIMEOUT = 60
_PEM_CERT = b"-----BEGIN CERTIFICATE-----"
_PEM_KEY_MARKERS = (
    b"-----BEGIN PRIVATE KEY-----",
    b"-----BEGIN EC PRIVATE KEY-----",
    b"-----BEGIN RSA PRIVATE KEY-----",
)
_PEM_ENCRYPTED_KEY = (b"-----BEGIN ENCRYPTED PRIVATE KEY-----", b"Proc-Type: 4,ENCRYPTED")


NOT_PEM = N_("not a PEM certificate")


class CertificateError(ValueError):
    """An uploaded certificate or key is unusable; the message says precisely why."""

    def __init__(self, message: str, field: str = "cert") -> None:
        super().__init__(message)
        self.field = field  # "cert" or "key": which upload the message belongs to


class OpensslError(RuntimeError):
    """The ``openssl`` command is missing or failed unexpectedly."""


@dataclass(frozen=True)
class CertInfo:
    """What the admin shows about the installed certificate."""

    subject: str
    issuer: str
    sans: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str  # upper-case hex pairs joined by ":"
    self_signed: bool

    def expired(self, now: datetime | None = None) -> bool:
        """True when ``now`` (default: the current time) is past ``not_after``."""
        return (now or datetime.now(UTC)) > self.not_after


def cert_path(folder: Path) -> Path:
    """Where the server certificate lives."""
    return Path(folder) / CERT_NAME


def key_path(folder: Path) -> Path:
    """Where the private key lives."""
    return Path(folder) / KEY_NAME


def has_pair(folder: Path) -> bool:
    """True when both the certificate and the key exist."""
    return cert_path(folder).is_file() and key_path(folder).is_file()


def _openssl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    binary = shutil.which("openssl")
    if binary is None:
        raise OpensslError(_("the openssl command is not installed"))
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(  # fixed binary, list arguments
        [binary, *args],
        input=stdin,
        capture_output=True,
        timeout=_OPENSSL_TIMEOUT,
        check=False,
        env=env,
    )


def _private_folder(folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _subject_alt_names(hostnames: Sequence[str], addresses: Sequence[str]) -> str:
    for name in hostnames:
        if name and not valid_hostname(name):
            raise ValueError(
                _("{name} is not a host name a certificate can carry").format(name=repr(name))
            )
    names = [f"DNS:{name}" for name in hostnames if name]
    for address in addresses:
        if address:
            names.append(f"IP:{ipaddress.ip_address(address)}")
    return ",".join(names)


def _generate_into(folder: Path, hostnames: Sequence[str], addresses: Sequence[str]) -> None:
    """Write a fresh self-signed pair in ``folder`` (replacing any file there)."""
    sans = _subject_alt_names(hostnames, addresses)  # checks the names first
    common_name = next((name for name in hostnames if name), "otp-broker")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".new-") as scratch:
        new_cert = Path(scratch) / CERT_NAME
        new_key = Path(scratch) / KEY_NAME
        args = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(new_key), "-out", str(new_cert),
            "-days", str(VALID_DAYS), "-subj", f"/CN={common_name}",
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", "keyUsage=critical,digitalSignature",
            "-addext", "extendedKeyUsage=serverAuth",
        ]  # fmt: skip
        if sans:
            args += ["-addext", f"subjectAltName={sans}"]
        result = _openssl(*args)
        if result.returncode != 0 or not new_cert.is_file() or not new_key.is_file():
            message = result.stderr.decode(errors="replace").strip()
            raise OpensslError(
                _("openssl could not create a certificate: {error}").format(error=message)
            )
        new_key.chmod(0o600)
        new_cert.chmod(0o644)
        os.replace(new_key, key_path(folder))
        os.replace(new_cert, cert_path(folder))


def ensure_self_signed(
    folder: Path, hostnames: Sequence[str], addresses: Sequence[str] = ()
) -> None:
    """Create a self-signed EC P-256 pair (SAN: ``hostnames`` + ``addresses``, ~10 years) in
    ``folder`` unless a certificate and key are already there; never replaces an existing pair.

    The names are the device's (see ``device_names``); the first host name is the subject."""
    folder = _private_folder(folder)
    if has_pair(folder):
        return
    _generate_into(folder, hostnames, addresses)


def regenerate_self_signed(
    folder: Path, hostnames: Sequence[str], addresses: Sequence[str] = ()
) -> CertInfo:
    """Replace the pair by a fresh self-signed one, keeping the previous pair as the backup."""
    folder = _private_folder(folder)
    _back_up(folder)
    _generate_into(folder, hostnames, addresses)
    return certificate_info(folder)


def _back_up(folder: Path) -> None:
    if not has_pair(folder):
        return
    for source in (cert_path(folder), key_path(folder)):
        backup = source.with_name(source.name + BACKUP_SUFFIX)
        shutil.copy2(source, backup)
        backup.chmod(source.stat().st_mode & 0o777)


def _parse_time(text: str) -> datetime:
    # openssl prints e.g. "Nov 25 14:35:12 2026 GMT" (C locale), the format ssl understands
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), UTC)


def _info_from_openssl(cert_file: Path) -> CertInfo:
    result = _openssl(
        "x509", "-in", str(cert_file), "-noout", "-nameopt", "RFC2253",
        "-subject", "-issuer", "-startdate", "-enddate", "-fingerprint", "-sha256",
        "-ext", "subjectAltName",
    )  # fmt: skip
    if result.returncode != 0:
        raise CertificateError(_(NOT_PEM))
    fields: dict[str, str] = {}
    sans: tuple[str, ...] = ()
    lines = result.stdout.decode(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("X509v3 Subject Alternative Name"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            sans = tuple(part.strip() for part in following.split(",") if part.strip())
            continue
        name, sep, value = line.partition("=")
        if sep and name in {"subject", "issuer", "notBefore", "notAfter"}:
            fields[name] = value.strip()
        elif sep and name.endswith("Fingerprint"):
            fields["fingerprint"] = value.strip().upper()
    try:
        return CertInfo(
            subject=fields["subject"],
            issuer=fields["issuer"],
            sans=tuple(san.replace("IP Address:", "IP:") for san in sans),
            not_before=_parse_time(fields["notBefore"]),
            not_after=_parse_time(fields["notAfter"]),
            fingerprint_sha256=fields["fingerprint"],
            self_signed=fields["subject"] == fields["issuer"],
        )
    except (KeyError, ValueError) as exc:
        raise CertificateError(_(NOT_PEM)) from exc


def certificate_info(folder: Path) -> CertInfo:
    """Subject, issuer, SANs, validity, SHA-256 fingerprint of the installed certificate.

    Raises ``FileNotFoundError`` when there is none."""
    path = cert_path(folder)
    if not path.is_file():
        raise FileNotFoundError(path)
    return _info_from_openssl(path)


def _check_key(key_file: Path, key_pem: bytes) -> None:
    if any(marker in key_pem for marker in _PEM_ENCRYPTED_KEY):
        raise CertificateError(
            _("the private key is protected by a passphrase; upload it unencrypted"), "key"
        )
    if not any(marker in key_pem for marker in _PEM_KEY_MARKERS):
        raise CertificateError(_("not a PEM private key"), "key")
    result = _openssl("pkey", "-in", str(key_file), "-noout", "-passin", "pass:")
    if result.returncode != 0:
        raise CertificateError(_("not a PEM private key (openssl cannot read it)"), "key")


def _check_validity(info: CertInfo) -> None:
    now = datetime.now(UTC)
    if info.not_after < now:
        when = f"{info.not_after:%Y-%m-%d %H:%M}"
        raise CertificateError(_("certificate expired on {time} UTC").format(time=when))
    if info.not_before > now:
        raise CertificateError(
            _("certificate is not valid before {time} UTC").format(
                time=f"{info.not_before:%Y-%m-%d %H:%M}"
            )
        )


def _check_pair(cert_file: Path, key_file: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(cert_file), str(key_file))
    except ssl.SSLError as exc:
        reason = f"{exc.reason or ''} {exc}".upper()
        if "MISMATCH" in reason:
            raise CertificateError(_("the key does not belong to this certificate"), "key") from exc
        text = _("the certificate and key cannot be used together: {error}")
        raise CertificateError(text.format(error=exc)) from exc


def validate_pair(cert_file: Path, key_file: Path) -> CertInfo:
    """Check an on-disk pair as ``install_uploaded`` does; returns the certificate's info."""
    cert_pem = Path(cert_file).read_bytes()
    key_pem = Path(key_file).read_bytes()
    if _PEM_CERT not in cert_pem:
        raise CertificateError(_(NOT_PEM))
    info = _info_from_openssl(Path(cert_file))
    _check_key(Path(key_file), key_pem)
    _check_validity(info)
    _check_pair(Path(cert_file), Path(key_file))
    return info


def install_uploaded(folder: Path, cert_pem: bytes, key_pem: bytes) -> CertInfo:
    """Validate an uploaded certificate (chain allowed after it) and key, then install them.

    Raises ``CertificateError`` (nothing changed) with a precise message: "not a PEM
    certificate", "certificate expired on …", "the key does not belong to this certificate", …
    The previous pair is kept as ``*.bak``."""
    folder = _private_folder(folder)
    if _PEM_CERT not in cert_pem:
        raise CertificateError(_(NOT_PEM))
    with tempfile.TemporaryDirectory(dir=folder, prefix=".upload-") as scratch:
        new_cert = Path(scratch) / CERT_NAME
        new_key = Path(scratch) / KEY_NAME
        new_key.touch(0o600)
        new_key.write_bytes(key_pem)
        new_cert.write_bytes(cert_pem)
        info = validate_pair(new_cert, new_key)
        new_cert.chmod(0o644)
        _back_up(folder)
        os.replace(new_key, key_path(folder))
        os.replace(new_cert, cert_path(folder))
    return info


def server_context(folder: Path) -> ssl.SSLContext:
    """A TLS server context loaded with the folder's pair (TLS 1.2 minimum)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_path(folder)), str(key_path(folder)))
    return context


def modified_stamp(folder: Path) -> float | None:
    """A number that changes whenever the pair is replaced (None when absent)."""
    with contextlib.suppress(OSError):
        return max(cert_path(folder).stat().st_mtime_ns, key_path(folder).stat().st_mtime_ns) / 1e9
    return None


__all__ = [
    "CertInfo",
    "CertificateError",
    "OpensslError",
    "certificate_info",
    "ensure_self_signed",
    "has_pair",
    "install_uploaded",
    "regenerate_self_signed",
    "server_context",
    "validate_pair",
]
