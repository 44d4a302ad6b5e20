"""The import contracts (.importlinter) fail when broken.

A copy of the package and the contracts is linted as it is (every contract kept), then with one
forbidden import at a time: lint-imports must exit non-zero and name the contract that forbids
it. A second check keeps the allow-lists complete: every library the app imports has one.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "app" / "otpbroker"
CONTRACTS = REPO / ".importlinter"
REQUIREMENTS = REPO / "app" / "requirements.lock"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CORE_CONTRACT = "core-standard-library-only"


@dataclass(frozen=True)
class Lint:
    """One lint-imports run: its exit code and its report with the line wrapping undone."""

    returncode: int
    report: str

    def broken(self, contracts: dict[str, str]) -> set[str]:
        """The ids of the contracts the report calls broken."""
        return {key for key, name in contracts.items() if f"{name} BROKEN" in self.report}


@dataclass(frozen=True)
class Case:
    """One forbidden import: where it goes, the line, what must break, who must be named."""

    path: str
    line: str
    contracts: frozenset[str]
    importer: str


def _contract_config() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(CONTRACTS, encoding="utf-8")
    return config


def _contracts() -> dict[str, str]:
    """Contract id -> its name as lint-imports prints it (whitespace collapsed)."""
    prefix = "importlinter:contract:"
    config = _contract_config()
    return {
        section.removeprefix(prefix): " ".join(config[section]["name"].split())
        for section in config.sections()
        if section.startswith(prefix)
    }


def _listed(contract: str, option: str) -> set[str]:
    """The module names an option of one contract lists (comment lines skipped)."""
    value = _contract_config()[f"importlinter:contract:{contract}"][option]
    return {word for word in value.split() if word}


class TreeCopy:
    """The package and the contracts in a temp dir; one import at a time can be added."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stamp = 0
        shutil.copytree(PACKAGE, root / "otpbroker", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(CONTRACTS, root / ".importlinter")

    def lint(self) -> Lint:
        """lint-imports on the copy, its graph cache kept in the copy and shared by every run."""
        env = {**os.environ, "PYTHONPATH": str(self.root), "COLUMNS": "200", "NO_COLOR": "1"}
        command = [str(LINT_IMPORTS), "--no-logo", "--cache-dir", ".cache", ".importlinter"]
        done = subprocess.run(command, cwd=self.root, env=env, capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip
        return Lint(done.returncode, " ".join((done.stdout + done.stderr).split()))

    def lint_with(self, case: Case) -> Lint:
        """lint-imports with ``case.line`` added to ``case.path``; the file is restored after."""
        target = self.root / "otpbroker" / case.path
        original = target.read_text(encoding="utf-8") if target.exists() else None
        self._write(target, f"{original or ''}\n{case.line}\n")
        try:
            return self.lint()
        finally:
            if original is None:
                target.unlink()
            else:
                self._write(target, original)

    def _write(self, target: Path, text: str) -> None:
        """Write with a modification time no earlier write had, so the cache sees the change."""
        target.write_text(text, encoding="utf-8")
        self._stamp += 1
        mtime_ns = target.stat().st_mtime_ns + self._stamp * 1_000_000_000
        os.utime(target, ns=(mtime_ns, mtime_ns))


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TreeCopy]:
    """A copy of the tree that keeps every contract (checked once for all cases)."""
    copy = TreeCopy(tmp_path_factory.mktemp("contracts"))
    pristine = copy.lint()
    assert pristine.returncode == 0, pristine.report
    yield copy


CASES = [
    Case("services/sms.py", "import bottle",
         frozenset({"http-in-web", CORE_CONTRACT}), "otpbroker.services.sms"),
    Case("services/sms.py", "import pika",
         frozenset({"broker-clients-in-feeders", CORE_CONTRACT}), "otpbroker.services.sms"),
    Case("services/sms.py", "import subprocess",
         frozenset({"subprocess-where-programs-run", CORE_CONTRACT}), "otpbroker.services.sms"),
    Case("services/sms.py", "import otpbroker.config",
         frozenset({"services-through-ports"}), "otpbroker.services.sms"),
    Case("modem/hotplug.py", "import serial",
         frozenset({"serial-in-transport"}), "otpbroker.modem.hotplug"),
    Case("web/admin/pages/added_page.py", "import otpbroker.config",
         frozenset({"transports-through-services"}), "otpbroker.web.admin.pages.added_page"),
    Case("web/api.py", "import otpbroker.system",
         frozenset({"transports-through-services"}), "otpbroker.web.api"),
    Case("domain/__init__.py", "import tinydb",
         frozenset({"tinydb-in-config", CORE_CONTRACT}), "otpbroker.domain"),
    Case("factory/__init__.py", "import pyudev",
         frozenset({"pyudev-in-hotplug"}), "otpbroker.factory"),
    Case("modem/sim/__init__.py", "from otpbroker.modem import at",
         frozenset({"emulator-independent"}), "otpbroker.modem.sim"),
    Case("modem/pdu/__init__.py", "from otpbroker.modem import transport",
         frozenset({"codec-alone", CORE_CONTRACT}), "otpbroker.modem.pdu"),
    Case("privileged/__init__.py", "import otpbroker.domain",
         frozenset({"privileged-helper-alone"}), "otpbroker.privileged"),
    Case("stop_signals.py", "import otpbroker.domain",
         frozenset({"stop-signals-alone"}), "otpbroker.stop_signals"),
    Case("services/__init__.py", "import otpbroker.privileged",
         frozenset({"app-runs-helper-as-program"}), "otpbroker.services"),
    Case("services/command_processor.py", "import nacl",
         frozenset({"nacl-in-sealed-box", CORE_CONTRACT}), "otpbroker.services.command_processor"),
    Case("feeders/base.py", "import otpbroker.crypto",
         frozenset({"transports-through-services"}), "otpbroker.feeders.base"),
    Case("web/admin/pages/home.py", "import otpbroker.web.admin.pages.feeders",
         frozenset({"admin-pages-independent"}), "otpbroker.web.admin.pages.home"),
]  # fmt: skip


def test_the_tree_as_it_is_keeps_every_contract(tree: TreeCopy) -> None:
    lint = tree.lint()
    assert lint.returncode == 0, lint.report
    assert lint.broken(_contracts()) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.path}:{case.line}")
def test_a_forbidden_import_breaks_its_contract(tree: TreeCopy, case: Case) -> None:
    lint = tree.lint_with(case)
    assert lint.returncode != 0, lint.report
    assert case.contracts <= lint.broken(_contracts()), lint.report
    assert re.search(rf"{re.escape(case.importer)} -> \S+ \(l\.\d+\)", lint.report), lint.report


def _third_party_imports() -> set[str]:
    """Every top-level module outside the standard library that the app imports."""
    graph = grimp.build_graph("otpbroker", include_external_packages=True, cache_dir=None)
    external = {module for module in graph.modules if module.split(".")[0] != "otpbroker"}
    return external - set(sys.stdlib_module_names)


def _allow_listed() -> set[str]:
    config = _contract_config()
    return {
        module
        for section in config.sections()
        if config[section].get("type") == "protected"
        for module in config[section]["protected_modules"].split()
    }


def test_every_library_the_app_imports_has_an_allow_list() -> None:
    libraries = _third_party_imports()
    assert libraries, "the graph should hold the app's libraries"
    assert libraries <= _allow_listed()
    assert libraries | {"subprocess"} <= _listed(CORE_CONTRACT, "forbidden_modules")


def _pinned_distributions() -> set[str]:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    names = (line.split("==")[0] for line in lines if "==" in line and not line.startswith("#"))
    return {re.sub(r"[-_.]+", "-", name).lower() for name in names}


def test_every_library_the_app_imports_is_pinned_for_run_time() -> None:
    distributions = metadata.packages_distributions()
    pinned = _pinned_distributions()
    for library in _third_party_imports():
        providers = {re.sub(r"[-_.]+", "-", name).lower() for name in distributions[library]}
        assert providers & pinned, f"{library} comes from {providers}, not in requirements.lock"
