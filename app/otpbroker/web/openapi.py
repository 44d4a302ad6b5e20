"""The OpenAPI document of the REST API."""

from __future__ import annotations

import json


def openapi_document(paths: list[str]) -> str:
    """A minimal document naming the configured command paths."""
    return json.dumps(
        {
            "openapi": "3.0.3",
            "info": {"title": "OTP Broker", "version": "1"},
            "paths": {path: {} for path in paths},
        }
    )
