"""TlsDirectory: the TLS port over one folder, naming the device from its settings."""

from __future__ import annotations

from otpbroker.system import tls
from otpbroker.system.tls_directory import TlsDirectory

SETTINGS = {"wlan.address": "10.42.0.1", "ethernet.mode": "dhcp"}


def folder_of(tmp_path):
    return TlsDirectory(tmp_path / "tls", lambda: SETTINGS, hostname=lambda: "otpb-test")


def test_no_pair_until_the_files_are_asked_for(tmp_path):
    directory = folder_of(tmp_path)
    assert directory.info() is None
    assert not (tmp_path / "tls").exists()
    files = directory.files()
    assert files.certificate == str(tmp_path / "tls" / "cert.pem")
    assert files.key == str(tmp_path / "tls" / "key.pem") and files.stamp is not None
    info = directory.info()
    assert info is not None and info.self_signed
    assert {"DNS:otpb-test", "DNS:otpb-test.local", "IP:10.42.0.1"} <= set(info.sans)
    assert "otpb-test.local" in directory.names()


def test_regenerate_replaces_the_pair_and_keeps_the_old_one(tmp_path):
    directory = folder_of(tmp_path)
    directory.files()
    first = directory.info()
    fresh = directory.regenerate()
    assert fresh.fingerprint_sha256 != first.fingerprint_sha256
    assert (tmp_path / "tls" / "cert.pem.bak").exists()


def test_install_refuses_garbage_and_keeps_the_pair(tmp_path):
    directory = folder_of(tmp_path)
    directory.files()
    before = directory.info()
    try:
        directory.install(b"not a certificate", b"nor a key")
    except tls.CertificateError as exc:
        assert exc.field == "cert"
    else:
        raise AssertionError("garbage installed")
    assert directory.info() == before
