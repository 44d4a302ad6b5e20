"""The settings side of the network safety net: undo the stored settings of a change the
privileged helper reverted because nobody confirmed it in time.

When a network or firewall change is applied with a confirmation window,
:meth:`NetworkChanges.apply` first records the PREVIOUS stored values of exactly the
settings and records the change touches (see :mod:`network_pending_file`), then lets the
helper apply it and notes the helper's token. Whenever the helper no longer reports that
token as pending and it was not confirmed, :meth:`NetworkChanges.reconcile` puts those
values back (all or nothing), logs it and keeps a notice for the admin pages. It runs at
start (covering a restart of the app during the window), from a background thread every
``interval`` seconds while something is recorded (nothing at all when idle), and whenever a
page asks for :meth:`NetworkChanges.pending`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import N_, _
from otpbroker.services.network_pending_file import (
    FILE_NAME,
    DamagedFileError,
    PendingChangeFile,
    RecordBefore,
    UnconfirmedChange,
)

log = logging.getLogger(__name__)
CHECK_INTERVAL = 2.0  # seconds between checks while a change waits for confirmation
#: The notices for the admin pages, put in the reader's language when they are taken.
REVERTED = N_("The change of {summary} was not confirmed in time and was reverted; the "
              "previous settings are back.")  # fmt: skip
NOT_RESTORED = N_("The change of {summary} was reverted, but the stored settings could not be "
                  "restored: {error}")  # fmt: skip
DAMAGED = N_("The record of an unconfirmed network change could not be read ({error}); check "
             "the Network and Firewall settings against what the device runs.")  # fmt: skip


class HelperPending(Protocol):
    """What the safety net needs of the network control (the privileged helper)."""

    @property
    def available(self) -> bool:
        """False off a device (no helper)."""
        ...

    def pending(self) -> dict[str, Any]:
        """The helper's change waiting for confirmation (``{}``: none)."""
        ...

    def confirm(self, token: str) -> dict[str, Any]:
        """Keep the change ``token`` (raises with the helper's message)."""
        ...


def _fields(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "id"}


class NetworkChanges:
    """Persistent bookkeeping of unconfirmed network changes, with its watcher thread."""

    def __init__(
        self,
        repo: Repository,
        network: Callable[[], HelperPending | None],
        data_dir: str | os.PathLike[str],
        interval: float = CHECK_INTERVAL,
    ) -> None:
        self.repo = repo
        self.network = network
        self.file = PendingChangeFile(Path(data_dir) / FILE_NAME)
        self.interval = interval
        self._notices: list[tuple[str, dict[str, str]]] = []
        self._notices_lock = threading.Lock()
        self._warned = ""
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what the pages call ---------------------------------------------------------------

    def apply(
        self,
        summary: str,
        run: Callable[[], dict[str, Any]],
        settings: Mapping[str, Any] | None = None,
        records: Iterable[RecordBefore] = (),
    ) -> dict[str, Any]:
        """Record the previous ``settings`` values and ``records``, then ``run()`` the
        helper's apply (with a confirmation window) and note its token. If ``run`` raises,
        the record is dropped and the error passes on (the caller undoes its change)."""
        change = UnconfirmedChange(summary, None, dict(settings or {}), list(records),
                                   recorded_at=time.time())  # fmt: skip
        change.check()
        with self.file.guard():
            changes = self._load()
            self.file.save([*changes, change])
            try:
                result = run()
                change.token = str(result["token"])
            except BaseException:
                self.file.save(changes)
                raise
            self.file.save([*changes, change])
        log.info("network change %s (%s) waits for confirmation", change.token, summary)
        self._wake.set()
        return result

    def confirm(self, token: str) -> dict[str, Any]:
        """Have the helper keep change ``token``; then its previous values are forgotten.
        Raises with the helper's message (a change it reverted is then restored)."""
        network = self._helper()
        if network is None:
            raise ValueError("no privileged helper on this machine")
        with self.file.guard():
            changes = self._load()
            for change in changes:
                change.confirming = change.token == token
            self.file.save(changes)
            try:
                result = network.confirm(token)
            except Exception:
                for change in changes:
                    change.confirming = False
                self.file.save(changes)
                self._settle_now(network)  # e.g. "too late": the helper reverted it
                raise
            self.file.save([change for change in changes if change.token != token])
        log.info("network change %s confirmed", token)
        return result

    def pending(self) -> dict[str, Any]:
        """The helper's change waiting for confirmation (``{}``), with ``remaining``
        seconds, after restoring the settings of any change it reverted meanwhile.
        Errors of the helper come back as ``{"error"}``."""
        network = self._helper()
        if network is None:
            return {}
        with self.file.guard():
            try:
                current = network.pending()
            except Exception as exc:  # the page still works; it shows the reason
                return {"error": str(exc)}
            try:
                self._settle(self._load(), current)
            except OSError as exc:
                log.error("network safety net: %s: %s", self.file.path, exc)
        if current:
            current = {**current, "remaining": max(0, int(current["deadline"] - time.time()))}
        return current

    def take_notices(self) -> list[str]:
        """Messages about reverted changes, each shown once, in the current language."""
        with self._notices_lock:
            notices, self._notices = self._notices, []
        return [_(message).format(**values) for message, values in notices]

    # -- reconciliation ----------------------------------------------------------------------

    def reconcile(self) -> bool:
        """Restore the settings of every recorded change the helper no longer has pending;
        True while something is still recorded (so keep watching)."""
        if not self.file.exists():
            return False
        with self.file.guard():
            changes = self._load()
            if not changes:
                return False
            network = self._helper()
            if network is None:
                self._warn_once("unconfirmed network changes are recorded but there is no "
                                "privileged helper to ask about them; kept for later")  # fmt: skip
                return True
            try:
                current = network.pending()
            except Exception as exc:
                self._warn_once(f"cannot ask the privileged helper about pending changes: {exc}")
                return True
            self._warned = ""
            return bool(self._settle(changes, current))

    def _settle(
        self, changes: list[UnconfirmedChange], current: Mapping[str, Any]
    ) -> list[UnconfirmedChange]:
        """Act on ``changes`` given the helper's ``current`` pending change; store and
        return what is still waiting. Runs under the guard."""
        token = current.get("token")
        known = {change.token for change in changes}
        kept: list[UnconfirmedChange] = []
        adopted = False
        for change in changes:
            if change.token is not None and change.token == token:
                kept.append(change)
            elif change.token is None and token and token not in known:
                change.token = str(token)  # the app stopped before it noted the token
                known.add(change.token)
                adopted = True
                log.warning("network change (%s): adopted the helper's pending change %s",
                            change.summary, token)  # fmt: skip
                kept.append(change)
            elif change.confirming:
                log.warning("network change %s (%s): the app stopped while it was being "
                            "confirmed; the helper no longer has it pending, the stored "
                            "settings are kept", change.token, change.summary)  # fmt: skip
            else:
                self._restore_reported(change)
        if adopted or len(kept) != len(changes):
            self.file.save(kept)
        return kept

    def _restore_reported(self, change: UnconfirmedChange) -> None:
        what = [*change.settings, *(f"{r.collection}/{r.record_id}" for r in change.records)]
        try:
            self._restore(change)
        except Exception as exc:
            log.exception("network change %s (%s) was reverted by the helper, but restoring "
                          "the stored %s failed", change.token, change.summary,
                          ", ".join(what))  # fmt: skip
            self._notice(NOT_RESTORED, summary=change.summary, error=str(exc))
            return
        log.warning("network change %s (%s) was not confirmed in time and the helper reverted "
                    "it; restored the stored %s", change.token, change.summary,
                    ", ".join(what))  # fmt: skip
        self._notice(REVERTED, summary=change.summary)

    def _restore(self, change: UnconfirmedChange) -> None:
        """Put the previous values back, all or nothing (earlier steps undone on failure)."""
        undo: list[Callable[[], Any]] = []
        try:
            if change.settings:
                now = {key: self.repo.get(key) for key in change.settings}
                self.repo.update_settings(change.settings)
                undo.append(lambda: self.repo.update_settings(now))
            for before in change.records:
                undo.append(self._restore_record(before))
        except Exception:
            for step in reversed(undo):
                try:
                    step()
                except Exception:
                    log.exception("undoing a partial restore of network change %s failed",
                                  change.token)  # fmt: skip
            raise

    def _restore_record(self, before: RecordBefore) -> Callable[[], Any]:
        """Restore one record; returns how to undo that step."""
        repo, name, record_id = self.repo, before.collection, before.record_id
        try:
            now: dict[str, Any] | None = repo.get_record(name, record_id)
        except LookupError:
            now = None
        if before.fields is None:  # the change added it
            if now is None:
                return lambda: None
            repo.delete(name, record_id)
            return lambda: repo.add(name, _fields(now))
        if now is None:  # the change deleted it (it comes back with a new id)
            added = repo.add(name, _fields(before.fields))
            return lambda: repo.delete(name, added["id"])
        repo.update(name, record_id, _fields(before.fields))
        return lambda: repo.update(name, record_id, _fields(now))

    # -- helpers -----------------------------------------------------------------------------

    def _helper(self) -> HelperPending | None:
        network = self.network()
        return network if network is not None and network.available else None

    def _settle_now(self, network: HelperPending) -> None:
        """Ask the helper and settle; when it cannot answer, leave it to the next check."""
        try:
            current = network.pending()
        except Exception as exc:
            log.warning("network safety net: cannot ask the privileged helper: %s", exc)
            return
        self._settle(self._load(), current)

    def _load(self) -> list[UnconfirmedChange]:
        """The recorded changes; a damaged file is logged, reported and counts as none."""
        try:
            return self.file.load()
        except DamagedFileError as exc:
            log.error("network safety net: %s; the stored settings of an unconfirmed change "
                      "cannot be restored automatically", exc)  # fmt: skip
            self._notice(DAMAGED, error=str(exc))
            return []

    def _notice(self, message: str, **values: str) -> None:
        with self._notices_lock:
            self._notices.append((message, values))

    def _warn_once(self, text: str) -> None:
        if text != self._warned:
            log.warning("network safety net: %s", text)
            self._warned = text

    # -- the watcher thread ------------------------------------------------------------------

    def start(self) -> None:
        """Reconcile now, then every ``interval`` seconds while something is recorded."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._watch, name="network-changes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the watcher thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _watch(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                busy = self.reconcile()
            except Exception:
                log.exception("network safety net: reconciliation failed")
                busy = True
            self._wake.wait(self.interval if busy else None)
