"""``otp-broker modem-check``: talk to one modem (real or emulated) and report.

The tool an installer uses to see that a modem answers, what it is, how good
its signal is, whether it has an SMS path, what its SIM needs (PIN tries left,
what to do), and (optionally) that it can send an SMS or run a USSD code, with
the class of any error, or (``--self-test NUMBER``) that an SMS it sends to NUMBER
comes back to it as received, with the round trip.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import threading
import time
from concurrent.futures import Future
from typing import Any

from otpbroker.domain.inbound import InboundPart, SimSlot
from otpbroker.domain.send_errors import classify
from otpbroker.domain.sim_state import sim_advice
from otpbroker.i18n.translate import _
from otpbroker.modem import pdu
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.status import ModemStatus
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker
from otpbroker.stop_signals import StopSignals, exit_after, stop_watched

#: Seconds the modem's port may take to close after a stop signal before the process ends.
STOP_BOUND = 15.0


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``modem-check`` subcommand."""
    parser = commands.add_parser("modem-check",
                                 help=_("identify a modem, optionally send or USSD"))  # fmt: skip
    parser.add_argument("--port", required=True,
                        help=_("serial port, e.g. /dev/serial/by-id/..."))  # fmt: skip
    parser.add_argument("--baud", type=int, default=115200, help=_("serial speed (bit/s)"))
    parser.add_argument("--pin", default=None, help=_("SIM PIN (entered once, never retried)"))
    parser.add_argument("--send-to", default=None,
                        help=_("number to send a test SMS to (+<cc>...)"))  # fmt: skip
    parser.add_argument("--text", default="OTP Broker test message",
                        help=_("text of the test SMS"))  # fmt: skip
    parser.add_argument("--ussd", default=None, help=_("USSD code to run, e.g. *888#"))
    parser.add_argument("--timeout", type=float, default=30.0,
                        help=_("seconds to wait for the modem"))  # fmt: skip
    parser.add_argument("--self-test", default=None, metavar="NUMBER",
                        help=_("send a token SMS to NUMBER (e.g. the SIM's own) and wait for it "
                               "to come back on this modem"))  # fmt: skip
    parser.add_argument(
        "--self-test-wait",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help=_("seconds to wait for the self-test SMS to come back (default 120)"),
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Open the modem, wait until ready, print its status as JSON, run the optional actions.

    Exit status 0 when the modem could send (ready, with an SMS path), else 1; 128 + the
    signal's number when SIGTERM, SIGINT or SIGHUP stopped the check (the port is closed
    first; a second signal during that ends the process at once)."""
    signals = StopSignals()
    signals.install()
    try:
        self_test = getattr(args, "self_test", None)  # a caller's Namespace may lack it
        back = SelfTestWatch(_token() if self_test else "")
        worker = ModemWorker(
            "check",
            SerialSettings(port=args.port, baudrate=args.baud),
            ModemOptions(pin=args.pin),
            on_inbound=back.take if self_test else None,
            inbound_poll=(lambda: 5.0) if self_test else None,
        )
        args.self_test_watch = back
        worker.start()
        checked: Future[dict[str, Any]] = Future()
        threading.Thread(target=_check, args=(args, worker, checked, signals), daemon=True).start()
        came: list[int] = []
        while not came and not checked.done():
            came = signals.wait(None if signals.installed else 0.1)
        if not came:
            worker.stop()
            report = checked.result()
            json.dump(report, sys.stdout, indent=2, default=str)
            sys.stdout.write("\n")
            return 0 if report["routable"] else 1
        stopped = _("modem-check: stopped by {signal}")
        print(stopped.format(signal=signal.Signals(came[0]).name), file=sys.stderr)
        unclosed = _("modem-check: the port did not close in {seconds} s")
        exit_after(STOP_BOUND, 1, unclosed.format(seconds=f"{STOP_BOUND:g}"))
        stop_watched(worker.stop, signals, lambda signum: os._exit(128 + signum))
        return 128 + came[0]
    finally:
        signals.restore()


def _check(
    args: argparse.Namespace,
    worker: ModemWorker,
    checked: Future[dict[str, Any]],
    signals: StopSignals,
) -> None:
    """The check itself, on a thread of its own: its report (or error) into ``checked``."""
    try:
        checked.set_result(_report(args, worker))
    except BaseException as exc:  # raised again by the main thread
        checked.set_exception(exc)
    finally:
        signals.wake()


def _report(args: argparse.Namespace, worker: ModemWorker) -> dict[str, Any]:
    """Wait for the modem, run the actions: the report."""
    deadline = time.monotonic() + args.timeout
    while worker.status.state in ("disconnected", "connecting") and time.monotonic() < deadline:
        time.sleep(0.1)
    status = worker.status
    report = status_report(args.port, status)
    if status.connected and args.send_to:
        try:
            message = encode_sms(args.send_to, args.text)
            result = worker.submit_sms(message).result(timeout=180)
            report["sms"] = {
                "outcome": result.outcome.value,
                "references": result.references,
                "parts": result.parts,
                "error": result.error,
                "error_class": error_report(result.error_code),
            }
            report["sms_path"] = path_report(worker.status)
        except pdu.PduError as exc:
            report["sms"] = {"outcome": "rejected", "error": str(exc)}
    if status.connected and getattr(args, "self_test", None):
        report["self_test"] = self_test_report(worker, args.self_test, args.self_test_watch,
                                               args.self_test_wait)  # fmt: skip
    if status.connected and args.ussd:
        try:
            report["ussd"] = {"reply": worker.submit_ussd(args.ussd).result(timeout=90)}
        except Exception as exc:  # report any failure, this is a diagnostic tool
            report["ussd"] = {"error": str(exc)}
    return report


SELF_TEST_TEXT = "OTP Broker self-test {token}"


def _token() -> str:
    """Five random characters, easy to read back."""
    return "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _index in range(5))


class SelfTestWatch:
    """The modem's received parts while the check runs: notes when the token came back."""

    def __init__(self, token: str) -> None:
        """Watch for ``token`` (an empty one matches nothing)."""
        self.token = token
        self.back = threading.Event()
        self.arrived_at: float | None = None

    def take(self, part: InboundPart) -> list[SimSlot]:
        """One received part (the modem's thread): the token's part is deleted, others kept."""
        if not self.token or self.token not in part.text:
            return []
        if not self.back.is_set():
            self.arrived_at = time.time()
            self.back.set()
        return [part.slot] if part.slot.index else []


def self_test_report(worker: ModemWorker, number: str, watch: SelfTestWatch,
                     wait: float) -> dict[str, Any]:  # fmt: skip
    """Send the token SMS to ``number`` and wait ``wait`` seconds for it to come back."""
    try:
        message = encode_sms(number, SELF_TEST_TEXT.format(token=watch.token))
    except pdu.PduError as exc:
        return {"outcome": "rejected", "error": str(exc)}
    result = worker.submit_sms(message).result(timeout=180)
    sent_at = time.time()
    report: dict[str, Any] = {"token": watch.token, "sent": result.outcome.value,
                              "sent_at": sent_at, "wait_seconds": wait}  # fmt: skip
    if result.outcome.value != "sent":
        report.update(outcome="not-sent", error=result.error,
                      error_class=error_report(result.error_code))  # fmt: skip
        return report
    if watch.back.wait(wait) and watch.arrived_at is not None:
        trip = max(0.0, watch.arrived_at - sent_at)
        report.update(outcome="back", arrived_at=watch.arrived_at,
                      round_trip_seconds=round(trip, 3),
                      summary=f"back after {trip:.1f} s")  # fmt: skip
    else:
        report.update(outcome="not-back", summary=f"not back after {wait:g} s")
    return report


def error_report(code: str | None) -> dict[str, str] | None:
    """An error code with its class, meaning and advice (None without an error)."""
    info = classify(code)
    if info is None:
        return None
    return {"code": info.code, "class": info.error_class.value, "text": info.text,
            "advice": info.advice}  # fmt: skip


def path_report(status: ModemStatus) -> dict[str, Any] | None:
    """The SMS-path verdict (None before the modem answered)."""
    verdict = status.sms_path
    if verdict is None:
        return None
    return {"path": verdict.path.value, "available": verdict.available, "code": verdict.code,
            "reason": verdict.reason, "roaming": verdict.roaming,
            "weak_signal": verdict.weak_signal}  # fmt: skip


def sim_report(status: ModemStatus) -> dict[str, Any]:
    """The SIM's state, PIN tries left (when the modem told) and what to do."""
    advice = sim_advice(status.state, status.pin_tries)
    state = status.state if advice else ("ready" if status.connected else "unknown")
    return {"state": state, "pin_tries_left": status.pin_tries, "advice": advice}


def status_report(port: str, status: ModemStatus) -> dict[str, Any]:
    """Everything modem-check prints about a modem's state."""
    reason, reason_text = status.out_of_routing
    return {
        "port": port,
        "state": status.state,
        "routable": reason is None,
        "out_of_routing": {"reason": reason, "text": reason_text} if reason else None,
        "last_error": status.last_error,
        "last_error_class": error_report(status.last_error_code),
        "vendor": status.vendor,
        "identity": vars(status.identity),
        "network": {**vars(status.network), "signal_percent": status.network.signal_percent},
        "sms_path": path_report(status),
        "sim": sim_report(status),
        "burst_mode": status.cmms,
    }
