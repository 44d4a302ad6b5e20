"""Every setting with its type, default, bounds and doc line; validation and CLI parsing.

The rules themselves live in ``rules.py`` and describe record fields too (``fields.py``),
so the admin, the REST API and the CLI all validate with exactly the same code.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Mapping
from typing import Any

from otpbroker.config.errors import ConfigError
from otpbroker.config.rules import Setting, check_value, parse_text
from otpbroker.config.schema_auth import AUTH_SETTINGS
from otpbroker.config.schema_feeders import FEEDER_SETTINGS
from otpbroker.config.schema_fleet import FLEET_SETTINGS
from otpbroker.config.schema_front import FRONT_SETTINGS
from otpbroker.config.schema_internet import INTERNET_SETTINGS
from otpbroker.config.schema_limits import LIMIT_SETTINGS
from otpbroker.config.schema_otp import OTP_SETTINGS, check_otp_text
from otpbroker.config.schema_sealing import SEALING_SETTINGS
from otpbroker.config.schema_two_way import TWO_WAY_SETTINGS
from otpbroker.domain.sim_quota import RESET_PATTERN
from otpbroker.i18n.translate import N_, _

__all__ = ["SETTINGS", "SETTINGS_BY_KEY", "Setting", "default", "parse", "setting", "validate"]

# --- rules that a pattern cannot say clearly ----------------------------------------

PATH_PATTERN = r"/[A-Za-z0-9/_.-]{1,127}"
PATH_RULE = N_("'/' followed by 1-127 of A-Z a-z 0-9 / _ . -")


def _url_path(value: str) -> str | None:
    segments = value.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments[:-1]) or segments[-1] in (".", ".."):
        return _("must not contain empty, '.' or '..' segments")
    return None


def _ipv4(value: str) -> str | None:
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return _("must be an IPv4 address such as 192.168.0.11")
    if address.is_unspecified or address.is_multicast or str(address) == "255.255.255.255":
        return _("must be a usable host address")
    return None


def _optional_ipv4(value: str) -> str | None:
    return None if value == "" else _ipv4(value)


def _ipv4_cidr(value: str) -> str | None:
    if "/" not in value:
        return _("must be an address with a prefix length, e.g. 192.168.0.11/24")
    try:
        iface = ipaddress.IPv4Interface(value)
    except ValueError:
        return _("must be an address with a prefix length, e.g. 192.168.0.11/24")
    if not 8 <= iface.network.prefixlen <= 30:
        return _("prefix length must be between /8 and /30")
    if iface.ip in (iface.network.network_address, iface.network.broadcast_address):
        return _("must not be the network or broadcast address of its subnet")
    return _ipv4(str(iface.ip))


def _optional_cidr(value: str) -> str | None:
    return None if value == "" else _ipv4_cidr(value)


def _ipv4_list(value: list[str]) -> str | None:
    for index, item in enumerate(value):
        broken = _ipv4(item)
        if broken is not None:
            return _("item {index} {problem}").format(index=index, problem=broken)
    return None


def _ssid(value: str) -> str | None:
    size = len(value.encode("utf-8"))
    if size > 32:
        return _("must be at most 32 bytes in UTF-8, got {size}").format(size=size)
    if value != value.strip():
        return _("must not start or end with a space")
    return None


IPV4_RULE = N_("an IPv4 address such as 192.168.0.1")
INTERFACE = (r"[A-Za-z0-9_.-]{1,15}", N_("a network interface name (1-15 of A-Z a-z 0-9 _ . -)"))


def _address(key: str, default: str, doc: str, optional: bool = False) -> Setting:
    check = _optional_ipv4 if optional else _ipv4
    rule = N_("empty or an IPv4 address such as 192.168.0.1") if optional else IPV4_RULE
    return Setting(key, str, default, doc, max_length=15, check=check, rule=rule)


def _int(key: str, default: int, low: int, high: int, doc: str) -> Setting:
    return Setting(key, int, default, doc, minimum=low, maximum=high)


def _path(key: str, default: str, doc: str) -> Setting:
    return Setting(key, str, default, doc, pattern=PATH_PATTERN, rule=PATH_RULE, check=_url_path)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "device.country_code",
        str,
        "62",
        N_("Country calling code that turns national numbers (0xxx) into MSISDN form."),
        pattern=r"[1-9][0-9]{0,2}",
        rule=N_("1-3 digits, not starting with 0"),
    ),
    Setting(
        "device.language",
        str,
        "",
        N_(
            "Language of the brochure and of the e-mails the device sends: en (English) or id "
            "(Bahasa Indonesia); empty until chosen at first run (then: English)."
        ),
        choices=("", "en", "id"),
    ),
    Setting("api.http_enabled", bool, True, N_("Serve the REST API over plain HTTP.")),
    _int("api.http_port", 8888, 1, 65535, N_("TCP port of the HTTP REST API.")),
    Setting("api.https_enabled", bool, False, N_("Serve the REST API over HTTPS.")),
    _int("api.https_port", 8443, 1, 65535, N_("TCP port of the HTTPS REST API.")),
    _path("api.message_path", "/api/message", N_("Path for messages (SMS and mail), by command.")),
    _path("api.sms_path", "/api/sms", N_("Path for SMS messages (dispatches on command too).")),
    _path(
        "api.mail_path", "/api/mail", N_("Path for e-mail messages (dispatches on command too).")
    ),
    _path("api.block_path", "/api/block", N_("Path that blocks a number.")),
    _path("api.unblock_path", "/api/unblock", N_("Path that unblocks a number.")),
    _int("api.max_body_bytes", 65536, 1024, 1048576, N_("Largest accepted request body (bytes).")),
    _int(
        "api.auth_cache_seconds",
        300,
        0,
        3600,
        N_("How long a verified API login is cached in memory (0 = verify every request)."),
    ),
    _int(
        "sms.dedup_window_seconds",
        600,
        0,
        86400,
        N_("Messages with an id already seen within this window are not sent again."),
    ),
    _int("sms.max_parts", 10, 1, 20, N_("Most SMS parts one message may be split into.")),
    _int("sms.prompt_timeout_seconds", 10, 1, 60, N_("Wait for the modem's '> ' prompt.")),
    _int(
        "sms.result_timeout_seconds",
        60,
        5,
        300,
        N_("Wait for +CMGS after sending; a time-out is 'unknown', never retried."),
    ),
    _int("sms.queue_timeout_seconds", 120, 1, 3600, N_("Longest a message waits for a modem.")),
    _int(
        "sms.stop_timeout_seconds",
        30,
        1,
        300,
        N_(
            "On stop: longest wait for sends already on the air (AT+CMGS) to be answered; one "
            "still unanswered then ends 'unknown' and is never resent."
        ),
    ),
    _int(
        "sms.default_ttl_seconds",
        600,
        0,
        604800,
        N_(
            "How long a message is worth when neither it nor its API user or feeder says "
            "(0 = no expiry); an expired message is never sent."
        ),
    ),
    _int(
        "sms.max_attempts",
        3,
        1,
        10,
        N_("Modems tried per message, failing over only on definite errors."),
    ),
    _int(
        "sms.validity_minutes",
        1440,
        0,
        635040,
        N_("Validity period asked of the SMSC (0 = network default)."),
    ),
    Setting(
        "sms.quota_reset_time",
        str,
        "00:00",
        N_(
            "Local time HH:MM at which each SIM's daily cap restarts (on day 1 also its "
            "monthly recipients)."
        ),
        pattern=RESET_PATTERN,
        rule=N_("a 24-hour time HH:MM (00:00-23:59)"),
    ),
    Setting(
        "sms.otp_bypass_gap",
        bool,
        True,
        N_("OTP messages may skip a SIM's minimum gap between sends (caps always apply)."),
    ),
    Setting("sms.status_reports", bool, False, N_("Request delivery status reports.")),
    Setting(
        "sms.use_cmms",
        bool,
        True,
        N_("Keep the relay link open for bursts (AT+CMMS=2); off by itself on error."),
    ),
    Setting(
        "sms.log_level",
        str,
        "INFO",
        N_("Log level of the modems, the SMS path and the feeders (bodies always masked)."),
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
    Setting(
        "sms.monitor_recipient",
        str,
        "masked",
        N_("How the monitor shows recipient numbers."),
        choices=("masked", "full"),
    ),
    *OTP_SETTINGS,
    *LIMIT_SETTINGS,
    *FEEDER_SETTINGS,
    *FLEET_SETTINGS,
    *TWO_WAY_SETTINGS,
    *FRONT_SETTINGS,
    *AUTH_SETTINGS,
    *SEALING_SETTINGS,
    *INTERNET_SETTINGS,
)

SETTINGS += (
    Setting(
        "wlan.interface",
        str,
        "wlan0",
        N_("Wi-Fi interface of the access point."),
        pattern=INTERFACE[0],
        rule=INTERFACE[1],
    ),
    Setting(
        "wlan.ssid",
        str,
        "",
        N_("Access point network name (empty = the factory name OTP-Broker-XXXX)."),
        check=_ssid,
        pattern=r"[^#]*",
        rule=N_("up to 32 bytes, no '#', no leading or trailing space"),
    ),
    Setting(
        "wlan.passphrase",
        str,
        "",
        N_("WPA2 passphrase of the access point (empty = the factory password; never shown)."),
        secret=True,
        pattern=r"(?:[\x20-\x22\x24-\x7e]{8,63})?",
        rule=N_("empty or 8-63 printable ASCII characters without '#'"),
    ),
    Setting(
        "wlan.channel", int, 6, N_("2.4 GHz channel of the access point."), minimum=1, maximum=13
    ),
    Setting(
        "wlan.country",
        str,
        "ID",
        N_("Regulatory country of the radio (ISO 3166 alpha-2)."),
        pattern=r"[A-Z]{2}",
        rule=N_("two capital letters such as ID"),
    ),
    Setting("wlan.hidden", bool, False, N_("Hide the network name (clients must type it).")),
    Setting(
        "wlan.address",
        str,
        "192.168.0.11/24",
        N_("The device's address on its access point, with prefix length."),
        max_length=18,
        check=_ipv4_cidr,
        rule=N_("an address with prefix length, e.g. 192.168.0.11/24"),
    ),
    Setting(
        "dhcp.enabled", bool, True, N_("Hand out addresses to access point clients (dnsmasq).")
    ),
    _address("dhcp.range_start", "192.168.0.100", N_("First address handed out.")),
    _address("dhcp.range_end", "192.168.0.200", N_("Last address handed out.")),
    Setting(
        "dhcp.lease_time",
        str,
        "12h",
        N_("How long a lease lasts: a number with s, m, h, d or w (e.g. 12h)."),
        pattern=r"[1-9][0-9]{0,5}[smhdw]?",
        rule=N_("a number, optionally followed by s, m, h, d or w"),
    ),
    _address(
        "dhcp.gateway",
        "",
        N_("Gateway told to clients (empty = the device itself)."),
        optional=True,
    ),
    Setting(
        "dhcp.dns",
        list,
        [],
        N_("DNS servers told to clients (empty = the device itself)."),
        max_length=4,
        pattern=r"[0-9.]{7,15}",
        rule=IPV4_RULE,
        check=_ipv4_list,
    ),
    Setting(
        "ethernet.interface",
        str,
        "eth0",
        N_("Wired interface."),
        pattern=INTERFACE[0],
        rule=INTERFACE[1],
    ),
    Setting(
        "ethernet.mode",
        str,
        "dhcp",
        N_("dhcp = address from the network's DHCP server; static = the address below."),
        choices=("dhcp", "static"),
    ),
    Setting(
        "ethernet.address",
        str,
        "",
        N_("Static address with prefix length, e.g. 192.168.1.20/24 (static mode)."),
        max_length=18,
        check=_optional_cidr,
        rule=N_("empty or an address with prefix length"),
    ),
    _address(
        "ethernet.gateway", "", N_("Default gateway (static mode; empty = none)."), optional=True
    ),
    Setting(
        "ethernet.dns",
        list,
        [],
        N_("DNS servers (static mode)."),
        max_length=4,
        pattern=r"[0-9.]{7,15}",
        rule=IPV4_RULE,
        check=_ipv4_list,
    ),
    _int(
        "network.confirm_seconds",
        90,
        30,
        600,
        N_("Network changes are undone unless confirmed from the new address within this time."),
    ),
    Setting(
        "ddns.enabled", bool, False, N_("Keep the DDNS records pointing at the public address.")
    ),
    _int("ddns.interval_seconds", 300, 60, 86400, N_("Seconds between public address checks.")),
    Setting(
        "ddns.ip_source",
        str,
        "web",
        N_(
            "Where the public IPv4 address comes from: web (the services below) or an "
            "interface name such as ppp0 (mobile internet)."
        ),
        pattern=INTERFACE[0],
        rule=N_("'web' or a network interface name (1-15 of A-Z a-z 0-9 _ . -)"),
    ),
    Setting(
        "ddns.ip_services",
        list,
        ["https://api.ipify.org", "https://ipv4.icanhazip.com", "https://checkip.amazonaws.com"],
        N_("'What is my IP' services asked in turn; each answers the address as plain text."),
        max_length=10,
        pattern=r"https?://[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/?=&%-]{0,200})?",
        rule=N_("an http(s) URL"),
    ),
    Setting(
        "ddns.contact",
        str,
        "",
        N_("Contact e-mail sent in the User-Agent of DDNS updates (No-IP asks for one)."),
        max_length=254,
        pattern=r"(?:[^@\s]+@[^@\s]+\.[^@\s]+)?",
        rule=N_("empty or an e-mail address"),
    ),
)

SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}


def setting(key: str) -> Setting:
    """The :class:`Setting` named ``key``; ConfigError for an unknown key."""
    try:
        return SETTINGS_BY_KEY[key]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(key), SETTINGS_BY_KEY, n=1)
        message = _("unknown setting (did you mean {key}?)") if close else _("unknown setting")
        raise ConfigError(str(key), message.format(key=repr(close[0]) if close else "")) from None


def default(key: str) -> Any:
    """The default value of ``key``."""
    value = setting(key).default
    return list(value) if isinstance(value, list) else value


def validate(key: str, value: Any) -> Any:
    """Validate ``value`` for setting ``key``; return it or raise ConfigError."""
    return check_value(setting(key), value)


def parse(key: str, text: str) -> Any:
    """Parse command-line ``text`` for setting ``key`` ("true"/"false", integers, strings)."""
    return parse_text(setting(key), text)


def check_consistency(values: Mapping[str, Any]) -> None:
    """Rules across several settings (``values`` holds every key)."""
    if not values["api.http_enabled"] and not values["api.https_enabled"]:
        raise ConfigError(
            "api.http_enabled",
            _("HTTP and HTTPS cannot both be off: the admin would be unreachable"),
        )
    if values["ethernet.mode"] == "static" and not values["ethernet.address"]:
        message = _("static mode needs an address, e.g. 192.168.1.20/24")
        raise ConfigError("ethernet.address", message)
    _check_ap_network(values)
    check_otp_text(values)
    both = values["api.http_enabled"] and values["api.https_enabled"]
    port = values["api.https_port"]
    if both and values["api.http_port"] == port:
        message = _("must differ from api.http_port while both are enabled, got {port}")
        raise ConfigError("api.https_port", message.format(port=port))


def _check_ap_network(values: Mapping[str, Any]) -> None:
    """The DHCP range and gateway must lie in the access point's subnet, around its address."""
    ap = ipaddress.IPv4Interface(values["wlan.address"])
    start = ipaddress.IPv4Address(values["dhcp.range_start"])
    end = ipaddress.IPv4Address(values["dhcp.range_end"])
    for key, address in (("dhcp.range_start", start), ("dhcp.range_end", end)):
        if address not in ap.network:
            message = _("{address} is outside the access point subnet {network}")
            raise ConfigError(key, message.format(address=address, network=ap.network))
    if start > end:
        message = _("{end} comes before the range start {start}")
        raise ConfigError("dhcp.range_end", message.format(end=end, start=start))
    if start <= ap.ip <= end:
        message = _("the range {start}-{end} contains the device's own address {address}")
        raise ConfigError("dhcp.range_start", message.format(start=start, end=end, address=ap.ip))
    gateway = values["dhcp.gateway"]
    if gateway and ipaddress.IPv4Address(gateway) not in ap.network:
        message = _("{address} is outside the access point subnet")
        raise ConfigError("dhcp.gateway", message.format(address=gateway))
    if values["ethernet.mode"] == "static" and values["ethernet.address"]:
        wired = ipaddress.IPv4Interface(values["ethernet.address"])
        if wired.network.overlaps(ap.network):
            message = _("{network} overlaps the access point subnet {subnet}")
            raise ConfigError(
                "ethernet.address", message.format(network=wired.network, subnet=ap.network)
            )
        gw = values["ethernet.gateway"]
        if gw and ipaddress.IPv4Address(gw) not in wired.network:
            message = _("{address} is outside the subnet {network}")
            raise ConfigError("ethernet.gateway", message.format(address=gw, network=wired.network))
