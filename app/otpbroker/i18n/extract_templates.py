"""Babel extractor for the admin's bottle templates (``*.tpl``), used by ``pybabel extract``.

Only the Python parts of a template can hold messages: ``{{ ... }}`` expressions and ``%``
lines. Each is handed to Babel's own Python extractor, with its line number kept.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

_EXPRESSION = re.compile(r"\{\{!?(.*?)\}\}")


def _python_parts(line: str) -> list[str]:
    """The Python source in one template line."""
    stripped = line.lstrip()
    if stripped.startswith("%"):
        return [stripped[1:]]
    return _EXPRESSION.findall(line)


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[tuple[Any, ...]]:
    """(line, function, message(s), comments) for every message call in a template."""
    encoding = str(options.get("encoding", "utf-8"))
    for number, line in enumerate(fileobj.read().decode(encoding).splitlines(), start=1):
        for part in _python_parts(line):
            source = io.BytesIO((part.strip() + "\n").encode("utf-8"))
            found = extract_python(source, keywords, comment_tags, {})
            for found_at_line_one in found:  # (line, function, message(s), comments)
                yield (number, *found_at_line_one[1:])
