"""Allow ``python -m otpbroker.privileged``."""

from otpbroker.privileged.cli import main

raise SystemExit(main())
