"""The HTTPS certificate folder: self-signed default, validated uploads, certificate facts."""

from __future__ import annotations

import hashlib
import ssl
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tls_samples import encrypted_key, expired, openssl, self_signed, signed_by_ca

from otpbroker.system import tls
from otpbroker.system.device_names import device_names

NAMES = ("box.test",)


def fingerprint_of(cert_pem: bytes) -> str:
    """SHA-256 of the first certificate's DER, as openssl prints it."""
    der = ssl.PEM_cert_to_DER_cert(cert_pem.decode().split("-----END CERTIFICATE-----")[0]
                                   + "-----END CERTIFICATE-----\n")  # fmt: skip
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_self_signed_made_once_with_names_ec_key_and_private_modes(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, ("box.example", "otp-broker.local"), ("10.1.2.3", "::1"))
    assert mode(folder) == 0o700 and mode(folder / "key.pem") == 0o600
    info = tls.certificate_info(folder)
    assert info.subject == "CN=box.example" and info.self_signed
    assert info.sans == (
        "DNS:box.example",
        "DNS:otp-broker.local",
        "IP:10.1.2.3",
        "IP:0:0:0:0:0:0:0:1",
    )
    lifetime = info.not_after - info.not_before
    assert timedelta(days=3600) < lifetime < timedelta(days=3700)
    assert info.not_before <= datetime.now(UTC) + timedelta(minutes=5)
    text = openssl("x509", "-in", folder / "cert.pem", "-noout", "-text").decode()
    assert "prime256v1" in text and "CA:FALSE" in text and "TLS Web Server Authentication" in text
    assert info.fingerprint_sha256 == fingerprint_of((folder / "cert.pem").read_bytes())
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(folder / "cert.pem", folder / "key.pem")

    before = (folder / "cert.pem").read_bytes(), (folder / "key.pem").read_bytes()
    tls.ensure_self_signed(folder, ("other.name",))
    assert ((folder / "cert.pem").read_bytes(), (folder / "key.pem").read_bytes()) == before


def test_device_names_from_host_name_and_network_settings():
    settings = {"wlan.address": "192.168.0.11/24", "ethernet.mode": "static",
                "ethernet.address": "10.20.30.40/16"}  # fmt: skip
    names = device_names("otp-broker", settings)
    assert names.hostnames == ("otp-broker.local", "otp-broker")
    assert names.addresses == ("192.168.0.11", "10.20.30.40")
    fqdn = device_names("Gate.Example.ORG", {**settings, "ethernet.mode": "dhcp"})
    assert fqdn.hostnames == ("gate.local", "gate.example.org", "gate")
    assert fqdn.addresses == ("192.168.0.11",)  # a DHCP-mode address is not the device's
    assert device_names("box", {"wlan.address": "", "ethernet.mode": "static",
                                "ethernet.address": ""}).addresses == ()  # fmt: skip


@pytest.mark.parametrize("hostname", ["localhost", "", "bad_name", "a,DNS:evil.test", "-x"])
def test_unusable_host_names_are_left_out(hostname):
    assert device_names(hostname, {"wlan.address": "192.168.0.11/24"}).hostnames == ()


def test_a_name_that_could_inject_into_the_certificate_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a host name"):
        tls.ensure_self_signed(tmp_path / "tls", ("ok.test,DNS:evil.test",))
    assert not tls.has_pair(tmp_path / "tls")


def test_regenerate_carries_the_given_names(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, NAMES)
    names = device_names("appliance", {"wlan.address": "192.168.7.1/24",
                                       "ethernet.mode": "static", "ethernet.address": "10.1.1.9/8"})  # fmt: skip
    info = tls.regenerate_self_signed(folder, names.hostnames, names.addresses)
    assert info.subject == "CN=appliance.local"
    assert info.sans == ("DNS:appliance.local", "DNS:appliance", "IP:192.168.7.1", "IP:10.1.1.9")
    assert tls.certificate_info(folder) == info


def test_a_lone_key_is_completed_into_a_pair(tmp_path):
    folder = tmp_path / "tls"
    folder.mkdir()
    (folder / "key.pem").write_text("left over\n")
    tls.ensure_self_signed(folder, NAMES)
    assert tls.has_pair(folder)
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(folder / "cert.pem", folder / "key.pem")


def test_matching_upload_installed_and_previous_pair_kept(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, NAMES)
    old = (folder / "cert.pem").read_bytes(), (folder / "key.pem").read_bytes()
    cert, key = self_signed(tmp_path / "made", "api.example.org")
    info = tls.install_uploaded(folder, cert, key)
    assert info.subject == "CN=api.example.org" and info.sans == ("DNS:api.example.org",)
    assert info.fingerprint_sha256 == fingerprint_of(cert)
    assert (folder / "cert.pem").read_bytes() == cert and (folder / "key.pem").read_bytes() == key
    assert mode(folder / "key.pem") == 0o600 and mode(folder / "key.pem.bak") == 0o600
    assert ((folder / "cert.pem.bak").read_bytes(), (folder / "key.pem.bak").read_bytes()) == old
    assert tls.certificate_info(folder) == info
    assert sorted(p.name for p in folder.iterdir()) == [
        "cert.pem", "cert.pem.bak", "key.pem", "key.pem.bak"
    ]  # fmt: skip


def test_chain_accepted_and_not_self_signed(tmp_path):
    leaf, key, root = signed_by_ca(tmp_path)
    info = tls.install_uploaded(tmp_path / "tls", leaf + root, key)
    assert info.issuer == "CN=Test Root CA" and not info.self_signed
    assert info.sans == ("DNS:leaf.test", "IP:127.0.0.1")
    assert info.fingerprint_sha256 == fingerprint_of(leaf)


def refused(folder: Path, cert: bytes, key: bytes) -> tls.CertificateError:
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(tls.CertificateError) as caught:
        tls.install_uploaded(folder, cert, key)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing changed
    return caught.value


def test_mismatched_key_refused_and_nothing_changes(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, NAMES)
    cert, _ = self_signed(tmp_path / "a", "a.test")
    _, other_key = self_signed(tmp_path / "b", "b.test")
    error = refused(folder, cert, other_key)
    assert str(error) == "the key does not belong to this certificate" and error.field == "key"


def test_expired_certificate_refused_with_its_date(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, NAMES)
    cert, key = expired(tmp_path)
    error = refused(folder, cert, key)
    assert str(error) == "certificate expired on 2021-01-01 00:00 UTC" and error.field == "cert"


@pytest.mark.parametrize(
    ("cert", "key", "message", "field"),
    [
        (b"hello", None, "not a PEM certificate", "cert"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", None,
         "not a PEM certificate", "cert"),
        (None, b"garbage", "not a PEM private key", "key"),
        (None, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
         "not a PEM private key (openssl cannot read it)", "key"),
    ],
)  # fmt: skip
def test_garbage_refused_precisely(tmp_path, cert, key, message, field):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, NAMES)
    good_cert, good_key = self_signed(tmp_path / "good")
    error = refused(folder, cert or good_cert, key or good_key)
    assert (str(error), error.field) == (message, field)


def test_key_with_passphrase_refused(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, NAMES)
    cert, key = self_signed(tmp_path / "good")
    error = refused(folder, cert, encrypted_key(tmp_path, key))
    assert "passphrase" in str(error) and error.field == "key"


def test_regenerate_replaces_and_backs_up(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure_self_signed(folder, NAMES)
    first = tls.certificate_info(folder)
    fresh = tls.regenerate_self_signed(folder, ("box.test", "box.local"), ("10.9.8.7",))
    assert fresh.fingerprint_sha256 != first.fingerprint_sha256
    assert fingerprint_of((folder / "cert.pem.bak").read_bytes()) == first.fingerprint_sha256


def test_info_of_missing_certificate(tmp_path):
    with pytest.raises(FileNotFoundError):
        tls.certificate_info(tmp_path / "none")
