"""The otp.* autofill settings: each validated alone, and the text checked at settings time."""

from __future__ import annotations

import pytest

from otpbroker.config import ConfigError, ConfigStore, validate
from otpbroker.config.schema import SETTINGS

HASH = "FA+9qCX9VSu"
# 126 characters besides {otp}, 5 of them from the extension table ([ ] ~ | euro): 131
# septets. With an n-digit code and "\n@example.com #<code>": 131 + n + 14 + n, which fits
# up to 7 digits; the hash line adds 12 (166 septets with 4 digits).
LONG = "[Acme] {otp} " + "x" * 108 + " ~ | \u20ac end"


def _error(key: str, value: object) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(key, value)
    return str(caught.value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("otp.domain", "https://example.com",
         "otp.domain: give the host name only, without a scheme such as https://, "
         "got 'https://example.com'"),
        ("otp.domain", "Example.COM",
         "otp.domain: must be lower case: write 'example.com', got 'Example.COM'"),
        ("otp.domain", "example.com:8443",
         "otp.domain: give the host name only, without a port (':'), got 'example.com:8443'"),
        ("otp.iframe_domain", "pay.example/checkout",
         "otp.iframe_domain: give the host name only, without a path ('/'), "
         "got 'pay.example/checkout'"),
        ("otp.domain", "a" * 254,
         "otp.domain: value must be at most 253 characters long, got 254, got 'aaaaa"),
        ("otp.app_hash", "FA+9qCX9VS",
         "otp.app_hash: must be exactly 11 characters, got 10, got 'FA+9qCX9VS'"),
        ("otp.app_hash", "FA+9qCX9V_u",
         "otp.app_hash: '_' is not allowed: the hash is base64 (A-Z a-z 0-9 + /), "
         "got 'FA+9qCX9V_u'"),
        ("otp.app_hash", "FA+9qCX9VSuX",
         "otp.app_hash: value must be at most 11 characters long, got 12, got 'FA+9qCX9VSuX'"),
    ],
)  # fmt: skip
def test_each_setting_says_what_is_wrong(key: str, value: object, message: str) -> None:
    assert _error(key, value).startswith(message)


def test_defaults_are_off_and_valid() -> None:
    defaults = {spec.key: spec.default for spec in SETTINGS}
    assert (defaults["otp.domain"], defaults["otp.iframe_domain"], defaults["otp.app_hash"]) == (
        "",
        "",
        "",
    )
    for key in ("otp.domain", "otp.iframe_domain", "otp.app_hash"):
        assert validate(key, "") == ""
    assert validate("otp.domain", "xn--bcher-kva.example") == "xn--bcher-kva.example"
    assert validate("otp.app_hash", HASH) == HASH


def test_an_iframe_domain_needs_the_domain(store: ConfigStore) -> None:
    with pytest.raises(ConfigError) as caught:
        store.set("otp.iframe_domain", "pay.example.net")
    assert str(caught.value) == (
        "otp.iframe_domain: needs otp.domain: the iframe's site follows the code on its line"
    )
    store.update_settings({"otp.domain": "example.com", "otp.iframe_domain": "pay.example.net"})
    assert store.get("otp.iframe_domain") == "pay.example.net"
    with pytest.raises(ConfigError, match=r"^otp\.iframe_domain: needs otp\.domain"):
        store.reset("otp.domain")


def test_the_text_must_fit_one_part_with_the_longest_code(store: ConfigStore) -> None:
    store.update_settings({"otp.template": LONG, "otp.digits": 4})  # no autofill: not checked
    store.set("otp.domain", "example.com")  # 154 septets with 4 digits
    with pytest.raises(ConfigError) as caught:
        store.set("otp.app_hash", HASH)
    assert str(caught.value) == (
        "otp.template: with the autofill lines and a code of 4 digits, the text takes 166 septets "
        "(^ { } \\ [ ~ ] | and the euro sign count 2), one GSM 7-bit part holds 160: 6 too many"
    )
    store.set("otp.digits", 7)  # 160 septets
    with pytest.raises(
        ConfigError, match=r"^otp\.template: with the autofill lines and a code of 8 digits"
    ):
        store.set("otp.digits", 8)  # 162 septets
    assert (store.get("otp.app_hash"), store.get("otp.digits")) == ("", 7)


def test_a_ucs2_template_is_refused_only_with_autofill(store: ConfigStore) -> None:
    store.set("otp.template", "Kodunuz {otp} \u015fimdi")
    with pytest.raises(ConfigError) as caught:
        store.set("otp.app_hash", HASH)
    assert str(caught.value) == (
        "otp.template: with the autofill lines and a code of 6 digits, character '\u015f' (U+015F) "
        "is not in the GSM 7-bit alphabet; an autofill text must be one GSM 7-bit part"
    )
    assert store.get("otp.app_hash") == ""
