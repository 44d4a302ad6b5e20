"""Real FAT images built with mtools, and a "mount" that copies their files out with mtools
(the host kernel has no vfat; the real mount is exercised in the QEMU image test)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def make_stick(image: Path, files: dict[str, bytes], folders: tuple[str, ...] = ()) -> Path:
    """A 1 MiB FAT image holding ``files`` (paths like ``optb/reset.txt``) and ``folders``."""
    subprocess.run(["mkfs.vfat", "-C", "-n", "STICK", str(image), "1024"],
                   check=True, capture_output=True)  # fmt: skip
    wanted = set(folders) | {str(Path(name).parent) for name in files} - {"."}
    for folder in sorted(wanted, key=lambda name: name.count("/")):
        subprocess.run(["mmd", "-i", str(image), f"::{folder}"], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as scratch:
        for index, (name, data) in enumerate(files.items()):
            source = Path(scratch) / f"file{index}"
            source.write_bytes(data)
            subprocess.run(["mcopy", "-i", str(image), str(source), f"::{name}"],
                           check=True, capture_output=True)  # fmt: skip
    return image


def stick_names(image: Path) -> list[str]:
    """Every path on the stick, as mtools lists it (proves what the image really holds)."""
    result = subprocess.run(["mdir", "-/", "-b", "-i", str(image), "::/"],
                            check=True, capture_output=True, text=True)  # fmt: skip
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


class MtoolsMount:
    """Copies the image's files into a private temp folder; records every mount and unmount."""

    def __init__(self) -> None:
        self.mounted: list[str] = []
        self.unmounted: list[str] = []
        self.folders: list[Path] = []

    @contextlib.contextmanager
    def __call__(self, device: str) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(prefix="stick-"))
        self.folders.append(folder)
        try:
            listing = subprocess.run(["mdir", "-b", "-i", device, "::/"],
                                     capture_output=True, text=True)  # fmt: skip
            if listing.returncode != 0:
                raise RuntimeError(f"cannot mount {device}: {listing.stderr.strip()}")
            if listing.stdout.strip():
                subprocess.run(["mcopy", "-s", "-n", "-m", "-i", device, "::/*", str(folder)],
                               check=True, capture_output=True)  # fmt: skip
            self.mounted.append(device)
            yield folder
        finally:
            self.unmounted.append(device)
            shutil.rmtree(folder, ignore_errors=True)
