"""E-mail to the administrators when an alert is raised, through the device's mail path.

Every active, unblocked administrator with an e-mail address gets one mail per new alert
(``send-mail`` through ``MailService``, the same path as password resets). Mails go out on
a thread of their own, so whoever raised the alert (a modem's owner thread, a request) never
waits for an SMTP server. What became of it is noted on the alert and shown with it: sent
to whom (masked), or that no mail account is configured, or that no administrator has an
address. An alert that keeps coming back is mailed at most once per ``cooldown`` seconds.

Alerts raised before the mailer starts (the broker starts its modems first, and a modem
without a SIM says so at once) are mailed when it starts: every active alert whose mail
was not tried yet. An alert is handled once however it was heard.

Mails (the alert's own title, text and advice included) and the outcome noted on the alert
are written in the device's language (``device.language``); the log says the outcome in
English.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from otpbroker.domain.mail import mask_address
from otpbroker.i18n.translate import N_, _, use_language
from otpbroker.services.alerts import Alert, Alerts
from otpbroker.services.replies import Code

log = logging.getLogger(__name__)

SUBJECT = N_("OTP Broker alert: {title}")
NOT_CONFIGURED = N_("not e-mailed: no mail account is configured (add one on the Mail page)")
NO_ADDRESS = N_("not e-mailed: no administrator has an e-mail address")
MAILED_RECENTLY = N_("not e-mailed again: mailed a short while ago")
SENT_TO = N_("e-mailed to {addresses}")
NOT_SENT = N_("not e-mailed")
SENT_BUT = N_("e-mailed to {addresses}; sending to {failed} failed (see the log)")
NOT_SENT_FAILED = N_("not e-mailed; sending to {failed} failed (see the log)")


class Mailer(Protocol):
    """Sends one e-mail; the answer has ``.code`` (``Code.OK`` when sent)."""

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Any:
        """Send it."""
        ...


def alert_body(alert: Alert) -> str:
    """The mail text in the current language: what happened, what to do, when (no message
    text, no number)."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(alert.raised_at))
    title, text, advice = alert.shown()
    lines = [title, "", text]
    if advice:
        lines += ["", _("What to do: {advice}").format(advice=advice)]
    lines += ["", _("Raised at {time} (device time). Active alerts are listed on the admin's "
                    "home page until the condition is gone.").format(time=when)]  # fmt: skip
    return "\n".join(lines) + "\n"


def admin_addresses(admins: Iterable[Mapping[str, Any]]) -> list[str]:
    """The e-mail addresses of active, unblocked administrators."""
    return [
        str(admin["email"]).strip()
        for admin in admins
        if admin.get("email") and admin.get("active", True) and not admin.get("blocked")
    ]


class AlertMailer:
    """Listens to ``Alerts`` and mails each new alert to the administrators."""

    def __init__(
        self,
        alerts: Alerts,
        admins: Callable[[], Iterable[Mapping[str, Any]]],
        mailer: Callable[[], Mailer | None],
        *,
        cooldown: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        language: Callable[[], str] = lambda: "",
    ) -> None:
        self._alerts = alerts
        self._language = language
        self._admins = admins
        self._mailer = mailer
        self._cooldown = cooldown
        self._clock = clock
        self._last: dict[str, float] = {}
        self._queue: queue.Queue[Alert | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Listen to the alerts and send from a thread of its own; the active alerts not
        mailed yet (raised before the start) go first."""
        self._unsubscribe = self._alerts.subscribe(self._heard)
        for alert in self._alerts.active():
            if not alert.mail:
                self._queue.put(alert)
        self._thread = threading.Thread(target=self._run, name="alert-mail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; mails not yet sent are dropped."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _heard(self, event: str, alert: Alert) -> None:
        if event == "raised":
            self._queue.put(alert)

    def _run(self) -> None:
        while (alert := self._queue.get()) is not None:
            if self._handled(alert):
                continue  # heard twice: raised while the mailer was starting
            try:
                self.send(alert)
            except Exception:  # one failed mail must not stop the others
                log.exception("alert mail failed")

    def _handled(self, alert: Alert) -> bool:
        """True when this very alert (same key, same raising) already has its mail noted."""
        current = self._alerts.get(alert.key)
        return current is not None and current.raised_at == alert.raised_at and bool(current.mail)

    def send(self, alert: Alert) -> str:
        """Mail ``alert`` now (unless mailed within the cool-down); returns the outcome (in
        the device's language, as noted on the alert)."""
        now = self._clock()
        last = self._last.get(alert.key)
        if last is not None and now - last < self._cooldown:
            return self._note(alert, MAILED_RECENTLY)
        addresses = admin_addresses(self._admins())
        mailer = self._mailer()
        if not addresses:
            return self._note(alert, NO_ADDRESS)
        if mailer is None:
            return self._note(alert, NOT_CONFIGURED)
        sent: list[str] = []
        failed: list[str] = []
        with use_language(self._language()):
            subject = _(SUBJECT).format(title=alert.shown()[0])
            body = alert_body(alert)
        for address in addresses:
            reply = mailer.send_mail(address, subject[:200], body, "alert")
            if reply.code is Code.NOT_CONFIGURED:
                return self._note(alert, NOT_CONFIGURED)
            (sent if reply.code is Code.OK else failed).append(mask_address(address))
        self._last[alert.key] = now
        values = {"addresses": ", ".join(sent), "failed": ", ".join(failed)}
        if failed:
            return self._note(alert, SENT_BUT if sent else NOT_SENT_FAILED, **values)
        return self._note(alert, SENT_TO if sent else NOT_SENT, **values)

    def _note(self, alert: Alert, message: str, **values: str) -> str:
        """Note the outcome on the alert in the device's language; log it in English."""
        with use_language(self._language()):
            outcome = _(message).format(**values)
        self._alerts.note_mail(alert.key, outcome)
        log.info("alert %s: %s", alert.key, message.format(**values))
        return outcome


__all__ = ["AlertMailer", "admin_addresses", "alert_body"]
