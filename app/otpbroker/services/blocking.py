"""The blocking list as the admin manages it: add, unblock, search and page.

Adding goes the way ``block-msisdn`` goes from REST and the feeders: the number is
normalised with the country code setting and handed to the ``BlockList`` port, so a
malformed number gets the same message and a number already blocked is never stored twice,
whichever entry is used. Entries are listed newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.msisdn import normalize_msisdn
from otpbroker.domain.ports import BlockList, Repository, Settings
from otpbroker.i18n.translate import _

COLLECTION = "blocklist"
PAGE_SIZE = 100
SEPARATORS = frozenset("-.()")


class BlockRefused(ValueError):
    """The number was not blocked: malformed, already blocked, or refused by the store."""


@dataclass(frozen=True)
class BlockedPage:
    """One page of the list, after a search."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0  # every blocked number
    matches: int = 0  # the numbers the search found
    page: int = 1
    pages: int = 1
    searchable: bool = True  # the query has digits to look for (or is empty)


def needles(query: str, country_code: str) -> list[str]:
    """Digits to look for in the MSISDNs; a national ``0...`` also as ``<cc>...``."""
    compact = "".join(c for c in query if not c.isspace() and c not in SEPARATORS)
    digits = "".join(c for c in compact if c.isdigit())
    if not digits:
        return []
    found = [digits]
    if compact.startswith("00") and len(digits) > 2:
        found.append(digits[2:])
    elif compact.startswith("0"):
        found.append(country_code + digits[1:])
    return found


class BlockingList:
    """Block a typed number, unblock an entry, search the list."""

    def __init__(self, blocklist: BlockList, records: Repository, settings: Settings) -> None:
        self._blocklist = blocklist
        self._records = records
        self._settings = settings

    def country_code(self) -> str:
        """The country calling code national numbers are completed with."""
        return str(self._settings.get("device.country_code"))

    def block(self, typed: str, source: str) -> str:
        """Block the number as typed; its MSISDN form (BlockRefused with the reason)."""
        try:
            msisdn = normalize_msisdn(typed, self.country_code())
        except InvalidNumberError as exc:
            raise BlockRefused(exc.message) from None
        try:
            added = self._blocklist.block(msisdn, source)
        except ValueError as exc:
            raise BlockRefused(str(getattr(exc, "rule", "") or exc)) from None
        if not added:
            raise BlockRefused(_("{number} is already blocked").format(number=msisdn))
        return msisdn

    def unblock_entry(self, entry_id: str) -> str:
        """Remove one entry; its number (LookupError when it is gone)."""
        entry = self._records.get_record(COLLECTION, entry_id)
        msisdn = str(entry["msisdn"])
        if not self._blocklist.unblock(msisdn):
            raise LookupError(entry_id)
        return msisdn

    def search(self, query: str, page: int = 1, page_size: int = PAGE_SIZE) -> BlockedPage:
        """The entries whose number contains the query's digits, newest first, one page."""
        wanted = needles(query, self.country_code())
        entries = list(reversed(self._records.list(COLLECTION)))
        total = len(entries)
        if query:
            entries = [e for e in entries if any(n in str(e["msisdn"]) for n in wanted)]
        pages = max(1, -(-len(entries) // page_size))
        number = min(max(1, page), pages)
        shown = entries[(number - 1) * page_size : number * page_size]
        return BlockedPage(shown, total, len(entries), number, pages, bool(wanted) or not query)
