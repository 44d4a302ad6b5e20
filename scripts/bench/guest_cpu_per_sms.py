"""CPU milliseconds per SMS of the modem driver, on whatever machine runs it (e.g. a Pi-class
core in the QEMU guest of the image test).

    python3 guest_cpu_per_sms.py --python /path/to/the/app/python [--messages 200]

The script itself needs only the standard library; it runs again under the app's Python,
which starts one instant emulated modem in a process of its own (``python -m otpbroker
modem-sim``, on a real pty), sends ``--messages`` SMS through the real driver (PDU encoding
and the AT exchange, queued at once after a warm-up) and measures the CPU of the driver's
process only. Prints one line starting ``CPU ms per SMS:`` and exits 0, or says why it could
not measure and exits 1 (a message not sent). Figures only: nothing fails on time.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time

NUMBER = "+628126666666"
TEXT = "Kode OTP Anda 482913. Jangan berikan kode ini kepada siapa pun. #{}"
WARM_UP = 20


def measure(messages: int) -> float:
    """Run under the app's Python: the driver's CPU seconds per SMS."""
    from otpbroker.domain.message import SendOutcome
    from otpbroker.modem.encoded import encode_sms
    from otpbroker.modem.gsm import ModemOptions
    from otpbroker.modem.transport import SerialSettings
    from otpbroker.modem.worker import ModemWorker

    with tempfile.TemporaryDirectory(prefix="guest-cpu-") as tmp:
        sim = subprocess.Popen(
            [sys.executable, "-m", "otpbroker", "modem-sim", "--count", "1", "--delay", "0",
             "--prompt-delay", "0", "--link-dir", tmp],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        worker = None
        try:
            assert sim.stdout is not None
            port = sim.stdout.readline().split()[0]
            options = ModemOptions(result_timeout=120)
            worker = ModemWorker("guest", SerialSettings(port=port), options)
            worker.start()
            deadline = time.monotonic() + 120
            while not worker.status.connected:
                if time.monotonic() > deadline:
                    raise SystemExit(f"not measured: the modem never became ready: {worker.status}")
                time.sleep(0.1)

            def send(tags: range) -> None:
                futures = [worker.submit_sms(encode_sms(NUMBER, TEXT.format(i))) for i in tags]
                outcomes = [future.result(600).outcome for future in futures]
                unsent = sum(outcome != SendOutcome.SENT for outcome in outcomes)
                if unsent:
                    raise SystemExit(f"not measured: {unsent} message(s) not sent")

            send(range(WARM_UP))
            cpu = time.process_time()
            send(range(WARM_UP, WARM_UP + messages))
            return (time.process_time() - cpu) / messages
        finally:
            if worker is not None:
                worker.stop()
            sim.terminate()
            try:
                sim.wait(20)
            except subprocess.TimeoutExpired:
                sim.kill()
                sim.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the app's Python")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.messages < 1:
        parser.error("--messages must be at least 1")
    if args.child:
        print(f"{measure(args.messages) * 1e3:.3f}")
        return
    command = [args.python, __file__, "--child", "--messages", str(args.messages)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        print(f"CPU ms per SMS: not measured: {done.stderr.strip()[-400:]}", file=sys.stderr)
        raise SystemExit(1)
    cpu_ms = float(done.stdout.split()[-1])
    where = f"{platform.machine()}, Python {platform.python_version()}"
    print(f"CPU ms per SMS: {cpu_ms:.2f} (modem driver: PDU encoding + AT exchange, "
          f"{args.messages} SMS, {where})")  # fmt: skip


if __name__ == "__main__":
    main()
