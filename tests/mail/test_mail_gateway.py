"""MailGateway: round-robin, inactive accounts, daily limits, fail-over, rejections."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

from smtp_servers import RawServer, SmtpServer

from otpbroker.domain.mail import MailFailure, MailMessage, MailResult
from otpbroker.mail import MailGateway
from otpbroker.mail.rotation import AccountRotation

Start = Callable[..., SmtpServer]
Record = Callable[..., dict[str, Any]]
BODY = "OTP Anda adalah 555111"


def _gateway(records: list[dict[str, Any]], tls: ssl.SSLContext, **kwargs: Any) -> MailGateway:
    kwargs.setdefault("timeout", 5.0)
    return MailGateway(lambda: records, ssl_context=tls, helo_name="otp.test", **kwargs)


def _send(gateway: MailGateway, number: int = 0) -> MailResult:
    return gateway.send(MailMessage(f"user{number}@example.com", "OTP", f"{BODY} #{number}"))


def _numbers(server: SmtpServer) -> list[int]:
    return [int(mail.rcpt_tos[0][4:].split("@")[0]) for mail in server.received]


def test_round_robin_over_three_accounts(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    servers = [smtp_server(name) for name in ("a", "b", "c")]
    gateway = _gateway([make_account(s.name, s.port) for s in servers], client_tls)
    results = [_send(gateway, number) for number in range(7)]
    assert [r.account for r in results] == ["a", "b", "c", "a", "b", "c", "a"]
    assert all(r.ok and r.attempts == [] and r.error is None for r in results)
    assert [_numbers(s) for s in servers] == [[0, 3, 6], [1, 4], [2, 5]]
    assert servers[1].received[0].mail_from == "b@sender.test"


def test_inactive_accounts_are_never_used(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    servers = [smtp_server(name) for name in ("a", "b", "c")]
    records = [make_account(s.name, s.port) for s in servers]
    records[1]["active"] = False
    gateway = _gateway(records, client_tls)
    assert [_send(gateway, n).account for n in range(4)] == ["a", "c", "a", "c"]
    assert servers[1].received == []
    records[1]["active"] = True  # the accounts are read at every send
    records[0]["active"] = False
    assert {_send(gateway, n).account for n in range(4, 8)} == {"b", "c"}


def test_daily_limit_moves_on_and_resets_next_day(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext, clock: Any
) -> None:
    a, b = smtp_server("a"), smtp_server("b")
    records = [make_account("a", a.port, daily_limit=2), make_account("b", b.port, daily_limit=1)]
    gateway = _gateway(records, client_tls, clock=clock)
    assert [_send(gateway, n).account for n in range(3)] == ["a", "b", "a"]
    full = _send(gateway, 3)
    assert not full.ok and full.reason is MailFailure.LIMIT_REACHED
    assert full.error == "every active mail account has reached its daily limit"
    assert sorted(full.attempts) == [
        ("a", "daily limit of 2 reached"),
        ("b", "daily limit of 1 reached"),
    ]
    assert [len(a.received), len(b.received)] == [2, 1]
    usage = {row["name"]: row["sent_today"] for row in gateway.rotation.usage()}
    assert usage == {"a": 2, "b": 1}

    clock.advance(hours=13, minutes=59)  # 23:59 the same day: still full
    assert _send(gateway, 4).reason is MailFailure.LIMIT_REACHED
    clock.advance(minutes=2)  # past local midnight: counters start again
    assert [_send(gateway, n).account for n in range(5, 8)] == ["b", "a", "a"]
    assert not _send(gateway, 8).ok
    assert len(a.received) + len(b.received) == 6


def test_only_one_account_exhausted_uses_the_others(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext, clock: Any
) -> None:
    a, b = smtp_server("a"), smtp_server("b")
    records = [make_account("a", a.port, daily_limit=1), make_account("b", b.port)]
    gateway = _gateway(records, client_tls, clock=clock)
    assert [_send(gateway, n).account for n in range(5)] == ["a", "b", "b", "b", "b"]
    clock.advance(days=1)
    assert _send(gateway, 5).account == "a"


def test_fail_over_after_dropped_connection(
    smtp_server: Start,
    raw_server: Callable[..., RawServer],
    make_account: Record,
    client_tls: ssl.SSLContext,
) -> None:
    drop, good = raw_server(), smtp_server("good")
    records = [make_account("drop", drop.port), make_account("good", good.port)]
    result = _send(_gateway(records, client_tls))
    assert result.ok and result.account == "good"
    assert result.attempts == [("drop", f"127.0.0.1:{drop.port} closed the connection during ehlo")]
    assert len(good.received) == 1


def test_fail_over_after_temporary_rejection(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    busy, good = smtp_server("busy", rcpt_reply="451 4.3.0 Try again later"), smtp_server("good")
    gateway = _gateway(
        [make_account("busy", busy.port), make_account("good", good.port)], client_tls
    )
    result = _send(gateway)
    assert result.ok and result.account == "good"
    assert result.attempts == [
        ("busy", f"127.0.0.1:{busy.port} refused the recipient: 451 4.3.0 Try again later")
    ]


def test_fail_over_after_auth_failure(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    users = {"u": "right"}
    bad = smtp_server("bad", mode="starttls", users=users)
    good = smtp_server("good", mode="starttls", users=users)
    login = {"security": "starttls", "auth": True, "username": "u"}
    records = [
        make_account("bad", bad.port, password="wrong", **login),
        make_account("good", good.port, password="right", **login),
    ]
    result = _send(_gateway(records, client_tls))
    assert result.ok and result.account == "good"
    assert result.attempts[0][0] == "bad"
    assert "refused the log-in: 535" in result.attempts[0][1]
    assert good.received[0].authenticated and good.received[0].tls


def test_fail_over_on_policy_rejection(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    quota = smtp_server("quota", rcpt_reply="550 5.4.5 Daily user sending quota exceeded")
    good = smtp_server("good")
    records = [make_account("quota", quota.port), make_account("good", good.port)]
    result = _send(_gateway(records, client_tls))
    assert result.ok and result.account == "good"


def test_permanent_recipient_rejection_stops_fail_over(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    strict = smtp_server("strict", rcpt_reply="550 5.1.1 <user0@example.com>: no such user")
    other = smtp_server("other")
    records = [make_account("strict", strict.port), make_account("other", other.port)]
    gateway = _gateway(records, client_tls)
    result = _send(gateway)
    assert not result.ok and result.reason is MailFailure.RECIPIENT_REJECTED
    assert result.account == "strict"
    reason = f"127.0.0.1:{strict.port} refused the recipient: 550 5.1.1 <user0@example.com>: no such user"
    assert result.attempts == [("strict", reason)]
    assert result.error == f"the recipient was refused: {reason}"
    assert other.handler.rcpt_seen == []  # the other account was not bothered
    assert gateway.rotation.usage()[0]["sent_today"] == 0  # a refused mail does not count


def test_all_accounts_failing(
    raw_server: Callable[..., RawServer], make_account: Record, client_tls: ssl.SSLContext
) -> None:
    first, second = raw_server(), raw_server()
    records = [make_account("one", first.port), make_account("two", second.port)]
    result = _send(_gateway(records, client_tls))
    assert not result.ok and result.reason is MailFailure.SEND_FAILED and result.account is None
    assert result.error == "no mail account could send it"
    assert [name for name, _ in result.attempts] == ["one", "two"]


def test_no_active_account(make_account: Record, client_tls: ssl.SSLContext) -> None:
    for records in ([], [make_account("off", 2525, active=False)]):
        result = _send(_gateway(records, client_tls))
        assert not result.ok and result.reason is MailFailure.NO_ACCOUNT
        assert result.error == "no active mail account is configured"


def test_misconfigured_account_is_reported(
    smtp_server: Start, make_account: Record, client_tls: ssl.SSLContext
) -> None:
    broken = make_account("broken", 587, host="", auth=True, username="u", password="p")
    result = _send(_gateway([broken], client_tls))
    assert not result.ok and result.reason is MailFailure.NO_ACCOUNT
    assert result.attempts == [("broken", "not usable: no SMTP host is configured")]
    good = smtp_server("good")
    result = _send(_gateway([broken, make_account("good", good.port)], client_tls))
    assert result.ok and result.account == "good"


def test_failed_account_is_tried_last_for_a_while(
    smtp_server: Start,
    raw_server: Callable[..., RawServer],
    make_account: Record,
    client_tls: ssl.SSLContext,
    clock: Any,
) -> None:
    drop, b, c = raw_server(), smtp_server("b"), smtp_server("c")
    records = [
        make_account("drop", drop.port),
        make_account("b", b.port),
        make_account("c", c.port),
    ]
    gateway = _gateway(records, client_tls, clock=clock, failure_cooldown=60)
    assert _send(gateway, 0).account == "b"
    assert drop.connections == 1
    assert [_send(gateway, n).account for n in range(1, 5)] == ["c", "b", "c", "b"]
    assert drop.connections == 1  # cooling down: not the first choice
    clock.advance(seconds=61)
    results = [_send(gateway, n) for n in range(5, 8)]  # its turn comes again
    assert drop.connections == 2 and all(result.ok for result in results)


def test_rotation_follows_configuration_changes(clock: Any) -> None:
    records = [{"id": n, "name": n, "kind": "local", "sender": f"{n}@x.test"} for n in "abcd"]
    rotation = AccountRotation(lambda: records, clock)
    assert [rotation.next_candidates()[0].name for _ in range(2)] == ["a", "b"]
    del records[1]  # "b", the last leader, is deleted: its successor goes next
    assert [rotation.next_candidates()[0].name for _ in range(3)] == ["c", "d", "a"]
    assert [a.name for a in rotation.next_candidates()] == ["c", "d", "a"]


def test_provider_failure_is_reported(client_tls: ssl.SSLContext) -> None:
    def broken() -> list[dict[str, Any]]:
        raise OSError("disk gone")

    gateway = MailGateway(broken, ssl_context=client_tls)
    result = _send(gateway)
    assert not result.ok and result.error == "the mail accounts cannot be read (OSError)"
