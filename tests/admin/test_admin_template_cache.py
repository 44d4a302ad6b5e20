"""Admin pages compile each template once: bottle caches compiled templates by the id() of
the lookup list, and a new list per render made every page view keep another compiled copy
(about 17 KB per unauthenticated page view, without bound)."""

from __future__ import annotations

import sys
from pathlib import Path

import bottle
import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data")


def test_rendering_pages_again_adds_nothing_to_the_template_cache(harness):
    visitor = AdminClient(harness.base)
    assert visitor.get("/setup")[0] == 200  # a new device: the first page anyone sees
    cached = len(bottle.TEMPLATES)
    for _ in range(20):
        assert visitor.get("/setup")[0] == 200
    assert len(bottle.TEMPLATES) == cached
