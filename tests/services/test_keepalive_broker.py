"""Keep-alive idleness on a running broker: the composition root keeps it in the data
directory's ``keepalive.json`` (the modem id and a time, never a number), and a broker
started again over the same data directory counts from the same time."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

from otpbroker.bootstrap import Broker
from otpbroker.config.keepalive_file import FILE_NAME, KeepAliveFile

OWN = "6281100000077"


def test_idleness_survives_a_broker_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    harness = BrokerHarness(data)
    _sim, modem_id = harness.add_modem(msisdn=OWN, keepalive_number="own", keepalive_days=5)
    path = data / FILE_NAME
    try:
        harness.start()
        deadline = time.monotonic() + 20
        while modem_id not in KeepAliveFile(path).load():
            assert time.monotonic() < deadline, "keepalive.json never got the modem"
            time.sleep(0.05)
        assert harness.broker.keepalive is not None
        since = harness.broker.keepalive.idle_since(modem_id)
    finally:
        harness.stop()
    assert since is not None and KeepAliveFile(path).load() == {modem_id: since}
    text = path.read_text(encoding="utf-8")
    assert OWN not in text and OWN[-4:] not in text
    again = Broker(data)  # a restart: the idleness is read back, not started again
    try:
        assert again.keepalive is not None and again.keepalive.idle_since(modem_id) == since
    finally:
        again.stop()
