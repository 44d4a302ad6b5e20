"""Benchmark four emulated modems of mixed personalities with their realistic timing.

The emulator (its own process, real ptys) answers each SMS after a random 1-6 s, as its
personalities' networks do. 400 messages go through ``SmsService.submit`` from 16 threads
at once (as a feeder's worker pool would hand them over), routed over the four modems.

Printed: the achieved throughput, and the **ideal** one: the same 400 messages, each with
the time its modem needed for it (the network time the emulator recorded, plus the modem's
``>`` prompt delay), handed in the same order to whichever of
the four modems is free first with no overhead at all (list scheduling). The ratio says
how much the broker's own work and its choice of modem cost. For comparison: the lower
bound of any schedule (all modems busy until the very end) and what handing every fourth
message to each modem in turn would have taken with the same times (simulated).
Figures only: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import heapq
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.sim.identity import REALISTIC_TIMING
from otpbroker.modem.transport import SerialSettings
from otpbroker.services.sms import SmsRequest, SmsService

BIN = Path(sys.executable).with_name("otp-broker")
PROFILES = ("quectel-ec25", "huawei-e3131", "simcom-sim7600", "zte-mf667")
TEXT = "Kode OTP Anda {code:06d}. Jangan berikan kode ini kepada siapa pun."


class Settings:
    """The SMS settings ``SmsService`` reads (de-duplication off: every text differs)."""

    VALUES = {
        "device.country_code": "62",
        "sms.dedup_window_seconds": 0,
        "sms.max_attempts": 3,
        "sms.queue_timeout_seconds": 900,
        "sms.max_parts": 10,
    }

    def get(self, key: str) -> Any:
        """A setting's value."""
        return self.VALUES[key]


class NoBlocks:
    """A blocking list with nobody on it."""

    def is_blocked(self, msisdn: str) -> bool:
        """Nobody is blocked."""
        return False


def start_modems(workdir: Path, seed: int) -> tuple[subprocess.Popen[str], list[str]]:
    """The emulator process and the stable links of its modems."""
    links, out = workdir / "links", workdir / "out.jsonl"
    argv = [str(BIN), "modem-sim", "--profile", ",".join(PROFILES), "--seed", str(seed),
            "--link-dir", str(links), "--deliveries", str(out)]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    imeis = [proc.stdout.readline().split()[1] for _ in PROFILES]
    return proc, [str(links / imei) for imei in imeis]


def start_pool(ports: list[str]) -> ModemPool:
    """One worker per modem, waited for until every one is ready."""
    pool = ModemPool()
    options = ModemOptions(result_timeout=120)
    pool.apply([ModemSpec(PROFILES[i], PROFILES[i], SerialSettings(port=port), options)
                for i, port in enumerate(ports)])  # fmt: skip
    deadline = time.monotonic() + 60
    while not all(status.connected for status in pool.statuses()):
        if time.monotonic() > deadline:
            raise SystemExit(f"modems never became ready: {pool.statuses()}")
        time.sleep(0.1)
    return pool


def list_schedule(times: list[float], modems: int) -> float:
    """Makespan of handing each job, in order, to the first modem free (no overhead)."""
    free = [0.0] * modems
    for seconds in times:
        heapq.heappush(free, heapq.heappop(free) + seconds)
    return max(free)


def in_turn(times: list[float], modems: int) -> float:
    """Makespan of handing job i to modem i mod ``modems`` (a fixed round-robin)."""
    return max(sum(times[k::modems]) for k in range(modems))


def modem_times(path: Path, texts: list[str]) -> list[float]:
    """The time each text needed from its modem, in submission order: the network's time
    the emulator recorded, plus the modem's own ``>`` prompt delay for every part."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    prompt = float(REALISTIC_TIMING["prompt_delay"])
    by_text = {row["text"]: float(row["smsc_seconds"]) + prompt * row["parts"] for row in rows}
    missing = [text for text in texts if text not in by_text]
    if missing or len(rows) != len(texts):
        raise SystemExit(f"{len(rows)} deliveries for {len(texts)} messages: refusing to print")
    return [by_text[text] for text in texts]


def run(messages: int, senders: int, seed: int) -> None:
    """Send, measure, print."""
    texts = [TEXT.format(code=index) for index in range(messages)]
    with tempfile.TemporaryDirectory() as tmp:
        proc, ports = start_modems(Path(tmp), seed)
        pool = start_pool(ports)
        service = SmsService(pool, NoBlocks(), Settings())  # type: ignore[arg-type]
        try:
            requests = [SmsRequest(f"0812{index:08d}", text) for index, text in enumerate(texts)]
            started = time.perf_counter()
            with ThreadPoolExecutor(senders) as executor:
                deliveries = list(executor.map(service.submit, requests))
            elapsed = time.perf_counter() - started
        finally:
            pool.stop()
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        outcomes = Counter(d.outcome for d in deliveries)
        if outcomes[SendOutcome.SENT] != messages:
            raise SystemExit(f"not every message was sent: {dict(outcomes)}")
        times = modem_times(Path(tmp) / "out.jsonl", texts)
    shares = Counter(d.modem_id for d in deliveries)
    ideal = list_schedule(times, len(PROFILES))
    bound = sum(times) / len(PROFILES)
    print("mixed modems benchmark (emulator in its own process, real ptys, realistic timing)")
    print(f"  modems: {', '.join(PROFILES)}; {messages} SMS from {senders} threads")
    print(f"  modem time per SMS (recorded)      {min(times):.2f} .. {max(times):.2f} s, "
          f"mean {sum(times) / len(times):.2f} s")  # fmt: skip
    print(f"  messages per modem                 {dict(sorted(shares.items()))}")
    for label, seconds in (("achieved", elapsed), ("ideal (first free modem, no cost)", ideal)):
        print(f"  {label:<35}{seconds:7.1f} s  {messages / seconds * 60:7.1f} SMS/min")
    print(f"  achieved / ideal throughput        {ideal / elapsed:10.4f}   (goal >= 0.99)")
    print(f"  for comparison: all busy to the end {bound:7.1f} s; every 4th to each modem "
          f"{in_turn(times, len(PROFILES)):.1f} s (simulated)")  # fmt: skip


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    run(args.messages, args.senders, args.seed)


if __name__ == "__main__":
    main()
