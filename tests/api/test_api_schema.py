"""The OpenAPI document matches the API: schemathesis against a real broker and modem.

A real ``Broker`` (cheroot on a free loopback port, a temporary data directory) with one
emulated modem (SimModem, no delays) and one API user. Schemathesis sends generated
requests, valid and invalid ones, with and without that user's credentials; every answer
must be documented (status, content type, body schema, headers) and none may be a server
error. 502 (1102) and 503 (1101, 1210) are documented answers of a gateway whose modem or
mailer cannot send; a 500 is always a bug.

The schema is built at import time from ``build_document`` (schemathesis's lazy
``from_fixture`` loader fails under pytest 9.2: it writes ``request.node._nodeid``), and
``test_the_broker_serves_the_document_under_test`` checks that ``/api/openapi.json`` of
the running broker is exactly that document.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from otpbroker.bootstrap import Broker
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.services.command_processor import COMMANDS
from otpbroker.services.replies import Code
from otpbroker.web.openapi import COMMAND_CODES, build_document

USERNAME = "schema-client"
PASSWORD = "schema-client-pass-1"
# Fixed seed and example counts: the same cases in every run, so the run time is bounded.
# Set OTPBROKER_SCHEMA_SEED / OTPBROKER_SCHEMA_EXAMPLES to explore further by hand.
SEED = int(os.environ.get("OTPBROKER_SCHEMA_SEED", "20240611"))
AUTHED_EXAMPLES = int(os.environ.get("OTPBROKER_SCHEMA_EXAMPLES", "50"))  # fuzzing, per operation
ANONYMOUS_EXAMPLES = 10
COMMAND_PATHS = ("/api/block", "/api/mail", "/api/message", "/api/sms", "/api/unblock")

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

WRITE_METHODS = frozenset({"POST", "PUT"})
ROUTED_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})

CASES: Counter[str] = Counter()
STATUSES: Counter[tuple[str, int]] = Counter()
SKIPPED_KNOWN_BUGS: Counter[str] = Counter()


def _known_bug(case: schemathesis.Case) -> str | None:
    """Name of a reported, not yet fixed API bug the case would hit (it is not sent then).

    Each one is pinned by a strict xfail test at the end: drop its entry here with the fix.
    """
    return None


def _skip_known_bug(case: schemathesis.Case) -> bool:
    bug = _known_bug(case)
    if bug is not None:
        SKIPPED_KNOWN_BUGS[bug] += 1
    return bug is not None


def _is_unlisted_method(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    """A method the document does not list for the path (coverage phase): 405 (1212), Allow."""
    if case.method.upper() == case.operation.method.upper():
        return False
    assert response.status_code == 405, (case.method, case.path, response.status_code)
    assert response.json()["response_code"] == Code.METHOD_NOT_ALLOWED.response_code
    allow = {m.strip().upper() for m in response.headers["allow"][0].split(",")}
    listed = WRITE_METHODS if case.path in COMMAND_PATHS else frozenset({"GET"})
    assert listed <= allow <= listed | {"HEAD", "OPTIONS"}, (case.method, case.path, allow)
    return True


def _wait_ready(broker: Broker, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = broker.pool.statuses()
        if statuses and all(status.connected for status in statuses):
            return
        time.sleep(0.05)
    raise AssertionError(f"the emulated modem did not connect: {broker.pool.statuses()}")


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running broker with one emulated modem and one API user."""
    root: Path = tmp_path_factory.mktemp("schema")
    sim = SimModem(
        ModemProfile(send_delay=0.0, prompt_delay=0.0, report_delay=0.0, seed=1),
        link_dir=root / "by-id",
    ).start()
    broker = Broker(root / "data")
    try:
        user = broker.store.add("api_users", {"username": USERNAME})
        broker.store.set_password("api_users", user["id"], PASSWORD)
        broker.store.add("modems", {"name": "sim 0", "port": sim.port})
        # The fuzzer sends wrong credentials by the hundred on purpose: no login throttling.
        broker.store.update_settings(
            {"auth.address_free_failures": 0, "auth.user_free_failures": 0}
        )
        host, port = broker.start("127.0.0.1", 0).bound_address
        _wait_ready(broker)
        yield f"http://{host}:{port}"
    finally:
        broker.stop()
        sim.stop()


def _schema(*, authenticated: bool, examples: int) -> schemathesis.BaseSchema:
    """The document the broker serves for the default paths (checked to be identical below)."""
    settings: dict[str, object] = {
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": examples, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        # 502 (1102 sending failed) and 503 (1101 no modem, 1210 no mail) are the gateway's
        # documented answers; a 500 is always a bug
        "checks": {
            "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", 502, 503]},
        },
    }
    if authenticated:
        settings["auth"] = {"basic": {"username": USERNAME, "password": PASSWORD}}
    config = schemathesis.Config.from_dict(settings)
    return schemathesis.openapi.from_dict(build_document(list(COMMAND_PATHS)), config=config)


authed = _schema(authenticated=True, examples=AUTHED_EXAMPLES)
anonymous = _schema(authenticated=False, examples=ANONYMOUS_EXAMPLES)


def test_the_broker_serves_the_document_under_test(live_api: str) -> None:
    with urllib.request.urlopen(f"{live_api}/api/openapi.json", timeout=30) as response:
        assert response.headers["Content-Type"] == "application/json"
        served = json.loads(response.read())
    assert served == build_document(list(COMMAND_PATHS))


@authed.parametrize()
def test_answers_match_the_document(case: schemathesis.Case, live_api: str) -> None:
    """With valid credentials: documented, conforming answers; invalid data is refused."""
    CASES[f"authenticated {case.operation.label}"] += 1
    if _skip_known_bug(case):
        return
    response = case.call_and_validate(
        base_url=live_api,
        checks=[*CONFORMANCE, negative_data_rejection, ignored_auth, unsupported_method],
        timeout=30,
    )
    STATUSES["authenticated", response.status_code] += 1
    _is_unlisted_method(case, response)


@anonymous.parametrize()
def test_answers_without_credentials_match_the_document(
    case: schemathesis.Case, live_api: str
) -> None:
    """Without credentials (none, or generated ones): 401 on command paths, documented."""
    CASES[f"anonymous {case.operation.label}"] += 1
    if _skip_known_bug(case):
        return
    response = case.call_and_validate(base_url=live_api, checks=CONFORMANCE, timeout=30)
    STATUSES["anonymous", response.status_code] += 1
    if _is_unlisted_method(case, response):
        return
    if case.path not in COMMAND_PATHS and not case.path.startswith("/api/status/"):
        assert response.status_code == 200
        return
    body = response.json()
    # 413 comes before the credentials are checked (the body is not read then)
    expected = {401: Code.UNAUTHORIZED, 413: Code.BODY_TOO_LARGE}
    assert response.status_code in expected, (response.status_code, body)
    assert body["response_code"] == expected[response.status_code].response_code
    if response.status_code == 401:
        assert response.headers["www-authenticate"][0].startswith("Basic ")


@pytest.mark.summary  # counts the cases of the tests above: after them in any order
def test_enough_cases_were_generated() -> None:
    """Every operation got its cases and the answers were varied (skipped if deselected)."""
    if not CASES:
        pytest.skip("the schemathesis tests did not run")
    print(f"\nschemathesis cases: {sum(CASES.values())}")  # shown with -s
    for label, count in sorted(CASES.items()):
        print(f"  {count:5d}  {label}")
    for (who, status), count in sorted(STATUSES.items()):
        print(f"  {count:5d}  {who} answered {status}")
    for bug, count in sorted(SKIPPED_KNOWN_BUGS.items()):
        print(f"  {count:5d}  not sent (known bug): {bug}")
    for method in ("POST", "PUT"):
        for path in COMMAND_PATHS:
            assert CASES[f"authenticated {method} {path}"] >= AUTHED_EXAMPLES, (method, path)
            assert CASES[f"anonymous {method} {path}"] >= ANONYMOUS_EXAMPLES, (method, path)
    for status in (200, 400, 401):
        assert STATUSES["authenticated", status] > 0, status
    assert STATUSES["anonymous", 401] > 0


def test_document_covers_every_command_and_code() -> None:
    """The request body names the six commands; every code a command can end with is listed."""
    document = build_document(list(COMMAND_PATHS))
    mapping = document["components"]["requestBodies"]["Command"]["content"]["application/json"]
    assert set(mapping["schema"]["discriminator"]["mapping"]) == set(COMMANDS)
    responses = document["paths"]["/api/sms"]["post"]["responses"]
    schemas = document["components"]["schemas"]
    listed = {
        code
        for status in responses
        for code in schemas[f"Reply{status}"]["properties"]["response_code"]["enum"]
    }
    assert listed == {code.response_code for code in COMMAND_CODES}
    assert set(COMMAND_CODES) == set(Code) - {
        Code.METHOD_NOT_ALLOWED,
        Code.NOT_FOUND,
        Code.UNSUPPORTED_MEDIA,
    }
    status_of = {code.response_code: code.http_status for code in Code}
    for status in responses:
        for code in schemas[f"Reply{status}"]["properties"]["response_code"]["enum"]:
            assert status_of[code] == int(status), code


def _call(
    base: str, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, object], str | None]:
    """One authenticated request: (status, JSON reply, Allow header)."""
    request = urllib.request.Request(base + path, data=body, method=method)
    request.add_header("Content-Type", "application/json")
    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload, allow = response.status, response.read(), response.headers["Allow"]
    except urllib.error.HTTPError as error:
        status, payload, allow = error.code, error.read(), error.headers["Allow"]
    return status, json.loads(payload) if payload else {}, allow


# Bugs this test once found, kept as regression tests.


def test_integer_too_long_to_convert_is_a_client_error(live_api: str) -> None:
    body = '{"command":"send-sms","data":{"msisdn":' + "1" * 5000 + ',"message":"x"}}'
    status, reply, _ = _call(live_api, "POST", "/api/sms", body.encode())
    assert (status, reply["response_code"]) == (400, "1207"), reply


def test_request_otp_with_an_empty_number_is_a_client_error(live_api: str) -> None:
    body = json.dumps({"command": "request-otp", "data": {"msisdn": ""}}).encode()
    status, reply, _ = _call(live_api, "POST", "/api/sms", body)
    assert (status, reply["response_code"]) == (400, "1202"), reply


def test_other_methods_on_metrics_are_not_allowed(live_api: str) -> None:
    status, reply, allow = _call(live_api, "DELETE", "/metrics")
    assert (status, reply["response_code"], allow) == (405, "1212", "GET"), reply


def test_unknown_methods_name_only_post_and_put(live_api: str) -> None:
    status, _, allow = _call(live_api, "TRACE", "/api/sms")
    assert (status, allow) == (405, "POST, PUT")
