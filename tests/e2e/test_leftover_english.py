"""The check for English left on Indonesian pages (``leftover_english``), without a browser:
English is found, names, notations and what the owner gave are not."""

from __future__ import annotations

from leftover_english import english_left, translated_messages

GIVEN = ("operator-shift", "sim 0")


def test_english_words_and_untranslated_labels_are_found() -> None:
    """A label with no word of the list ("Kind") is told by the catalogue ("Jenis")."""
    english = ["Save", "Modem {name} is offline", 'title="Delete this modem?"', "Sent today",
               "none", "Kind", 'aria-label="Close"']  # fmt: skip
    assert english_left(english, GIVEN, (), translated_messages()) == english


def test_indonesian_names_and_values_are_not_english() -> None:
    indonesian = ["Simpan", "No. HP", "OTP Broker lewat Wi-Fi", "AT+CSQ", "Kirim ke +62811",
                  "send-sms / request-otp", "operator-shift", "sim 0 siap", "Bawaan: 'unknown'",
                  "5 s", "Level log", "WARNING", "https://example.net/to/the"]  # fmt: skip
    assert english_left(indonesian, GIVEN, (), translated_messages()) == []


def test_allowed_messages_are_left_out() -> None:
    assert english_left(["Save the key"], GIVEN, ("the key",), translated_messages()) == []
