"""Tests for otpbroker.domain.routing (prefix-based routing, round-robin, failover)."""

import threading
from collections import Counter

import pytest

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.msisdn import Msisdn, normalize_prefix
from otpbroker.domain.routing import ModemRoute, Router, next_choice


def msisdn(router: Router, number: str) -> Msisdn:
    """``number`` as ``SmsService`` hands it to the router: normalised, once."""
    return Msisdn.parse(number, router.country_code)


def flat(router: Router, number: str, modems: list[ModemRoute], *, manual: bool = False):
    """Every candidate of ``Router.tiers`` in the order a sender tries them (best first)."""
    tiers = router.tiers(msisdn(router, number), modems, manual=manual)
    return [modem for tier in tiers for modem in tier]


# The seed's worked example: 4 modems with SIM cards of 4 operators.
SEED_MODEMS = [
    ModemRoute("modem1", prefixes=("62871", "62872")),
    ModemRoute("modem2", prefixes=("62835", "62856", "62837")),
    ModemRoute("modem3", prefixes=("62845",)),
    ModemRoute("modem4", prefixes=(), default=True),
]


@pytest.mark.parametrize(
    ("number", "first"),
    [
        # operator 1: 62871 / 62872
        ("087112345678", "modem1"),
        ("6287112345678", "modem1"),
        ("+62 872-1234-5678", "modem1"),
        ("0062872123456", "modem1"),
        # operator 2: 62835 / 62856 / 62837
        ("083512345678", "modem2"),
        ("085612345678", "modem2"),
        ("6285612345678", "modem2"),
        ("083712345678", "modem2"),
        # operator 3: 62845
        ("084512345678", "modem3"),
        ("6284512345678", "modem3"),
        # everything else goes to the default modem 4
        ("081234567890", "modem4"),
        ("6281234567890", "modem4"),
        ("084812345678", "modem4"),  # operator 4's own 62848, not configured as a prefix
        ("084912345678", "modem4"),  # operator 4's own 62849
        ("062848123456", "modem4"),  # national form of 6262848...: no prefix claims it
        ("087312345678", "modem4"),  # 62873: neighbour of 62871/62872, not claimed
        ("+6591234567", "modem4"),  # foreign number
    ],
)
def test_seed_worked_example(number: str, first: str) -> None:
    assert flat(Router(), number, SEED_MODEMS)[0] == first


def test_seed_example_full_candidate_lists() -> None:
    router = Router()
    # A prefix match is tried first, then the default modem as failover.
    assert flat(router, "087112345678", SEED_MODEMS) == ["modem1", "modem4"]
    assert flat(router, "084512345678", SEED_MODEMS) == ["modem3", "modem4"]
    # Modems 1..3 are never used for "other" numbers while a default exists.
    assert flat(router, "081234567890", SEED_MODEMS) == ["modem4"]


def test_national_and_msisdn_forms_route_identically() -> None:
    router = Router()
    assert flat(router, "0856-1234-5678", SEED_MODEMS) == flat(router, "6285612345678", SEED_MODEMS)


def test_prefixes_in_national_form_are_tolerated_and_garbage_ignored() -> None:
    modems = [
        ModemRoute("a", prefixes=("0871", "not a prefix", "")),
        ModemRoute("b", default=True),
    ]
    assert flat(Router(), "087112345678", modems) == ["a", "b"]


def test_same_prefix_modems_alternate_round_robin() -> None:
    modems = [
        ModemRoute("a", prefixes=("62871",)),
        ModemRoute("b", prefixes=("62871",)),
        ModemRoute("c", prefixes=("62871",)),
        ModemRoute("d", default=True),
    ]
    router = Router()
    firsts = [flat(router, "087112345678", modems)[0] for _ in range(300)]
    assert firsts[:6] == ["a", "b", "c", "a", "b", "c"]
    assert Counter(firsts) == {"a": 100, "b": 100, "c": 100}
    # The rotated group is always complete and followed by the default.
    lists = {tuple(flat(router, "087112345678", modems)) for _ in range(3)}
    assert lists == {("a", "b", "c", "d"), ("b", "c", "a", "d"), ("c", "a", "b", "d")}


def test_round_robin_is_shared_by_the_group_across_its_prefixes() -> None:
    modems = [
        ModemRoute("a", prefixes=("62871", "62872")),
        ModemRoute("b", prefixes=("62871", "62872")),
    ]
    router = Router()
    numbers = ["087112345678", "087212345678"] * 50 + ["087112345678"] * 100
    firsts = Counter(flat(router, n, modems)[0] for n in numbers)
    assert firsts == {"a": 100, "b": 100}


def test_round_robin_state_is_per_router() -> None:
    modems = [ModemRoute("a", prefixes=("62871",)), ModemRoute("b", prefixes=("62871",))]
    r1, r2 = Router(), Router()
    assert flat(r1, "087112345678", modems)[0] == "a"
    assert flat(r2, "087112345678", modems)[0] == "a"
    assert flat(r1, "087112345678", modems)[0] == "b"


@pytest.mark.parametrize(
    "skipped",
    [
        ModemRoute("modem1", prefixes=("62871", "62872"), active=False),
        ModemRoute("modem1", prefixes=("62871", "62872"), healthy=False),
        ModemRoute("modem1", prefixes=("62871", "62872"), send_from_api=False),
    ],
)
def test_ineligible_modems_are_skipped(skipped: ModemRoute) -> None:
    modems = [skipped, *SEED_MODEMS[1:]]
    assert flat(Router(), "087112345678", modems) == ["modem4"]


def test_manual_sms_ignores_send_from_api_only() -> None:
    modems = [
        ModemRoute("manual-only", prefixes=("62871",), send_from_api=False),
        ModemRoute("inactive", prefixes=("62871",), active=False),
        ModemRoute("unhealthy", prefixes=("62871",), healthy=False),
        ModemRoute("dflt", default=True, send_from_api=False),
    ]
    router = Router()
    assert flat(router, "087112345678", modems) == []
    assert flat(router, "087112345678", modems, manual=True) == ["manual-only", "dflt"]
    assert flat(router, "081234567890", modems, manual=True) == ["dflt"]


def test_longest_prefix_wins() -> None:
    modems = [
        ModemRoute("short", prefixes=("6287",)),
        ModemRoute("long", prefixes=("62871",)),
        ModemRoute("country", prefixes=("62",)),
    ]
    router = Router()
    assert flat(router, "087112345678", modems) == ["long"]
    assert flat(router, "087312345678", modems) == ["short"]
    assert flat(router, "081212345678", modems) == ["country"]
    # A shorter-prefix modem that is also default comes back only as failover.
    modems.append(ModemRoute("short-default", prefixes=("6287",), default=True))
    assert flat(router, "087112345678", modems) == ["long", "short-default"]


def test_longest_prefix_among_eligible_modems_only() -> None:
    modems = [
        ModemRoute("long", prefixes=("62871",), active=False),
        ModemRoute("short", prefixes=("6287",)),
    ]
    assert flat(Router(), "087112345678", modems) == ["short"]


def test_nothing_eligible_gives_empty_list() -> None:
    router = Router()
    assert flat(router, "087112345678", []) == []
    modems = [
        ModemRoute("a", prefixes=("62871",), active=False),
        ModemRoute("b", default=True, healthy=False),
        ModemRoute("c", send_from_api=False),
    ]
    assert flat(router, "087112345678", modems) == []


def test_tier3_all_modems_round_robin_without_prefixes_or_default() -> None:
    modems = [ModemRoute("a"), ModemRoute("b"), ModemRoute("c", active=False), ModemRoute("d")]
    router = Router()
    lists = [flat(router, "081234567890", modems) for _ in range(6)]
    assert lists[:3] == [["a", "b", "d"], ["b", "d", "a"], ["d", "a", "b"]]
    firsts = Counter(flat(router, "081234567890", modems)[0] for _ in range(300))
    assert firsts == {"a": 100, "b": 100, "d": 100}


def test_tier3_applies_when_prefixes_exist_but_none_matches_and_no_default() -> None:
    modems = [ModemRoute("a", prefixes=("62871",)), ModemRoute("b", prefixes=("62856",))]
    router = Router()
    assert flat(router, "087112345678", modems) == ["a"]
    assert sorted(flat(router, "081234567890", modems)) == ["a", "b"]


def test_failover_order_prefix_group_then_defaults() -> None:
    modems = [
        ModemRoute("p1", prefixes=("62871",)),
        ModemRoute("d1", default=True),
        ModemRoute("p2", prefixes=("62871",)),
        ModemRoute("d2", default=True),
        ModemRoute("other", prefixes=("62856",)),
    ]
    router = Router()
    for _ in range(10):
        found = flat(router, "087112345678", modems)
        assert set(found[:2]) == {"p1", "p2"}
        assert set(found[2:]) == {"d1", "d2"}
        assert len(found) == 4


def test_default_modem_with_matching_prefix_is_listed_once() -> None:
    modems = [
        ModemRoute("a", prefixes=("62871",), default=True),
        ModemRoute("b", default=True),
    ]
    assert flat(Router(), "087112345678", modems) == ["a", "b"]


def test_duplicate_modem_ids_are_listed_once() -> None:
    modems = [ModemRoute("a", prefixes=("62871",)), ModemRoute("a", prefixes=("62871",))]
    assert flat(Router(), "087112345678", modems) == ["a"]


def test_invalid_recipient_raises() -> None:
    with pytest.raises(InvalidNumberError):
        flat(Router(), "not a number", SEED_MODEMS)


def test_other_country_code() -> None:
    modems = [ModemRoute("au", prefixes=("04",)), ModemRoute("d", default=True)]
    assert flat(Router(country_code="61"), "0412345678", modems) == ["au", "d"]


def test_round_robin_state_is_bounded() -> None:
    router = Router(max_groups=4)
    for i in range(50):
        modems = [ModemRoute(f"x{i}"), ModemRoute(f"y{i}")]
        flat(router, "081234567890", modems)
    assert "groups=4" in repr(router)


def test_a_modems_prefixes_are_normalised_once(monkeypatch) -> None:
    calls: list[str] = []

    def counted(raw: str, country_code: str = "62") -> str:
        calls.append(raw)
        return normalize_prefix(raw, country_code)

    monkeypatch.setattr("otpbroker.domain.routing.normalize_prefix", counted)
    router = Router()
    for _ in range(5):
        assert flat(router, "087112345678", SEED_MODEMS) == ["modem1", "modem4"]
    assert sorted(calls) == sorted(p for m in SEED_MODEMS for p in m.prefixes)
    modems = [ModemRoute("national", prefixes=("0871", "bad")), SEED_MODEMS[3]]
    assert flat(router, "087112345678", modems) == ["national", "modem4"]
    assert flat(router, "087112345678", modems) == ["national", "modem4"]
    assert calls.count("0871") == 1 and calls.count("bad") == 1


def test_normalised_prefixes_kept_are_bounded() -> None:
    router = Router(max_groups=4)
    for i in range(50):
        flat(router, "081234567890", [ModemRoute("x", prefixes=(f"6281{i}",), default=True)])
    assert len(router._prefixes) == 4


def test_thread_safety_round_robin_stays_balanced() -> None:
    modems = [ModemRoute(m, prefixes=("62871",)) for m in ("a", "b", "c", "d")]
    router = Router()
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(16)

    def worker() -> None:
        local: Counter[str] = Counter()
        start.wait()
        for _ in range(500):
            local[flat(router, "087112345678", modems)[0]] += 1
        with lock:
            counts.update(local)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts == {"a": 2000, "b": 2000, "c": 2000, "d": 2000}


def test_modem_route_eligible() -> None:
    assert ModemRoute("a").eligible()
    assert not ModemRoute("a", send_from_api=False).eligible()
    assert ModemRoute("a", send_from_api=False).eligible(manual=True)
    assert not ModemRoute("a", active=False).eligible(manual=True)
    assert not ModemRoute("a", healthy=False).eligible(manual=True)


def test_tiers_group_equal_modems_and_flatten_to_the_candidates():
    modems = [
        ModemRoute("a", prefixes=("62871",)),
        ModemRoute("b", prefixes=("62871",)),
        ModemRoute("d", default=True),
    ]
    router = Router()
    held, other = msisdn(router, "087112345678"), msisdn(router, "081234567890")
    assert router.tiers(held, modems) == [["a", "b"], ["d"]]
    assert router.tiers(held, modems) == [["b", "a"], ["d"]]  # round-robin
    assert flat(router, "087112345678", modems) == ["a", "b", "d"]
    assert Router().tiers(other, modems) == [["d"]]
    assert Router().tiers(other, modems[:2]) == [["a", "b"]]  # no default: any
    assert Router().tiers(other, []) == []


def test_next_choice_moves_within_the_tier_before_the_next_one():
    tiers = [["a", "b"], ["d"]]
    assert next_choice(tiers, ()) == ["a", "b"]
    assert next_choice(tiers, ["b"]) == ["a"]
    assert next_choice(tiers, ["a", "b"]) == ["d"]
    assert next_choice(tiers, ["a", "b", "d"]) == []
    assert next_choice([["a", "a"]], ()) == ["a"]
