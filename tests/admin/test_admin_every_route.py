"""Every admin route refuses anonymous access (enumerated from the app, not listed by hand)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = BrokerHarness(tmp_path_factory.mktemp("routes") / "data")
    h.start()
    admin = h.broker.store.add("admins", {"username": "owner"})
    h.broker.store.set_password("admins", admin["id"], "owner-password-1")
    yield h
    h.stop()


def concrete(rule: str) -> str:
    """A request path for a route rule (wildcards filled with plausible values)."""
    path = re.sub(r"<name:re:\[a-z0-9_\.-\]\+>", "admin.css", rule)
    path = re.sub(r"<\w+:re:([a-z]+)[^>]*>", lambda m: m.group(1), path)
    path = re.sub(r"<[^>]+>", "x", path)
    return path


def test_every_non_public_route_needs_a_session(harness):
    routes = [r for r in harness.broker.admin.routes if not r.config.get("public")]
    assert len(routes) >= 40, [r.rule for r in routes]
    anonymous = AdminClient(harness.base)
    for route in routes:
        path = concrete(route.rule)
        status, body, headers = anonymous.request(
            route.method, path, {} if route.method == "POST" else None
        )
        if route.method == "GET" and not path.startswith("/admin-api/"):
            assert status == 303 and headers["Location"].endswith("/login"), (route.rule, status)
        else:
            assert status in (401, 403), (route.method, route.rule, status)
        assert "owner" not in body, route.rule


def test_public_routes_are_only_the_login_setup_and_static_ones(harness):
    public = sorted({r.rule for r in harness.broker.admin.routes if r.config.get("public")})
    assert public == ["/forgot", "/login", "/setup", "/static/<name:re:[a-z0-9_.-]+>"]
