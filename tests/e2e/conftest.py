"""The logged-in owner page most Chromium test modules start from."""

from __future__ import annotations

import pytest
from browser_tools import chromium, owner_page

DEFAULT_OWNER = ("owner", "owner-password-1")


@pytest.fixture(scope="module")
def page(request, harness):
    """A page logged in as the first administrator (the module's ``OWNER``, if it has one)
    on the module's ``harness``; modules with their own ``page`` fixture override it."""
    owner = getattr(request.module, "OWNER", DEFAULT_OWNER)
    with (
        chromium() as browser,
        owner_page(browser, harness.base, harness.broker.setup_code.read(), owner) as logged_in,
    ):
        yield logged_in
