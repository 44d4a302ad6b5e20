"""Allow ``python -m otpbroker``."""

from otpbroker.cli import main

raise SystemExit(main())
