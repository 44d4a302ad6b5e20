"""The command line imports only the command it runs (first-boot speed on a small board)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from otpbroker import cli


@pytest.mark.parametrize(
    "argv, name",
    [
        (["serve"], "serve"),
        (["--data-dir", "/x", "factory-init"], "factory-init"),
        (["--log-level", "DEBUG", "--data-dir=/x", "config", "get"], "config"),
        (["--help"], None),
        ([], None),
        (["--data-dir", "serve"], None),  # "serve" is the option's value here
    ],
)
def test_the_command_word_is_found_after_top_level_options(argv, name):
    assert cli.command_in(argv) == name


def test_every_command_registers_under_its_own_name():
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert list(subparsers.choices) == list(cli.COMMANDS)


def test_a_single_command_parser_parses_like_the_full_one():
    args = cli.build_parser("api-user").parse_args(["api-user", "list", "--data-dir", "/d"])
    assert args.command == "api-user" and args.data_dir == "/d"


def imported_by(argv: list[str], tmp_path) -> set[str]:
    """Modules loaded by running ``otp-broker ARGV`` in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from otpbroker import cli\n"
        "try:\n"
        "    cli.main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, "--data-dir", str(tmp_path), *argv],
                          capture_output=True, text=True, check=True, cwd=tmp_path)  # fmt: skip
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_factory_init_does_not_import_the_broker(tmp_path):
    loaded = imported_by(["factory-init", "--help"], tmp_path)
    assert "otpbroker.subcommands.factory_init" in loaded
    for heavy in ("otpbroker.bootstrap", "otpbroker.subcommands.serve", "pika", "paho", "bottle"):
        assert heavy not in loaded, f"factory-init imported {heavy}"


def test_help_without_a_command_lists_every_command(tmp_path):
    loaded = imported_by(["--help"], tmp_path)
    assert set(cli.COMMANDS.values()) <= loaded


def test_the_broker_loads_feeder_and_brochure_libraries_only_when_used():
    code = "import json, sys\nimport otpbroker.bootstrap\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    for library in ("pika", "paho", "websocket", "qrcode", "PIL"):
        assert library not in loaded, f"importing the broker loaded {library}"
    from otpbroker.feeders import registry

    feeder = registry.on_first_use("otpbroker.feeders.amqp", "probe")
    assert feeder.__name__ == "probe" and callable(feeder)
