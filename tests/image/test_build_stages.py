"""The image build's stage runner (build.sh): order, caching by input hash, failures.

Runs the real build.sh on small stand-in stages (``--stages``), so the caching rules are
checked in seconds instead of a 20-minute arm64 build.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="build.sh runs as root only")

FIRST = """#!/usr/bin/env bash
# rootfs: none
set -eu
echo run >> "$COUNTS/first"
mkdir -p "$STAGE_ROOTFS"
cat "$STAGE_DIR/data" > "$STAGE_ROOTFS/greeting"
"""
SECOND = """#!/usr/bin/env bash
# env: IMAGE_BASE
# rootfs: copy
set -eu
echo run >> "$COUNTS/second"
test -f "$STAGE_ROOTFS/greeting"
echo "$(cat "$STAGE_ROOTFS/greeting") + $(cat "$STAGE_DIR/data")" > "$STAGE_OUT/result"
test ! -e "$STAGE_DIR/fail" || { echo "stage says: broken on purpose"; exit 3; }
"""


def write_stage(stages: Path, name: str, script: str, data: str) -> Path:
    folder = stages / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.sh").write_text(script)
    (folder / "run.sh").chmod(0o755)
    (folder / "data").write_text(data)
    return folder


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    stages = tmp_path / "stages"
    write_stage(stages, "10-first", FIRST, "hello")
    write_stage(stages, "20-second", SECOND, "world")
    counts = tmp_path / "counts"
    counts.mkdir()
    return {
        "stages": stages,
        "cache": tmp_path / "cache",
        "out": tmp_path / "out",
        "counts": counts,
    }


def build(layout: dict[str, Path], *extra: str) -> subprocess.CompletedProcess:
    argv = [
        str(REPO / "build.sh"), "--skip-host-deps", "--stages", str(layout["stages"]),
        "--cache", str(layout["cache"]), "--out", str(layout["out"]), *extra,
    ]  # fmt: skip
    env = {**os.environ, "COUNTS": str(layout["counts"]), "BUILD_NICE": "0"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)


def runs(layout: dict[str, Path], stage: str) -> int:
    path = layout["counts"] / stage
    return len(path.read_text().splitlines()) if path.exists() else 0


def result(layout: dict[str, Path]) -> str:
    return (layout["cache"] / "debian-arm64" / "20-second" / "out" / "result").read_text().strip()


def test_stages_run_in_order_then_are_cached(layout: dict[str, Path]) -> None:
    done = build(layout)
    assert done.returncode == 0, done.stderr
    assert result(layout) == "hello + world"
    assert "[1/2 first] done in" in done.stdout and "[2/2 second] done in" in done.stdout
    again = build(layout)
    assert again.returncode == 0, again.stderr
    assert "[1/2 first] unchanged" in again.stdout and "[2/2 second] unchanged" in again.stdout
    assert (runs(layout, "first"), runs(layout, "second")) == (1, 1)


def test_a_changed_stage_reruns_it_and_the_later_ones_only(layout: dict[str, Path]) -> None:
    assert build(layout).returncode == 0
    (layout["stages"] / "20-second" / "data").write_text("there")
    assert build(layout).returncode == 0
    assert (runs(layout, "first"), runs(layout, "second")) == (1, 2)
    assert result(layout) == "hello + there"
    (layout["stages"] / "10-first" / "data").write_text("hi")
    assert build(layout).returncode == 0
    assert (runs(layout, "first"), runs(layout, "second")) == (2, 3)
    assert result(layout) == "hi + there"


def test_an_option_named_on_the_env_line_is_part_of_the_key(layout: dict[str, Path]) -> None:
    assert build(layout).returncode == 0
    assert build(layout, "--base", "raspios").returncode == 0  # its own cache: runs both
    assert (runs(layout, "first"), runs(layout, "second")) == (2, 2)


def test_from_forces_a_stage_to_run(layout: dict[str, Path]) -> None:
    assert build(layout).returncode == 0
    assert build(layout, "--from", "second").returncode == 0
    assert (runs(layout, "first"), runs(layout, "second")) == (1, 2)
    wrong = build(layout, "--from", "nosuchstage")
    assert wrong.returncode == 2 and "--from nosuchstage names no stage" in wrong.stderr


def test_a_failure_names_the_stage_and_keeps_its_log(layout: dict[str, Path]) -> None:
    assert build(layout).returncode == 0
    (layout["stages"] / "20-second" / "fail").write_text("")
    failed = build(layout)
    assert failed.returncode == 1
    assert "[2/2 second] FAILED after" in failed.stderr
    assert "stage says: broken on purpose" in failed.stderr
    log = layout["cache"] / "debian-arm64" / "logs" / "second.log"
    assert "broken on purpose" in log.read_text()
    assert (layout["cache"] / "debian-arm64" / "20-second.new").is_dir()  # partial output kept
    assert result(layout) == "hello + world"  # the last good output is untouched
    (layout["stages"] / "20-second" / "fail").unlink()
    assert build(layout).returncode == 0
    assert runs(layout, "first") == 1  # resumed after the cached stage


def test_bad_options_are_refused_with_a_reason(layout: dict[str, Path]) -> None:
    bad = build(layout, "--base", "ubuntu")
    assert bad.returncode == 2 and "--base must be debian or raspios, not 'ubuntu'" in bad.stderr
    unknown = build(layout, "--fast")
    assert unknown.returncode == 2 and "unknown option '--fast'" in unknown.stderr
