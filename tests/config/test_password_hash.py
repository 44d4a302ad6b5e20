"""Salted scrypt password hashes."""

from __future__ import annotations

import base64
import hashlib
import re
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otpbroker.domain import password_hash
from otpbroker.domain.password_hash import (
    hash_password,
    needs_rehash,
    verify_password,
    verify_unknown_user,
)

FORMAT = re.compile(r"scrypt\$16384\$8\$1\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)")


def _encoding(password: str, n: int, r: int = 8, p: int = 1) -> str:
    salt = b"0123456789abcdef"
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def test_round_trip_and_format() -> None:
    encoded = hash_password("correct horse")
    match = FORMAT.fullmatch(encoded)
    assert match is not None
    assert len(base64.b64decode(match.group(1))) == 16
    assert len(base64.b64decode(match.group(2))) == 32
    assert verify_password("correct horse", encoded)
    assert not verify_password("correct horsE", encoded)
    assert not verify_password("correct horse ", encoded)


def test_salt_is_random() -> None:
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert verify_password("same", first) and verify_password("same", second)


def test_empty_password() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        hash_password("")
    assert not verify_password("", hash_password("x"))
    assert not verify_password("", _encoding("", 2**4))


def test_unicode_is_normalised() -> None:
    composed = unicodedata.normalize("NFC", "pässwörd-ß-€")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(decomposed, hash_password(composed))


def test_unencodable_password() -> None:
    with pytest.raises(ValueError):
        hash_password("bad\ud800surrogate")
    assert not verify_password("bad\ud800surrogate", hash_password("x"))


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "scrypt",
        "plain-text-password",
        "scrypt$16384$8$1$c2FsdA==",
        "bcrypt$16384$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,
        "scrypt$16385$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,  # n not a power of two
        "scrypt$1$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,
        "scrypt$1073741824$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,  # n far too big
        "scrypt$16384$0$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,
        "scrypt$16384$8$1$not*base64$" + "A" * 44,
        "scrypt$16384$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$QUJD",  # key too short
        "scrypt$-16384$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,
        # non-ASCII digits:
        "scrypt$\uff11\uff16\uff13\uff18\uff14$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,
    ],
)
def test_malformed_encodings_are_false_and_need_rehash(encoded: str) -> None:
    started = time.monotonic()
    assert verify_password("password", encoded) is False
    assert time.monotonic() - started < 1.0
    assert needs_rehash(encoded)


def test_non_string_arguments_are_false() -> None:
    encoded = hash_password("pw")
    assert verify_password(None, encoded) is False  # type: ignore[arg-type]
    assert verify_password("pw", None) is False  # type: ignore[arg-type]
    assert verify_password(b"pw", encoded) is False  # type: ignore[arg-type]
    assert needs_rehash(None) is True  # type: ignore[arg-type]


def test_other_parameters_verify_but_need_rehash() -> None:
    weaker = _encoding("legacy", 2**12)
    assert verify_password("legacy", weaker)
    assert needs_rehash(weaker)
    assert not needs_rehash(hash_password("legacy"))


def test_tampered_key_fails() -> None:
    encoded = hash_password("pw")
    head, key = encoded.rsplit("$", 1)
    raw = bytearray(base64.b64decode(key))
    raw[0] ^= 1
    assert not verify_password("pw", f"{head}${base64.b64encode(bytes(raw)).decode()}")


@settings(max_examples=300, deadline=None)
@given(password=st.text(max_size=20), encoded=st.text(max_size=120))
def test_verify_never_raises(password: str, encoded: str) -> None:
    assert verify_password(password, encoded) in (True, False)
    assert needs_rehash(encoded) in (True, False)


def test_unknown_user_check_derives_once_with_current_parameters(monkeypatch) -> None:
    calls: list[tuple[int, int, int]] = []
    real_derive = password_hash._derive

    def recording_derive(secret, salt, n, r, p, length):
        calls.append((n, r, p))
        return real_derive(secret, salt, n, r, p, length)

    monkeypatch.setattr(password_hash, "_derive", recording_derive)
    assert verify_unknown_user("any-password") is False
    assert calls == [(password_hash.N, password_hash.R, password_hash.P)]
    assert verify_unknown_user("") is False
    assert verify_unknown_user(None) is False  # type: ignore[arg-type]
    assert verify_unknown_user("\ud800") is False  # cannot be encoded: still no exception
    assert len(calls) == 1
