"""What the WSMessageBroker test server (``ws_broker.py``) keeps with ``keep_data``, and how
many receivers a frame goes to: the original's rules, apart from the server."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any


def kept_items(frame: dict[str, Any]) -> list[Any]:
    """The items of a frame the original keeps: each value of its ``data`` (a list, or an
    object: PHP decodes both to an array), none when ``data`` is neither."""
    data = frame.get("data")
    if isinstance(data, list):
        return list(data)
    return list(data.values()) if isinstance(data, dict) else []


def receiver_limit(frame: dict[str, Any], default: float) -> float:
    """How many receivers get ``frame``: its own ``number_of_receiver`` (absolute value; not
    a number: 0), else ``default``; 0 means every receiver."""
    value = frame.get("number_of_receiver")
    if value is None:
        return default
    try:
        return abs(float(value))
    except (TypeError, ValueError):
        return 0


class KeptItems:
    """The items kept for absent receivers: one row of an SQLite file per item, committed one
    by one, as the original keeps them in MySQL (on disk, where a scan can look for them).

    Not thread-safe by itself: the broker calls it with its lock held."""

    FILE_NAME = "ws-broker.sqlite3"

    def __init__(self, data_dir: Path | None) -> None:
        self._own_dir = data_dir is None
        self.data_dir = (
            Path(tempfile.mkdtemp(prefix="ws-broker-")) if data_dir is None else data_dir
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / self.FILE_NAME
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS kept (id INTEGER PRIMARY KEY, channel TEXT, item TEXT)"
        )

    def add(self, channel: Any, items: list[Any]) -> None:
        for item in items:
            self._db.execute(
                "INSERT INTO kept (channel, item) VALUES (?, ?)",
                (json.dumps(channel), json.dumps(item)),
            )

    def take(self, channel: Any, limit: int) -> tuple[list[Any], int]:
        """Remove and return the ``limit`` oldest items of ``channel``, and how many are left."""
        key = json.dumps(channel)
        rows = self._db.execute(
            "SELECT id, item FROM kept WHERE channel = ? ORDER BY id LIMIT ?", (key, limit)
        ).fetchall()
        self._db.executemany("DELETE FROM kept WHERE id = ?", [(row[0],) for row in rows])
        left = self._db.execute("SELECT COUNT(*) FROM kept WHERE channel = ?", (key,)).fetchone()
        return [json.loads(item) for _, item in rows], int(left[0])

    def all(self) -> dict[Any, list[Any]]:
        kept: dict[Any, list[Any]] = {}
        for channel, item in self._db.execute("SELECT channel, item FROM kept ORDER BY id"):
            kept.setdefault(json.loads(channel), []).append(json.loads(item))
        return kept

    def close(self) -> None:
        self._db.close()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
