"""The blocking-list service over the real configuration store and its BlockList adapter:
the number normalised as REST does it, malformed and duplicate numbers refused, unblock,
search and paging."""

from __future__ import annotations

import pytest

from otpbroker.config import ConfigStore
from otpbroker.config.blocklist import ConfigBlockList
from otpbroker.services.blocking import BlockingList, BlockRefused, needles


@pytest.fixture
def store(tmp_path):
    with ConfigStore(tmp_path / "data") as opened:
        opened.update_settings({"device.country_code": "62"})
        yield opened


@pytest.fixture
def blocking(store) -> BlockingList:
    return BlockingList(ConfigBlockList(store), store, store)


def test_a_typed_number_is_blocked_in_msisdn_form(blocking, store):
    assert blocking.block(" 0812-3456-789 ", "admin") == "628123456789"
    [entry] = store.list("blocklist")
    assert entry["msisdn"] == "628123456789" and entry["source"] == "admin"
    assert entry["created_at"]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "phone number is empty"),
        ("12ab", "phone number contains letters ('ab')"),
        ("0812", "phone number is too short: 5 digits, at least 6 required"),
    ],
)
def test_a_malformed_number_is_refused_and_nothing_stored(blocking, store, typed, reason):
    with pytest.raises(BlockRefused) as refused:
        blocking.block(typed, "admin")
    assert str(refused.value).startswith(reason)
    assert store.list("blocklist") == []


def test_a_number_already_blocked_is_refused_and_stored_once(blocking, store):
    blocking.block("08123456789", "rest")
    with pytest.raises(BlockRefused) as refused:
        blocking.block("+62 812 3456 789", "admin")
    assert str(refused.value) == "628123456789 is already blocked"
    assert [e["source"] for e in store.list("blocklist")] == ["rest"]


def test_unblocking_an_entry_removes_it_and_a_second_time_is_a_lookup_error(blocking, store):
    blocking.block("08123456789", "admin")
    [entry] = store.list("blocklist")
    assert blocking.unblock_entry(entry["id"]) == "628123456789"
    assert store.list("blocklist") == []
    with pytest.raises(LookupError):
        blocking.unblock_entry(entry["id"])


def test_search_finds_national_and_international_forms_newest_first(blocking):
    for n in range(5):
        blocking.block(f"0812000000{n}", "mqtt")
    blocking.block("0813999999", "mqtt")
    found = blocking.search("0812000000", page=2, page_size=2)
    assert (found.total, found.matches, found.page, found.pages) == (6, 5, 2, 3)
    assert [e["msisdn"] for e in found.entries] == ["628120000002", "628120000001"]
    assert blocking.search("0062813").matches == 1
    assert blocking.search("", page=99, page_size=2).page == 3  # past the end: the last page


def test_a_query_without_digits_is_not_searchable(blocking):
    blocking.block("08123456789", "admin")
    found = blocking.search("abc")
    assert not found.searchable and found.matches == 0 and found.total == 1
    assert needles("0812-3", "62") == ["08123", "628123"]
    assert needles("0062812", "62") == ["0062812", "62812"]


def test_two_unblocks_of_one_number_at_the_same_moment_both_answer(store, monkeypatch):
    """The second finds the record the first has just deleted: 'was not blocked', no error."""
    numbers = ConfigBlockList(store)
    assert numbers.block("628123456789", "rest")
    found = store.find("blocklist", msisdn="628123456789")
    assert numbers.unblock("628123456789")  # the first request
    monkeypatch.setattr(store, "find", lambda *args, **kwargs: found)  # read before it
    assert numbers.unblock("628123456789") is False
