"""Checks of a staged file before it is installed: the real tool where one exists, and
always a strict structural check (allowed keys, sections and options only).

The structural checks are allowlists on purpose: dnsmasq, pppd and nft can all be told to
run programs or read arbitrary files, so only what the app actually generates passes.
Each check raises ValueError with a precise message, naming the line.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

DNSMASQ = "/usr/sbin/dnsmasq"
NFT = "/usr/sbin/nft"
TOOL_TIMEOUT = 30.0

HOSTAPD_KEYS = frozenset({
    "interface", "driver", "ssid", "utf8_ssid", "country_code", "ieee80211d", "ieee80211n",
    "hw_mode", "channel", "wmm_enabled", "auth_algs", "ignore_broadcast_ssid", "wpa",
    "wpa_key_mgmt", "rsn_pairwise", "wpa_pairwise", "wpa_passphrase", "macaddr_acl",
    "beacon_int", "dtim_period", "max_num_sta",
})  # fmt: skip
DNSMASQ_KEYS = frozenset({
    "interface", "bind-interfaces", "domain-needed", "bogus-priv", "dhcp-authoritative",
    "dhcp-range", "dhcp-option", "no-dhcp-interface", "listen-address", "except-interface",
    "no-resolv", "server", "domain", "local", "expand-hosts", "cache-size", "dhcp-lease-max",
})  # fmt: skip
NETWORKD_KEYS = {
    "Match": frozenset({"Name", "Type", "MACAddress"}),
    "Network": frozenset(
        {
            "DHCP",
            "Address",
            "Gateway",
            "DNS",
            "Domains",
            "LinkLocalAddressing",
            "IPv6AcceptRA",
            "ConfigureWithoutCarrier",
            "IgnoreCarrierLoss",
            "IPForward",
            "IPMasquerade",
        }
    ),
    "DHCPv4": frozenset({"RouteMetric", "UseDNS", "UseDomains", "ClientIdentifier"}),
    "Link": frozenset({"RequiredForOnline", "MTUBytes"}),
}
PPP_FLAGS = frozenset({
    "noauth", "defaultroute", "usepeerdns", "persist", "noipdefault", "lock", "nolock",
    "crtscts", "nocrtscts", "local", "modem", "hide-password", "novj", "novjccomp", "noccp",
    "nobsdcomp", "nodeflate", "nopcomp", "noaccomp", "debug", "ipcp-accept-local",
    "ipcp-accept-remote", "noipv6", "nomagic", "passive", "silent",
})  # fmt: skip
PPP_NUMBERS = frozenset({
    "maxfail", "holdoff", "lcp-echo-interval", "lcp-echo-failure", "mtu", "mru", "unit",
    "connect-delay", "idle",
})  # fmt: skip
PPP_WORDS = {
    "ifname": re.compile(r"[A-Za-z0-9_.-]{1,15}"),
    "linkname": re.compile(r"[A-Za-z0-9_.-]{1,32}"),
    "ipparam": re.compile(r"[A-Za-z0-9_.-]{1,32}"),
    "remotename": re.compile(r"[A-Za-z0-9_.@-]{1,64}"),
    "user": re.compile(r"[\x20-\x7e]{0,128}"),
    "password": re.compile(r"[\x20-\x7e]{0,128}"),
    "logfile": re.compile(r"/run/otp-broker/ppp-[a-z0-9-]{1,11}\.log"),
}
PPP_DEVICE = re.compile(r"/dev/[A-Za-z0-9_.:/-]{1,100}")
PPP_CONNECT = re.compile(
    r"/usr/sbin/chat(?: -v)?(?: -t [0-9]{1,3})?(?: -v)? -f /etc/chatscripts/[a-z0-9-]{1,15}"
)
NFT_INCLUDE = re.compile(r"^\s*include\b", re.MULTILINE)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of every line that is not blank or a ``#`` comment."""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped


def check_characters(text: str, what: str) -> None:
    """Refuse NUL, carriage returns and other control characters (tab and newline are fine)."""
    for number, line in enumerate(text.split("\n"), start=1):
        for char in line:
            if (ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F:
                raise ValueError(
                    f"{what} line {number} contains control character U+{ord(char):04X}"
                )


def _key_value(text: str, what: str, allowed: frozenset[str], bare_ok: bool) -> set[str]:
    keys = set()
    for number, line in _lines(text):
        key, equals, _value = line.partition("=")
        key = key.strip()
        if not equals and not bare_ok:
            raise ValueError(f"{what} line {number} is not key=value: {line[:60]!r}")
        if key not in allowed:
            raise ValueError(f"{what} line {number}: option {key[:40]!r} is not allowed")
        keys.add(key)
    return keys


def check_hostapd(text: str) -> None:
    """hostapd.conf: known keys only, interface and ssid present."""
    keys = _key_value(text, "hostapd.conf", HOSTAPD_KEYS, bare_ok=False)
    for needed in ("interface", "ssid"):
        if needed not in keys:
            raise ValueError(f"hostapd.conf has no {needed}= line")


def check_dnsmasq(text: str) -> None:
    """dnsmasq: known options only (no dhcp-script, conf-file and such)."""
    _key_value(text, "dnsmasq config", DNSMASQ_KEYS, bare_ok=True)


def check_networkd(text: str) -> None:
    """A .network file: known sections and keys, a [Match] section with Name=."""
    section = ""
    seen: dict[str, set[str]] = {}
    for number, line in _lines(text):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            if section not in NETWORKD_KEYS:
                raise ValueError(f".network line {number}: section [{section[:30]}] is not allowed")
            seen.setdefault(section, set())
            continue
        if not section:
            raise ValueError(f".network line {number} comes before any [Section]")
        key, equals, _value = line.partition("=")
        if not equals or key.strip() not in NETWORKD_KEYS[section]:
            name = key.strip()[:40]
            raise ValueError(f".network line {number}: {name!r} is not allowed in [{section}]")
        seen[section].add(key.strip())
    if "Name" not in seen.get("Match", set()):
        raise ValueError(".network file has no [Match] Name= line")


def ppp_words(text: str) -> list[str]:
    """The words of a pppd options file: whitespace separated, ``#`` comments, and
    double-quoted words with backslash escapes."""
    words: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
        elif char == '"':
            word, index = _quoted(text, index + 1)
            words.append(word)
        else:
            start = index
            while index < len(text) and not text[index].isspace() and text[index] not in '"#':
                index += 1
            words.append(text[start:index])
    return words


def _quoted(text: str, index: int) -> tuple[str, int]:
    out = []
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            out.append(text[index + 1])
            index += 2
        elif char == '"':
            return "".join(out), index + 1
        elif char == "\n":
            break
        else:
            out.append(char)
            index += 1
    raise ValueError("ppp peer file has an unterminated quoted word")


def check_ppp_peer(text: str) -> None:
    """A pppd peers file: allowed options only; ``connect`` only runs chat on a chatscript."""
    words = ppp_words(text)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word in PPP_FLAGS or PPP_DEVICE.fullmatch(word) or re.fullmatch(r"[0-9]{3,7}", word):
            continue
        if word not in PPP_NUMBERS and word not in PPP_WORDS and word != "connect":
            raise ValueError(f"ppp peer option {word[:40]!r} is not allowed")
        if index >= len(words):
            raise ValueError(f"ppp peer option {word!r} needs a value")
        value = words[index]
        index += 1
        if word == "connect":
            if not PPP_CONNECT.fullmatch(value):
                raise ValueError(
                    'ppp peer connect must be "/usr/sbin/chat -v -f /etc/chatscripts/NAME", '
                    f"got {value[:80]!r}"
                )
        elif word in PPP_NUMBERS:
            if not re.fullmatch(r"[0-9]{1,6}", value):
                raise ValueError(f"ppp peer option {word} needs a number, got {value[:20]!r}")
        elif not PPP_WORDS[word].fullmatch(value):
            raise ValueError(f"ppp peer option {word} has a value that is not allowed")


def check_ppp_chat(text: str) -> None:
    """A chat script: printable ASCII lines of at most 512 characters."""
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > 512:
            raise ValueError(f"chat script line {number} is longer than 512 characters")
        if any(not (" " <= char <= "~" or char == "\t") for char in line):
            raise ValueError(f"chat script line {number} has a character that is not printable")


def _run_tool(argv: list[str], what: str, env: dict[str, str]) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                              env=env, check=False)  # fmt: skip
    except FileNotFoundError:
        raise ValueError(f"{what}: {argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise ValueError(f"{what}: {argv[0]} did not finish in {TOOL_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        message = " ".join((done.stderr or done.stdout).split())[:400]
        raise ValueError(f"{what} refused by {Path(argv[0]).name}: {message}")


def check_dnsmasq_tool(path: Path, env: dict[str, str]) -> None:
    """``dnsmasq --test`` on the file."""
    _run_tool([DNSMASQ, "--test", f"--conf-file={path}"], "dnsmasq config", env)


def check_nftables(text: str) -> None:
    """An nftables script may not include other files."""
    if NFT_INCLUDE.search(text):
        raise ValueError("nftables script must not include other files")


def check_nftables_tool(path: Path, env: dict[str, str]) -> None:
    """``nft -c -f`` on the file (needs root)."""
    _run_tool([NFT, "-c", "-f", str(path)], "nftables ruleset", env)


STRUCTURE: dict[str, Callable[[str], None]] = {
    "hostapd": check_hostapd,
    "dnsmasq": check_dnsmasq,
    "networkd": check_networkd,
    "nftables": check_nftables,
    "ppp-peer": check_ppp_peer,
    "ppp-chat": check_ppp_chat,
}
TOOLS: dict[str, Callable[[Path, dict[str, str]], None]] = {
    "dnsmasq": check_dnsmasq_tool,
    "nftables": check_nftables_tool,
}


def check(kind: str, data: bytes, env: dict[str, str], scratch: Path) -> None:
    """Every check for a file of ``kind``; the tool sees a private copy in ``scratch``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{kind} file is not UTF-8 text (byte {exc.start})") from None
    check_characters(text, f"{kind} file")
    STRUCTURE[kind](text)
    tool = TOOLS.get(kind)
    if tool is not None:
        with tempfile.NamedTemporaryFile(dir=scratch, prefix=f"check-{kind}-") as copy:
            copy.write(data)
            copy.flush()
            tool(Path(copy.name), env)
