"""What the sealed-secrecy test needs around the brokers: its own Mosquitto with a
persistence file, a loopback capture, RabbitMQ's data directory, and a byte scan.

The scan looks for each secret as raw ASCII, UTF-16 (both byte orders) and in base64 at
its three alignments, in every file it is given.
"""

from __future__ import annotations

import base64
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from pcap_streams import tcp_streams, websocket_payloads

RABBITMQ_DEFAULT_DIR = Path("/var/lib/rabbitmq")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def forms(secret: str) -> list[bytes]:
    """The byte strings that betray ``secret``: ASCII, UTF-16 LE/BE, base64 at 3 offsets."""
    raw = secret.encode()
    found = [raw, secret.encode("utf-16-le"), secret.encode("utf-16-be")]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        core = encoded[4 if offset else 0 :]  # drop the group that holds the padding bytes
        core = core[: len(core) - 4]  # and the last group, which depends on what follows
        if len(core) >= 8:
            found.append(core)
    return found


def found_in(secrets: Iterable[str], contents: dict[str, bytes]) -> dict[str, list[str]]:
    """For each secret found in one of ``contents`` (name -> bytes): where, in which form."""
    hits: dict[str, list[str]] = {}
    for secret in secrets:
        for name, data in contents.items():
            for index, form in enumerate(forms(secret)):
                if form in data:
                    hits.setdefault(secret, []).append(f"{name} (form {index})")
    return hits


def capture_contents(path: Path) -> dict[str, bytes]:
    """What a capture holds, as raw bytes and as unmasked WebSocket payloads per direction."""
    contents = {"capture": path.read_bytes()}
    for (source, destination), stream in tcp_streams(path).items():
        frames = websocket_payloads(stream)
        if frames:
            contents[f"websocket {source}->{destination}"] = frames
    return contents


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]


def rabbitmq_data_dir() -> Path:
    """RabbitMQ's data directory, as the running node names it (else the Debian default)."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is not None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            run = subprocess.run([ctl, "-q", "eval", "rabbit_mnesia:dir()."],
                                 capture_output=True, text=True, timeout=30)  # fmt: skip
            text = run.stdout.strip().strip('"')
            if run.returncode == 0 and text.startswith("/") and Path(text).is_dir():
                return Path(text)
    return RABBITMQ_DEFAULT_DIR


@contextlib.contextmanager
def own_mosquitto(folder: Path) -> Iterator[tuple[int, Path]]:
    """A Mosquitto on a free loopback port that saves its state to ``folder`` every second;
    yields (port, persistence file)."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
        f"user {pwd.getpwuid(os.getuid()).pw_name}\n"  # as root it would switch to mosquitto
        f"persistence_location {folder}/\npersistence_file mosquitto.db\n"
        "autosave_interval 1\nautosave_on_changes false\n"
    )
    process = subprocess.Popen(["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_port(port)
        yield port, folder / "mosquitto.db"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def loopback_capture(path: Path, ports: Iterable[int]) -> Iterator[Path]:
    """``tcpdump -i lo`` of the given TCP ports into ``path``, running until the block ends
    (each packet written as it comes: ``-U``)."""
    if shutil.which("tcpdump") is None:
        raise AssertionError("tcpdump is not installed (scripts/install-deps.sh installs it)")
    expression = " or ".join(f"tcp port {port}" for port in ports)
    process = subprocess.Popen(
        ["tcpdump", "-i", "lo", "-U", "-s", "0", "-Z", "root", "-w", str(path), expression],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_listening(process)
        yield path
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


def _wait_listening(process: subprocess.Popen[bytes]) -> None:
    """Until tcpdump says it listens (its first stderr line)."""
    assert process.stderr is not None
    line = process.stderr.readline().decode(errors="replace")
    if "listening on" not in line:
        process.kill()
        raise AssertionError(f"tcpdump did not start: {line.strip()}")
