"""Recognising a broker's redelivered copy of an id-less message, across restarts.

A message with an id is de-duplicated by its id (``SmsService``, backed by the send ledger).
A message without one is known by a keyed digest (HMAC-SHA-256 over its command and data):
a copy the broker marks as redelivered whose digest was taken before is not run again.
Copies *not* marked as redelivered are run as they are, exactly like the REST API does.

The digests are remembered in memory (``window`` seconds) and, for SMS, in the send ledger
(the feeder hands the digest over as ``DeliveryTerms.redelivery_key``; the ledger records it
just before ``AT+CMGS`` and with the outcome), so a redelivery after a crash is recognised.

The HMAC key must never be on the flash: with it, a 6-digit OTP could be found from its
digest by trying every code. It lives in the runtime directory (a tmpfs, kept across service
restarts but not across a reboot: ``/run/otp-broker``, or ``$OTP_BROKER_RUNTIME_DIR``), else
in memory only. So after a power cut (or a reboot) a redelivered id-less
message can no longer be recognised and may be sent again; a message with an id always is.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from otpbroker.domain.dedup import DedupWindow
from otpbroker.domain.ports import SendLedger
from otpbroker.services.command_replies import already_sent_reply
from otpbroker.services.replies import Code, Reply
from otpbroker.services.sms_ledger import sent_before

log = logging.getLogger(__name__)

KEY_FILE = "redelivery.key"
KEY_BYTES = 32
#: The commands whose id-less copies are checked (a new OTP may always be requested).
CHECKED = ("send-sms", "send-mail")
LEDGER_PREFIX = "digest:"


class RedeliveryGuard:
    """Keyed digests of id-less messages taken, in memory and in the send ledger."""

    def __init__(self, key: bytes, ledger: SendLedger | None = None, window: float = 600.0) -> None:
        """``key``: the HMAC key (never on the flash); ``ledger``: None for memory only."""
        if len(key) < 16:
            raise ValueError("the redelivery key must be at least 16 bytes")
        self._key = key
        self._ledger = ledger
        self._seen = DedupWindow(window)

    def __repr__(self) -> str:
        """Whether a ledger is used (never the key)."""
        return f"RedeliveryGuard(ledger={self._ledger is not None})"

    def digest(self, command: dict[str, Any]) -> str | None:
        """The ledger key of an id-less message that could be sent twice, else None."""
        data = command.get("data")
        if command.get("command") not in CHECKED or not isinstance(data, dict):
            return None
        if data.get("id") not in (None, ""):
            return None  # the id itself de-duplicates
        material = repr((command.get("command"), sorted(data.items(), key=str))).encode()
        return LEDGER_PREFIX + hmac.new(self._key, material, hashlib.sha256).hexdigest()

    def taken(self, command: str, digest: str, redelivered: bool) -> Reply | None:
        """Note a copy; the reply when it is a redelivery of one taken before, else None.

        A copy taken in this run (or still in progress) answers ``1205``; one the send
        ledger holds as sent or possibly sent answers with that first outcome (``0000`` /
        ``1103``, ``data.duplicate``)."""
        new = self._seen.claim(digest)
        if not redelivered:
            return None
        if not new:
            text = "a redelivered copy of a message already taken; not sent again"
            return Reply(command, Code.DUPLICATE, text)
        outcome = sent_before(self._ledger, digest)
        return None if outcome is None else already_sent_reply(command, outcome, {})

    def finished(self, digest: str, reply: Reply) -> None:
        """After the command ran: forget a copy of which nothing went out (a redelivery
        may try again)."""
        if reply.code not in (Code.OK, Code.OUTCOME_UNKNOWN):
            self._seen.release(digest)

    def forget(self) -> None:
        """Forget the digests held in memory (the ledger keeps its records)."""
        self._seen.clear()


def runtime_key(directory: str | os.PathLike[str]) -> bytes:
    """The HMAC key kept in the runtime ``directory`` (created there when missing); a key
    in memory only when the directory cannot hold it."""
    where = Path(directory)
    path = where / KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("redelivery key %s unreadable (%s): kept in memory only", path, exc)
        return secrets.token_bytes(KEY_BYTES)
    if not where.is_dir():
        log.info("no runtime directory %s: the redelivery key is kept in memory only", where)
        return secrets.token_bytes(KEY_BYTES)
    try:
        return _new_key(path)
    except OSError as exc:
        log.warning("redelivery key not kept in %s (%s): id-less redeliveries are not "
                    "recognised after a restart", where, exc)  # fmt: skip
        return secrets.token_bytes(KEY_BYTES)


def _new_key(path: Path) -> bytes:
    """Write a new random key (owner-only, by atomic rename) and return it."""
    key = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, key)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    return key


_shared = RedeliveryGuard(secrets.token_bytes(KEY_BYTES))


def shared() -> RedeliveryGuard:
    """The memory-only guard of feeders given no other (``Feeder.redelivery``)."""
    return _shared


def forget_redeliveries() -> None:
    """Forget every digest held in memory (a new broker in the same process, e.g. in
    tests); the send ledger keeps its records."""
    _shared.forget()


__all__ = [
    "RedeliveryGuard",
    "forget_redeliveries",
    "runtime_key",
    "shared",
]
