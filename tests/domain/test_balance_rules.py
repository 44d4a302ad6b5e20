"""Balance replies: each operator's shapes, custom expressions, refusals, unparsed replies."""

from __future__ import annotations

from datetime import date

import pytest

from otpbroker.domain.balance_rules import (
    PRESETS,
    check_regex,
    check_ussd_code,
    parse,
    parse_date,
)

SHAPES = [
    (
        "telkomsel",
        "Sisa Pulsa Rp 3.000. Aktif s.d. 26/02/2020. Info: *888*1#",
        3000,
        date(2020, 2, 26),
    ),
    ("telkomsel", "Sisa pulsa Rp.3000. Aktif sd 26/02/2020", 3000, date(2020, 2, 26)),
    ("telkomsel", "Pulsa Anda Rp12.500,00 aktif sampai 01-03-2027", 12500, date(2027, 3, 1)),
    ("xl", "Pulsa Rp5.000 s/d 12-03-2020. Beli paket? Ketik 1", 5000, date(2020, 3, 12)),
    ("xl", "Sisa pulsa: Rp 25,000 berlaku s/d 31/12/26", 25000, date(2026, 12, 31)),
    (
        "indosat",
        "Pulsa Rp 10.000, Aktif sd 26-02-2020. Tekan 1 utk paket",
        10000,
        date(2020, 2, 26),
    ),
    ("indosat", "Sisa Pulsa Anda Rp 0, Aktif s.d 05/01/2027", 0, date(2027, 1, 5)),
    ("three", "Pulsa: Rp2.500. Aktif s/d 26/02/2020. Cek kuota *123#", 2500, date(2020, 2, 26)),
    ("three", "Pulsa utama Rp 150.000 Masa aktif 17 Agu 2026", 150000, date(2026, 8, 17)),
    ("smartfren", "Pulsa Anda Rp 5.000, Masa Aktif 26-Feb-2020", 5000, date(2020, 2, 26)),
    ("smartfren", "Sisa pulsa IDR 7,500 hingga 3 Desember 2026", 7500, date(2026, 12, 3)),
    ("axis", "Pulsa Rp 1.500 aktif s.d 26 Feb 2020. Tekan 0 utk menu", 1500, date(2020, 2, 26)),
    ("axis", "Sisa Pulsa Rp 20.000, aktif sd 09 Mei 2027", 20000, date(2027, 5, 9)),
]


@pytest.mark.parametrize(("rule", "reply", "amount", "until"), SHAPES)
def test_each_preset_reads_its_shapes(rule: str, reply: str, amount: int, until: date) -> None:
    result = parse(reply, rule)
    assert result.parsed
    assert (result.balance, result.until) == (amount, until)
    assert result.reply_length == len(reply)


def test_every_preset_has_a_ussd_code_and_shapes() -> None:
    assert set(PRESETS) == {rule for rule, *_ in SHAPES}
    for _label, code, _regex in PRESETS.values():
        assert check_ussd_code(code) is None


@pytest.mark.parametrize("reply", ["Maaf, layanan sedang sibuk", "", "Pulsa habis, silakan isi"])
def test_an_unparseable_reply_is_unparsed_never_guessed(reply: str) -> None:
    result = parse(reply, "telkomsel")
    assert not result.parsed
    assert (result.balance, result.until, result.reply_length) == (None, None, len(reply))


def test_custom_expression_reads_named_groups() -> None:
    regex = r"Saldo (?P<balance>[\d.]+) exp (?P<until>\d\d/\d\d/\d{4})"
    result = parse("Saldo 4.200 exp 02/11/2026 ok", "custom", regex)
    assert (result.parsed, result.balance, result.until) == (True, 4200, date(2026, 11, 2))
    only_balance = parse("Saldo 99", "custom", r"Saldo (?P<balance>\d+)")
    assert (only_balance.balance, only_balance.until) == (99, None)


def test_custom_expression_sees_only_the_first_500_characters() -> None:
    reply = "x" * 600 + "Saldo 5"
    assert not parse(reply, "custom", r"Saldo (?P<balance>\d+)").parsed


@pytest.mark.parametrize(
    ("regex", "words"),
    [
        (r"(?P<balance>\d+", "does not compile"),
        ("a" * 301, "at most 300"),
        (r"(?P<balance>(\d+)+)", "quantified group"),
        (r"(?P<balance>(a*)*)", "quantified group"),
        (r"(\w+\s?)+(?P<balance>\d)", "quantified group"),
        (r"Saldo \d+", "named group"),
    ],
)
def test_bad_custom_expressions_are_refused(regex: str, words: str) -> None:
    problem = check_regex(regex)
    assert problem is not None and words in problem
    with pytest.raises(ValueError, match="balance_regex"):
        parse("Saldo 1", "custom", regex)


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown balance rule"):
        parse("Pulsa Rp 1", "simpati")


@pytest.mark.parametrize("code", ["*888#", "*123*1#", "#3#", ""])
def test_good_ussd_codes(code: str) -> None:
    assert check_ussd_code(code) is None


@pytest.mark.parametrize("code", ["*888", "#", "*88a#", "*" * 32 + "#", "*888# "])
def test_bad_ussd_codes(code: str) -> None:
    assert check_ussd_code(code) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26/02/2020", date(2020, 2, 26)),
        ("26-02-20", date(2026 - 6, 2, 26)),
        ("1 Okt 2026", date(2026, 10, 1)),
        ("31/02/2026", None),
        ("26 Foo 2026", None),
    ],
)
def test_dates(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected
