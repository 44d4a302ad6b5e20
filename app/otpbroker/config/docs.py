"""Render ``docs/configuration.md`` from the schema: ``python -m otpbroker.config.docs [PATH]``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from otpbroker.config.records import COLLECTIONS, Collection
from otpbroker.config.schema import SETTINGS, Setting

COMMAND = "python -m otpbroker.config.docs docs/configuration.md"

INTRO = """\
Settings live in `<data-dir>/config.json` (mode 0600, written atomically; the data
directory defaults to `/var/lib/otp-broker`). They are changed from the browser admin or
with `otp-broker --data-dir DIR config set KEY VALUE`, and are validated identically
everywhere: an unknown key, a wrong type, a value out of bounds, a string that breaks its
pattern or contains a control character (CR, LF, NUL ...) is refused with a message naming
the key and the rule. On the command line, booleans are `true`/`false` (also
`yes`/`no`/`on`/`off`/`1`/`0`), lists are comma-separated. A setting never set has its
default. A server notices a change written by another process (such as the CLI) without
restarting.

There are no default credentials: a new device has no administrator and no API user.
Passwords are stored only as salted scrypt hashes; other secret fields (SIM PIN, APN
password) are stored because the device needs them, but are never shown back."""


def _escape(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    for char in ("\\", "|", "*", "_", "<", ">"):
        text = text.replace(char, "\\" + char)
    return text


def _code(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return "`" + text.replace("|", "\\|") + "`"


def _rules(spec: Setting) -> str:
    """Words for what values ``spec`` accepts."""
    parts = []
    if spec.required:
        parts.append("required")
    if spec.minimum is not None or spec.maximum is not None:
        parts.append(f"{spec.minimum} to {spec.maximum}")
    if spec.choices is not None:
        parts.append("one of " + ", ".join(_code(choice) for choice in spec.choices))
    if spec.kind is list:
        item_rule = spec.rule or spec.pattern
        if item_rule:
            parts.append(f"items: {_escape(item_rule)}")
        if spec.max_length is not None:
            parts.append(f"at most {spec.max_length} items")
    else:
        if spec.rule:
            parts.append(_escape(spec.rule))
        elif spec.pattern:
            parts.append(f"matches `{spec.pattern}`")
        if spec.min_length == 1:
            parts.append("not empty")
        elif spec.min_length:
            parts.append(f"at least {spec.min_length} characters")
        if spec.max_length is not None:
            parts.append(f"at most {spec.max_length} characters")
    if spec.secret:
        parts.append("**secret**: never shown")
    if spec.kind is bool:
        parts.append("`true` or `false`")
    return "; ".join(parts) or "any text"


def _table(first: str, specs: Iterable[Setting]) -> list[str]:
    lines = [
        f"| {first} | Type | Default | Allowed values | Description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in specs:
        default = _code(spec.default)
        if spec.required:
            default = "(none)"
        elif spec.key == "created_at":
            default = "(now)"
        lines.append(
            f"| `{spec.key}` | {spec.kind_name} | {default} | {_rules(spec)} "
            f"| {_escape(spec.doc)} |"
        )
    return lines


def _collection(spec: Collection) -> list[str]:
    lines = [f"### `{spec.name}`", "", spec.doc]
    if spec.unique:
        unique = ", ".join(f"`{field}`" for field in spec.unique)
        lines[-1] += f" Unique (case-insensitively): {unique}."
    return [*lines, "", *_table("Field", spec.fields), ""]


def render_markdown() -> str:
    """The whole of ``docs/configuration.md``."""
    lines = [
        "# Configuration keys",
        "",
        f"<!-- Generated from the schema by `{COMMAND}`; do not edit by hand. -->",
        "",
        INTRO,
        "",
        "## Settings",
        "",
        *_table("Key", SETTINGS),
        "",
        "## Records",
        "",
        "Each record also has a stable string `id`, assigned by the store when it is added.",
        "",
    ]
    for spec in COLLECTIONS.values():
        lines.extend(_collection(spec))
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the Markdown to the path given (or print it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = render_markdown()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
