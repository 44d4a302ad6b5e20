"""An instant AT modem on a real pseudo-terminal, for comparing SMS daemons fairly.

It answers at once what smstools3, gammu-smsd and the OTP Broker driver ask when they start
(identification, PIN, registration, signal, SMS memories, SMSC) with plausible values, says
``OK`` to any other command, and takes ``AT+CMGS`` in PDU or text mode: it prompts ``> ``,
reads up to the Ctrl-Z and stamps ``time.monotonic()`` the moment the chunk holding that Ctrl-Z
was read, then answers ``+CMGS: <ref>``. Nothing is delayed: every daemon meets the same
modem and only its own scheduling shows in the figures. Message bodies are never kept, only
their PDU's length.

Run alone (``python stub_modem.py``) it prints the pty's path, then one line per PDU:
``<monotonic seconds> <length>``, until SIGTERM or SIGINT.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
import tty

CTRL_Z, ESC = b"\x1a", b"\x1b"

#: Answers to commands, matched on the start of the upper-cased command (first match wins).
ANSWERS: tuple[tuple[str, str], ...] = (
    ("AT+CPIN?", "+CPIN: READY"),
    ("AT+CREG?", "+CREG: 0,1"),
    ("AT+CGREG?", "+CGREG: 0,1"),
    ("AT+CEREG?", "+CEREG: 0,1"),
    ("AT+CSQ", "+CSQ: 20,99"),
    ("AT+CGMI", "STUB"),
    ("AT+CGMM", "STUB-MODEM"),
    ("AT+CGMR", "1.0"),
    ("AT+CGSN", "356938035643809"),
    ("AT+CIMI", "510101234567890"),
    ("AT+CCID", "+CCID: 8962101234567890123"),
    ("AT+CSCA?", '+CSCA: "+6281100000",145'),
    ("AT+CPMS=?", '+CPMS: ("SM"),("SM"),("SM")'),
    ("AT+CPMS?", '+CPMS: "SM",0,30,"SM",0,30,"SM",0,30'),
    ("AT+CPMS=", "+CPMS: 0,30,0,30,0,30"),
    ("AT+CMGF=?", "+CMGF: (0,1)"),
    ("AT+CMGF?", "+CMGF: 0"),
    ("AT+CSCS=?", '+CSCS: ("GSM","UCS2","IRA")'),
    ("AT+CSCS?", '+CSCS: "GSM"'),
    ("AT+CMGD=?", "+CMGD: (),(0-4)"),
    ("AT+CBC", "+CBC: 0,100"),
    ("AT+COPS?", '+COPS: 0,0,"STUB NET",2'),
    ("ATI", "STUB MODEM 1.0"),
)


class StubModem:
    """One instant modem on a pty; ``stamps`` holds the monotonic time of each Ctrl-Z."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # the daemon sets its own modes; raw until then
        self.path = os.ttyname(self._slave)
        """The pty's device path, for the daemon's configuration."""
        self.stamps: list[float] = []
        """``time.monotonic()`` when each PDU's Ctrl-Z was read (sent order)."""
        self.lengths: list[int] = []
        """Each PDU's length in characters (never its content)."""
        self.commands = 0
        """AT commands answered (Ctrl-Z-ended PDUs not counted)."""
        self._arrived = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stub-modem", daemon=True)
        self._echo = True
        self._pdu: bytearray | None = None  # between the prompt and the Ctrl-Z
        self._line = bytearray()
        self._ref = 0

    def start(self, mode: int = 0o666) -> StubModem:
        """Let anyone open the pty (unprivileged daemons), answer from now on."""
        os.chmod(self.path, mode)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the pty."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> StubModem:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float) -> bool:
        """True once ``count`` PDUs arrived; False after ``timeout`` seconds."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.stamps) >= count, timeout)

    # ---- the answering loop ---------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # nobody holds the other side for a moment
                time.sleep(0.05)
                continue
            self._feed(chunk, time.monotonic())

    def _feed(self, chunk: bytes, now: float) -> None:
        for byte in chunk:
            char = bytes((byte,))
            if self._pdu is not None:
                self._pdu_byte(char, now)
            elif char in (b"\r", b"\n"):
                if self._line.strip():
                    self._command(self._line.decode("ascii", "replace").strip())
                self._line.clear()
            else:
                self._line += char

    def _pdu_byte(self, char: bytes, now: float) -> None:
        assert self._pdu is not None
        if char == CTRL_Z:
            length = len(self._pdu.strip())
            self._pdu = None
            self._ref = self._ref % 255 + 1
            with self._arrived:  # recorded before the answer: whoever saw it finds the stamp
                self.stamps.append(now)
                self.lengths.append(length)
                self._arrived.notify_all()
            self._write(f"\r\n+CMGS: {self._ref}\r\n\r\nOK\r\n")
        elif char == ESC:
            self._pdu = None
            self._write("\r\nOK\r\n")
        else:
            self._pdu += char

    def _command(self, line: str) -> None:
        self.commands += 1
        if self._echo:
            self._write(line + "\r")
        upper = line.upper()
        if upper.startswith("AT+CMGS=") and not upper.startswith("AT+CMGS=?"):
            self._pdu = bytearray()
            self._write("\r\n> ")
            return
        if upper.startswith("ATE"):
            self._echo = "ATE0" not in upper
        answer = next((text for prefix, text in ANSWERS if upper.startswith(prefix)), "")
        self._write((f"\r\n{answer}\r\n" if answer else "") + "\r\nOK\r\n")

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self._master, text.encode("ascii"))


def main() -> None:
    """Print the pty path, then ``<monotonic> <length>`` per PDU until stopped."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with StubModem() as stub:
        print(stub.path, flush=True)
        shown = 0
        while not stop.wait(0.05):
            while shown < len(stub.stamps):
                print(f"{stub.stamps[shown]:.6f} {stub.lengths[shown]}", flush=True)
                shown += 1
    sys.exit(0)


if __name__ == "__main__":
    main()
