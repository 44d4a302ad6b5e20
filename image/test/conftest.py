"""Fixtures of the image boot test: one booted guest for the whole session (test-only)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guest_pytest import GUEST_TESTS
from modem_link import ModemLink
from qemu_guest import Guest, environment_ok, extract_kernel, make_test_disk

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "test-output" / "image-test"
GUEST_DIR = Path(__file__).resolve().parent / "guest"
DISK_SIZE = 3 * 1024**3  # the first boot grows the root filesystem into this


def built_image() -> Path:
    """The raw image of the last build (OTPB_IMAGE overrides)."""
    if os.environ.get("OTPB_IMAGE"):
        return Path(os.environ["OTPB_IMAGE"])
    found = sorted((REPO / "build" / "cache").glob("debian-arm64/*-export/out/*.img"))
    if not found:
        pytest.fail("no built image: run ./build.sh (make image-test builds it)")
    return found[-1]


@pytest.fixture(scope="session")
def workdir() -> Path:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    return WORK


@pytest.fixture(scope="session")
def disk(workdir: Path) -> Path:
    """A private copy of the built image, enlarged like a bigger SD card."""
    missing = environment_ok()
    if missing:
        pytest.fail(f"host tools missing for the image test: {missing} (image/host-deps.sh)")
    copy = workdir / "disk.img"
    shutil.copyfile(built_image(), copy)
    os.truncate(copy, max(DISK_SIZE, copy.stat().st_size))
    return copy


@pytest.fixture(scope="session")
def guest(workdir: Path, disk: Path) -> Iterator[Guest]:
    """The booted guest with its agent connected; powered off at the end of the session."""
    kernel, initrd = extract_kernel(disk, workdir)
    test_disk = workdir / "testdisk.ext4"
    tools = os.environ.get("OTPB_TEST_TOOLS")
    make_test_disk(
        test_disk,
        {**{p.name: p for p in GUEST_DIR.iterdir() if p.is_file()}, **GUEST_TESTS},
        Path(tools) if tools else None,
    )
    machine = Guest(
        workdir=workdir,
        disk=disk,
        kernel=kernel,
        initrd=initrd,
        test_disk=test_disk,
        modem_socket=workdir / "modem.sock",
    )
    machine.start()
    try:
        machine.connect_agent(timeout=600)
        print(f"\nguest agent answered {machine.elapsed():.1f} s (host) after power-on")
        yield machine
    finally:
        machine.stop()
        print(f"guest stopped; console log: {machine.console_log}")


@pytest.fixture(scope="session")
def modem(guest: Guest, workdir: Path) -> Iterator[ModemLink]:
    """The host's emulated modem, connected to the guest's usb-serial device."""
    link = ModemLink(REPO / ".venv" / "bin" / "otp-broker", workdir, guest.modem_socket)
    link.start()
    yield link
    link.stop()


@pytest.fixture(scope="session")
def stopped_disk(guest: Guest, disk: Path) -> Path:
    """The disk after a clean power-off (for scans of what the guest wrote)."""
    guest.stop()
    return disk


T = TypeVar("T")


def wait_until(probe: Callable[[], T], timeout: float, interval: float = 1.0) -> T:
    """Call probe() until it returns something truthy; the last value or None on time-out."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
