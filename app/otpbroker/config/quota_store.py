"""The SIM counts on disk: ``<data-dir>/sim-quota.json`` and its key ``sim-quota.key``.

The state file holds per modem the send times of the last hour, the day's count and the
month's recipients as keyed hashes (HMAC-SHA256 with the per-device key in the private key
file beside it): counts, times and hashes only, never a number or a text. Both files are
mode 0600 and written atomically (temp file, fsync, rename, directory fsync).

A file that cannot be read (damaged, hand-edited) is logged and counting starts from zero:
the device keeps sending rather than refusing everything.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from otpbroker.config.atomic_file import replace_file
from otpbroker.domain.sim_quota import SimUsage

log = logging.getLogger(__name__)

STATE_NAME = "sim-quota.json"
KEY_NAME = "sim-quota.key"
KEY_BYTES = 32
VERSION = 1


class QuotaFile:
    """Loads and saves the SIMs' counts in a data directory (``modem.pacing.UsageStore``)."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        """Files live in ``data_dir`` (created when missing)."""
        self.directory = Path(data_dir)
        self.path = self.directory / STATE_NAME
        self.key_path = self.directory / KEY_NAME

    def key(self) -> bytes:
        """The per-device HMAC key of the recipients' hashes, made on first use."""
        with contextlib.suppress(FileNotFoundError):
            key = bytes.fromhex(self.key_path.read_text().strip())
            if len(key) == KEY_BYTES:
                return key
            log.warning("%s is damaged: a new key is made (this month's recipients restart)",
                        self.key_path)  # fmt: skip
        key = secrets.token_bytes(KEY_BYTES)
        self._write(self.key_path, key.hex().encode())
        return key

    def load(self) -> dict[str, SimUsage]:
        """The counts last saved, by modem id ({} when there are none or they are damaged)."""
        try:
            data = json.loads(self.path.read_text())
            return {str(modem): _usage(value) for modem, value in data["modems"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.error("%s cannot be read (%s): SIM counts start from zero", self.path, exc)
            return {}

    def save(self, usage: Mapping[str, SimUsage]) -> None:
        """Replace the saved counts atomically and durably."""
        data = {"version": VERSION, "modems": {m: _plain(u) for m, u in usage.items()}}
        self._write(self.path, json.dumps(data, sort_keys=True).encode())

    def _write(self, path: Path, payload: bytes) -> None:
        """``payload`` to ``path``, atomically and durably (mode 0600)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        replace_file(path, payload)


def _plain(usage: SimUsage) -> dict[str, Any]:
    return {
        "hour": usage.hour,
        "day": usage.day,
        "day_count": usage.day_count,
        "month": usage.month,
        "recipients": sorted(usage.recipients),
    }


def _usage(value: Mapping[str, Any]) -> SimUsage:
    return SimUsage(
        hour=[float(at) for at in value["hour"]],
        day=str(value["day"]),
        day_count=int(value["day_count"]),
        month=str(value["month"]),
        recipients={str(digest) for digest in value["recipients"]},
    )


__all__ = ["KEY_NAME", "STATE_NAME", "QuotaFile"]
