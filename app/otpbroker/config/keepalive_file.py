"""The keep-alive idleness on disk: ``<data-dir>/keepalive.json``.

Per modem id, the time its idleness counts from (its last send, or when the broker first
saw it): ids and times only, never a number or a text. Written atomically and durably
(``atomic_file.replace_file``, mode 0600). A file that cannot be read (torn, damaged,
hand-edited) is logged and ignored: idleness then counts from this start.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path

from otpbroker.config.atomic_file import replace_file

log = logging.getLogger(__name__)

FILE_NAME = "keepalive.json"
VERSION = 1


class KeepAliveFile:
    """Loads and saves the modems' keep-alive times (``domain.ports.KeepAliveTimes``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """The state lives in ``path`` (its directory is created when missing)."""
        self.path = Path(path)

    def load(self) -> dict[str, float]:
        """The times last saved, by modem id ({} when none or unreadable)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            return {_modem_id(key): _time(value) for key, value in data["modems"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.error("%s cannot be read (%s): keep-alive idleness counts from this start",
                      self.path, type(exc).__name__)  # fmt: skip
            return {}

    def save(self, times: Mapping[str, float]) -> None:
        """Replace the saved times atomically and durably."""
        data = {"version": VERSION, "modems": {str(k): float(v) for k, v in times.items()}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(self.path, json.dumps(data, sort_keys=True).encode())


def in_directory(data_dir: str | os.PathLike[str] | None) -> KeepAliveFile | None:
    """The file in a data directory (None without one: the idleness is then memory only)."""
    return None if data_dir is None else KeepAliveFile(Path(data_dir) / FILE_NAME)


def _modem_id(key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > 64:
        raise ValueError("bad modem id")
    return key


def _time(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("time is not a number")
    if not math.isfinite(value) or value < 0:
        raise ValueError("time out of range")
    return float(value)


__all__ = ["FILE_NAME", "KeepAliveFile", "in_directory"]
