"""The API setting and SMS setting pages: guarded, all-or-nothing, errors next to their fields."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

BLOCK = {"command": "block-msisdn", "data": {"msisdn": "08126666666"}}


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def fields(page: str) -> dict[str, str]:
    """``{input name: error shown inside that input's field block}`` ("" = no error)."""
    found: dict[str, str] = {}
    for block in page.split('<div class="field')[1:]:
        name = re.search(r'name="([^"]+)"', block)
        if name is None:
            continue
        error = re.search(r'<small class="error"[^>]*>(.*?)</small>', block, re.S)
        found[html.unescape(name.group(1))] = html.unescape(error.group(1)) if error else ""
    return found


def errors(page: str) -> dict[str, str]:
    return {name: error for name, error in fields(page).items() if error}


def value_of(page: str, key: str) -> str:
    match = re.search(rf'<input id="f-{re.escape(key)}"[^>]*?value="([^"]*)"', page, re.S)
    assert match, key
    return html.unescape(match.group(1))


def form_of(page: str) -> dict[str, object]:
    """What a browser would submit for the settings form as shown (checkboxes as shown)."""
    data: dict[str, object] = {}
    for key in fields(page):
        block = page.split(f'id="f-{key}"', 1)[1][:400]
        if f'name="{key}" type="checkbox"' in page:
            data[key] = ["false", "true"] if re.match(r"[^>]*\bchecked\b", block, re.S) else "false"
        elif f'<select id="f-{key}"' in page:
            data[key] = re.search(r'<option value="([^"]*)" selected>', block).group(1)
        else:
            data[key] = value_of(page, key)
    return data


ROUTES_GET = ("/api-settings", "/sms-settings")


def test_anonymous_visitors_are_sent_to_login_and_cannot_post(admin, harness):
    before = harness.broker.store.settings()
    anonymous = AdminClient(harness.base)
    for path in ROUTES_GET:
        status, _, headers = anonymous.get(path)
        assert status == 303 and headers["Location"].endswith("/login"), path
        status, _, _ = anonymous.post(path, {"api.http_port": "9999", "sms.max_parts": "3"})
        assert status in (401, 403), path
    assert harness.broker.store.settings() == before


def test_posts_without_the_csrf_token_are_refused(admin, harness):
    before = harness.broker.store.settings()
    for path, data in (("/api-settings", {"api.http_port": "9999"}),
                       ("/sms-settings", {"sms.max_parts": "3"})):  # fmt: skip
        admin.get(path)
        assert admin.post(path, data, csrf=False)[0] == 403
        assert admin.post(path, {**data, "csrf": "forged"})[0] == 403
    assert harness.broker.store.settings() == before


def test_api_setting_shows_every_field_with_its_doc_line_and_the_listener_note(admin):
    status, page, headers = admin.get("/api-settings")
    assert status == 200
    shown = fields(page)
    for key in ("api.http_enabled", "api.http_port", "api.https_enabled", "api.https_port",
                "api.message_path", "api.sms_path", "api.mail_path", "api.block_path",
                "api.unblock_path", "api.max_body_bytes", "api.auth_cache_seconds",
                "device.country_code"):  # fmt: skip
        assert key in shown, key
    assert 'type="checkbox" value="true"' in page  # booleans are checkboxes
    assert "TCP port of the HTTP REST API. Default: 8888. Allowed: 1 to 65535." in page
    assert "Path that blocks a number." in page
    assert "Everything here applies at once" in page and 'href="/https"' in page
    assert re.search(r"This page came through port [0-9]+\.", page)
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    for path in ("/api-settings", "/sms-settings", "/api-users", "/blocklist"):
        status, page, _ = admin.get(path)
        assert status == 200, path
        assert "style=" not in page and "<script>" not in page, path
        assert not re.search(r"\son[a-z]+=", page), path  # no inline event handlers


def test_a_valid_api_setting_is_stored_shown_and_used_at_once(admin, harness):
    store = harness.broker.store
    _, page, _ = admin.get("/api-settings")
    form = form_of(page)
    form.update({"api.http_port": "9090", "api.block_path": "/v2/block",
                 "api.auth_cache_seconds": "0", "api.https_enabled": ["false", "true"]})  # fmt: skip
    status, _, headers = admin.post("/api-settings", form)
    assert status == 303 and headers["Location"] == "/api-settings"
    assert store.get("api.http_port") == 9090 and store.get("api.block_path") == "/v2/block"
    assert store.get("api.auth_cache_seconds") == 0 and store.get("api.https_enabled") is True
    _, page, _ = admin.get("/api-settings")
    assert "Saved:" in page and "HTTP port" in page
    assert value_of(page, "api.http_port") == "9090"
    assert value_of(page, "api.block_path") == "/v2/block"
    assert re.search(r'name="api.https_enabled" type="checkbox" value="true"[^>]*checked', page)
    status, body, _ = harness.request("/v2/block", BLOCK)
    assert status == 200 and body["response_code"] == "0000"
    # unchecking a box switches it off; unchanged values are not written again
    form = form_of(page)
    form["api.https_enabled"] = "false"
    assert admin.post("/api-settings", form)[0] == 303
    assert store.get("api.https_enabled") is False
    assert admin.post("/api-settings", form_of(admin.get("/api-settings")[1]))[0] == 303
    assert "Nothing changed." in admin.get("/api-settings")[1]


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("api.http_port", "70000", "must be between 1 and 65535, got 70000"),
        ("api.http_port", "80a", "must be a whole number, got '80a'"),
        ("api.block_path", "api/block2",
         "value must be '/' followed by 1-127 of A-Z a-z 0-9 / _ . -, got 'api/block2'"),
        ("api.sms_path", "/api/s\nms",
         "value must not contain control or line-break characters (found U+000A at position 6)"),
        ("api.unblock_path", "/api//x", "must not contain empty, '.' or '..' segments"),
        ("device.country_code", "062", "value must be 1-3 digits, not starting with 0, got '062'"),
        ("api.max_body_bytes", "10", "must be between 1024 and 1048576, got 10"),
    ],
)  # fmt: skip
def test_an_invalid_api_setting_is_shown_at_its_field_and_changes_nothing(
    admin, harness, key, bad, message
):
    store = harness.broker.store
    before = store.settings()
    _, page, _ = admin.get("/api-settings")
    form = form_of(page)
    form.update({"api.mail_path": "/api/mail2", "api.https_port": "9443", key: bad})
    status, page, _ = admin.post("/api-settings", form)
    assert status == 400
    shown = errors(page)
    assert list(shown) == [key], shown
    assert message in shown[key]
    assert f'aria-describedby="h-{key} e-{key}"' in page and 'aria-invalid="true"' in page
    assert value_of(page, "api.mail_path") == "/api/mail2"  # what was typed is kept
    assert "Nothing was saved. Please correct:" in page  # at the top, for phones
    assert store.settings() == before  # all or nothing


def test_ports_must_differ_when_both_listeners_are_enabled(admin, harness):
    before = harness.broker.store.settings()
    form = form_of(admin.get("/api-settings")[1])
    form.update({"api.https_enabled": ["false", "true"], "api.https_port": "8888"})
    status, page, _ = admin.post("/api-settings", form)
    assert status == 400
    assert errors(page) == {
        "api.https_port": "must differ from api.http_port while both are enabled, got 8888"
    }
    assert harness.broker.store.settings() == before


@pytest.mark.parametrize("path", ["/login", "/api-settings", "/admins/x/edit", "/static/admin.css"])
def test_an_api_path_may_not_take_over_an_admin_page(admin, harness, path):
    before = harness.broker.store.settings()
    form = form_of(admin.get("/api-settings")[1])
    form["api.unblock_path"] = path
    status, page, _ = admin.post("/api-settings", form)
    assert status == 400
    assert "is a page of this admin" in errors(page)["api.unblock_path"]
    assert harness.broker.store.settings() == before
    assert admin.get("/api-settings")[0] == 200


def test_a_partial_post_leaves_the_other_settings_alone(admin, harness):
    store = harness.broker.store
    before = store.settings()
    admin.get("/api-settings")
    assert admin.post("/api-settings", {"api.max_body_bytes": "2048"})[0] == 303
    assert store.settings() == {**before, "api.max_body_bytes": 2048}


def test_sms_setting_shows_every_sms_and_otp_setting(admin, harness):
    status, page, _ = admin.get("/sms-settings")
    assert status == 200
    wanted = [k for k in harness.broker.store.settings() if k.startswith(("sms.", "otp."))]
    assert sorted(fields(page)) == sorted(wanted)
    assert '<select id="f-sms.log_level"' in page and '<option value="INFO" selected>' in page
    assert '<select id="f-sms.monitor_recipient"' in page
    assert 'name="sms.use_cmms" type="checkbox"' in page
    assert "Wait for +CMGS after sending; a time-out is &#039;unknown&#039;, never retried." in page
    assert "Default: “Your code is {otp}”." in page


def test_a_valid_sms_setting_is_stored_and_shown(admin, harness):
    store = harness.broker.store
    form = form_of(admin.get("/sms-settings")[1])
    form.update({"sms.max_attempts": "2", "otp.max_attempts": "7", "sms.log_level": "DEBUG",
                 "sms.status_reports": ["false", "true"], "sms.use_cmms": "false",
                 "otp.template": "Kode OTP Anda {otp}"})  # fmt: skip
    assert admin.post("/sms-settings", form)[0] == 303
    assert (store.get("sms.max_attempts"), store.get("otp.max_attempts")) == (2, 7)
    assert (
        store.get("sms.log_level") == "DEBUG" and store.get("otp.template") == "Kode OTP Anda {otp}"
    )
    assert store.get("sms.status_reports") is True and store.get("sms.use_cmms") is False
    _, page, _ = admin.get("/sms-settings")
    assert '<option value="DEBUG" selected>' in page
    assert value_of(page, "otp.template") == "Kode OTP Anda {otp}"
    assert value_of(page, "sms.max_attempts") == "2" and value_of(page, "otp.max_attempts") == "7"


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("otp.template", "Your code", "must contain '{otp}' exactly once, got 'Your code'"),
        ("otp.template", "Code {otp}\nbye",
         "value must not contain control or line-break characters (found U+000A at position 10)"),
        ("otp.template", "{x} {otp}", "must not contain braces other than '{otp}'"),
        ("otp.max_attempts", "0", "must be between 1 and 20, got 0"),
        ("sms.max_attempts", "11", "must be between 1 and 10, got 11"),
        ("sms.result_timeout_seconds", "", "must be a whole number, got ''"),
        ("sms.log_level", "TRACE", "must be one of 'DEBUG', 'INFO', 'WARNING', 'ERROR', got 'TRACE'"),
    ],
)  # fmt: skip
def test_an_invalid_sms_setting_is_shown_at_its_field_and_changes_nothing(
    admin, harness, key, bad, message
):
    store = harness.broker.store
    before = store.settings()
    form = form_of(admin.get("/sms-settings")[1])
    form.update({"sms.max_parts": "4", "sms.status_reports": ["false", "true"], key: bad})
    status, page, _ = admin.post("/sms-settings", form)
    assert status == 400
    shown = errors(page)
    assert list(shown) == [key], shown
    assert message in shown[key]
    assert value_of(page, "sms.max_parts") == "4"
    assert store.settings() == before
