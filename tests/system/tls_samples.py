"""Certificates and keys for TLS tests, made with the real ``openssl`` command."""

from __future__ import annotations

import subprocess
from pathlib import Path

EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
CA_CONFIG = """[ca]
default_ca = local
[local]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
"""


def openssl(*args: object, cwd: Path | None = None) -> bytes:
    """Run openssl; fail the test with its error text when it fails."""
    done = subprocess.run(["openssl", *map(str, args)], capture_output=True, cwd=cwd, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def self_signed(folder: Path, name: str = "upload.test", days: int = 30) -> tuple[bytes, bytes]:
    """A fresh self-signed certificate and its key: (cert PEM, key PEM)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    openssl("req", "-x509", *EC, "-keyout", key, "-out", cert, "-days", days, "-subj",
            f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}")  # fmt: skip
    return cert.read_bytes(), key.read_bytes()


def expired(folder: Path, name: str = "expired.test") -> tuple[bytes, bytes]:
    """A self-signed certificate valid only during 2020, and its key."""
    work = folder / f"ca-{name}"
    work.mkdir(parents=True)
    (work / "index.txt").write_text("")
    (work / "serial").write_text("01\n")
    (work / "ca.cnf").write_text(CA_CONFIG)
    openssl("req", "-new", *EC, "-keyout", "key.pem", "-out", "req.csr", "-subj", f"/CN={name}",
            cwd=work)  # fmt: skip
    openssl("ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "key.pem", "-in",
            "req.csr", "-startdate", "20200101000000Z", "-enddate", "20210101000000Z", "-out",
            "cert.pem", "-notext", cwd=work)  # fmt: skip
    return (work / "cert.pem").read_bytes(), (work / "key.pem").read_bytes()


def signed_by_ca(folder: Path, name: str = "leaf.test") -> tuple[bytes, bytes, bytes]:
    """A leaf certificate issued by a fresh test CA: (leaf PEM, leaf key PEM, CA PEM)."""
    work = folder / f"chain-{name}"
    work.mkdir(parents=True)
    openssl("req", "-x509", *EC, "-keyout", "ca.key", "-out", "ca.crt", "-days", 30, "-subj",
            "/CN=Test Root CA", cwd=work)  # fmt: skip
    openssl("req", "-new", *EC, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", f"/CN={name}",
            cwd=work)  # fmt: skip
    (work / "ext.cnf").write_text(f"subjectAltName=DNS:{name},IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", 30, "-extfile", "ext.cnf", "-out", "leaf.crt", cwd=work)  # fmt: skip
    return tuple((work / n).read_bytes() for n in ("leaf.crt", "leaf.key", "ca.crt"))  # type: ignore[return-value]


def encrypted_key(folder: Path, key_pem: bytes) -> bytes:
    """``key_pem`` protected by a passphrase."""
    plain = folder / "plain.key"
    plain.write_bytes(key_pem)
    return openssl("pkey", "-in", plain, "-aes256", "-passout", "pass:secret-phrase")
