"""``otp-broker modem-check``: the check of ``modem/check.py``, plus ``--report FILE``.

With ``--report`` the command runs the field report's fixed, safe script on the port
instead of the check (``services/diagnostic_reports.py``) and writes the anonymised JSON
report to FILE, adding the ``--ussd`` code (its reply text only with
``--include-ussd-text``) and one test SMS to ``--send-to`` when given. A PIN is never part
of a report: ``--pin`` is refused with ``--report`` (unlock the SIM first). Exit status 0
when the report was written, 2 when it could not be made.
"""

from __future__ import annotations

import argparse
import sys

from otpbroker.i18n.translate import _
from otpbroker.modem import check
from otpbroker.modem.report_makers import SerialPortReports
from otpbroker.services.diagnostic_reports import DiagnosticReports, ReportError


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``modem-check`` subcommand with its report options."""
    parser = check.register(commands)
    parser.add_argument(
        "--report",
        metavar="FILE",
        help=_(
            "run the safe diagnostic script and write an anonymised field report (JSON) to "
            "FILE; --ussd and --send-to are added to it"
        ),
    )
    parser.add_argument("--include-ussd-text", action="store_true",
                        help=_("with --report: keep the USSD reply's text (default: only its "
                               "length and encoding)"))  # fmt: skip
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """The check, or with ``--report`` the report."""
    if not getattr(args, "report", None):
        return check.run(args)
    if args.pin:
        print(_("modem-check: --report never enters a PIN; unlock the SIM first "
                "(modem-check --pin, without --report)"), file=sys.stderr)  # fmt: skip
        return 2
    if args.self_test:
        print(_("modem-check: --self-test is not part of --report; run it separately"),
              file=sys.stderr)  # fmt: skip
        return 2
    reports = DiagnosticReports(SerialPortReports(args.baud))
    try:
        made = reports.make(args.port, ussd_code=args.ussd, sms_to=args.send_to,
                            include_ussd_text=args.include_ussd_text)  # fmt: skip
        with open(args.report, "wb") as out:
            out.write(made.data)
    except ReportError as exc:
        print(_("modem-check: no report: {error}").format(error=exc), file=sys.stderr)
        return 2
    except OSError as exc:
        unwritten = _("modem-check: cannot write {file}: {error}")
        print(unwritten.format(file=args.report, error=exc.strerror or exc), file=sys.stderr)
        return 2
    written = _(  # a report is always far more than one byte
        "modem-check: report written to {file} ({count} bytes); read it before you send it: "
        "no identifier or message text is in it"
    )
    print(written.format(file=args.report, count=len(made.data)))
    return 0
