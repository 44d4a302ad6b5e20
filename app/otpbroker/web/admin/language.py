"""The language of an admin page: the administrator's own choice, else the browser's.

``Accept-Language`` decides until an administrator picks a language (kept on the account);
anything unknown is English. The admin's scripts get their messages with each page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import bottle

from otpbroker.i18n.catalogues import script_messages
from otpbroker.i18n.negotiate import preferred_language
from otpbroker.i18n.translate import ENGLISH, supported


def browser_language() -> str:
    """The language the browser asks for (English if it asks for neither of ours)."""
    return preferred_language(bottle.request.get_header("Accept-Language")) or ENGLISH


def page_language(admin: Mapping[str, Any] | None) -> str:
    """The administrator's chosen language, else the browser's."""
    return supported(str((admin or {}).get("language") or "")) or browser_language()


@lru_cache(maxsize=4)
def script_catalogue(language: str) -> str:
    """The scripts' messages in ``language`` as JSON, safe inside a ``<script>`` element."""
    text = json.dumps(script_messages(language), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
