"""SIM balance replies: the operators' USSD codes, their reply shapes, and the parsing.

A balance check runs a USSD code (``*888#``) and reads two things from the network's reply:
the credit left (``balance``, in rupiah) and the date the SIM stays active until (``until``).
Each preset names an Indonesian operator's code and the regular expression its reply
follows; ``custom`` takes the administrator's own expression with the named groups
``balance`` and/or ``until``. A reply no rule matches is "unparsed": nothing is guessed.

Reply shapes, in our words, as operators' help pages and users' forum posts show them:
Telkomsel (``*888#``) "Sisa Pulsa Rp 3.000. Aktif s.d. 26/02/2020"; XL (``*123#``) "Pulsa
Rp5.000 s/d 12-03-2020"; Indosat Ooredoo (``*555#``) "Pulsa Rp 10.000, Aktif sd 26-02-2020";
Three (``*111#``) "Pulsa: Rp2.500. Aktif s/d 26/02/2020"; Smartfren (``*999#``) "Pulsa Anda
Rp 5.000, Masa Aktif 26-Feb-2020"; Axis (``*888#``) "Pulsa Rp 1.500 aktif s.d 26 Feb 2020".

Custom expressions are bounded (Python's ``re`` has no time limit): at most 300 characters,
no quantified group that holds a quantifier (``(a+)+``, the shape of catastrophic
backtracking), and they only ever see the first 500 characters of a reply (a USSD reply is
at most 182 characters, so nothing real is cut).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

USSD_CODE = re.compile(r"[0-9*#+]{1,31}#")
MAX_REGEX = 300
MAX_REPLY = 500
CUSTOM = "custom"

_AMOUNT = r"(?:Rp\.?|IDR)\s*:?\s*(?P<balance>\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,]-|,00)?"
_DATE = (
    r"(?P<until>\d{1,2}[/-]\d{1,2}[/-]\d{2,4}"
    r"|\d{1,2}[\s-][A-Za-z]{3,9}[\s-]\d{2,4})"
)
_UNTIL = r"(?:s\.?\s?d\.?|s/d|sd|sampai(?:\s+dengan)?|hingga|berlaku|masa\s+aktif)"

_AFTER = rf"\s*:?\s*{_DATE}"
_WORDED = rf"(?is)pulsa\D{{0,20}}?{_AMOUNT}.*?aktif\s*{_UNTIL}?{_AFTER}"  # "... aktif s.d. <date>"
_PLAIN = rf"(?is)pulsa\D{{0,20}}?{_AMOUNT}.*?{_UNTIL}{_AFTER}"  # "... s/d <date>"

#: Preset name: (label, USSD code, reply expression).
PRESETS: dict[str, tuple[str, str, str]] = {
    "telkomsel": ("Telkomsel", "*888#", _WORDED),
    "xl": ("XL", "*123#", _PLAIN),
    "indosat": ("Indosat Ooredoo", "*555#", _WORDED),
    "three": ("Three (Tri)", "*111#", _PLAIN),
    "smartfren": ("Smartfren", "*999#", _PLAIN),
    "axis": ("Axis", "*888#", _WORDED),
}
RULES = (*PRESETS, CUSTOM)

MONTHS = {
    **{m: i for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)},
    "mei": 5, "agu": 8, "agt": 8, "okt": 10, "des": 12,
}  # fmt: skip
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")


@dataclass(frozen=True)
class Balance:
    """What a reply says: credit (rupiah) and active-until date; both None when unparsed."""

    parsed: bool
    balance: int | None = None
    until: date | None = None
    currency: str = "IDR"
    reply_length: int = 0


def check_ussd_code(code: str) -> str | None:
    """Why ``code`` is not a balance USSD code (None: it is, or it is empty = off)."""
    if code == "" or (2 <= len(code) <= 32 and USSD_CODE.fullmatch(code)):
        return None
    return "must be 2-32 of 0-9 * # + ending with '#', e.g. *888#"


def check_regex(text: str) -> str | None:
    """Why ``text`` is no fit custom balance expression (None: it is, or it is empty)."""
    if text == "":
        return None
    if len(text) > MAX_REGEX:
        return f"at most {MAX_REGEX} characters"
    if _NESTED.search(text):
        return "no quantified group holding a quantifier, such as (a+)+ (slow on some replies)"
    try:
        compiled = re.compile(text)
    except re.error as exc:
        return f"does not compile: {exc}"
    if not {"balance", "until"} & set(compiled.groupindex):
        return "needs a named group (?P<balance>...) and/or (?P<until>...)"
    return None


def expression(rule: str, custom: str = "") -> str:
    """The expression for ``rule`` (a preset name or ``custom``); ValueError otherwise."""
    if rule == CUSTOM:
        problem = check_regex(custom) or ("" if custom else "a custom rule needs an expression")
        if problem:
            raise ValueError(f"balance_regex {problem}")
        return custom
    if rule not in PRESETS:
        raise ValueError(f"unknown balance rule {rule!r}: one of {', '.join(RULES)}")
    return PRESETS[rule][2]


def parse_amount(text: str) -> int:
    """``3.000`` / ``3,000`` / ``3000`` -> 3000 (rupiah have no cents worth reading)."""
    return int(re.sub(r"[.,]", "", text))


def parse_date(text: str) -> date | None:
    """``26/02/2020``, ``26-02-2020``, ``26/02/20``, ``26 Feb 2020``, ``26-Agu-2020``."""
    parts = re.split(r"[/\s-]+", text.strip())
    if len(parts) != 3:
        return None
    day, month, year = parts
    number = int(month) if month.isdigit() else MONTHS.get(month[:3].lower())
    if number is None or not (day.isdigit() and year.isdigit()):
        return None
    full = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full, number, int(day))
    except ValueError:
        return None


def parse(reply: str, rule: str, custom: str = "") -> Balance:
    """Read ``reply`` with ``rule``; an unparsed Balance when it does not match."""
    text = reply[:MAX_REPLY]
    match = re.search(expression(rule, custom), text)
    if match is None:
        return Balance(False, reply_length=len(reply))
    groups = match.groupdict()
    amount = parse_amount(groups["balance"]) if groups.get("balance") else None
    until = parse_date(groups["until"]) if groups.get("until") else None
    if amount is None and until is None:
        return Balance(False, reply_length=len(reply))
    return Balance(True, amount, until, reply_length=len(reply))


__all__ = [
    "CUSTOM", "PRESETS", "RULES", "Balance", "check_regex", "check_ussd_code",
    "expression", "parse", "parse_amount", "parse_date",
]  # fmt: skip
