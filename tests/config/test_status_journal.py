"""The status journal: statuses and report matching survive a restart; a torn last line is
ignored; compaction keeps the live records; the file never holds a text or a whole number."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from otpbroker.config.status_journal import FileStatusJournal
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.message_life import StatusEvent
from otpbroker.domain.status_record import StatusRecord
from otpbroker.services.message_life import MessageLife
from otpbroker.services.message_status import MessageStatus
from otpbroker.services.two_way_bus import TwoWayBus

NUMBER = "6281234567890"
KEY = b"j" * 32
RETENTION = 86400.0


class Settings:
    """The settings the tracker reads."""

    def get(self, key: str) -> Any:
        return {
            "status.retention_seconds": RETENTION,
            "status.report_wait_seconds": 3600,
            "device.country_code": "62",
        }[key]


def journal(path: Path, **kw: Any) -> FileStatusJournal:
    return FileStatusJournal(path, lambda: RETENTION, **kw)


def tracker(path: Path) -> tuple[MessageStatus, MessageLife, FileStatusJournal, list[StatusEvent]]:
    bus = TwoWayBus()
    events: list[StatusEvent] = []
    bus.subscribe_status(events.append)
    file = journal(path)
    status = MessageStatus(bus, Settings(), file, key=KEY)
    return status, MessageLife(bus, status), file, events


def sent(life: MessageLife, message_id: str, refs: tuple[int, ...], user: str = "app") -> None:
    ticket = life.accepted(message_id, "rest", user, NUMBER)
    life.finished(ticket, Delivery(SendOutcome.SENT, "m1", refs[0], len(refs),
                                   message_references=refs))  # fmt: skip


def record(message_id: str, at: float, state: str = "sent") -> StatusRecord:
    return StatusRecord(message_id, "rest", "app", "6281*******90", (("accepted", at), (state, at)))


def test_restart_keeps_statuses_and_report_matching(tmp_path: Path) -> None:
    path = tmp_path / "status-journal.log"
    status, life, file, _events = tracker(path)
    sent(life, "before", (17, 18))
    status.report("m1", 17, "+" + NUMBER, 0)
    sent(life, "done", (19,))
    status.report("m1", 19, "+" + NUMBER, 0x46)
    file.close()

    status, _life, file, events = tracker(path)  # a restart
    done = status.lookup("app", "done")
    assert done is not None and done.state == "not-delivered"
    assert done.error_code == "TP-ST:0x46"
    before = status.lookup("app", "before")
    assert before is not None and [s for s, _ in before.history] == ["accepted", "sent"]
    status.report("m1", 18, "+" + NUMBER, 0)  # the second part's report, after the restart
    after = status.lookup("app", "before")
    assert after is not None and after.state == "delivered"
    assert [e.state.value for e in events] == ["delivered"]
    file.close()
    assert journal(path).load()[-1].state == "delivered"


def test_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    now = time.time()
    file = journal(path)
    file.save(record("a", now))
    file.save(record("b", now))
    file.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 10])  # a power cut in the middle of the last line
    loaded = journal(path).load()
    assert [r.message_id for r in loaded] == ["a"]
    assert path.read_bytes().count(b"\n") == 1  # rewritten without the torn line


def test_corrupt_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    now = time.time()
    file = journal(path)
    file.save(record("a", now))
    file.save(record("b", now))
    file.close()
    lines = path.read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b'"a"', b'"x"')  # its checksum no longer matches
    path.write_bytes(b"\n".join(lines))
    assert [r.message_id for r in journal(path).load()] == ["b"]


def test_compaction_keeps_the_latest_record_of_each_message(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    now = time.time()
    file = journal(path, min_compact=10)
    for step in range(25):
        file.save(record(f"m{step % 3}", now + step, "sent" if step < 24 else "delivered"))
    assert path.read_bytes().count(b"\n") <= 10
    file.close()
    loaded = {r.message_id: r for r in journal(path).load()}
    assert sorted(loaded) == ["m0", "m1", "m2"]
    assert loaded["m0"].state == "delivered"  # step 24


def test_records_beyond_the_retention_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    now = time.time()
    file = journal(path)
    file.save(record("old", now - RETENTION - 10))
    file.save(record("new", now))
    file.close()
    assert [r.message_id for r in journal(path).load()] == ["new"]


def test_file_never_holds_the_text_or_the_whole_number(tmp_path: Path) -> None:
    path = tmp_path / "status-journal.log"
    status, life, file, _events = tracker(path)
    sent(life, "secret-check", (4,))
    status.report("m1", 4, "+" + NUMBER, 0)
    file.close()
    data = path.read_bytes()
    assert b"secret-check" in data and b"delivered" in data  # what it must hold
    for whole in (NUMBER, NUMBER[2:], "0" + NUMBER[2:]):
        assert whole.encode() not in data
    assert b"6281*******90" in data


def test_writes_after_close_still_land(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    file = journal(path)
    file.save(record("early", time.time()))
    file.close()  # a graceful stop: the last sends end after it
    file.save(record("late", time.time(), "delivered"))
    assert [(r.message_id, r.state) for r in journal(path).load()] == [
        ("early", "sent"),
        ("late", "delivered"),
    ]


def test_at_most_max_statuses_are_loaded(tmp_path: Path) -> None:
    path = tmp_path / "j.log"
    now = time.time()
    file = journal(path)
    for n in range(5):
        file.save(record(f"n{n}", now + n))
    file.close()
    assert [r.message_id for r in journal(path, max_statuses=2).load()] == ["n3", "n4"]
