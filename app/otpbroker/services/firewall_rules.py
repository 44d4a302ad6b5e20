"""The owner's firewall ports: add, change, open, close, delete, each applied to nftables with
the safety net. A change the helper refuses is undone in the stored records as well, so
records and firewall agree, and so is one it reverted (``NetworkChanges`` keeps the record's
previous fields). No change starts while another waits for confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import N_, _
from otpbroker.services.network_apply import PORTS, Outcome, SafetyNet
from otpbroker.services.network_pending_file import RecordBefore

FIELDS = ("port", "protocol", "interface", "comment", "active")
TARGETS = ["nftables"]
#: Each change in words, without and with an interface (whole sentences per action).
SUMMARIES: dict[str, tuple[str, str]] = {
    "added": (N_("port {port}/{protocol} added"),
              N_("port {port}/{protocol} on {interface} added")),
    "saved": (N_("port {port}/{protocol} saved"),
              N_("port {port}/{protocol} on {interface} saved")),
    "deleted": (N_("port {port}/{protocol} deleted"),
                N_("port {port}/{protocol} on {interface} deleted")),
    "opened": (N_("port {port}/{protocol} opened"),
               N_("port {port}/{protocol} on {interface} opened")),
    "closed": (N_("port {port}/{protocol} closed"),
               N_("port {port}/{protocol} on {interface} closed")),
}  # fmt: skip


class PortRefused(ValueError):
    """The configuration refused the port's fields; ``errors`` maps the field to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {text}" for key, text in errors.items()))
        self.errors = dict(errors)


def summary(record: Mapping[str, Any], action: str) -> tuple[str, str]:
    """The change in words: (English, for the log and the safety net's record; the same in
    the current language, for the page)."""
    plain, on_interface = SUMMARIES[action]
    message = on_interface if record.get("interface") else plain
    values = {"port": record["port"], "protocol": record["protocol"],
              "interface": record.get("interface")}  # fmt: skip
    return message.format(**values), _(message).format(**values)


def _kept(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in FIELDS}


class FirewallRules:
    """The firewall port records, changed one applied change at a time."""

    def __init__(self, records: Repository, net: SafetyNet) -> None:
        self._records = records
        self._net = net

    def ports(self) -> list[dict[str, Any]]:
        """Every port record."""
        return self._records.list(PORTS)

    def port(self, record_id: str) -> dict[str, Any]:
        """One port record (LookupError when there is none)."""
        return self._records.get_record(PORTS, record_id)

    def always_open(self) -> list[dict[str, Any]]:
        """The ports open whatever the records say, each with its reason."""
        return self._net.always_open()

    def waiting(self) -> bool:
        """True while a change waits for confirmation."""
        return self._net.waiting()

    def safety_net(self) -> dict[str, Any]:
        """The safety net's state for the page (see ``SafetyNet.state``)."""
        return self._net.state()

    def _stored(self, record_id: str | None, values: Mapping[str, Any]) -> dict[str, Any]:
        try:
            if record_id is None:
                return self._records.add(PORTS, values)
            return self._records.update(PORTS, record_id, values)
        except ValueError as exc:
            key = str(getattr(exc, "key", "") or "")
            field = key.rsplit(".", 1)[-1] if key else "_form"
            raise PortRefused({field: str(getattr(exc, "rule", "") or exc)}) from None

    def add(self, values: Mapping[str, Any]) -> Outcome:
        """Add a port and apply (PortRefused, ChangeWaiting, NotApplied: nothing kept)."""
        self._net.refuse_if_waiting()
        added = self._stored(None, values)
        english, shown = summary(added, "added")

        def undo() -> None:
            self._records.delete(PORTS, added["id"])

        applied = self._net.apply(english, TARGETS, undo,
                                  records=[RecordBefore(PORTS, added["id"], None)])  # fmt: skip
        return Outcome(shown, applied)

    def update(self, record_id: str, values: Mapping[str, Any]) -> Outcome:
        """Change a port's fields and apply (refused: the old fields are kept)."""
        before = self.port(record_id)
        self._net.refuse_if_waiting()
        self._stored(record_id, values)
        old = _kept(before)
        english, shown = summary({**before, **values}, "saved")
        applied = self._net.apply(english, TARGETS,
                                  lambda: self._records.update(PORTS, record_id, old),
                                  records=[RecordBefore(PORTS, record_id, old)])  # fmt: skip
        return Outcome(shown, applied)

    def delete(self, record_id: str) -> Outcome:
        """Delete a port and apply (refused: it is added back)."""
        before = self.port(record_id)
        self._net.refuse_if_waiting()
        kept = _kept(before)
        self._records.delete(PORTS, record_id)
        english, shown = summary(before, "deleted")
        applied = self._net.apply(english, TARGETS, lambda: self._records.add(PORTS, kept),
                                  records=[RecordBefore(PORTS, record_id, kept)])  # fmt: skip
        return Outcome(shown, applied)

    def set_open(self, record_id: str, active: bool) -> Outcome:
        """Open or close a port and apply (refused: it is as it was)."""
        before = self.port(record_id)
        self._net.refuse_if_waiting()
        self._records.update(PORTS, record_id, {"active": active})
        english, shown = summary(before, "opened" if active else "closed")
        applied = self._net.apply(
            english, TARGETS,
            lambda: self._records.update(PORTS, record_id, {"active": before["active"]}),
            records=[RecordBefore(PORTS, record_id, _kept(before))],
        )  # fmt: skip
        return Outcome(shown, applied)
