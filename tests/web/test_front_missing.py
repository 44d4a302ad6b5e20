"""Without haproxy the broker does not serve: ``serve`` stops at once with a clear message."""

from __future__ import annotations

from otpbroker import cli
from otpbroker.system import haproxy_front


def test_serve_refuses_to_start_without_haproxy(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(haproxy_front.shutil, "which", lambda *args, **kwargs: None)
    code = cli.main(["--data-dir", str(tmp_path / "data"), "serve", "--http-port", "0"])
    assert code == 1
    error = capsys.readouterr().err
    assert "haproxy is not installed" in error and "apt-get install haproxy" in error
    assert not (tmp_path / "data").exists()  # nothing was started or created
