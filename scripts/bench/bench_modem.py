"""Benchmark the modem driver against the emulator (in a separate process).

Prints: PDU encode cost, driver CPU per SMS (this process only: the emulator runs in its own),
the round trip of one SMS at a time, messages per second through one zero-delay modem
(information: a real modem sends 6-15 a minute), and achieved/ideal throughput with a 2 s
SMSC delay. Every message must come back SENT or nothing is printed.
Figures only: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

from otpbroker.domain.message import SendOutcome
from otpbroker.modem import pdu
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker

BIN = Path(sys.executable).with_name("otp-broker")
TEXT = "Kode OTP Anda 482913. Jangan berikan kode ini kepada siapa pun."
NUMBER = "+628126666666"


def start_sim(delay: float, workdir: Path) -> tuple[subprocess.Popen, str]:
    """Start one emulated modem in its own process; return it and its pty path."""
    # --prompt-delay 0: the modem's whole time per SMS is ``delay`` (the emulator's default
    # 0.05 s before the prompt would be counted as the driver's)
    instant_prompt = ["--prompt-delay", "0", "--link-dir", workdir]
    proc = subprocess.Popen(
        [BIN, "modem-sim", "--count", "1", "--delay", str(delay), *instant_prompt],
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, proc.stdout.readline().split()[0]


def start_worker(port: str) -> ModemWorker:
    worker = ModemWorker("bench", SerialSettings(port=port), ModemOptions(result_timeout=120))
    worker.start()
    deadline = time.monotonic() + 20
    while not worker.status.connected:
        if time.monotonic() > deadline:
            raise SystemExit(f"modem never became ready: {worker.status}")
        time.sleep(0.05)
    return worker


def send_all(worker: ModemWorker, count: int) -> float:
    """Queue ``count`` messages at once; return seconds until the last result."""
    start = time.perf_counter()
    futures = [worker.submit_sms(encode_sms(NUMBER, f"{TEXT} #{i}")) for i in range(count)]
    outcomes = [f.result(600).outcome for f in futures]
    elapsed = time.perf_counter() - start
    if outcomes.count(SendOutcome.SENT) != count:
        raise SystemExit(f"not every message was sent: {outcomes}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--slow-messages", type=int, default=10)
    args = parser.parse_args()

    rounds = 20000
    encode_us = timeit.timeit(lambda: pdu.encode_submit(NUMBER, TEXT), number=rounds) / rounds * 1e6

    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_sim(0.0, Path(tmp))
        worker = start_worker(port)
        try:
            send_all(worker, 50)  # warm-up
            cpu0 = time.process_time()  # this process: the driver (the emulator is apart)
            sequential_start = time.perf_counter()
            for i in range(200):
                outcome = worker.submit_sms(encode_sms(NUMBER, f"{TEXT} s{i}")).result(60).outcome
                if outcome != SendOutcome.SENT:
                    raise SystemExit(f"sequential message {i}: {outcome}, refusing to print")
            sequential = (time.perf_counter() - sequential_start) / 200
            elapsed = send_all(worker, args.messages)
            cpu_per_sms = (time.process_time() - cpu0) / (200 + args.messages)
        finally:
            worker.stop()
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)

        proc, port = start_sim(2.0, Path(tmp) / "slow")
        worker = start_worker(port)
        try:
            slow_elapsed = send_all(worker, args.slow_messages)
        finally:
            worker.stop()
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)

    ideal = args.slow_messages * 2.0
    print("modem driver benchmark (emulator in a separate process, real pty)")
    print(f"  PDU encode, single part            {encode_us:10.1f} us/SMS")
    print(f"  driver CPU (encode + AT exchange)  {cpu_per_sms * 1e3:10.3f} ms/SMS")
    print(f"  round trip, one at a time          {sequential * 1e3:10.3f} ms/SMS")
    print(f"  one zero-delay modem, queued       {args.messages / elapsed:10.1f} SMS/s (info)")
    print(f"  2 s/SMS modem: {args.slow_messages} SMS in {slow_elapsed:.2f} s, ideal {ideal:.0f} s")
    print(f"  achieved / ideal throughput        {ideal / slow_elapsed:10.4f}   (goal >= 0.99)")


if __name__ == "__main__":
    main()
