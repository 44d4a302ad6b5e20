"""Settings and record fields: defaults, bounds, choices, patterns, control characters, parse."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otpbroker.config import COLLECTIONS, SETTINGS, ConfigError, parse, parse_field, validate
from otpbroker.config.records import validate_fields
from otpbroker.config.schema import SETTINGS_BY_KEY, check_consistency, default

STRING_KEYS = [spec.key for spec in SETTINGS if spec.kind is str]
BAD_CHARACTERS = ["\r", "\n", "\x00", "\t", "\x1b", "\x7f", "\x85", "\u2028"]


def _error(key: str, value: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(key, value)
    return str(caught.value)


def test_expected_keys_exist() -> None:
    expected = {
        "device.country_code",
        "device.language",
        "internet.mode",
        "internet.check_interval_seconds",
        "internet.failover_after_seconds",
        "internet.failback_after_seconds",
        "api.http_enabled",
        "api.http_port",
        "api.https_enabled",
        "api.https_port",
        "api.message_path",
        "api.sms_path",
        "api.mail_path",
        "api.block_path",
        "api.unblock_path",
        "api.max_body_bytes",
        "api.auth_cache_seconds",
        "sms.dedup_window_seconds",
        "sms.max_parts",
        "sms.prompt_timeout_seconds",
        "sms.result_timeout_seconds",
        "sms.queue_timeout_seconds",
        "sms.stop_timeout_seconds",
        "sms.default_ttl_seconds",
        "sms.max_attempts",
        "sms.validity_minutes",
        "sms.quota_reset_time",
        "sms.otp_bypass_gap",
        "sms.status_reports",
        "sms.use_cmms",
        "sms.log_level",
        "sms.monitor_recipient",
        "status.retention_seconds",
        "status.report_wait_seconds",
        "inbound.enabled",
        "inbound.poll_seconds",
        "inbound.stop_keywords",
        "webhooks.max_attempts",
        "webhooks.max_age_seconds",
        "webhooks.timeout_seconds",
        "feeders.rabbitmq.status_exchange",
        "feeders.rabbitmq.status_routing_key",
        "feeders.ws.status_channel",
        "feeders.mqtt.status_topic",
        "otp.digits",
        "otp.ttl_seconds",
        "otp.max_attempts",
        "otp.template",
        "otp.domain",
        "otp.iframe_domain",
        "otp.app_hash",
        *(
            f"limits.{key}"
            for key in (
                "recipient_per_hour",
                "recipient_per_day",
                "prefix_digits",
                "prefix_per_hour",
                "user_per_minute",
                "user_per_hour",
                "allowed_countries",
                "allowed_prefixes",
                "denied_prefixes",
            )
        ),
        *(
            f"feeders.{feeder}.{key}"
            for feeder, name in (("rabbitmq", "queue"), ("mqtt", "topic"))
            for key in ("enabled", "host", "port", "tls", "username", "password", name)
        ),
        "feeders.rabbitmq.vhost",
        "feeders.rabbitmq.prefetch",
        *(
            f"feeders.rabbitmq.{key}"
            for key in (
                "queue_type",
                "delivery_limit",
                "dead_letter_exchange",
                "dead_letter_routing_key",
                "prefetch_per_modem",
                "consumer_priority",
                "route_classes",
            )
        ),
        "sealing.required_on_api",
        "sealing.required_on_feeders",
        "feeders.mqtt.client_id",
        "feeders.mqtt.protocol",
        "feeders.mqtt.share_group",
        "fleet.enabled",
        "fleet.device_name",
        "fleet.ledger_url",
        "fleet.ledger_ttl_seconds",
        "fleet.claim_seconds",
        "fleet.management_url",
        *(
            f"feeders.{feeder}.{key}"
            for feeder in ("rabbitmq", "ws", "mqtt")
            for key in ("default_ttl_seconds", "default_priority")
        ),
        *(f"feeders.ws.{key}" for key in ("enabled", "url", "username", "password", "channel")),
        *(
            f"wlan.{key}"
            for key in (
                "interface",
                "ssid",
                "passphrase",
                "channel",
                "country",
                "hidden",
                "address",
            )
        ),
        *(
            f"dhcp.{key}"
            for key in ("enabled", "range_start", "range_end", "lease_time", "gateway", "dns")
        ),
        *(f"ethernet.{key}" for key in ("interface", "mode", "address", "gateway", "dns")),
        "network.confirm_seconds",
        *(f"ddns.{key}" for key in ("enabled", "interval_seconds", "ip_source", "ip_services")),
        "ddns.contact",
        *(
            f"front.{key}"
            for key in (
                "max_connections",
                "max_connections_per_client",
                "request_timeout_seconds",
                "keep_alive_seconds",
                "queue_timeout_seconds",
            )
        ),
        *(
            f"auth.{key}"
            for key in (
                "address_free_failures",
                "address_lockout_failures",
                "user_free_failures",
                "user_lockout_failures",
                "window_seconds",
                "max_delay_seconds",
                "lockout_seconds",
                "trusted_seconds",
            )
        ),
    }
    assert set(SETTINGS_BY_KEY) == expected
    assert len(SETTINGS) == len(SETTINGS_BY_KEY), "duplicate key"


@pytest.mark.parametrize("spec", SETTINGS, ids=lambda spec: spec.key)
def test_every_setting_validates_its_default_and_documents_it(spec: Any) -> None:
    assert validate(spec.key, spec.default) == spec.default
    assert spec.doc and "\n" not in spec.doc
    if spec.kind is int:
        assert spec.minimum is not None and spec.maximum is not None


def test_defaults_are_consistent() -> None:
    check_consistency({spec.key: spec.default for spec in SETTINGS})


MINIMAL_RECORDS = {
    "modems": {"name": "m", "port": "/dev/ttyUSB0"},
    "api_users": {"username": "u"},
    "admins": {"username": "a"},
    "blocklist": {"msisdn": "628123"},
    "mail_accounts": {"name": "gmail", "sender": "otp@example.com"},
    "firewall_ports": {"port": 8080},
    "ddns_accounts": {"name": "cloudflare 1"},
    "ddns_records": {"name": "home.example.com", "account": "a1b2"},
    "webhooks": {"owner": "app", "url": "https://example.com/hook", "secret": "a" * 64},
}


@pytest.mark.parametrize("name", COLLECTIONS)
def test_every_record_field_default_is_valid(name: str) -> None:
    spec = COLLECTIONS[name]
    record = validate_fields(name, MINIMAL_RECORDS[name], partial=False)
    assert set(record) == {field.key for field in spec.fields}
    for field in spec.fields:
        assert field.doc and "\n" not in field.doc
        assert validate_fields(name, {field.key: record[field.key]}, partial=True)
        if not field.required:
            assert field.key == "created_at" or record[field.key] == field.default


def test_unknown_key_names_it_and_suggests() -> None:
    assert _error("api.http_prot", 1) == (
        "api.http_prot: unknown setting (did you mean 'api.http_port'?)"
    )
    assert _error("nothing.like.it", 1) == "nothing.like.it: unknown setting"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("api.http_port", "8888", "api.http_port: must be an integer, got str '8888'"),
        ("api.http_port", True, "api.http_port: must be an integer, got bool True"),
        ("api.http_port", 8888.0, "api.http_port: must be an integer, got float 8888.0"),
        ("api.http_enabled", 1, "api.http_enabled: must be true or false, got int 1"),
        ("api.http_enabled", "true", "api.http_enabled: must be true or false, got str 'true'"),
        ("otp.template", None, "otp.template: must be a string, got NoneType None"),
    ],
)
def test_wrong_types(key: str, value: Any, message: str) -> None:
    assert _error(key, value) == message


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("api.http_port", 0, "api.http_port: must be between 1 and 65535, got 0"),
        ("api.http_port", 65536, "api.http_port: must be between 1 and 65535, got 65536"),
        ("sms.max_parts", 21, "sms.max_parts: must be between 1 and 20, got 21"),
        ("sms.result_timeout_seconds", 4, "sms.result_timeout_seconds: must be between 5 and 300"),
        ("sms.max_attempts", 0, "sms.max_attempts: must be between 1 and 10, got 0"),
        ("otp.digits", 3, "otp.digits: must be between 4 and 10, got 3"),
        ("otp.ttl_seconds", 3601, "otp.ttl_seconds: must be between 30 and 3600, got 3601"),
        ("api.max_body_bytes", 10**9, "api.max_body_bytes: must be between 1024 and 1048576"),
        (
            "sms.quota_reset_time",
            "24:00",
            "sms.quota_reset_time: value must be a 24-hour time HH:MM",
        ),
        (
            "sms.quota_reset_time",
            "7:30",
            "sms.quota_reset_time: value must be a 24-hour time HH:MM",
        ),
    ],
)
def test_bounds(key: str, value: int, message: str) -> None:
    assert _error(key, value).startswith(message)


def test_bounds_are_inclusive() -> None:
    assert validate("sms.max_parts", 1) == 1
    assert validate("sms.max_parts", 20) == 20
    assert validate("sms.validity_minutes", 0) == 0


def test_choices() -> None:
    assert _error("sms.log_level", "TRACE") == (
        "sms.log_level: must be one of 'DEBUG', 'INFO', 'WARNING', 'ERROR', got 'TRACE'"
    )
    assert _error("sms.monitor_recipient", "Masked").startswith(
        "sms.monitor_recipient: must be one of 'masked', 'full'"
    )
    assert validate("sms.monitor_recipient", "full") == "full"


@pytest.mark.parametrize("value", ["0", "1234", "6a", "", "+62"])
def test_country_code_pattern(value: str) -> None:
    assert _error("device.country_code", value).startswith(
        "device.country_code: value must be 1-3 digits, not starting with 0, got"
    )


@pytest.mark.parametrize("value", ["62", "1", "358"])
def test_country_code_accepted(value: str) -> None:
    assert validate("device.country_code", value) == value


@pytest.mark.parametrize("value", ["api", "/", "/a b", "/api?x=1", "/api/%2e", "/" + "a" * 128])
def test_path_pattern(value: str) -> None:
    assert _error("api.sms_path", value).startswith("api.sms_path: value must be '/' followed by")


@pytest.mark.parametrize("value", ["/api//x", "/api/../admin", "/./api", "/api/.."])
def test_path_segments(value: str) -> None:
    assert _error("api.block_path", value).startswith(
        "api.block_path: must not contain empty, '.' or '..' segments"
    )


@pytest.mark.parametrize("value", ["/api/message", "/v2/sms.json", "/api/un_block-1/", "/x"])
def test_paths_accepted(value: str) -> None:
    assert validate("api.message_path", value) == value


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("Your code", "must contain '{otp}' exactly once"),
        ("{otp} {otp}", "must contain '{otp}' exactly once"),
        ("{OTP} code", "must contain '{otp}' exactly once"),
        ("Code {otp} for {app}", "must not contain braces other than '{otp}'"),
        ("Code {otp} }", "must not contain braces other than '{otp}'"),
        ("{otp}" + "x" * 296, "value must be at most 300 characters long, got 301"),
    ],
)
def test_template(value: str, rule: str) -> None:
    assert _error("otp.template", value).startswith(f"otp.template: {rule}")


def test_template_accepted() -> None:
    assert validate("otp.template", "OTP Anda adalah {otp}") == "OTP Anda adalah {otp}"
    assert validate("otp.template", "{otp}" + "x" * 295)


@pytest.mark.parametrize("key", STRING_KEYS)
@pytest.mark.parametrize("char", BAD_CHARACTERS, ids=lambda char: f"U+{ord(char):04X}")
def test_control_characters_rejected_everywhere(key: str, char: str) -> None:
    value = SETTINGS_BY_KEY[key].default + char
    message = _error(key, value)
    assert message.startswith(f"{key}: value must not contain control or line-break characters")
    assert f"U+{ord(char):04X}" in message


def test_control_characters_in_record_fields_and_list_items() -> None:
    with pytest.raises(ConfigError, match=r"^modems\.name: value must not contain control"):
        validate_fields("modems", {"name": "a\nb"}, partial=True)
    with pytest.raises(ConfigError, match=r"^modems\.prefixes: item 1 must not contain control"):
        validate_fields("modems", {"prefixes": ["62871", "62\x00"]}, partial=True)
    with pytest.raises(ConfigError, match=r"^modems\.init_dial_1: value must not contain"):
        validate_fields("modems", {"init_dial_1": "AT+CGDCONT=1\r\nATD"}, partial=True)


def test_secret_values_never_appear_in_messages() -> None:
    for field, value in [("pin", "12ab"), ("apn_password", "hunter2\nx"), ("pin", 1234)]:
        with pytest.raises(ConfigError) as caught:
            validate_fields("modems", {field: value}, partial=True)
        assert str(value) not in str(caught.value)
        assert "a hidden value" in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"baud_rate": 1200}, "modems.baud_rate: must be one of 9600, 19200"),
        ({"parity": "X"}, "modems.parity: must be one of 'N', 'E', 'O', got 'X'"),
        ({"data_bits": 9}, "modems.data_bits: must be one of 7, 8, got 9"),
        ({"start_bits": 2}, "modems.start_bits: must be one of 1, got 2"),
        ({"stop_bits": 3}, "modems.stop_bits: must be one of 1, 2, got 3"),
        ({"port": "ttyUSB0"}, "modems.port: value must be an absolute device path"),
        ({"prefixes": "62871"}, "modems.prefixes: must be a list, got str"),
        ({"prefixes": ["62a"]}, "modems.prefixes: item 0 must be 1-15 digits, got '62a'"),
        ({"prefixes": [62871]}, "modems.prefixes: item 0 must be a string, got 62871"),
        ({"imei": "12345"}, "modems.imei: value must be empty or 14-17 digits"),
        ({"dial_command": "ATD;rm"}, "modems.dial_command: value must be 'AT' followed by"),
        ({"init_dial_2": "ping"}, "modems.init_dial_2: value must be empty or printable ASCII"),
        ({"send_from_api": "yes"}, "modems.send_from_api: must be true or false"),
        ({"colour": "red"}, "modems.colour: unknown field"),
        ({"id": "abc"}, "modems.id: is assigned by the store and cannot be set"),
        ({"name": ""}, "modems.name: value must not be empty"),
    ],
)
def test_modem_field_rules(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_fields("modems", fields, partial=True)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("name", "fields", "message"),
    [
        ("modems", {"name": "m"}, "modems.port: is required"),
        ("api_users", {"phone": "0812"}, "api_users.username: is required"),
        ("api_users", {"username": "a b"}, "api_users.username: value must be 1-64 of"),
        ("admins", {"username": "x" * 65}, "admins.username: value must be 1-64 of"),
        ("admins", {"username": "a", "email": "nope"}, "admins.email: value must be empty or an"),
        ("api_users", {"username": "a", "password": "pw"}, "api_users.password: unknown field"),
        ("api_users", {"username": "a", "password_hash": "pw"}, "api_users.password_hash: value"),
        ("blocklist", {"msisdn": "0812-666"}, "blocklist.msisdn: value must be 3-20 digits"),
        (
            "blocklist",
            {"msisdn": "628", "created_at": "yesterday"},
            "blocklist.created_at: must be an ISO 8601 date and time",
        ),
        ("nothing", {}, "nothing: unknown collection"),
    ],
)
def test_record_rules(name: str, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_fields(name, fields, partial=False)
    assert str(caught.value).startswith(message)


def test_password_hash_error_does_not_echo_it() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_fields("admins", {"password_hash": "my clear password"}, partial=True)
    assert "my clear password" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("1", True),
        ("false", False),
        (" False ", False),
        ("no", False),
        ("off", False),
        ("0", False),
    ],
)
def test_parse_bool(text: str, value: bool) -> None:
    assert parse("sms.status_reports", text) is value


def test_parse_bool_rejects_other_words() -> None:
    with pytest.raises(ConfigError, match=r"^sms.use_cmms: expected true or false, got 'maybe'$"):
        parse("sms.use_cmms", "maybe")


@pytest.mark.parametrize(("text", "value"), [("8080", 8080), (" 443 ", 443), ("+22", 22)])
def test_parse_int(text: str, value: int) -> None:
    assert parse("api.https_port", text) == value


@pytest.mark.parametrize("text", ["", "80.0", "0x50", "1_000", "eighty", "1e3", "٣"])
def test_parse_int_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^api.http_port: expected an integer, got"):
        parse("api.http_port", text)


def test_parse_int_then_validates_bounds() -> None:
    with pytest.raises(ConfigError, match=r"^api.http_port: must be between 1 and 65535, got 0$"):
        parse("api.http_port", "0")


def test_parse_strings_and_lists() -> None:
    assert parse("otp.template", "Kode {otp}") == "Kode {otp}"
    assert parse("sms.log_level", "DEBUG") == "DEBUG"
    with pytest.raises(ConfigError, match=r"^sms.log_level: must be one of"):
        parse("sms.log_level", "debug")
    assert parse_field("modems", "prefixes", "62871, 0872,,62873") == ["62871", "0872", "62873"]
    assert parse_field("modems", "prefixes", "") == []
    assert parse_field("modems", "baud_rate", "9600") == 9600
    assert parse_field("api_users", "active", "false") is False
    with pytest.raises(ConfigError, match=r"^modems.prefixes: item 0 must be 1-15 digits"):
        parse_field("modems", "prefixes", "62a")
    with pytest.raises(ConfigError, match=r"^nope: unknown setting"):
        parse("nope", "1")


def test_default_of_list_is_a_copy() -> None:
    assert default("api.http_port") == 8888
    prefixes = COLLECTIONS["modems"].field("prefixes")
    assert prefixes.default == []


def test_port_conflict_only_when_both_enabled() -> None:
    values = {spec.key: spec.default for spec in SETTINGS}
    check_consistency({**values, "api.https_port": 8888})
    with pytest.raises(ConfigError, match=r"^api.https_port: must differ from api.http_port"):
        check_consistency({**values, "api.https_port": 8888, "api.https_enabled": True})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(key=st.sampled_from([spec.key for spec in SETTINGS]), value=JSON_VALUES)
def test_validate_returns_or_raises_config_error(key: str, value: Any) -> None:
    try:
        result = validate(key, value)
    except ConfigError as error:
        assert str(error).startswith(f"{key}: ")
    else:
        assert type(result) is SETTINGS_BY_KEY[key].kind
        assert validate(key, result) == result


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from([spec.key for spec in SETTINGS]), text=st.text(max_size=30))
def test_parse_returns_or_raises_config_error(key: str, text: str) -> None:
    try:
        parse(key, text)
    except ConfigError as error:
        assert str(error).startswith(f"{key}: ")
