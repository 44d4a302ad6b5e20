"""The use case "make a diagnostic report of one modem", for ``modem-check --report`` and
the admin's "Download diagnostic report" button alike.

It checks what the owner chose (a USSD code, whether its reply text is kept, a number for
one test SMS), has the adapter run the fixed script and anonymise the transcript
(``domain.ports.ModemReports``), and hands back the JSON file's name and bytes within the
format's size limit. The PIN is never asked for.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from otpbroker.domain.field_report import ReportError, ReportRequest
from otpbroker.domain.ports import ModemReports

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFile:
    """A report ready to save or download."""

    name: str
    data: bytes


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "modem"


class DiagnosticReports:
    """Makes field reports through one adapter (a serial port or the modem pool)."""

    def __init__(self, reports: ModemReports) -> None:
        """``reports``: where the script runs."""
        self._reports = reports

    def make(
        self,
        target: str,
        *,
        ussd_code: str | None = None,
        include_ussd_text: bool = False,
        sms_to: str | None = None,
    ) -> ReportFile:
        """The report of modem ``target`` as a file; ``ReportError`` with the reason."""
        request = ReportRequest(
            ussd_code=(ussd_code or "").strip() or None,
            include_ussd_text=include_ussd_text,
            sms_to=(sms_to or "").replace(" ", "") or None,
        )
        request.check()
        report = self._reports.make_report(target, request)
        text = report.dumps()
        model = _slug(str(report.modem.get("model", "modem")))
        day = report.created[:10] or "report"
        log.info("diagnostic report of %s made (%d steps)", target, len(report.steps))
        return ReportFile(f"field-report-{model}-{day}.json", text.encode("utf-8"))


__all__ = ["DiagnosticReports", "ReportError", "ReportFile"]
