"""HttpsCertificates: the TLS port's answers, and the listeners told after every change."""

from __future__ import annotations

import pytest

from otpbroker.services.https_certificates import HttpsCertificates


class FakeStore:
    def __init__(self):
        self.installed = None

    def info(self):
        return self.installed

    def install(self, cert_pem, key_pem):
        if cert_pem == b"bad":
            raise ValueError("not a PEM certificate")
        self.installed = ("uploaded", cert_pem, key_pem)
        return self.installed

    def regenerate(self):
        self.installed = ("self-signed",)
        return self.installed

    def names(self):
        return ["box", "box.local", "10.42.0.1"]


class FakeListeners:
    def __init__(self):
        self.changes = 0

    def certificate_changed(self):
        self.changes += 1

    def statuses(self):
        return ["https listening"]


@pytest.fixture
def parts():
    store, listeners = FakeStore(), FakeListeners()
    return store, listeners, HttpsCertificates(store, listeners)


def test_install_and_regenerate_are_served_at_once(parts):
    _, listeners, certificates = parts
    assert certificates.info() is None
    assert certificates.install(b"c", b"k") == ("uploaded", b"c", b"k")
    assert listeners.changes == 1
    assert certificates.regenerate() == ("self-signed",)
    assert listeners.changes == 2
    assert certificates.info() == ("self-signed",)


def test_a_refused_upload_changes_nothing(parts):
    store, listeners, certificates = parts
    with pytest.raises(ValueError, match="not a PEM"):
        certificates.install(b"bad", b"k")
    assert listeners.changes == 0 and store.installed is None


def test_names_and_listener_states_pass_through(parts):
    _, _, certificates = parts
    assert certificates.names() == ["box", "box.local", "10.42.0.1"]
    assert certificates.listener_statuses() == ["https listening"]
