"""What each setting is, for screens that cannot import the schema (the browser admin)."""

from __future__ import annotations

from typing import Any

from otpbroker.config.rules import doc_text
from otpbroker.config.schema import SETTINGS


def setting_docs() -> dict[str, dict[str, Any]]:
    """``{key: {"doc", "kind", "default", "minimum", "maximum", "choices"}}`` in schema order.

    ``doc`` is in the current language (English for the API, the admin's for the admin).

    ``kind`` is ``"bool"``, ``"int"``, ``"str"`` or ``"list"``; ``choices`` is a list or None.
    """
    return {
        spec.key: {
            "doc": doc_text(spec),
            "kind": spec.kind_name,
            "default": list(spec.default) if isinstance(spec.default, list) else spec.default,
            "minimum": spec.minimum,
            "maximum": spec.maximum,
            "choices": list(spec.choices) if spec.choices is not None else None,
        }
        for spec in SETTINGS
    }
