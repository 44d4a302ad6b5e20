"""The system's usb-modeswitch data for one vendor:product, turned into usb_modeswitch flags.

Debian's usb-modeswitch-data ships one small file per storage-mode id, named
``vvvv:pppp`` (some with a ``:uMa=``/``:uPr=``/``:uSe=`` suffix that must appear in the
device's manufacturer / product / serial string, spaces written as ``_``), inside
``/usr/share/usb_modeswitch/configPack.tar.gz``; a file of the same name in
``/etc/usb_modeswitch.d`` wins. Each holds ``Key=value`` lines. Only the keys that select a
switching method are turned into flags, from an allowlist; the ``Target*`` keys only say
what the device becomes and are not needed. Any other key refuses the whole file.
"""

from __future__ import annotations

import re
import tarfile

from otpbroker.privileged.environment import HelperEnvironment

LOCAL_DIR = "/etc/usb_modeswitch.d"
PACK = "/usr/share/usb_modeswitch/configPack.tar.gz"
MAX_CONFIG_BYTES = 4096

SWITCHES = {
    "StandardEject": "-K", "HuaweiMode": "-H", "HuaweiNewMode": "-J", "HuaweiAltMode": "-X",
    "SierraMode": "-S", "SonyMode": "-O", "GCTMode": "-G", "SequansMode": "-N",
    "MobileActionMode": "-A", "KobilMode": "-T", "CiscoMode": "-L", "QisdaMode": "-B",
    "QuantaMode": "-E", "BlackberryMode": "-Z", "OptionMode": "-U", "DetachStorageOnly": "-d",
    "ResetUSB": "-R",
}  # fmt: skip
HEX_MESSAGE = r"(?:[0-9a-fA-F]{2}){1,512}"
ENDPOINT = r"(?:0x)?[0-9a-fA-F]{1,2}"
SMALL_NUMBER = r"[0-9]{1,5}"
VALUES = {
    "MessageContent": ("-M", HEX_MESSAGE), "MessageContent2": ("-2", HEX_MESSAGE),
    "MessageContent3": ("-3", HEX_MESSAGE), "MessageEndpoint": ("-m", ENDPOINT),
    "ResponseEndpoint": ("-r", ENDPOINT), "Configuration": ("-u", SMALL_NUMBER),
    "Interface": ("-i", SMALL_NUMBER), "ReleaseDelay": ("-w", SMALL_NUMBER),
    "PantechMode": ("-F", SMALL_NUMBER),
}  # fmt: skip
IGNORED = frozenset({
    "TargetVendor", "TargetProduct", "TargetProductList", "TargetClass", "NeedResponse",
    "CheckSuccess", "WaitBefore", "NoDriverLoading", "InquireDevice", "DefaultVendor",
    "DefaultProduct", "NoMBIMCheck",
})  # fmt: skip
SUFFIX = re.compile(r":(uMa|uPr|uSe)=(.+)")
SUFFIX_FIELDS = {"uMa": "manufacturer", "uPr": "product", "uSe": "serial"}


def _local(env: HelperEnvironment, name: str) -> str | None:
    path = env.path(LOCAL_DIR) / name
    if not path.is_file():
        return None
    data = path.read_bytes()[: MAX_CONFIG_BYTES + 1]
    return _text(data, str(path))


def _text(data: bytes, where: str) -> str:
    if len(data) > MAX_CONFIG_BYTES:
        raise ValueError(f"usb_modeswitch configuration {where} is larger than {MAX_CONFIG_BYTES}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"usb_modeswitch configuration {where} is not text") from None


def _matches(suffix: str, strings: dict[str, str]) -> bool:
    found = SUFFIX.fullmatch(suffix)
    if found is None:
        return False  # SCSI inquiry variants (sVe=, sMo=) need the disc asked: not done here
    value = strings.get(SUFFIX_FIELDS[found.group(1)], "").replace(" ", "_")
    return found.group(2) in value


def _packed(env: HelperEnvironment, key: str, strings: dict[str, str]) -> tuple[str, str] | None:
    pack = env.path(PACK)
    if not pack.is_file():
        return None
    try:
        with tarfile.open(pack, "r:gz") as archive:
            members = {m.name: m for m in archive.getmembers() if m.isfile()}
            name = _member(key, list(members), strings)
            if name is None:
                return None
            handle = archive.extractfile(members[name])
            data = handle.read(MAX_CONFIG_BYTES + 1) if handle is not None else b""
    except (OSError, tarfile.TarError) as exc:
        raise ValueError(f"cannot read {PACK}: {exc}") from None
    return name, _text(data, f"{PACK}:{name}")


def _member(key: str, names: list[str], strings: dict[str, str]) -> str | None:
    """``key`` itself, else the first ``key:uMa=...`` variant the device's strings match."""
    if key in names:
        return key
    prefix = key + ":"
    variants = [n for n in names if n.startswith(prefix) and _matches(n[len(key) :], strings)]
    return min(variants) if variants else None


def find_config(env: HelperEnvironment, vendor: str, product: str,
                strings: dict[str, str]) -> tuple[str, str]:  # fmt: skip
    """``(name, text)`` of the configuration for ``vendor:product``; ValueError when none."""
    key = f"{vendor}:{product}"
    local = _local(env, key)
    if local is not None:
        return f"{LOCAL_DIR}/{key}", local
    packed = _packed(env, key, strings)
    if packed is not None:
        return packed
    raise ValueError(
        f"no usb_modeswitch configuration for {key} in {LOCAL_DIR} or {PACK}: it is not a "
        "known storage-mode (CD-ROM) modem id; nothing was changed"
    )


def flags(name: str, text: str) -> list[str]:
    """usb_modeswitch flags for the configuration ``text``; ValueError for a key not allowed."""
    result: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, equals, value = (part.strip() for part in line.partition("="))
        value = value.strip('"').strip()
        if not equals:
            raise ValueError(f"usb_modeswitch configuration {name} line {number} is not Key=value")
        if key in SWITCHES:
            if value not in ("0", "1"):
                raise ValueError(f"{name} line {number}: {key} must be 0 or 1")
            result.extend([SWITCHES[key]] if value == "1" else [])
        elif key in VALUES:
            flag, pattern = VALUES[key]
            if re.fullmatch(pattern, value) is None:
                raise ValueError(f"{name} line {number}: {key} has a value that is not allowed")
            result.extend([flag, value])
        elif key not in IGNORED:
            raise ValueError(f"{name} line {number}: key {key[:30]!r} is not allowed")
    if not result:
        raise ValueError(f"usb_modeswitch configuration {name} names no switching method")
    return result


def switch_flags(env: HelperEnvironment, vendor: str, product: str,
                 strings: dict[str, str]) -> tuple[str, list[str]]:  # fmt: skip
    """The configuration's name and the usb_modeswitch flags for this device."""
    name, text = find_config(env, vendor, product, strings)
    return name, flags(name, text)


__all__ = ["find_config", "flags", "switch_flags"]
