"""Balance replies of Indonesian operators, for emulated SIMs to replay.

``balance_reply("telkomsel:3000:2026-12-31")`` gives the operator's balance code and the
reply its network sends, in the shape and coding that operator uses (the modem's
personality then shows it its own way: Quectel as UCS2 hex, Huawei packed, and so on). The
shapes are the ones ``domain.balance_rules`` reads, written in our words.
"""

from __future__ import annotations

from datetime import date

from .profile import UssdReply

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def _dots(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _shape(operator: str, amount: int, until: date) -> tuple[str, str, str]:
    """(code, text, network coding) of ``operator``'s balance reply."""
    dmy, dmy_dash = until.strftime("%d/%m/%Y"), until.strftime("%d-%m-%Y")
    spoken = f"{until.day:02d} {_MONTHS[until.month - 1]} {until.year}"
    shapes = {
        "telkomsel": ("*888#", f"Sisa Pulsa Rp {_dots(amount)}. Aktif s.d. {dmy}. "
                      "Info paket ketik *363#", "gsm7"),
        "xl": ("*123#", f"Pulsa Rp{_dots(amount)} s/d {dmy_dash}. 1 Beli Paket 2 Info", "gsm7"),
        "indosat": ("*555#", f"Pulsa Rp {_dots(amount)}, Aktif sd {dmy_dash}. Tekan 1 utk "
                    "paket", "gsm7"),
        "three": ("*111#", f"Pulsa: Rp{_dots(amount)}. Aktif s/d {dmy}. Cek kuota *123#",
                  "gsm7"),
        "smartfren": ("*999#", f"Pulsa Anda Rp {_dots(amount)}, Masa Aktif "
                      f"{until.day:02d}-{_MONTHS[until.month - 1]}-{until.year}", "ucs2"),
        "axis": ("*888#", f"Pulsa Rp {_dots(amount)} aktif s.d {spoken}. Tekan 0 utk menu",
                 "gsm7"),
    }  # fmt: skip
    if operator not in shapes:
        raise ValueError(f"unknown operator {operator!r}: one of {', '.join(shapes)}")
    return shapes[operator]


def balance_reply(spec: str) -> tuple[str, UssdReply]:
    """``OPERATOR:AMOUNT:YYYY-MM-DD`` -> (USSD code, the network's reply); ValueError."""
    parts = spec.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        raise ValueError(f"balance reply {spec!r}: write OPERATOR:AMOUNT:YYYY-MM-DD")
    code, text, style = _shape(parts[0].lower(), int(parts[1]), date.fromisoformat(parts[2]))
    return code, UssdReply(text, style, "after")


def with_balance(ussd: dict[str, UssdReply], spec: str) -> dict[str, UssdReply]:
    """``ussd`` with the balance code of ``spec`` answered by its reply."""
    code, reply = balance_reply(spec)
    return {**ussd, code: reply}


__all__ = ["balance_reply", "with_balance"]
