"""The dynamic DNS updater: keeps active records pointing at the device's public address.

Each cycle finds the public IPv4 address once, then sends an update only for records whose
stored address differs (providers block clients that repeat needless updates). A record
whose provider answers with a fatal error stops until an administrator edits or
re-activates it; a temporary failure is retried after a growing back-off, never sooner
than the provider asked. Per-record results (address, time, answer) are stored with the
record so the admin shows them and a restart does not resend.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from otpbroker.domain.ddns import DnsProvider, Outcome, UpdateResult, short_answer
from otpbroker.domain.ports import Repository, Settings

log = logging.getLogger(__name__)

RECORDS = "ddns_records"
ACCOUNTS = "ddns_accounts"
FIRST_BACKOFF = 60.0
MAX_BACKOFF = 3600.0
SUCCESS = ("updated", "unchanged")


@dataclass
class Backoff:
    """When a record may be tried again, and whether the provider itself set that time."""

    failures: int = 0
    not_before: float = 0.0
    provider_wait: bool = False


def backoff_seconds(failures: int, asked: float | None) -> float:
    """The wait after ``failures`` failures in a row, at least what the provider asked."""
    grown = min(FIRST_BACKOFF * 2 ** max(failures - 1, 0), MAX_BACKOFF)
    return max(grown, asked or 0.0)


def now_iso() -> str:
    """The current UTC time in ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class DdnsControl(Protocol):
    """What the admin's DDNS page asks of the updater."""

    def status(self) -> dict[str, Any]:
        """The last cycle (address, checked_at, error) and each waiting record's wait."""
        ...

    def update_now(self) -> None:
        """Run a cycle at once, even while disabled."""
        ...


class DdnsUpdater:
    """Runs update cycles on an interval in its own thread; ``update_now`` runs one at once."""

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        find_address: Callable[[], str],
        provider_for: Callable[[Mapping[str, Any]], DnsProvider],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repo
        self._settings = settings
        self._find_address = find_address
        self._provider_for = provider_for
        self._clock = clock
        self._lock = threading.Lock()
        self._backoff: dict[str, Backoff] = {}
        self._state: dict[str, Any] = {"address": "", "checked_at": "", "error": ""}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._forced = False
        self._thread: threading.Thread | None = None

    # --- one cycle ------------------------------------------------------------------

    def run_once(self, forced: bool = False) -> None:
        """Find the address and update every active record whose address changed."""
        with self._lock:
            if forced:  # the administrator asked: skip our own back-off, not the provider's
                for wait in self._backoff.values():
                    if not wait.provider_wait:
                        wait.not_before = 0.0
            try:
                address = self._find_address()
            except (LookupError, OSError) as error:
                self._state.update(checked_at=now_iso(), error=short_answer(str(error)))
                log.warning("DDNS: public address not found: %s", error)
                return
            self._state.update(address=address, checked_at=now_iso(), error="")
            accounts = {str(a["id"]): a for a in self._repo.list(ACCOUNTS)}
            for record in self._repo.list(RECORDS):
                account = accounts.get(str(record.get("account", "")))
                if self._due(record, account, address):
                    self._update(record, account or {}, address)

    def _due(self, record: Mapping[str, Any], account: Any, address: str) -> bool:
        if not record.get("active") or not account or not account.get("active"):
            return False
        if record.get("last_status") == "fatal":
            return False
        if record.get("last_address") == address and record.get("last_status") in SUCCESS:
            return False
        wait = self._backoff.get(str(record["id"]))
        return wait is None or self._clock() >= wait.not_before

    def _update(self, record: Mapping[str, Any], account: Mapping[str, Any], address: str) -> None:
        record_id = str(record["id"])
        try:
            result = self._provider_for(account).update(record, address)
        except Exception as error:  # a broken client must not stop the other records
            log.exception("DDNS client failed for %s", record.get("name"))
            result = UpdateResult(Outcome.RETRY, short_answer(f"client error: {error}"))
        fields: dict[str, Any] = {"last_answer": short_answer(result.answer)}
        if result.ok:
            self._backoff.pop(record_id, None)
            fields.update(last_address=address, last_update=now_iso(),
                          last_status=result.outcome.value)  # fmt: skip
        elif result.outcome is Outcome.FATAL:
            self._backoff.pop(record_id, None)
            fields["last_status"] = "fatal"
        else:
            wait = self._backoff.setdefault(record_id, Backoff())
            wait.failures += 1
            seconds = backoff_seconds(wait.failures, result.retry_after)
            wait.not_before = self._clock() + seconds
            wait.provider_wait = bool(result.retry_after)
            fields["last_status"] = "retry"
            fields["last_answer"] = short_answer(f"{result.answer} (next try in {seconds:.0f} s)")
        log.info("DDNS %s -> %s: %s", record.get("name"), address, fields["last_answer"])
        with contextlib.suppress(LookupError):  # deleted while it was being updated
            self._repo.update(RECORDS, record_id, fields)

    # --- the thread -------------------------------------------------------------------

    def start(self) -> None:
        """Start the background thread (cycles only while ``ddns.enabled`` is on)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ddns-updater", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread (an update in flight finishes within its HTTP time-out)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def update_now(self) -> None:
        """Run a cycle at once, even while disabled (the admin's "Update now")."""
        self._forced = True
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            forced, self._forced = self._forced, False
            if forced or self._settings.get("ddns.enabled"):
                try:
                    self.run_once(forced)
                except Exception:
                    log.exception("DDNS cycle failed")
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _next_wait(self) -> float:
        setting = self._settings.get("ddns.interval_seconds")
        interval = float(setting) if isinstance(setting, int | float) and setting > 0 else 300.0
        pending = [w.not_before - self._clock() for w in self._backoff.values()]
        return max(1.0, min([interval, *pending]))

    def status(self) -> dict[str, Any]:
        """The last cycle (address, time, error) and each waiting record's seconds to go."""
        now = self._clock()
        waits = {rid: max(0.0, w.not_before - now) for rid, w in self._backoff.items()}
        return {**self._state, "retry_in": waits, "running": self._thread is not None}
