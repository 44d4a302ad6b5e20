"""The REST benchmark's credential-cache figures: the cache-off run counts one scrypt
verification per request, and refuses to give a figure when the cache answered instead."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "bench"))

import bench_api


def args(requests: int) -> argparse.Namespace:
    return argparse.Namespace(auth_off_messages=requests, clients=2)


def test_cache_off_counts_one_verification_per_request(tmp_path):
    figures = bench_api.bench_auth_off(tmp_path, args(3))
    assert figures["auth_off"] > 0
    assert figures["auth_off_n"] > 0
    assert 1 <= figures["auth_off_n_verifications"] <= 3


def test_cache_off_refuses_to_print_when_the_cache_answered(tmp_path):
    with pytest.raises(SystemExit, match=r"1 scrypt verifications for 3 requests.*refusing"):
        bench_api.bench_auth_off(tmp_path, args(3), cache_seconds=300)
