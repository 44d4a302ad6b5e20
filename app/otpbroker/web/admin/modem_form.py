"""The modem form: its fields in groups, the APN presets, and the conversions between a
stored modem record, the form the browser shows and sends, and the values to store.

Secrets (SIM PIN, APN password) are never part of the form shown: ``typed_secrets`` reads
what was typed and which "remove" boxes are ticked (the modem records service keeps or clears
them accordingly), and ``fill_preset`` fills the internet fields from an
operator's preset (the form without JavaScript).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bottle

from otpbroker.domain.balance_rules import PRESETS as BALANCE_PRESETS
from otpbroker.domain.balance_rules import RULES as BALANCE_RULES
from otpbroker.system.render_ppp import APN_PRESETS

PRESETS = APN_PRESETS  # the operators' published dial-up settings (SPEC feature 5)
PRESET_BY_KEY = {preset.key: preset for preset in PRESETS}


@dataclass(frozen=True)
class Item:
    """One control of the modem form (``kind``: text, port, select, flag, secret, presets)."""

    kind: str
    key: str = ""
    label: str = ""
    hint: str = ""
    attrs: str = ""  # static HTML attributes only, never data
    options: tuple[tuple[str, str], ...] = ()
    input_type: str = "text"


def _text(
    key: str,
    label: str,
    hint: str = "",
    attrs: str = 'autocomplete="off"',
    input_type: str = "text",
) -> Item:
    return Item("text", key, label, hint, attrs, input_type=input_type)


def _select(key: str, label: str, values: tuple[Any, ...], hint: str = "") -> Item:
    return Item("select", key, label, hint, options=tuple((str(v), str(v)) for v in values))


def _flag(key: str, label: str, hint: str = "") -> Item:
    return Item("flag", key, label, hint)


def _number(key: str, label: str, hint: str) -> Item:
    return _text(key, label, hint, 'min="0" step="1" inputmode="numeric"', "number")


AT_HINT = 'Optional AT command sent before dialling, e.g. AT+CGDCONT=1,"IP","internet".'
GROUPS: tuple[tuple[str, str, tuple[Item, ...]], ...] = (
    ("identity", "Identity & serial line", (
        _text("name", "Name", "Brand, model and connection, e.g. Huawei E3131 on USB 1.",
              'required maxlength="64" autocomplete="off"'),
        Item("port", "port", "Serial port",
             "A /dev/serial/by-id/... link stays right after replugging; /dev/ttyUSB0 may not.",
             'required list="serial-ports" autocomplete="off" spellcheck="false"'),
        _text("imei", "IMEI", "14-17 digits; identifies the modem after replugging.",
              'inputmode="numeric" autocomplete="off"'),
        _select("baud_rate", "Baud rate",
                (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)),
        Item("select", "parity", "Parity",
             options=(("N", "N (none)"), ("E", "E (even)"), ("O", "O (odd)"))),
        _select("data_bits", "Data bits", (7, 8)),
        _select("start_bits", "Start bits", (1,), "Always 1 on a serial line."),
        _select("stop_bits", "Stop bits", (1, 2)),
        _flag("ussd_packed", "Send USSD codes packed (7-bit hex)",
              "Some Huawei sticks only answer USSD sent this way."),
    )),
    ("routing", "Routing", (
        _text("prefixes", "Recipient prefixes",
              "Comma separated, national (0871) or MSISDN (62871) form; stored as 62871.",
              'autocomplete="off" inputmode="numeric"'),
        _flag("default_modem", "Default modem",
              "Takes every number that no other modem's prefix covers."),
        _flag("send_from_api", "Send SMS from the API and feeders",
              "Off: this modem only sends manual SMS from the admin."),
        _flag("active", "Active", "An inactive modem is never used, even when plugged in."),
    )),
    ("pacing", "SIM pacing (operators bar SIMs that send too fast or to too many numbers)", (
        _number("min_gap_seconds", "Minimum gap between sends (s)",
                "0 = none. OTPs may skip it (setting sms.otp_bypass_gap); caps always apply."),
        _number("gap_jitter_seconds", "Random jitter added to the gap (s)",
                "0 to this many seconds more each time, so sends are not evenly timed."),
        _number("max_per_hour", "Most SMS in any 60 minutes",
                "0 = no cap. Operators treat more than about 360 an hour as spam."),
        _number("max_per_day", "Most SMS per day",
                "0 = no cap. The day starts at sms.quota_reset_time; reported bars: 100-500."),
        _number("max_recipients_per_month", "Most distinct recipients per month",
                "0 = no cap. Counted from day 1 at the reset time; reported bars: 99-250."),
    )),
    ("sim", "SIM card", (
        Item("secret", "pin", "SIM PIN", "4-8 digits, entered once at start, never retried.",
             'inputmode="numeric" autocomplete="new-password"'),
        _text("msisdn", "Number of the SIM (MSISDN)", "", input_type="tel"),
        _text("imsi", "IMSI", "6-15 digits.", 'inputmode="numeric" autocomplete="off"'),
        _text("smsc", "SMS center", "Empty = the one stored on the SIM.", input_type="tel"),
        _text("keepalive_number", "Keep-alive SMS to",
              "Keeps an idle prepaid SIM active: a number, or 'own' for the SIM's own; "
              "empty = off.", 'autocomplete="off"'),
        _number("keepalive_days", "Keep-alive after idle days", "1-90: days without a send."),
    )),
    ("internet", "Mobile internet (ppp)", (
        _flag("internet_access", "Use this modem for the device's internet"),
        _text("data_port", "Data port",
              "Empty = the SMS port: then the modem cannot send SMS while online. Sticks with "
              "several ports take the data call on one and SMS on another.",
              'list="serial-ports" autocomplete="off" spellcheck="false"'),
        Item("presets", "preset", "APN preset"),
        _text("apn", "APN", "Access point name, e.g. internet."),
        _text("apn_username", "APN user name"),
        Item("secret", "apn_password", "APN password", "", 'autocomplete="new-password"'),
        _text("dial_number", "Dial number", "e.g. *99# (every operator, Smartfren's 4G included)."),
        *(_text(f"init_dial_{n}", f"Init command {n}", AT_HINT if n == 1 else "")
          for n in range(1, 6)),
        _text("dial_command", "Dial command", "AT command that dials, usually ATD."),
    )),
    ("balance", "Balance check by USSD (credit and active period)", (
        _text("balance_ussd", "Balance USSD code",
              "Empty = no checks. E.g. " + ", ".join(
                  f"{label} {code}" for label, code, _ in BALANCE_PRESETS.values()) + "."),
        Item("select", "balance_rule", "Reply reads as",
             "An operator's reply shape, or custom: the expression below.",
             options=tuple((rule, BALANCE_PRESETS[rule][0] if rule in BALANCE_PRESETS
                            else "custom") for rule in BALANCE_RULES)),
        _text("balance_regex", "Custom expression",
              "Python regular expression with (?P<balance>...) and/or (?P<until>...); at most "
              "300 characters, no nested repeats like (a+)+."),
        _number("balance_interval_hours", "Hours between checks", "1-168."),
        _number("balance_min", "Alert below credit (Rp)", "0 = no alert."),
        _number("expiry_warn_days", "Alert days before the active period ends", "0 = on the day."),
        _flag("balance_hold", "Take out of routing when below the minimum or expired"),
    )),
)  # fmt: skip

ITEMS = [item for _key, _legend, items in GROUPS for item in items]
PACING_KEYS = tuple(item.key for item in ITEMS if item.input_type == "number")
TEXT_KEYS = tuple(i.key for i in ITEMS if i.kind in ("text", "port")
                  and i.key != "prefixes" and i.key not in PACING_KEYS)  # fmt: skip
INT_KEYS = ("baud_rate", "data_bits", "start_bits", "stop_bits", *PACING_KEYS)
#: A new modem's pacing, as the record fields' defaults (``config.fields.PACING_FIELDS``).
NEW_PACING = {"min_gap_seconds": "10", "gap_jitter_seconds": "5", "max_per_hour": "60",
              "max_per_day": "150", "max_recipients_per_month": "150"}  # fmt: skip
#: A new modem's balance check, as the record fields' defaults (``config.fields``).
NEW_BALANCE = {"balance_rule": "telkomsel", "balance_interval_hours": "24", "balance_min": "0",
               "expiry_warn_days": "7"}  # fmt: skip
SELECT_KEYS = tuple(i.key for i in ITEMS if i.kind == "select")
FLAG_KEYS = tuple(i.key for i in ITEMS if i.kind == "flag")
SECRET_KEYS = tuple(i.key for i in ITEMS if i.kind == "secret")
NEW_MODEM: dict[str, Any] = {
    **dict.fromkeys(TEXT_KEYS, ""), "prefixes": "", "baud_rate": "115200", "parity": "N",
    "data_bits": "8", "start_bits": "1", "stop_bits": "1", "dial_number": "*99#",
    "dial_command": "ATD", **dict.fromkeys(FLAG_KEYS, False), "send_from_api": True,
    "active": True, "keepalive_days": "30", **NEW_PACING, **NEW_BALANCE,
}  # fmt: skip


def split_prefixes(text: str) -> list[str]:
    """``"0871, 62872"`` -> ``["0871", "62872"]`` (commas, semicolons or spaces separate)."""
    return [item for item in re.split(r"[,;\s]+", text) if item]


def form_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows for a stored modem (never its secrets)."""
    form: dict[str, Any] = {key: str(record.get(key) or "") for key in TEXT_KEYS}
    form["prefixes"] = ", ".join(str(p) for p in record.get("prefixes") or ())
    form.update({key: str(record.get(key, NEW_MODEM[key])) for key in (*SELECT_KEYS, *PACING_KEYS)})
    form.update({key: bool(record.get(key)) for key in FLAG_KEYS})
    return form


def form_from_request(forms: bottle.FormsDict) -> dict[str, Any]:
    """What the browser sent, as the form shows it again (secrets left out)."""
    form: dict[str, Any] = {
        key: (forms.getunicode(key, default="") or "").strip()
        for key in (*TEXT_KEYS, "prefixes", *SELECT_KEYS)
    }

    # a pacing field the request lacks keeps its stored value (its default for a new modem)
    form.update({key: (forms.getunicode(key, default="") or "").strip()
                 for key in PACING_KEYS if key in forms})  # fmt: skip
    form.update({key: key in forms for key in FLAG_KEYS})
    return form


def record_values(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The record fields for the store, and the errors found before asking it."""
    values: dict[str, Any] = {key: form[key] for key in (*TEXT_KEYS, *SELECT_KEYS, *FLAG_KEYS)}
    if not values.get("balance_rule"):  # a form without the balance part keeps its rule
        values.pop("balance_rule", None)
    values["prefixes"] = split_prefixes(form["prefixes"])
    errors: dict[str, str] = {}
    for key in (key for key in INT_KEYS if key in form):
        text = str(form[key])
        if re.fullmatch(r"[0-9]{1,9}", text) is None:
            errors[key] = f"must be a whole number, got {text[:20]!r}"
        else:
            values[key] = int(text)
    return values, errors


def typed_secrets(forms: bottle.FormsDict) -> tuple[dict[str, str], tuple[str, ...]]:
    """The secrets typed (blank ones too) and those whose "remove" tick box is ticked."""
    typed = {key: forms.getunicode(key, default="") or "" for key in SECRET_KEYS}
    clear = tuple(key for key in SECRET_KEYS if f"clear_{key}" in forms)
    return typed, clear


@dataclass(frozen=True)
class PresetFill:
    """What the form shows after a preset was applied besides the filled-in fields."""

    password: str  # the preset's APN password, filled into the (never echoed) secret field
    clear: tuple[str, ...]  # secrets whose "remove" tick box stays ticked
    notice: str


def fill_preset(
    form: dict[str, Any], forms: bottle.FormsDict, editing: Mapping[str, Any] | None
) -> PresetFill | None:
    """Put the chosen operator's APN settings into ``form``; None when none was chosen."""
    preset = PRESET_BY_KEY.get(forms.getunicode("preset", default="") or "")
    if preset is None:
        return None
    form.update(apn=preset.apn, apn_username=preset.username, dial_number=preset.dial_number)
    form["preset"] = preset.key
    clear = tuple(k for k in SECRET_KEYS if f"clear_{k}" in forms and k != "apn_password")
    if not preset.password and editing and editing.get("apn_password"):
        clear += ("apn_password",)  # blank would keep the old operator's password
    notice = f"Filled in the settings of {preset.operator}; check them, then save."
    if forms.getunicode("pin", default=""):
        notice += " Type the SIM PIN again: it is never sent back to the browser."
    return PresetFill(preset.password, clear, notice)
