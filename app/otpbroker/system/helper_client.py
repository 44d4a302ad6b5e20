"""The app's side of the privileged helper: stage files, run one helper command, read JSON.

On a device ``argv`` is ``["sudo", "-n", "/usr/local/sbin/otpb-helper"]``; off a device it
is None and :attr:`HelperClient.available` is False. Staged files are written atomically
with mode 0600 to ``stage_dir/<target>`` (the target name, ``:`` included, is the file name:
the helper reads exactly that name).

The stage directory belongs to the app's user. A root caller (the first boot's or the reset
stick's ``apply-network``) passes ``owner`` so what it stages, and the directories it may
create first, belong to that user too: the app must be able to stage there afterwards.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TARGET_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}(?::[a-z0-9-]{1,15})?")


class HelperError(Exception):
    """The helper refused or failed; str() is its precise message."""


class HelperClient:
    """Runs the privileged helper (through sudo on a device) and stages its input files."""

    def __init__(
        self,
        argv: Sequence[str] | None,
        stage_dir: Path,
        env: Mapping[str, str] | None = None,
        owner: tuple[int, int] | None = None,
    ) -> None:
        self.argv = None if argv is None else list(argv)
        self.stage_dir = Path(stage_dir)
        self.env = None if env is None else dict(env)
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
        return self.argv is not None

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
        """Run ``argv + args``; its JSON result, or HelperError with the helper's message."""
        if self.argv is None:
            raise HelperError("the privileged helper is not available here (not on a device)")
        env = None if self.env is None else {**os.environ, **self.env}
        try:
            done = subprocess.run(
                [*self.argv, *args], capture_output=True, text=True, timeout=timeout,
                env=env, stdin=subprocess.DEVNULL, check=False,
            )  # fmt: skip
        except FileNotFoundError as exc:
            raise HelperError(f"cannot run the helper: {exc.strerror}: {exc.filename}") from None
        except subprocess.TimeoutExpired:
            raise HelperError(f"the helper did not answer within {timeout:g} s") from None
        try:
            result = json.loads(done.stdout)
        except ValueError:
            result = None
        if not isinstance(result, dict):
            detail = " ".join((done.stderr or done.stdout).split())[:300]
            raise HelperError(
                f"the helper answered no JSON object (exit {done.returncode}): "
                f"{detail or 'nothing'}"
            )
        if done.returncode != 0 or "error" in result:
            raise HelperError(
                str(result.get("error") or f"the helper failed (exit {done.returncode})")
            )
        return result
