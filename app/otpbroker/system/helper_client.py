"""The app's side of the privileged helper: stage files, ask for one helper command, read JSON.

On a device the helper answers on a Unix socket that systemd activates (``otpb-helper.socket``,
one root helper per connection); off a device there is no transport and
:attr:`HelperClient.available` is False. Root callers (the first boot's and the reset stick's
``apply-network``) may run the helper program directly (:class:`ProgramTransport`).

Staged files are written atomically with mode 0600 to ``stage_dir/<target>`` (the target name,
``:`` included, is the file name: the helper reads exactly that name). The stage directory
belongs to the app's user. A root caller passes ``owner`` so what it stages, and the
directories it may create first, belong to that user too: the app must be able to stage there
afterwards.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from otpbroker.system.helper_transports import HelperError

TARGET_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}(?::[a-z0-9-]{1,15})?")


class HelperTransport(Protocol):
    """How one command reaches the helper: its answer's text, or HelperError."""

    def exchange(self, args: list[str], timeout: float) -> str: ...


class HelperClient:
    """Asks the privileged helper (over its socket on a device) and stages its input files."""

    def __init__(
        self,
        transport: HelperTransport | None,
        stage_dir: Path,
        owner: tuple[int, int] | None = None,
    ) -> None:
        self.transport = transport
        self.stage_dir = Path(stage_dir)
        self.owner = owner

    def _make_stage_dir(self) -> None:
        """The stage directory (0700) and its parent (0750), owned by ``owner`` if given."""
        for path, mode in ((self.stage_dir.parent, 0o750), (self.stage_dir, 0o700)):
            path.mkdir(mode=mode, parents=True, exist_ok=True)
            if self.owner is not None:
                os.chown(path, *self.owner)

    @property
    def available(self) -> bool:
        """False when there is no helper (not on a device)."""
        return self.transport is not None

    def stage(self, target: str, text: str) -> None:
        """Write ``text`` as the staged file of ``target`` (atomic, mode 0600)."""
        if not TARGET_NAME.fullmatch(target):
            raise HelperError(f"invalid target name {target!r}")
        self._make_stage_dir()
        fd, temp = tempfile.mkstemp(dir=self.stage_dir, prefix=f".{target}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                if self.owner is not None:
                    os.fchown(handle.fileno(), *self.owner)
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.stage_dir / target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def run(self, *args: str, timeout: float = 120.0) -> dict[str, Any]:
        """One helper command; its JSON result, or HelperError with the helper's message."""
        if self.transport is None:
            raise HelperError("the privileged helper is not available here (not on a device)")
        answer = self.transport.exchange(list(args), timeout)
        try:
            result = json.loads(answer)
        except ValueError:
            result = None
        if not isinstance(result, dict):
            detail = " ".join(answer.split())[:300]
            raise HelperError(f"the helper answered no JSON object: {detail or 'nothing'}")
        if "error" in result:
            raise HelperError(str(result["error"]) or "the helper failed")
        return result


__all__ = ["HelperClient", "HelperError", "HelperTransport"]
