"""What the emulated handsets received: parts reassembled into messages, as JSON lines.

Each part carries the seconds the network took for it (``smsc_seconds``: the wait the
emulator applied between the PDU's Ctrl-Z and ``+CMGS``), and each message their sum, so
that a benchmark can tell the modem's own time from the network's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from otpbroker.modem.pdu import DecodedSubmit


@dataclass(frozen=True)
class Delivery:
    """One whole message as the recipient's handset shows it."""

    modem: str
    """IMEI of the sending modem."""
    to: str
    text: str
    parts: int
    encoding: str
    smsc_seconds: float = 0.0
    """The network's time for the whole message: the sum over its parts."""
    part_smsc_seconds: tuple[float, ...] = ()
    """The network's time for each part, in part order."""

    def as_dict(self) -> dict[str, object]:
        """The JSON-line form (seconds rounded to the millisecond)."""
        row = asdict(self)
        row["smsc_seconds"] = round(self.smsc_seconds, 3)
        row["part_smsc_seconds"] = [round(s, 3) for s in self.part_smsc_seconds]
        return row


@dataclass(frozen=True)
class Part:
    """One SMS part the network accepted."""

    modem: str
    message_ref: int
    pdu: str
    submit: DecodedSubmit
    received_at: float = 0.0
    """``time.perf_counter()`` when the emulator read the PDU's Ctrl-Z (for latency figures)."""
    smsc_seconds: float = 0.0
    """The network's time for this part: the wait between the Ctrl-Z and ``+CMGS``."""


class DeliveryLog:
    """Thread-safe sink shared by modems: keeps parts, reassembles them, appends JSON lines
    to ``path`` (flushed per line) when given."""

    def __init__(self, path: str | Path | None = None) -> None:
        """A log writing to ``path`` (appending), or kept in memory only."""
        self.path = Path(path) if path else None
        self._cond = threading.Condition()
        self._parts: list[Part] = []
        self._deliveries: list[Delivery] = []
        self._pending: dict[tuple[str, str, int, int], dict[int, Part]] = {}
        self._listeners: list[Callable[[Delivery], None]] = []

    def on_delivery(self, listener: Callable[[Delivery], None]) -> None:
        """Call ``listener`` with every completed message, outside the log's lock (it runs in
        the sending modem's thread and must not block)."""
        with self._cond:
            self._listeners.append(listener)

    def add_part(
        self,
        modem: str,
        submit: DecodedSubmit,
        message_ref: int,
        pdu: str,
        received_at: float | None = None,
        *,
        smsc_seconds: float = 0.0,
    ) -> Delivery | None:
        """Record one accepted part; returns the delivery when it completes a message.

        ``received_at`` is the ``time.perf_counter()`` of its Ctrl-Z (default: now);
        ``smsc_seconds`` the network's time for it.
        """
        if received_at is None:
            received_at = time.perf_counter()
        part = Part(modem, message_ref, pdu, submit, received_at, smsc_seconds)
        with self._cond:
            self._parts.append(part)
            if submit.concat is None:
                pieces = [part]
            else:
                reference, total, sequence = submit.concat
                key = (modem, submit.destination, reference, total)
                got = self._pending.setdefault(key, {})
                got[sequence] = part
                if len(got) < total or not all(n in got for n in range(1, total + 1)):
                    return None
                del self._pending[key]
                pieces = [got[n] for n in range(1, total + 1)]
            delivery = self._record(modem, pieces)
            self._cond.notify_all()
            listeners = list(self._listeners)
        for listener in listeners:
            listener(delivery)
        return delivery

    def _record(self, modem: str, pieces: list[Part]) -> Delivery:
        submits = [p.submit for p in pieces]
        encodings = {s.encoding for s in submits}
        encoding = "ucs2" if "ucs2" in encodings else submits[0].encoding
        seconds = tuple(p.smsc_seconds for p in pieces)
        delivery = Delivery(
            modem=modem,
            to=submits[0].destination,
            text="".join(s.text for s in submits),
            parts=len(pieces),
            encoding=encoding,
            smsc_seconds=sum(seconds),
            part_smsc_seconds=seconds,
        )
        self._deliveries.append(delivery)
        if self.path is not None:
            line = json.dumps(delivery.as_dict(), ensure_ascii=False)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
        return delivery

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivered message so far (a copy)."""
        with self._cond:
            return list(self._deliveries)

    @property
    def parts(self) -> list[Part]:
        """Every accepted part so far (a copy)."""
        with self._cond:
            return list(self._parts)

    @property
    def incomplete(self) -> int:
        """Concatenated messages still missing parts."""
        with self._cond:
            return len(self._pending)

    def for_modem(self, imei: str) -> list[Delivery]:
        """The deliveries sent by one modem."""
        with self._cond:
            return [d for d in self._deliveries if d.modem == imei]

    def wait_for(self, count: int, timeout: float, modem: str | None = None) -> list[Delivery]:
        """Wait until ``count`` deliveries (of ``modem`` if given) exist; returns them all.

        Raises ``TimeoutError`` naming what did arrive.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [d for d in self._deliveries if modem is None or d.modem == modem]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{len(found)} of {count} deliveries after {timeout}s: {found}"
                    )
                self._cond.wait(left)
