"""Applying the stored network and firewall settings through the privileged helper, with the
safety net: one change at a time, a refused or failed apply undoes the stored change, and an
applied one waits for confirmation (``NetworkChanges`` restores it when nobody confirms).

Shared by the network settings and the firewall rules; off a device (no helper) a change is
only stored.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from otpbroker.domain.ports import Repository
from otpbroker.i18n.translate import _
from otpbroker.services.network_changes import HelperPending, NetworkChanges
from otpbroker.services.network_pending_file import RecordBefore
from otpbroker.services.settings import SettingsService

PORTS = "firewall_ports"
Undo = Callable[[], object]


class NetworkFiles(Protocol):
    """The network control: system files rendered from the settings, applied by the helper.

    ``preview`` raises ValueError naming the problem; ``apply`` raises with the helper's text.
    """

    @property
    def available(self) -> bool:
        """False off a device: settings are stored but not applied."""
        ...

    def preview(self, settings: Mapping[str, Any], ports: Any) -> dict[str, str]:
        """``{target: file text}`` for the given settings and firewall port records."""
        ...

    def apply(self, settings: Mapping[str, Any], ports: Any, confirm: bool,
              targets: Any = None) -> dict[str, Any]:  # fmt: skip
        """Apply; with ``confirm`` returns ``{"token", "deadline", "targets"}``."""
        ...

    def always_open(self, settings: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Ports the firewall keeps open whatever the records say, each with its reason."""
        ...


class NetworkApply(NetworkFiles, HelperPending, Protocol):
    """The whole network control: files applied with the safety net, and the helper's pending
    change confirmed or reverted. Off a device it is there with ``available`` False."""


class Applied(enum.Enum):
    """How a stored change went on."""

    STORED = "stored"  # nothing to apply (e.g. only the confirmation time changed)
    NOT_WIRED = "not wired"  # this process applies nothing
    NO_HELPER = "no helper"  # not a device: stored only
    WAITING = "waiting"  # applied: confirm within network.confirm_seconds


@dataclass(frozen=True)
class Outcome:
    """A stored change: what it was (``summary``, in the reader's language) and how it went
    on."""

    summary: str
    applied: Applied


class NotApplied(ValueError):
    """The change was undone; the text says why (for the page, as it is)."""


class ChangeWaiting(NotApplied):
    """Another change waits for confirmation: nothing was changed."""


class SafetyNet:
    """Apply what is stored, one change at a time, undoing it when it cannot be applied."""

    def __init__(self, settings: SettingsService, records: Repository,
                 network: Callable[[], NetworkFiles | None],
                 changes: NetworkChanges | None) -> None:  # fmt: skip
        self._settings = settings
        self._records = records
        self._network = network
        self._changes = changes

    def waiting(self) -> bool:
        """True while an applied change waits for confirmation (no other may start)."""
        return self._changes is not None and bool(self._changes.pending().get("token"))

    def refuse_if_waiting(self) -> None:
        """ChangeWaiting while another change waits for confirmation."""
        if self.waiting():
            raise ChangeWaiting("a change is waiting for confirmation")

    def state(self) -> dict[str, Any]:
        """What the pages show of the safety net: the change waiting for confirmation
        (``pending``), notices of reverted changes (each once), whether changes are applied
        here (``applies``) and whether network control is wired at all (``wired``). Asking
        also restores the settings of a change the helper reverted meanwhile."""
        changes, network = self._changes, self._network()
        return {
            "pending": changes.pending() if changes is not None else {},
            "notices": changes.take_notices() if changes is not None else [],
            "applies": network is not None and network.available,
            "wired": network is not None,
        }

    def ports(self) -> list[dict[str, Any]]:
        """The owner's firewall port records."""
        return self._records.list(PORTS)

    def always_open(self) -> list[dict[str, Any]]:
        """The ports the firewall keeps open whatever the records say (none when not wired)."""
        network = self._network()
        return network.always_open(self._settings.current()) if network is not None else []

    def apply(self, summary: str, targets: list[str], undo: Undo, *,
              settings: Mapping[str, Any] | None = None,
              records: Iterable[RecordBefore] = ()) -> Applied:  # fmt: skip
        """Apply the stored settings and ports to ``targets``; on a refusal ``undo()`` and
        raise NotApplied. ``settings`` and ``records`` are the previous values the safety
        net puts back if the change is not confirmed in time."""
        network, changes = self._network(), self._changes
        if network is None or changes is None:
            return Applied.NOT_WIRED
        current, ports = self._settings.current(), self.ports()
        try:
            network.preview(current, ports)
        except ValueError as exc:
            undo()
            raise NotApplied(_("Nothing was saved: {reason}").format(reason=exc)) from None
        if not network.available:
            return Applied.NO_HELPER
        try:
            changes.apply(summary, lambda: network.apply(current, ports, True, targets),
                          settings=settings, records=records)  # fmt: skip
        except Exception as exc:  # the helper's precise message
            undo()
            text = _("Not applied, nothing was saved: {reason}")
            raise NotApplied(text.format(reason=exc)) from None
        return Applied.WAITING

    def confirm(self, token: str) -> None:
        """Keep the change waiting for confirmation (NotApplied with the reason)."""
        network, changes = self._network(), self._changes
        if network is None or not network.available or changes is None:
            raise NotApplied(_("Nothing to confirm: no privileged helper on this machine."))
        try:
            changes.confirm(token)
        except Exception as exc:
            raise NotApplied(_("Not confirmed: {reason}").format(reason=exc)) from None
