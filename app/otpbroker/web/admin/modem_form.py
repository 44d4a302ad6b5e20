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
from otpbroker.i18n.translate import N_, _
from otpbroker.system.render_ppp import APN_PRESETS

PRESETS = APN_PRESETS  # the operators' published dial-up settings (SPEC feature 5)
PRESET_BY_KEY = {preset.key: preset for preset in PRESETS}


@dataclass(frozen=True)
class Item:
    """One control of the modem form (``kind``: text, port, select, flag, secret, presets).

    ``label``, ``hint`` and the ``marked`` option texts are English message ids (``N_``);
    the ``shown_*`` properties give them in the reader's language, placeholders filled in
    from ``values``.
    """

    kind: str
    key: str = ""
    label: str = ""
    hint: str = ""
    attrs: str = ""  # static HTML attributes only, never data
    options: tuple[tuple[str, str], ...] = ()
    input_type: str = "text"
    values: tuple[tuple[str, str], ...] = ()
    marked: frozenset[str] = frozenset()  # the option texts that are messages

    @property
    def shown_label(self) -> str:
        """The label in the current language."""
        return _(self.label).format(**dict(self.values)) if self.label else ""

    @property
    def shown_hint(self) -> str:
        """The hint in the current language ("" for none)."""
        return _(self.hint).format(**dict(self.values)) if self.hint else ""

    @property
    def shown_options(self) -> tuple[tuple[str, str], ...]:
        """``(value, text)`` of each option, the marked texts translated."""
        return tuple((v, _(t) if t in self.marked else t) for v, t in self.options)


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


AT_HINT = N_('Optional AT command sent before dialling, e.g. AT+CGDCONT=1,"IP","internet".')
BALANCE_EXAMPLES = ", ".join(f"{label} {code}" for label, code, _r in BALANCE_PRESETS.values())
GROUPS: tuple[tuple[str, str, tuple[Item, ...]], ...] = (
    ("identity", N_("Identity & serial line"), (
        _text("name", N_("Name"), N_("Brand, model and connection, e.g. Huawei E3131 on USB 1."),
              'required maxlength="64" autocomplete="off"'),
        Item("port", "port", N_("Serial port"),
             N_("A /dev/serial/by-id/... link stays right after replugging; /dev/ttyUSB0 may "
                "not."),
             'required list="serial-ports" autocomplete="off" spellcheck="false"'),
        _text("imei", "IMEI", N_("14-17 digits; identifies the modem after replugging."),
              'inputmode="numeric" autocomplete="off"'),
        _select("baud_rate", N_("Baud rate"),
                (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)),
        Item("select", "parity", N_("Parity"),
             options=(("N", N_("N (none)")), ("E", N_("E (even)")), ("O", N_("O (odd)"))),
             marked=frozenset({"N (none)", "E (even)", "O (odd)"})),
        _select("data_bits", N_("Data bits"), (7, 8)),
        _select("start_bits", N_("Start bits"), (1,), N_("Always 1 on a serial line.")),
        _select("stop_bits", N_("Stop bits"), (1, 2)),
        _flag("ussd_packed", N_("Send USSD codes packed (7-bit hex)"),
              N_("Some Huawei sticks only answer USSD sent this way.")),
    )),
    ("routing", N_("Routing"), (
        _text("prefixes", N_("Recipient prefixes"),
              N_("Comma separated, national (0871) or MSISDN (62871) form; stored as 62871."),
              'autocomplete="off" inputmode="numeric"'),
        _flag("default_modem", N_("Default modem"),
              N_("Takes every number that no other modem's prefix covers.")),
        _flag("send_from_api", N_("Send SMS from the API and feeders"),
              N_("Off: this modem only sends manual SMS from the admin.")),
        _flag("active", N_("Active"),
              N_("An inactive modem is never used, even when plugged in.")),
    )),
    ("pacing", N_("SIM pacing (operators bar SIMs that send too fast or to too many numbers)"), (
        _number("min_gap_seconds", N_("Minimum gap between sends (s)"),
                N_("0 = none. OTPs may skip it (setting sms.otp_bypass_gap); caps always "
                   "apply.")),
        _number("gap_jitter_seconds", N_("Random jitter added to the gap (s)"),
                N_("0 to this many seconds more each time, so sends are not evenly timed.")),
        _number("max_per_hour", N_("Most SMS in any 60 minutes"),
                N_("0 = no cap. Operators treat more than about 360 an hour as spam.")),
        _number("max_per_day", N_("Most SMS per day"),
                N_("0 = no cap. The day starts at sms.quota_reset_time; reported bars: "
                   "100-500.")),
        _number("max_recipients_per_month", N_("Most distinct recipients per month"),
                N_("0 = no cap. Counted from day 1 at the reset time; reported bars: 99-250.")),
    )),
    ("sim", N_("SIM card"), (
        Item("secret", "pin", N_("SIM PIN"),
             N_("4-8 digits, entered once at start, never retried."),
             'inputmode="numeric" autocomplete="new-password"'),
        _text("msisdn", N_("Number of the SIM (MSISDN)"), "", input_type="tel"),
        _text("imsi", "IMSI", N_("6-15 digits."), 'inputmode="numeric" autocomplete="off"'),
        _text("smsc", N_("SMS center"), N_("Empty = the one stored on the SIM."),
              input_type="tel"),
        _text("keepalive_number", N_("Keep-alive SMS to"),
              N_("Keeps an idle prepaid SIM active: a number, or 'own' for the SIM's own; "
                 "empty = off."), 'autocomplete="off"'),
        _number("keepalive_days", N_("Keep-alive after idle days"),
                N_("1-90: days without a send.")),
    )),
    ("internet", N_("Mobile internet (ppp)"), (
        _flag("internet_access", N_("Use this modem for the device's internet")),
        _text("data_port", N_("Data port"),
              N_("Empty = the SMS port: then the modem cannot send SMS while online. Sticks "
                 "with several ports take the data call on one and SMS on another."),
              'list="serial-ports" autocomplete="off" spellcheck="false"'),
        Item("presets", "preset", N_("APN preset")),
        _text("apn", "APN", N_("Access point name, e.g. internet.")),
        _text("apn_username", N_("APN user name")),
        Item("secret", "apn_password", N_("APN password"), "", 'autocomplete="new-password"'),
        _text("dial_number", N_("Dial number"),
              N_("e.g. *99# (every operator, Smartfren's 4G included).")),
        *(Item("text", f"init_dial_{n}", N_("Init command {n}"), AT_HINT if n == 1 else "",
               'autocomplete="off"', values=(("n", str(n)),))
          for n in range(1, 6)),
        _text("dial_command", N_("Dial command"), N_("AT command that dials, usually ATD.")),
    )),
    ("balance", N_("Balance check by USSD (credit and active period)"), (
        Item("text", "balance_ussd", N_("Balance USSD code"),
             N_("Empty = no checks. E.g. {examples}."), 'autocomplete="off"',
             values=(("examples", BALANCE_EXAMPLES),)),
        Item("select", "balance_rule", N_("Reply reads as"),
             N_("An operator's reply shape, or custom: the expression below."),
             options=tuple((rule, BALANCE_PRESETS[rule][0] if rule in BALANCE_PRESETS
                            else N_("custom")) for rule in BALANCE_RULES),
             marked=frozenset({"custom"})),
        _text("balance_regex", N_("Custom expression"),
              N_("Python regular expression with (?P<balance>...) and/or (?P<until>...); at "
                 "most 300 characters, no nested repeats like (a+)+.")),
        _number("balance_interval_hours", N_("Hours between checks"), N_("1-168.")),
        _number("balance_min", N_("Alert below credit (Rp)"), N_("0 = no alert.")),
        _number("expiry_warn_days", N_("Alert days before the active period ends"),
                N_("0 = on the day.")),
        _flag("balance_hold", N_("Take out of routing when below the minimum or expired")),
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
            errors[key] = _("must be a whole number, got {value}").format(value=repr(text[:20]))
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
    notice = _("Filled in the settings of {operator}; check them, then save.").format(
        operator=preset.operator
    )
    if forms.getunicode("pin", default=""):
        notice = _(
            "Filled in the settings of {operator}; check them, then save. Type the SIM PIN "
            "again: it is never sent back to the browser."
        ).format(operator=preset.operator)
    return PresetFill(preset.password, clear, notice)
