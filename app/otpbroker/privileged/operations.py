"""The helper's commands: apply (with rollback and the safety net), confirm, revert,
pending and the ppp link; each returns the JSON object the command prints."""

from __future__ import annotations

import secrets
import time
from typing import Any

from otpbroker.privileged import checks, files, services
from otpbroker.privileged.environment import HelperEnvironment
from otpbroker.privileged.state import Pending, StateDir
from otpbroker.privileged.targets import Target, link_name, resolve, resolve_all

MIN_CONFIRM_SECONDS = 1.0
MAX_CONFIRM_SECONDS = 3600.0


class Operations:
    """Everything the helper does, for one environment (production or a test root)."""

    def __init__(self, env: HelperEnvironment) -> None:
        self.env = env
        self.state = StateDir(env.state_dir)

    # ------------------------------------------------------------------ services

    def _services(self, targets: list[Target]) -> list[tuple[str, str]]:
        """``(action, service)`` once per service, in target order."""
        seen: list[tuple[str, str]] = []
        for target in targets:
            if target.service and (target.action, target.service) not in seen:
                seen.append((target.action, target.service))
        return seen

    def _restart(self, targets: list[Target]) -> list[str]:
        """Restart every service of ``targets``; the error messages (empty: all fine)."""
        errors = []
        for action, service in self._services(targets):
            try:
                services.control(self.env, action, service)
            except ValueError as exc:
                errors.append(str(exc))
        return errors

    def _restore(self, targets: list[Target], before: dict[str, tuple[bytes, int] | None]) -> None:
        for target in targets:
            previous = before[target.name]
            path = self.env.path(target.path)
            if previous is None:
                files.remove(path)
            else:
                files.install(path, previous[0], previous[1])

    # ------------------------------------------------------------------ apply

    def apply(self, names: list[str], confirm_within: float | None) -> dict[str, Any]:
        """Validate, back up, install and restart; roll back on any failure."""
        targets = resolve_all(names)
        if confirm_within is not None and not (
            MIN_CONFIRM_SECONDS <= confirm_within <= MAX_CONFIRM_SECONDS
        ):
            raise ValueError(
                f"--confirm-within must be {MIN_CONFIRM_SECONDS:.0f} to "
                f"{MAX_CONFIRM_SECONDS:.0f} seconds, got {confirm_within:g}"
            )
        scratch = self.state.ensure()
        pending = self.state.load()
        if pending is not None:
            overlap = sorted(set(pending.targets) & {target.name for target in targets})
            if confirm_within is not None or overlap:
                waiting = ", ".join(pending.targets)
                raise ValueError(
                    f"a change of {waiting} is waiting for confirmation until "
                    f"{time.strftime('%H:%M:%S', time.localtime(pending.deadline))}; "
                    "confirm or revert it first"
                )
        staged = {}
        for target in targets:
            data = files.read_staged(self.env.stage_dir, target.name)
            try:
                checks.check(target.kind, data, self.env.tool_environ(), scratch)
            except ValueError as exc:
                raise ValueError(f"{target.name}: {exc}; nothing was changed") from None
            staged[target.name] = data
        before = {t.name: files.read_current(self.env.path(t.path)) for t in targets}
        try:
            for target in targets:
                files.install(self.env.path(target.path), staged[target.name], target.mode)
        except OSError as exc:
            self._restore(targets, before)
            raise ValueError(f"installing failed ({exc}); previous files restored") from None
        errors = self._restart(targets)
        if errors:
            self._restore(targets, before)
            again = self._restart(targets)
            note = f"; restarting them again also failed: {'; '.join(again)}" if again else ""
            raise ValueError(f"{'; '.join(errors)}; the previous files were restored{note}")
        if confirm_within is None:
            return {"token": "", "deadline": 0.0, "targets": [t.name for t in targets]}
        return self._arm(targets, before, confirm_within)

    def _arm(self, targets: list[Target], before: dict[str, tuple[bytes, int] | None],
             seconds: float) -> dict[str, Any]:  # fmt: skip
        """Keep the backups, record the pending change and schedule its revert."""
        token = secrets.token_hex(8)
        pending = Pending(token, time.time() + seconds, [t.name for t in targets])
        for target in targets:
            previous = before[target.name]
            pending.modes[target.name] = None if previous is None else previous[1]
            if previous is not None:
                files.install(self.state.backup_path(target.name), previous[0], 0o600)
        self.state.save(pending)
        try:
            pending.timer_pid = services.schedule_revert(self.env, token, seconds)
        except ValueError as exc:
            self.revert()
            raise ValueError(f"{exc}; the change was reverted at once") from None
        self.state.save(pending)
        return {"token": token, "deadline": pending.deadline, "targets": pending.targets}

    # ------------------------------------------------------------------ safety net

    def confirm(self, token: str) -> dict[str, Any]:
        """Keep the pending change ``token``."""
        self.state.ensure()
        pending = self.state.load()
        if pending is None:
            raise ValueError("no change is waiting for confirmation (it may have been reverted)")
        if not secrets.compare_digest(pending.token, token):
            raise ValueError("wrong confirmation token; the waiting change is a different one")
        if time.time() > pending.deadline:
            self.revert()
            raise ValueError("too late: the confirmation window had closed; change reverted")
        services.cancel_revert(self.env, pending.token, pending.timer_pid)
        self.state.clear()
        return {"confirmed": True}

    def revert(self, if_token: str | None = None, restart: bool = True) -> dict[str, Any]:
        """Put back the files of the pending change (only change ``if_token`` when given)."""
        self.state.ensure()
        pending = self.state.load()
        if pending is None or (if_token is not None and pending.token != if_token):
            return {"reverted": []}
        targets = [resolve(name) for name in pending.targets]
        for target in targets:
            mode = pending.modes[target.name]
            path = self.env.path(target.path)
            if mode is None:
                files.remove(path)
            else:
                files.install(path, self.state.read_backup(target.name), mode)
        services.cancel_revert(self.env, pending.token, pending.timer_pid)
        self.state.clear()
        result: dict[str, Any] = {"reverted": pending.targets}
        errors = self._restart(targets) if restart else []
        if errors:
            result["warnings"] = errors
        return result

    def pending(self) -> dict[str, Any]:
        """The change waiting for confirmation, or ``{}``."""
        self.state.ensure()
        pending = self.state.load()
        if pending is None:
            return {}
        return {"token": pending.token, "deadline": pending.deadline, "targets": pending.targets}

    # ------------------------------------------------------------------ ppp

    def ppp(self, action: str, name: str) -> dict[str, Any]:
        """Bring the link of peer ``name`` up or down."""
        if action not in ("up", "down"):
            raise ValueError(f"ppp action must be 'up' or 'down', got {action!r}")
        link_name(name)
        if action == "up" and not self.env.path(f"/etc/ppp/peers/{name}").is_file():
            raise ValueError(f"no ppp peer {name!r}: apply ppp-peer:{name} first")
        services.ppp(self.env, action, name)
        return {}
