"""A clean Debian bookworm amd64 root for the package's tests, and commands run inside it.

The root is made once by mmdebstrap (minbase plus the package's ``Depends``, so installing
needs no network) and cached under ``build-cache/deb-root/<key>``, the key being a hash of
what makes it. Each test works on its own overlay of it (``Scratch``): every command runs in
fresh mount, PID and network namespaces (loopback only) that mount the overlay, ``/proc`` and
``/dev`` and chroot into it; nothing stays mounted and every process ends with the command.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTROL = REPO / "packaging/deb/control.in"
CACHE = REPO / "build-cache/deb-root"
MIRROR = "http://deb.debian.org/debian"
MMDEBSTRAP_OPTIONS = (
    "--mode=root",
    "--variant=minbase",
    "--arch=amd64",
    "--aptopt=APT::Install-Recommends false",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
)
CHROOT_ENV = (
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/root",
    "LANG=C.UTF-8",
    "DEBIAN_FRONTEND=noninteractive",
)
# Mounts the overlay and the pseudo-filesystems, then runs the script in the chroot.
PRELUDE = """
set -e
lower="$1" upper="$2" work="$3" merged="$4" debs="$5"; shift 5
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$merged"
mount -t proc proc "$merged/proc"
mount --rbind /dev "$merged/dev"
mount -t tmpfs tmpfs "$merged/run"
mount --bind "$debs" "$merged/mnt"
ip link set lo up
exec chroot "$merged" /usr/bin/env -i "$@"
"""


def package_depends() -> list[str]:
    """The package names of the ``Depends:`` line of the package's control file."""
    line = re.search(r"^Depends: (.*)$", CONTROL.read_text(), re.MULTILINE)
    assert line is not None, "no Depends: in the control file"
    names = [re.split(r"[ (]", item.strip())[0] for item in line.group(1).split(",")]
    return sorted(set(names))


def root_key() -> str:
    """Hash of what the cached root is made of."""
    text = repr((MMDEBSTRAP_OPTIONS, MIRROR, package_depends()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def clean_root() -> Path:
    """The cached bookworm root; made (a few minutes) when its key changed."""
    if shutil.which("mmdebstrap") is None:
        raise RuntimeError("mmdebstrap is not installed (scripts/install-deps.sh installs it)")
    CACHE.mkdir(parents=True, exist_ok=True)
    folder = CACHE / root_key()
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "complete").exists():
            for old in CACHE.iterdir():
                if old.is_dir():
                    shutil.rmtree(old)
            folder.mkdir()
            include = ",".join(package_depends())
            argv = ["mmdebstrap", *MMDEBSTRAP_OPTIONS, f"--include={include}", "bookworm",
                    str(folder / "root"), MIRROR]  # fmt: skip
            subprocess.run(argv, check=True, capture_output=True, text=True, timeout=1800)
            (folder / "complete").touch()
    return folder / "root"


class Scratch:
    """A writable overlay of the clean root, kept in ``folder`` between commands."""

    def __init__(self, lower: Path, folder: Path, debs: Path) -> None:
        self.lower = lower
        self.upper = folder / "upper"
        self.work = folder / "work"
        self.merged = folder / "merged"
        self.debs = debs
        for path in (self.upper, self.work, self.merged):
            path.mkdir(parents=True, exist_ok=True)

    def run(self, script: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a shell script as root inside the root (the packages in /mnt)."""
        argv = [
            "unshare", "--mount", "--pid", "--fork", "--net", "--propagation", "private",
            "sh", "-c", PRELUDE, "prelude", str(self.lower), str(self.upper), str(self.work),
            str(self.merged), str(self.debs), *CHROOT_ENV, "/bin/sh", "-ec", script,
        ]  # fmt: skip
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    def out(self, script: str, timeout: float = 600) -> str:
        """Standard output of a script that must succeed."""
        done = self.run(script, timeout)
        assert done.returncode == 0, f"{script!r} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def status(self) -> str:
        """dpkg's status and version of the package ("not-installed" when unknown)."""
        done = self.run("dpkg-query -W -f '${Status} ${Version}' otp-broker")
        return done.stdout.strip() if done.returncode == 0 else "not-installed"

    def digests(self, folder: str) -> dict[str, str]:
        """SHA-256 of every file under ``folder`` (contents never leave the root)."""
        text = self.out(f"cd {folder} && find . -type f -exec sha256sum {{}} +")
        pairs = (line.split(maxsplit=1) for line in text.splitlines())
        return {name: digest for digest, name in pairs}
