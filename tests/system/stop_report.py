"""What the graceful-stop rig (``stop_rig.py``) found: figures to print and the broken
invariants, each named precisely (which ids, which rounds, which answers)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from stop_clients import Message, RestClient


@dataclass(frozen=True)
class StopRecord:
    """One stop: seconds until the process was gone, its exit code, killed or not, and how
    many SMS reached a handset meanwhile (sends on the air, and any sent after the signal)."""

    seconds: float
    code: int
    killed: bool
    sent: int = 0


@dataclass
class Report:
    """Counts and figures of one run; ``violations()`` lists every broken invariant."""

    seed: int
    bound: float
    messages: list[Message]
    deliveries: Counter[str]
    stops: list[StopRecord]
    clients: list[RestClient]
    emitter_error: BaseException | None = None
    signal: str = "SIGTERM"
    lost: list[Message] = field(init=False)
    twice: list[Message] = field(init=False)

    def __post_init__(self) -> None:
        self.lost = [m for m in self.messages if self.deliveries[m.key] == 0]
        self.twice = [m for m in self.messages if self.deliveries[m.key] > 1]

    def _attempts(self) -> Counter[str]:
        """Every REST attempt by outcome and the serve phases it spanned."""
        return Counter(a.label for client in self.clients for a in client.attempts)

    def violations(self, with_bound: bool = True) -> list[str]:
        """The broken invariants, each with what broke it (empty: all held); without the
        stop bound (a time) when ``with_bound`` is false."""
        found = []
        if self.emitter_error is not None:
            found.append(f"the emitter failed: {self.emitter_error!r}")
        if self.lost:
            found.append(f"{len(self.lost)} lost: {_ids(self.lost)}")
        if self.twice:
            found.append(f"{len(self.twice)} delivered more than once: {_ids(self.twice)}")
        found += self._rest_violations()
        if with_bound:
            found += self._over_bound()
        codes = [f"#{n + 1}: {s.code}" for n, s in enumerate(self.stops) if s.code != 0]
        if codes:
            found.append(f"serve exited non-zero: {', '.join(codes)}")
        return found

    def _over_bound(self) -> list[str]:
        over = [f"#{n + 1}: {s.seconds:.1f} s" + (" (killed)" if s.killed else "")
                for n, s in enumerate(self.stops) if s.killed or s.seconds > self.bound]  # fmt: skip
        return [f"stops over the bound of {self.bound:g} s: {', '.join(over)}"] if over else []

    def _rest_violations(self) -> list[str]:
        found = []
        hung = [c for c in self.clients if any(a.outcome == "timeout" for a in c.attempts)]
        if hung:
            found.append(f"{len(hung)} REST requests hung (client time-out): "
                         f"{_ids([c.message for c in hung])}")  # fmt: skip
        cut = Counter(a.label for c in self.clients for a in c.attempts
                      if a.outcome == "cut" and a.phase in ("starting", "up"))  # fmt: skip
        if cut:
            found.append(f"{sum(cut.values())} REST requests sent to a serve not yet stopping "
                         f"were cut without an answer: {dict(cut)}")  # fmt: skip
        unanswered = [c for c in self.clients if c.final is None]
        if unanswered:
            found.append(f"{len(unanswered)} REST clients without a final answer: "
                         f"{_ids([c.message for c in unanswered])}")  # fmt: skip
        odd = Counter(f"{c.final.status} {c.final.code}" for c in self.clients
                      if c.final is not None and c.final.code != "0000")  # fmt: skip
        if odd:
            found.append(f"REST final answers other than 0000: {dict(odd)}")
        return found

    def lines(self) -> list[str]:
        """The figures, for a person."""
        transports = Counter(m.transport for m in self.messages)
        times = sorted(s.seconds for s in self.stops)
        finals = Counter(c.final.code if c.final else "none" for c in self.clients)
        return [
            f"seed {self.seed}; {len(self.messages)} OTPs ({dict(transports)}); "
            f"{len(self.stops)} stops ({self.signal} each round, SIGTERM at the end), "
            f"bound {self.bound:g} s",
            f"stop time: min {times[0]:.2f} s, median {statistics.median(times):.2f} s, "
            f"max {times[-1]:.2f} s; exit codes {dict(Counter(s.code for s in self.stops))}",
            f"SMS delivered while serve was stopping: {sum(s.sent for s in self.stops)} in all, "
            f"at most {max(s.sent for s in self.stops)} in one stop",
            f"delivered {sum(self.deliveries.values())}: {len(self.lost)} lost, "
            f"{len(self.twice)} duplicated",
            f"REST final answers by code: {dict(finals)}",
            "REST attempts (serve's phase when sent>answered): "
            + ", ".join(f"{label} x{n}" for label, n in sorted(self._attempts().items())),
        ]


def _ids(messages: list[Message], shown: int = 12) -> str:
    """Ids with their transport, the first ``shown`` of them."""
    named = [f"{m.id} ({m.transport})" for m in messages[:shown]]
    return ", ".join(named) + (
        f", ... {len(messages) - shown} more" if len(messages) > shown else ""
    )
