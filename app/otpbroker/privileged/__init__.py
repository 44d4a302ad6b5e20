"""The privileged helper: the only code that changes the operating system, run as root.

The app (user ``otpbroker``) stages a file per target in ``/run/otp-broker/stage`` and sends
``["apply", TARGET...]`` to the helper's socket, ``/run/otpb-helper.sock``, where systemd
starts ``/usr/sbin/otpb-helper --connection`` as root for each connection (root callers
may run the program directly with the same arguments); this package validates, installs,
restarts the one service of each target and rolls back on failure, with an optional
confirm-or-revert safety net. Standard library only, and nothing else from otpbroker: it
must stay small enough to read in one sitting.
"""

from otpbroker.privileged.cli import main

__all__ = ["main"]
