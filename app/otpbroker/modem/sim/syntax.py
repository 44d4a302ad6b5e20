"""AT command-line syntax: split ``AT...`` lines into commands and parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXTENDED = re.compile(r"([+^][A-Za-z0-9]+)(?:(=\?|\?|=)(.*))?", re.DOTALL)
_BASIC = re.compile(r"(&[A-Za-z]|[A-Za-z])(\d*)")
_S_REGISTER = re.compile(r"[Ss](\d+)(=\d*|\?)")


@dataclass(frozen=True)
class Command:
    """One command of a line: ``name`` upper case (``+CMGS``, ``E``, ``&F``, ``D``),
    ``op`` one of ``""``, ``"="``, ``"?"``, ``"=?"``, ``arg`` as typed."""

    name: str
    op: str = ""
    arg: str = ""


def _extended_end(body: str, start: int) -> int:
    """Index of the ``;`` ending the extended command at ``start`` (quotes respected)."""
    quoted = False
    i = start
    while i < len(body):
        ch = body[i]
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return i
        i += 1
    return i


def split_commands(body: str) -> list[Command]:
    """The commands of a line after its ``AT`` prefix; ``ValueError`` on bad syntax."""
    commands: list[Command] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch in " ;":
            i += 1
        elif ch in "+^":
            end = _extended_end(body, i)
            match = _EXTENDED.fullmatch(body[i:end].rstrip())
            if not match:
                raise ValueError(f"bad extended command {body[i:end]!r}")
            commands.append(Command(match[1].upper(), match[2] or "", match[3] or ""))
            i = end
        elif ch in "Dd":
            commands.append(Command("D", "", body[i + 1 :].strip()))
            break
        elif ch in "Ss":
            s_match = _S_REGISTER.match(body, i)
            if not s_match:
                raise ValueError("bad S register command")
            commands.append(Command("S", s_match[2][:1], s_match[1]))
            i = s_match.end()
        else:
            b_match = _BASIC.match(body, i)
            if not b_match:
                raise ValueError(f"bad basic command at {body[i:]!r}")
            commands.append(Command(b_match[1].upper(), "", b_match[2]))
            i = b_match.end()
    return commands


def params(arg: str) -> list[str]:
    """Comma-separated parameters, quotes removed (commas inside quotes kept)."""
    if not arg.strip():
        return []
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in arg:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    out.append("".join(current).strip())
    return out


def int_param(value: str, low: int, high: int) -> int:
    """``value`` as an int within ``low..high``; ``ValueError`` otherwise."""
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{number} is outside {low}..{high}")
    return number
