"""Clear passwords never reach the disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from otpbroker.config import ConfigStore


def _everything_written(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(data_dir.rglob("*")) if path.is_file())


@pytest.mark.parametrize("name", ["api_users", "admins"])
def test_clear_password_is_not_in_any_file(data_dir: Path, name: str) -> None:
    password = "Pässwort-Ünïcode correct horse"
    store = ConfigStore(data_dir)
    record = store.add(name, {"username": "app", "phone": "0812", "email": "a@example.com"})
    store.set_password(name, record["id"], password)
    store.set_password(name, record["id"], password + " v2")
    store.set("otp.template", "Kode {otp}")
    assert store.check_password(name, record["id"], password + " v2")

    written = _everything_written(data_dir)
    assert written, "the scan found nothing to scan"
    for candidate in (password, password + " v2"):
        for form in (
            candidate.encode("utf-8"),
            candidate.encode("unicode_escape"),
            candidate.encode("ascii", "backslashreplace"),
            candidate.encode("utf-16-le"),
            "Ünïcode".encode(),  # not even a distinctive fragment
        ):
            assert form not in written
