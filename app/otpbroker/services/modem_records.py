"""The configured modems: list them as the admin shows them, add, edit, delete, activate and
deactivate one, prefill the form for a detected modem, and register modems by serial port
(``otp-broker serve --modem PORT``).

Secrets (SIM PIN, APN password) are never handed back for display: a modem's view says only
whether each is set. When a modem is edited, a blank secret keeps the stored one and a ticked
"remove" clears it; a new modem stores only the secrets typed. The configuration validates
every record and refuses with a ``ValueError`` whose ``key`` names the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from otpbroker.domain.ports import Repository

MODEMS = "modems"
SECRET_FIELDS = ("pin", "apn_password")
IMEI = re.compile(r"[0-9]{14,17}")
MAX_NAME = 64
MAX_PORT = 255


def secret_changes(typed: Mapping[str, str], clear: Collection[str], new: bool) -> dict[str, str]:
    """The secrets to store: typed ones; blank keeps the stored one unless ``clear`` names it
    (a new modem stores blanks)."""
    values = {}
    for key in SECRET_FIELDS:
        text = typed.get(key, "") or ""
        if key == "pin":
            text = text.strip()
        if text:
            values[key] = text
        elif new or key in clear:
            values[key] = ""
    return values


def suggestion(port: str, name: str, imei: str) -> dict[str, str]:
    """What the add form is prefilled with for a detected modem ("Add this modem"): an
    absolute port, a name cut to its limit and a well-formed IMEI; anything else is left out."""
    port, name, imei = port.strip(), name.strip(), imei.strip()
    found = {}
    if port.startswith("/") and len(port) <= MAX_PORT:
        found["port"] = port
    if name:
        found["name"] = name[:MAX_NAME]
    if IMEI.fullmatch(imei):
        found["imei"] = imei
    return found


def _row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One modem of the list: its settings at a glance."""
    return {
        "id": record["id"], "name": record["name"], "port": record["port"],
        "active": record["active"], "default": record["default_modem"],
        "api": record["send_from_api"], "internet": record["internet_access"],
        "prefixes": list(record.get("prefixes") or ()),
    }  # fmt: skip


class ModemRecords:
    """The modem records of the configuration and the rules for changing them."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    # -- reading -------------------------------------------------------------------------

    def all(self) -> list[dict[str, Any]]:
        """Every configured modem record (server side only: secrets included)."""
        return self._repo.list(MODEMS)

    def names(self) -> dict[str, str]:
        """``{modem id: name}`` of every configured modem."""
        return {m["id"]: m["name"] for m in self.all()}

    def active(self) -> list[dict[str, Any]]:
        """The active modems (also those that send manual SMS only)."""
        return [m for m in self.all() if m["active"]]

    def rows(self) -> list[dict[str, Any]]:
        """Every modem as the list shows it (id, name, port, flags, prefixes)."""
        return [_row(record) for record in self.all()]

    def view(self, modem_id: str) -> dict[str, Any]:
        """A modem for its form: id, name, whether each secret is set, and the record
        (for the form's fields); LookupError when there is none."""
        record = self._repo.get_record(MODEMS, modem_id)
        return {"id": record["id"], "name": record["name"], "record": record,
                **{key: bool(record.get(key)) for key in SECRET_FIELDS}}  # fmt: skip

    def users_by_device(self, same: Mapping[str, str]) -> dict[str, list[str]]:
        """``{device: names of the modems configured on it}``; ``same`` maps a port name
        (a by-id link) to its device."""
        used: dict[str, list[str]] = {}
        for record in self.all():
            configured = str(record.get("port") or "")
            used.setdefault(same.get(configured, configured), []).append(str(record["name"]))
        return used

    # -- changes -------------------------------------------------------------------------

    def add(self, values: Mapping[str, Any], typed: Mapping[str, str]) -> dict[str, Any]:
        """Store a new modem with the secrets typed (ValueError naming the field)."""
        return self._repo.add(MODEMS, {**values, **secret_changes(typed, (), new=True)})

    def edit(
        self,
        modem_id: str,
        values: Mapping[str, Any],
        typed: Mapping[str, str],
        clear: Collection[str] = (),
    ) -> dict[str, Any]:
        """Change a modem; a blank secret is kept unless ``clear`` names it (LookupError,
        ValueError naming the field)."""
        secrets = secret_changes(typed, clear, new=False)
        return self._repo.update(MODEMS, modem_id, {**values, **secrets})

    def set_active(self, modem_id: str, active: bool) -> dict[str, Any]:
        """Activate or deactivate a modem (the pool starts or stops its worker)."""
        return self._repo.update(MODEMS, modem_id, {"active": active})

    def delete(self, modem_id: str) -> dict[str, Any]:
        """Remove a modem; the record as it was (LookupError when there is none)."""
        record = self._repo.get_record(MODEMS, modem_id)
        self._repo.delete(MODEMS, modem_id)
        return record

    def register_ports(self, ports: Iterable[str]) -> list[dict[str, Any]]:
        """Add a modem named after its port for each port not configured yet; the added."""
        known = {str(record["port"]) for record in self.all()}
        added = []
        for port in (os.path.abspath(port) for port in ports):
            if port not in known:
                added.append(self._repo.add(MODEMS, {"name": f"modem {Path(port).name}",
                                                     "port": port}))  # fmt: skip
                known.add(port)
        return added


__all__ = ["SECRET_FIELDS", "ModemRecords", "secret_changes", "suggestion"]
