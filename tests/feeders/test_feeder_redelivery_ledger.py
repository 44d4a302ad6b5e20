"""Id-less redeliveries: keyed digests, the key in the runtime directory, the send ledger."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from otpbroker.config.send_ledger import FileSendLedger
from otpbroker.feeders.redelivery import RedeliveryGuard, runtime_key
from otpbroker.services.replies import Code, Reply
from otpbroker.system.runtime_dir import runtime_directory

OTP = {"command": "send-sms", "data": {"msisdn": "08126666666", "message": "Kode 731904"}}


def test_the_key_lives_in_the_runtime_directory_and_survives_a_restart(tmp_path: Path) -> None:
    key = runtime_key(tmp_path)
    path = tmp_path / "redelivery.key"
    assert path.read_bytes() == key and len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert runtime_key(tmp_path) == key  # the next start of the service reads it back


def test_the_runtime_directory_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OTP_BROKER_RUNTIME_DIR", str(tmp_path))
    assert runtime_directory() == tmp_path
    assert runtime_key(runtime_directory()) == (tmp_path / "redelivery.key").read_bytes()
    monkeypatch.delenv("OTP_BROKER_RUNTIME_DIR")
    assert runtime_directory() == Path("/run/otp-broker")


def test_without_a_runtime_directory_the_key_is_in_memory_only(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    missing = tmp_path / "absent"
    first, second = runtime_key(missing), runtime_key(missing)
    assert first != second and not missing.exists()
    assert "kept in memory only" in caplog.text


def test_the_digest_hides_the_text_and_depends_on_the_key() -> None:
    one, other = RedeliveryGuard(b"k" * 32), RedeliveryGuard(b"j" * 32)
    digest = one.digest(OTP)
    assert digest is not None and digest.startswith("digest:") and "731904" not in digest
    assert one.digest(OTP) == digest != other.digest(OTP)
    assert one.digest({"command": "send-sms", "data": {**OTP["data"], "id": "x"}}) is None
    assert one.digest({"command": "request-otp", "data": {"msisdn": "0812"}}) is None


def test_a_redelivery_after_a_restart_is_answered_from_the_ledger(tmp_path: Path) -> None:
    key = runtime_key(tmp_path)
    ledger = FileSendLedger(tmp_path / "ledger")
    before = RedeliveryGuard(key, ledger)
    digest = before.digest(OTP)
    assert digest is not None
    assert before.taken("send-sms", digest, redelivered=False) is None
    ledger.sending(digest)  # what SmsService records for it around AT+CMGS
    ledger.finished(digest, "sent")
    before.finished(digest, Reply("send-sms", Code.OK))
    ledger.close()
    ledger = FileSendLedger(tmp_path / "ledger")  # the restart: memory gone, key and file kept
    after = RedeliveryGuard(runtime_key(tmp_path), ledger)
    reply = after.taken("send-sms", digest, redelivered=True)
    assert reply is not None and reply.code is Code.OK
    assert reply.data == {"duplicate": True, "state": "sent"}
    ledger.close()


def test_a_copy_not_marked_as_redelivered_is_always_run(tmp_path: Path) -> None:
    ledger = FileSendLedger(tmp_path / "ledger")
    guard = RedeliveryGuard(b"k" * 32, ledger)
    digest = guard.digest(OTP)
    assert digest is not None
    ledger.finished(digest, "unknown")
    assert guard.taken("send-sms", digest, redelivered=False) is None  # a new, identical OTP
    assert guard.taken("send-sms", digest, redelivered=True).code is Code.DUPLICATE  # type: ignore[union-attr]
    ledger.close()


def test_a_possibly_sent_redelivery_answers_unknown_and_a_failed_one_runs(tmp_path: Path) -> None:
    ledger = FileSendLedger(tmp_path / "ledger")
    guard = RedeliveryGuard(b"k" * 32, ledger)
    unknown, failed = guard.digest(OTP), guard.digest({**OTP, "command": "send-mail"})
    assert unknown is not None and failed is not None
    ledger.sending(unknown)
    ledger.finished(failed, "failed")
    reply = guard.taken("send-sms", unknown, redelivered=True)
    assert reply is not None and reply.code is Code.OUTCOME_UNKNOWN
    assert reply.data == {"duplicate": True, "state": "unknown"}
    assert guard.taken("send-mail", failed, redelivered=True) is None
    ledger.close()
