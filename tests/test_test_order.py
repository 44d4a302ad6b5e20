"""``--test-order`` (tests/conftest.py): file order, reversed, a seeded shuffle, and a test
marked ``summary`` after the other tests of its module in each; an unknown order is refused;
in parallel (as scripts/test.sh runs), each file whole in one worker, in the reversed order."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
SAMPLE = """
import pytest

def test_a(): pass
def test_b(): pass

@pytest.mark.summary
def test_sums_up(): pass

def test_c(): pass
def test_d(): pass
"""


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A folder with its own pytest.ini, a copy of the root conftest and one sample module."""
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    return tmp_path


def collect(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, *options], cwd=folder, capture_output=True, text=True, timeout=60, check=False
    )


def order(folder: Path, *options: str) -> list[str]:
    """The test names in the order they would run."""
    run = collect(folder, *options)
    assert run.returncode == 0, run.stdout + run.stderr
    return [line.split("::")[1] for line in run.stdout.splitlines() if "::" in line]


def test_file_order_is_the_default_with_the_summary_last(sample: Path) -> None:
    expected = ["test_a", "test_b", "test_c", "test_d", "test_sums_up"]
    assert order(sample) == order(sample, "--test-order=file") == expected


def test_reverse_order_keeps_the_summary_last(sample: Path) -> None:
    assert order(sample, "--test-order=reverse") == [
        "test_d", "test_c", "test_b", "test_a", "test_sums_up",
    ]  # fmt: skip


def test_a_seeded_shuffle_repeats_and_keeps_the_summary_last(sample: Path) -> None:
    shuffled = order(sample, "--test-order=shuffle:7")
    assert shuffled == order(sample, "--test-order=shuffle:7")
    assert sorted(shuffled[:-1]) == ["test_a", "test_b", "test_c", "test_d"]
    assert shuffled[-1] == "test_sums_up"


@pytest.mark.parametrize("value", ["random", "shuffle", "shuffle:x"])
def test_an_unknown_order_is_refused(sample: Path, value: str) -> None:
    run = collect(sample, f"--test-order={value}")
    assert run.returncode != 0
    assert "--test-order must be one of file, reverse, shuffle:SEED" in run.stdout + run.stderr


RECORDER = """
import os

import pytest


@pytest.fixture(autouse=True)
def record_the_order(request):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(os.path.join(os.environ["ORDER_LOG_DIR"], worker), "a") as log:
        log.write(request.node.name + "\\n")
"""


def test_parallel_workers_run_whole_files_in_the_reverse_order(sample: Path, tmp_path_factory):
    """The options of scripts/test.sh: every file runs whole in one worker (its module fixtures
    and its summary with it), and each worker runs its tests in the reversed order."""
    for prefix in ("o", "t"):  # three files with their own test names, for two workers
        module = RECORDER + SAMPLE.replace("def test_", f"def test_{prefix}")
        (sample / f"test_{prefix}.py").write_text(module)
    (sample / "test_sample.py").write_text(RECORDER + SAMPLE)
    options = ["--test-order=reverse", "--dist", "loadfile", "--no-loadscope-reorder"]
    reversed_order = order(sample, *options)
    logs = tmp_path_factory.mktemp("order-logs")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", *options],
        cwd=sample, env={**os.environ, "ORDER_LOG_DIR": str(logs)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    by_worker = {log.name: log.read_text().split() for log in logs.iterdir()}
    assert sorted(by_worker) == ["gw0", "gw1"]
    every_run = [name for ran in by_worker.values() for name in ran]
    assert sorted(every_run) == sorted(reversed_order)  # each test once
    for ran in by_worker.values():
        assert ran == [name for name in reversed_order if name in ran]
    sample_names = ["test_a", "test_b", "test_c", "test_d", "test_sums_up"]
    for prefix in ("", "o", "t"):  # a file is never split between workers
        names = {name.replace("test_", f"test_{prefix}") for name in sample_names}
        assert [set(ran) >= names for ran in by_worker.values()].count(True) == 1


def test_generated_api_cases_each_have_their_own_node_id() -> None:
    """The parallel runner schedules by node id: schemathesis's cases, which pytest 9 gives
    one shared id, must be told apart or only one operation's cases would run."""
    schema_tests = Path(__file__).parent / "api" / "test_api_schema.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-n", "0", str(schema_tests)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert len(ids) > 20, done.stdout + done.stderr
    assert len(set(ids)) == len(ids)
