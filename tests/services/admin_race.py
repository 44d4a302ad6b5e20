"""Two processes changing administrators at the same moment: one side of the race.

Run as a script, ``python admin_race.py DATA_DIR MEETING ME OTHER ACTION NAME`` is one
process of the race: with the admin-accounts service over the real store it applies
ACTION (``delete``, ``deactivate``, ``block``, or ``add`` a new administrator) to the
administrator NAME and prints ``done`` or ``refused <error>``. The two sides meet in the
directory MEETING before they start, and each pauses between the rule's check and its
change until the other side has checked too, or ``WINDOW`` seconds have passed. Without a
lock held across processes, both sides pass their checks before either changes anything.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from otpbroker.config import ConfigStore
from otpbroker.config.store import check_new_password
from otpbroker.services.account_book import AccountError
from otpbroker.services.admin_accounts import AdminAccounts

WINDOW = 1.0  # seconds a side waits, after its check, for the other side's check
PASSWORD = "race-password-1"


class PausingStore:
    """The store, calling ``pause`` once right after the next look at a whole collection.

    The account rules look at every account (the last-administrator rule, unique names)
    just before they change one, so the pause falls between the check and the change.
    """

    def __init__(self, store: ConfigStore, pause: Callable[[], None]) -> None:
        self._store = store
        self._pause: Callable[[], None] | None = pause

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def list(self, name: str) -> list[dict[str, Any]]:
        found = self._store.list(name)
        pause, self._pause = self._pause, None
        if pause is not None:
            pause()
        return found


def wait_for(path: Path, seconds: float) -> bool:
    """Poll until ``path`` exists or ``seconds`` pass; whether it exists."""
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.exists()


def apply(accounts: AdminAccounts, action: str, name: str, admin_id: str | None) -> str:
    """Apply ``action``; ``done`` or ``refused <error class>``."""
    try:
        if action == "add":
            accounts.add({"username": name}, PASSWORD)
        elif action == "delete":
            accounts.delete(str(admin_id))
        else:
            accounts.set_flag(str(admin_id), action)
    except AccountError as refused:
        return f"refused {type(refused).__name__}"
    return "done"


def main(argv: list[str]) -> int:
    data_dir, meeting_dir, me, other, action, name = argv
    meeting = Path(meeting_dir)
    store = ConfigStore(data_dir)
    found = None if action == "add" else AdminAccounts(store, check_new_password).require(name)

    def pause() -> None:
        (meeting / f"{me}.checked").touch()
        wait_for(meeting / f"{other}.checked", WINDOW)

    accounts = AdminAccounts(PausingStore(store, pause), check_new_password)  # type: ignore[arg-type]
    (meeting / f"{me}.ready").touch()
    if not wait_for(meeting / f"{other}.ready", 60):
        return 3
    print(apply(accounts, action, name, found["id"] if found else None), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
