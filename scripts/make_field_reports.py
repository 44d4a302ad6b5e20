"""Regenerate the field reports kept in tests/modem/reports/ from the emulator's profiles.

Each report is made exactly as an owner makes one (``otp-broker modem-check --report``):
the fixed script, the USSD code ``*888#`` (its text kept: the emulator's reply is not
personal) and one test SMS, run against an emulated modem of one vendor profile with
realistic, seeded timing, then anonymised.

    .venv/bin/python scripts/make_field_reports.py [output directory, default tests/modem/reports]
"""

from __future__ import annotations

import sys
from pathlib import Path

from otpbroker.domain.field_report import ReportRequest
from otpbroker.modem.field_reports import anonymise, record
from otpbroker.modem.sim import SimModem, personality_profile
from otpbroker.modem.transport import SerialSettings, SerialTransport

PROFILES = (
    "generic",
    "huawei-e3131",
    "zte-mf667",
    "quectel-ec25",
    "simcom-sim7600",
    "simcom-sim800",
)
REQUEST = ReportRequest(ussd_code="*888#", include_ussd_text=True, sms_to="+628126666666")
SEED = 21


def make(name: str, folder: Path) -> Path:
    """The report of one emulated ``name`` modem, written to ``<folder>/<name>.json``."""
    profile = personality_profile(name, seed=SEED, urc_interval=0, send_delay=0.8,
                                  ussd_delay=0.6)  # fmt: skip
    with SimModem(profile) as sim:
        assert sim.path is not None
        transport = SerialTransport(SerialSettings(port=sim.path))
        transport.open()
        try:
            recording = record(transport, REQUEST)
        finally:
            transport.close()
    report = anonymise(recording, REQUEST, "unknown")
    path = folder / f"{name}.json"
    text = report.dumps().replace(report.created, "2026-12-07T00:00:00+00:00")
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    """Write every report; print their paths."""
    folder = Path(argv[1]) if len(argv) > 1 else Path("tests/modem/reports")
    folder.mkdir(parents=True, exist_ok=True)
    for name in PROFILES:
        print(make(name, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
