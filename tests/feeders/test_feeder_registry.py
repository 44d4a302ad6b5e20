"""The feeders by name: every feeder has a factory and a probe, and naming them imports none."""

from __future__ import annotations

import json
import subprocess
import sys

from otpbroker.feeders.registry import FEEDERS, feeder_factories, feeder_probes, on_first_use


def test_every_feeder_has_a_factory_and_a_probe_named_after_what_they_call():
    factories, probes = feeder_factories(), feeder_probes()
    assert set(factories) == set(probes) == set(FEEDERS) == {"rabbitmq", "ws", "mqtt"}
    assert factories["mqtt"].__name__ == "MqttFeeder"
    assert all(probe.__name__ == "probe" for probe in probes.values())


def test_the_module_is_imported_on_the_first_call_only():
    code = (
        "import json, sys\n"
        "from otpbroker.feeders.registry import feeder_factories, feeder_probes\n"
        "feeder_factories(); feeder_probes()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"pika", "paho", "websocket", "otpbroker.feeders.amqp"}
    assert on_first_use("json", "dumps")([1]) == "[1]"
