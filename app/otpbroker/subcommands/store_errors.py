"""Running a command against the configuration, with its refusals reported alike everywhere."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from otpbroker.config import ConfigError, ConfigStore, CorruptConfigError
from otpbroker.i18n.translate import _

USAGE_ERROR = 2
STATE_ERROR = 1


def run_on_store(
    data_dir: str | os.PathLike[str], prefix: str, action: Callable[[ConfigStore], int]
) -> int:
    """Open the store and run ``action``; print a refusal after ``prefix`` and return its status.

    Exit status: 2 for input the configuration refuses, 1 for a corrupt file or an unusable
    data directory.
    """
    try:
        with ConfigStore(data_dir) as store:
            return action(store)
    except CorruptConfigError as error:
        print(prefix, error, file=sys.stderr)
        return STATE_ERROR
    except ConfigError as error:
        print(prefix, error, file=sys.stderr)
        return USAGE_ERROR
    except OSError as error:
        unusable = _("cannot use data directory {path}: {error}")
        print(prefix, unusable.format(path=repr(str(data_dir)), error=error), file=sys.stderr)
        return STATE_ERROR
