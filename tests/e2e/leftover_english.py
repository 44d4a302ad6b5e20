"""English left on a page shown in Bahasa Indonesia.

``COLLECT`` (run in the page) gathers what a person reads: the text nodes and the ``title``,
``aria-label``, ``placeholder``, ``alt`` and ``data-confirm`` attributes and button values,
leaving out ``<code>``, ``<pre>``, ``<kbd>``, scripts, what was typed in form fields and
what is marked as written in another language (``lang``: the brochure's card, in the
device's language).
``english_left`` keeps the texts holding English function words or common interface words
(whole words), once the values the device or the owner gave (names, numbers, addresses) and
the product names are taken out, and the texts that are, whole, an English message the
Indonesian catalogue translates otherwise (a short label shown untranslated).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from otpbroker.i18n.catalogues import read_catalogue
from otpbroker.services.command_processor import COMMANDS

#: What a person reads on the page, one string per text node or attribute, deduplicated.
COLLECT = """() => {
  const skip = "code, code *, pre, pre *, kbd, kbd *, script, style, noscript, template, textarea";
  const texts = new Set();
  const add = (text, where) => {
    const clean = (text || "").replace(/\\s+/g, " ").trim();
    if (clean) texts.add(where ? `${where}="${clean}"` : clean);
  };
  add(document.title, "<title>");
  const page = document.documentElement.lang;
  const other = (el) => el.closest("[lang]").lang !== page;  // e.g. the brochure's card
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el.matches(skip) && !other(el)) add(node.textContent, "");
  }
  const attrs = ["title", "aria-label", "placeholder", "alt", "data-confirm"];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.matches(skip) || other(el)) continue;
    for (const name of attrs) if (el.hasAttribute(name)) add(el.getAttribute(name), name);
    if (el.matches("input[type=submit], input[type=button]")) add(el.value, "value");
  }
  return [...texts];
}"""

#: English function words and common interface words, matched as whole words in any case
#: ("The", "NOT", a raw "sent"); "no" is left alone when it abbreviates "nomor" ("No. HP").
ENGLISH_WORDS = (
    # function words
    "the", "and", "of", "to", "is", "are", "not", "with", "for", "from", "this", "that",
    "your", "you", "will", "can", "has", "have", "been", "when", "or", "on", "in", "by", "at",
    "out", "off", "every", "between", "yes", "none", "never", "ago", "last", "most",
    # interface words
    "save", "delete", "edit", "add", "cancel", "back", "search", "send", "sent", "sending",
    "remove", "show", "hide", "close", "open", "refresh", "create", "new", "download",
    "update", "enable", "disable", "enabled", "disabled", "unknown", "loading", "error",
    "warning", "failed", "received", "connected", "disconnected", "ready", "today",
    "yesterday", "name", "password", "username", "number", "numbers", "address", "addresses",
    "settings", "setting", "network", "signal", "phone", "device", "page", "list", "line",
    "language", "users", "limits", "reports", "recipient", "mobile", "blocking", "forgotten",
    "characters", "seconds", "minutes", "hours", "hour", "days", "day",
)  # fmt: skip
ENGLISH = re.compile(r"(?i)\b(?:" + "|".join(ENGLISH_WORDS) + r")\b|\bno\b(?!\.)")

#: Names and notations that read the same in both languages: product and protocol names, AT
#: commands, units, addresses, e-mail addresses, paths and numbers.
NOT_WORDS = re.compile(
    r"OTP Broker|RabbitMQ|WebSocket|Wi-Fi|Let's Encrypt|No-IP|Smartfren|Indosat Ooredoo"
    r"|Zone Read|DNS Edit"  # Cloudflare's names for a token's permissions
    r"|What is my IP"  # the kind of web service, named as such in Indonesian too
    r"|alamat From"  # the e-mail header's name
    r"|“Your code is \{otp\}”"  # the SMS text's default value, quoted
    r"|\b(?:" + "|".join(COMMANDS) + r")\b"  # the messages' commands (send-sms...)
    r"|\b(?:DEBUG|INFO|WARNING|ERROR)\b"  # log levels, as the log writes them
    r"|'[\w.-]+'"  # a machine value quoted: an outcome code ('unknown'), a key
    r"|\bAT(?:\+[A-Z]+)?[=?]?\S*"  # AT, AT+CSQ, AT+CUSD=1
    r"|\b[\w.+-]+@[\w.-]+\b"  # e-mail addresses
    r"|\b\w+://\S+"  # URLs
    r"|(?<!\w)/[\w./<>-]*"  # paths
    r"|\b\d[\d.,:]*\s*(?:ms|s|KB|MB|GB|kbps|dBm|%)?(?!\w)"  # numbers and units
)

#: Titles of the API documentation (written in English), cited by name on a page.
DOC_TITLES = frozenset({"Sealed messages"})
#: A text read from an attribute (``title="..."``), without its attribute's name.
ATTRIBUTE = re.compile(r'^[\w<>-]+="(.*)"$')


@functools.cache
def translated_messages() -> frozenset[str]:
    """The English messages the Indonesian catalogue writes differently."""
    catalogue = read_catalogue("id")
    return frozenset(
        message.id for message in catalogue
        if isinstance(message.id, str) and message.id and message.string not in ("", message.id)
    )  # fmt: skip


def english_left(
    texts: Iterable[str], given: Iterable[str], allowed: Iterable[str], messages: frozenset[str]
) -> list[str]:
    """The texts that still read as English.

    ``given`` are the values the device or the owner gave (names, numbers, addresses), taken
    out before looking; a text holding one of ``allowed`` (texts owned elsewhere) is kept out;
    ``messages`` are the catalogue's English messages translated otherwise.
    """
    values = sorted((re.escape(value) for value in given if value), key=len, reverse=True)
    given_values = re.compile(r"(?<!\w)(?:" + "|".join(values) + r")(?!\w)") if values else None
    allowed_texts = tuple(allowed)
    found: list[str] = []
    for text in texts:
        if any(message in text for message in allowed_texts):
            continue
        whole = ATTRIBUTE.sub(r"\1", text)
        if whole in messages and whole not in DOC_TITLES:
            found.append(text)
            continue
        plain = given_values.sub(" ", text) if given_values else text
        plain = NOT_WORDS.sub(" ", plain)
        if ENGLISH.search(plain):
            found.append(text)
    return found
