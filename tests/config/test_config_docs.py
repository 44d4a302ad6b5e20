"""docs/configuration.md documents every setting and every record field."""

from __future__ import annotations

from pathlib import Path

from otpbroker.config import COLLECTIONS, SETTINGS
from otpbroker.config.docs import COMMAND, render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_key_and_field_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [spec.key for spec in SETTINGS if f"| `{spec.key}` |" not in text]
    for collection in COLLECTIONS.values():
        section = text.split(f"### `{collection.name}`", 1)
        assert len(section) == 2, f"no section for {collection.name}"
        body = section[1].split("\n### ", 1)[0]
        missing += [
            f"{collection.name}.{field.key}"
            for field in collection.fields
            if f"| `{field.key}` |" not in body
        ]
    assert missing == [], f"undocumented: {missing}; regenerate with `{COMMAND}`"


def test_document_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), f"regenerate with `{COMMAND}`"


def test_document_shape() -> None:
    text = render_markdown()
    assert text.startswith("# Configuration keys\n")
    assert "<data-dir>/config.json" in text
    assert "otp-broker --data-dir DIR config set KEY VALUE" in text
    assert "validated identically" in text
    for line in text.splitlines():
        if line.startswith("| `"):
            assert line.count(" | ") - line.count("\\|") == 4, line
