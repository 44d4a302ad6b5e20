"""The sealed-message senders of docs/api.md, run as they are against a real broker.

Python runs in this process; PHP and Node run as programs (their sources on stdin). Each
must end with the handset holding the clear OTP text.
"""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from broker_harness import BrokerHarness

REPO = Path(__file__).resolve().parents[2]
API_DOC = REPO / "docs" / "api.md"
NODE_PROJECT = REPO / "tests" / "senders"
TEXT = "Your code is 482913"


def sender_blocks() -> dict[str, str]:
    """The code blocks of the "Senders" part of docs/api.md, by language."""
    doc = API_DOC.read_text("utf-8")
    part = doc.split("## Sealed messages", 1)[1].split("\n## ", 1)[0]
    part = part.split("### Senders", 1)[1]
    return dict(re.findall(r"```(python|php|javascript)\n(.*?)```", part, re.S))


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """libsodium-wrappers at the version pinned in tests/senders (npm ci, cached by lock)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (scripts/install-deps.sh)")
    cache = Path(sys.prefix) / "node-senders"
    lock = NODE_PROJECT / "package-lock.json"
    cached_lock = cache / "package-lock.json"
    ready = (cache / "node_modules" / "libsodium-wrappers").is_dir()
    if not (ready and cached_lock.exists() and filecmp.cmp(lock, cached_lock, shallow=False)):
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NODE_PROJECT / name, cache / name)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=cache,
                       check=True, timeout=300)  # fmt: skip
    return cache / "node_modules"


@pytest.fixture
def device(tmp_path, monkeypatch):
    h = BrokerHarness(tmp_path / "data")
    h.add_user("shop", "shop-pass-1")
    sim, _ = h.add_modem()
    h.start()
    monkeypatch.setenv("OTP_BROKER_URL", h.base)
    monkeypatch.setenv("OTP_BROKER_AUTH", "shop:shop-pass-1")
    yield h, sim
    h.stop()


def test_the_doc_has_the_three_senders():
    assert set(sender_blocks()) == {"python", "php", "javascript"}


def test_the_python_sender(device, capsys):
    _h, sim = device
    code = compile(sender_blocks()["python"], "docs/api.md (python sender)", "exec")
    exec(code, {})  # noqa: S102 (the documented sender, run as a reader would)
    assert capsys.readouterr().out.strip() == "0000 sent"
    [delivery] = sim.wait_for_deliveries(1)
    assert (delivery.to, delivery.text) == ("+628126666666", TEXT)


def test_the_php_sender(device):
    _h, sim = device
    if shutil.which("php") is None:
        pytest.skip("php is not installed (scripts/install-deps.sh installs php-cli)")
    run = subprocess.run(["php"], input=sender_blocks()["php"], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert (run.returncode, run.stdout.strip()) == (0, "0000 sent"), run.stderr
    [delivery] = sim.wait_for_deliveries(1)
    assert delivery.text == TEXT


def test_the_node_sender(device, node_modules, monkeypatch):
    _h, sim = device
    monkeypatch.setenv("NODE_PATH", str(node_modules))
    run = subprocess.run(["node", "-"], input=sender_blocks()["javascript"], capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert (run.returncode, run.stdout.strip()) == (0, "0000 sent"), run.stderr
    [delivery] = sim.wait_for_deliveries(1)
    assert delivery.text == TEXT
