"""The fields of each record collection: modems, accounts and the blocking list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otpbroker.config.rules import Setting, templated_doc
from otpbroker.domain.balance_rules import RULES, check_regex, check_ussd_code
from otpbroker.i18n.translate import N_, _

PHONE = (r"(?:\+?[0-9]{3,20})?", N_("empty or 3-20 digits, optionally after '+'"))
AT_COMMAND = (r"(?:[Aa][Tt][\x20-\x7e]{0,200})?", N_("empty or printable ASCII starting with 'AT'"))


def _str(
    name: str, doc: str, default: str = "", pattern: tuple[str, str] | None = None, **extra: Any
) -> Setting:
    if pattern is not None:
        extra.update(pattern=pattern[0], rule=pattern[1])
    else:
        extra.setdefault("max_length", 255)
    return Setting(name, str, default, doc, **extra)


def _flag(name: str, default: bool, doc: str) -> Setting:
    return Setting(name, bool, default, doc)


def _iso_time(value: str) -> str | None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return _("must be an ISO 8601 date and time")
    return None


def _count(name: str, default: int, high: int, doc: str) -> Setting:
    return Setting(name, int, default, doc, minimum=0, maximum=high)


#: SIM pacing (``domain.sim_quota``): the defaults keep a new SIM well inside what operators
#: are reported to bar (about 100-500 SMS a day, 99-250 distinct numbers a month, more than
#: 360 an hour taken as spam); raise them to what the SIM's plan allows.
PACING_FIELDS: tuple[Setting, ...] = (
    _count("min_gap_seconds", 10, 3600,
           N_("Least seconds between two sends on this SIM (0 = none; see sms.otp_bypass_gap).")),
    _count("gap_jitter_seconds", 5, 3600,
           N_("Random 0 to this many seconds added to each gap, so sends are not evenly timed.")),
    _count("max_per_hour", 60, 100_000, N_("Most SMS in any 60 minutes (0 = no cap).")),
    _count("max_per_day", 150, 1_000_000,
           N_("Most SMS per day, counted from sms.quota_reset_time (0 = no cap).")),
    _count("max_recipients_per_month", 150, 1_000_000,
           N_("Most distinct recipients per calendar month (0 = no cap).")),
)  # fmt: skip

#: Balance checks by USSD (``services.balance_watch``; presets in ``domain.balance_rules``).
BALANCE_FIELDS: tuple[Setting, ...] = (
    _str(
        "balance_ussd",
        N_("USSD code that asks the SIM's balance, e.g. *888# (empty = no checks)."),
        max_length=32,
        check=check_ussd_code,
        rule=N_("empty or 2-32 of 0-9 * # + ending with '#'"),
    ),
    Setting(
        "balance_interval_hours",
        int,
        24,
        N_("Hours between two balance checks."),
        minimum=1,
        maximum=168,
    ),
    Setting(
        "balance_rule",
        str,
        "telkomsel",
        N_("How the reply reads: an operator preset, or custom (balance_regex)."),
        choices=RULES,
    ),
    _str(
        "balance_regex",
        N_("Custom rule: a regular expression with groups (?P<balance>...) and/or (?P<until>...)."),
        max_length=300,
        check=check_regex,
        rule=N_("empty or a regular expression of at most 300 characters, no nested quantifiers"),
    ),
    _count(
        "balance_min", 0, 100_000_000, N_("Alert when the credit is below this (0 = no alert).")
    ),
    _count(
        "expiry_warn_days",
        7,
        365,
        N_("Alert when the SIM's active period ends within this many days (0 = on the day)."),
    ),
    _flag(
        "balance_hold",
        False,
        N_("Take the modem out of routing while its credit is below the minimum or expired."),
    ),
)

MODEM_FIELDS: tuple[Setting, ...] = (
    _str(
        "name",
        N_("Modem name (brand, model, connection)."),
        min_length=1,
        max_length=64,
        required=True,
    ),
    _str(
        "port",
        N_("Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/..."),
        required=True,
        pattern=(r"/[A-Za-z0-9/_.:+@-]{1,254}", N_("an absolute device path")),
    ),
    _str("smsc", N_("SMS center number (empty = the SIM's own)."), pattern=PHONE),
    _str(
        "imei",
        N_("Modem IMEI (identifies the modem after replugging)."),
        pattern=(r"(?:[0-9]{14,17})?", N_("empty or 14-17 digits")),
    ),
    _str("msisdn", N_("Number of the SIM card."), pattern=PHONE),
    _str(
        "imsi",
        N_("IMSI of the SIM card."),
        pattern=(r"(?:[0-9]{6,15})?", N_("empty or 6-15 digits")),
    ),
    Setting(
        "prefixes",
        list,
        [],
        N_("Recipient prefixes routed to this modem (e.g. 62871)."),
        pattern=r"[0-9]{1,15}",
        rule=N_("1-15 digits"),
        max_length=200,
    ),
    _str(
        "pin",
        N_("SIM PIN, entered once at start (never retried, never shown)."),
        secret=True,
        pattern=(r"(?:[0-9]{4,8})?", N_("empty or 4-8 digits")),
    ),
    Setting(
        "baud_rate",
        int,
        115200,
        N_("Serial speed."),
        choices=(9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600),
    ),
    Setting(
        "parity", str, "N", N_("Parity bit: N(one), E(ven) or O(dd)."), choices=("N", "E", "O")
    ),
    Setting("data_bits", int, 8, N_("Data bits."), choices=(7, 8)),
    Setting(
        "start_bits",
        int,
        1,
        N_("Start bits (always 1; kept for the original's form)."),
        choices=(1,),
    ),
    Setting("stop_bits", int, 1, N_("Stop bits."), choices=(1, 2)),
    _flag("internet_access", False, N_("Use this modem for the device's internet (ppp).")),
    _str(
        "data_port",
        N_("Serial device for the data call (empty = the SMS port; SMS pauses while online)."),
        pattern=(r"(?:/[A-Za-z0-9/_.:+@-]{1,254})?", N_("empty or an absolute device path")),
    ),
    _str(
        "apn",
        N_("Access point name."),
        max_length=100,
        pattern=(r"[A-Za-z0-9._-]*", N_("letters, digits, '.', '_' and '-'")),
    ),
    _str("apn_username", N_("APN user name."), max_length=64),
    _str("apn_password", N_("APN password (never shown)."), max_length=64, secret=True),
    _str(
        "dial_number",
        N_("Number dialled for the data call, e.g. *99# (every operator's 3G/4G data call)."),
        "*99#",
        pattern=(r"[0-9*#+]{0,32}", N_("up to 32 of 0-9 * # +")),
    ),
    *(
        _str(
            f"init_dial_{n}",
            pattern=AT_COMMAND,
            **templated_doc(N_("Init AT command {n} before dialling."), n=str(n)),
        )
        for n in range(1, 6)
    ),
    _str(
        "dial_command",
        N_("AT command that dials."),
        "ATD",
        max_length=32,
        pattern=(r"[Aa][Tt][A-Za-z0-9&+*#=]{0,30}", N_("'AT' followed by a short command")),
    ),
    _flag("send_from_api", True, N_("Send API/feeder messages (false = manual SMS only).")),
    _flag("default_modem", False, N_("Takes every number no other modem's prefix covers.")),
    _flag("active", True, N_("An inactive modem is never used, even when plugged in.")),
    _flag("ussd_packed", False, N_("Send USSD requests as packed 7-bit hex (some Huawei sticks).")),
    *PACING_FIELDS,
    *BALANCE_FIELDS,
    # Keep-alive (services/keepalive.py): one short SMS when the SIM sent nothing for a while
    _str(
        "keepalive_number",
        N_(
            "Number a keep-alive SMS goes to when the SIM sent nothing for keepalive_days "
            "('own' = the SIM's own msisdn; empty = off)."
        ),
        pattern=(
            r"(?:own|\+?[0-9]{3,20})?",
            N_("empty, 'own', or 3-20 digits optionally after '+'"),
        ),
    ),
    Setting(
        "keepalive_days", int, 30, N_("Idle days before a keep-alive SMS."), minimum=1, maximum=90
    ),
)

BLOCKLIST_FIELDS: tuple[Setting, ...] = (
    _str(
        "msisdn",
        N_("Blocked number in MSISDN form (digits, e.g. 628126666666)."),
        required=True,
        pattern=(r"[0-9]{3,20}", N_("3-20 digits")),
    ),
    _str(
        "created_at",
        N_("When it was blocked (ISO 8601; default now, UTC)."),
        max_length=64,
        check=_iso_time,
        rule=N_("an ISO 8601 date and time"),
    ),
    _str(
        "source",
        N_("Who blocked it (admin, rest, amqp, ws, mqtt, cli)."),
        "admin",
        max_length=32,
        pattern=(r"[A-Za-z0-9._-]*", N_("letters, digits, '.', '_', '-'")),
    ),
)


MAIL_ACCOUNT_FIELDS: tuple[Setting, ...] = (
    _str(
        "name", N_("Account name shown in the admin."), min_length=1, max_length=64, required=True
    ),
    Setting(
        "kind",
        str,
        "smtp",
        N_("smtp = an external SMTP account; local = deliver directly to the recipient's MX."),
        choices=("smtp", "local"),
    ),
    _str(
        "host",
        N_("SMTP server (smtp accounts), e.g. smtp.gmail.com."),
        pattern=(
            r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)?",
            N_("empty or a host name"),
        ),
    ),
    Setting(
        "port",
        int,
        587,
        N_("SMTP port: 587 with STARTTLS, 465 with SSL, 25 plain."),
        minimum=1,
        maximum=65535,
    ),
    Setting(
        "security",
        str,
        "starttls",
        N_("Transport security: starttls, ssl (implicit TLS) or none."),
        choices=("starttls", "ssl", "none"),
    ),
    _flag("auth", True, N_("Log in to the SMTP server with username and password.")),
    _str("username", N_("SMTP login (often the sender address)."), max_length=254),
    _str(
        "password", N_("SMTP password or app password (never shown)."), max_length=256, secret=True
    ),
    _str(
        "sender",
        N_("From address of the mails sent with this account."),
        required=True,
        max_length=254,
        pattern=(r"[^@\s]+@[^@\s]+\.[^@\s]+", N_("an e-mail address")),
    ),
    Setting(
        "daily_limit",
        int,
        0,
        N_("Mails per day before the next account is used (0 = none)."),
        minimum=0,
        maximum=1_000_000,
    ),
    _flag("active", True, N_("An inactive account is never used.")),
)


FIREWALL_PORT_FIELDS: tuple[Setting, ...] = (
    Setting("port", int, 0, N_("Port number to open."), minimum=1, maximum=65535, required=True),
    Setting("protocol", str, "tcp", N_("tcp or udp."), choices=("tcp", "udp")),
    _str(
        "interface",
        N_("Interface it is open on (empty = every interface), e.g. eth0, wlan0, ppp0."),
        pattern=(r"(?:[A-Za-z0-9_.-]{1,15})?", N_("empty or a network interface name")),
    ),
    _str("comment", N_("What the port is for."), max_length=64),
    _flag("active", True, N_("Open while active; deactivate to close it again.")),
)


HOST_NAME = (
    r"(?=.{3,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    N_("a fully qualified host name such as home.example.com"),
)
BASE_URL = (r"(?:https?://[A-Za-z0-9.:\[\]-]{1,260}(?:/[A-Za-z0-9._~/-]{0,200})?)?",
            N_("empty or an http(s) URL without query"))  # fmt: skip


def _ttl(value: int) -> str | None:
    if value == 1 or 30 <= value <= 86400:
        return None
    return _("must be 1 (automatic) or 30-86400 seconds")


DDNS_ACCOUNT_FIELDS: tuple[Setting, ...] = (
    _str(
        "name", N_("Account name shown in the admin."), min_length=1, max_length=64, required=True
    ),
    Setting(
        "provider",
        str,
        "cloudflare",
        N_("cloudflare, noip, dynu or freedns (afraid.org)."),
        choices=("cloudflare", "noip", "dynu", "freedns"),
    ),
    _str("username", N_("Login (No-IP: e-mail or user name; Dynu: user name)."), max_length=254),
    _str("password", N_("Password (No-IP, Dynu; never shown)."), max_length=256, secret=True),
    _str(
        "api_token",
        N_("Cloudflare API token, or the FreeDNS update token (never shown)."),
        max_length=256,
        secret=True,
    ),
    _str("base_url", N_("API address (empty = the provider's real one)."), pattern=BASE_URL),
    _flag("active", True, N_("An inactive account's records are not updated.")),
)

DDNS_RECORD_FIELDS: tuple[Setting, ...] = (
    _str(
        "name",
        N_("Host name kept up to date, e.g. home.example.com."),
        required=True,
        pattern=HOST_NAME,
    ),
    _str(
        "account",
        N_("Id of the DDNS account the record belongs to."),
        required=True,
        pattern=(r"[A-Za-z0-9_-]{1,64}", N_("a record id")),
    ),
    _flag("proxied", False, N_("Cloudflare: traffic goes through Cloudflare's proxy.")),
    Setting(
        "ttl",
        int,
        1,
        N_("Cloudflare TTL in seconds (1 = automatic)."),
        minimum=1,
        maximum=86400,
        check=_ttl,
        rule=N_("1 (automatic) or 30-86400"),
    ),
    _flag("active", True, N_("An inactive record is not updated.")),
    _str("last_address", N_("Address last set (kept by the updater)."), max_length=15),
    _str("last_update", N_("When it was last set (kept by the updater)."), max_length=64),
    _str("last_answer", N_("The provider's last answer (kept by the updater)."), max_length=255),
    Setting(
        "last_status",
        str,
        "",
        N_("Last result (kept by the updater; fatal stops updates until the record is edited)."),
        choices=("", "updated", "unchanged", "retry", "fatal"),
    ),
)
