"""USB layouts of the emulated personalities: how each modem family enumerates on USB.

A layout is what the kernel would show in ``/sys/bus/usb/devices`` for one mode of a stick:
vendor and product id, the iManufacturer / iProduct / iSerial strings, and every interface
with its number, class triple, the driver that binds it and what the port is for (``role``).
Tests build fake sysfs trees from these to check the driver's port discovery; the emulator
itself needs none of it. Nothing here comes from the driver (contract
``emulator-independent``): the driver keeps its own table in ``modem/usb_models.py``.

Sources (read, then written here in our own words and numbers):

- ModemManager 1.22 port-type rules: ``77-mm-quectel-port-types.rules`` (EC25/EG25
  ``2c7c:0125``: if0 QCDM, if1 GPS, if2 primary AT, if3 secondary AT),
  ``77-mm-simtech-port-types.rules`` (``1e0e:9001``: if0 QCDM, if1 GPS, if2 primary AT,
  if3 secondary, if4 audio; ``1e0e:9011``: if4 primary AT, if5 PPP),
  ``77-mm-zte-port-types.rules`` (``19d2:1268``: if3 primary, if1 secondary),
  ``77-mm-huawei-net-port-types.rules`` (vendor class ff: protocol 01 modem/PPP, 02 the
  PCUI primary AT port).
- Huawei E3131 / E3372 ``AT^SETPORT=?`` function list (1 MODEM, 2 PCUI, 3 DIAG, 16 NCM)
  and usb-modeswitch-data 20191128 (``12d1:15ca`` -> ``12d1:1506`` stick firmware,
  ``12d1:1f01`` -> ``12d1:14db``/``14dc`` HiLink firmware, ``19d2:1232`` -> ``19d2:1268``).
- Quectel EC25 & EG25 USB interface notes (Quectel Linux USB driver user guide V2.x):
  DIAG, NMEA, AT, PPP serial functions on the ``option`` driver, QMI net on ``qmi_wwan``.
- SIMCom SIM7500/SIM7600 series Linux USB user guide V2.0 (PID 9001 layout, PID 9011 RNDIS).
- A typical CDC ACM modem (Telit HE910 style, ``1bc7:0021``): several ACM functions, each a
  communication interface (class 02/02/01, "AT commands") with its data interface; the
  first carries AT. Our driver's table does not list it, so discovery has to ask.
- USB-UART bridge datasheets (FTDI FT232R, WCH CH340, Prolific PL2303, Silicon Labs CP2102):
  one vendor-class interface, one tty, no modem logic of its own (SIM800 modules sit behind
  one of these on breakout boards; SIM800 Hardware Design V1.09).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SERIAL_DRIVERS = frozenset({"option", "qcserial", "ftdi_sio", "ch341", "pl2303", "cp210x"})
"""usb-serial drivers: their tty (``ttyUSBn``) sits under a port device of the interface."""
ACM_DRIVER = "cdc_acm"
"""CDC ACM: the tty (``ttyACMn``) sits on the communication interface."""
NET_DRIVERS = frozenset({"qmi_wwan", "cdc_ether", "cdc_ncm", "huawei_cdc_ncm", "rndis_host"})
STORAGE_DRIVER = "usb-storage"
ROLES = ("at", "at-secondary", "modem", "diag", "gps", "audio", "net", "data", "storage")
MODES = ("modem", "cdrom", "hilink")


@dataclass(frozen=True)
class UsbInterface:
    """One interface: number, class triple (hex, as sysfs shows it), driver and role."""

    number: int
    driver: str
    role: str
    klass: str = "ff"
    subclass: str = "ff"
    protocol: str = "ff"

    def __post_init__(self) -> None:
        """Refuse roles the tests would not know how to build."""
        if self.role not in ROLES:
            raise ValueError(f"unknown interface role {self.role!r}")

    @property
    def has_tty(self) -> bool:
        """True when the kernel makes a tty for this interface."""
        return self.driver in SERIAL_DRIVERS or (self.driver == ACM_DRIVER and self.klass == "02")

    @property
    def has_net(self) -> bool:
        """True when the kernel makes a network interface for it (on the control half)."""
        return self.driver in NET_DRIVERS and self.role == "net"


@dataclass(frozen=True)
class UsbLayout:
    """One mode of one stick as the USB bus sees it."""

    name: str
    mode: str
    vendor_id: str
    product_id: str
    manufacturer: str
    product: str
    serial: str
    interfaces: tuple[UsbInterface, ...]

    def __post_init__(self) -> None:
        """Refuse unknown modes and repeated interface numbers."""
        if self.mode not in MODES:
            raise ValueError(f"unknown USB mode {self.mode!r}")
        numbers = [i.number for i in self.interfaces]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"layout {self.name}: an interface number is repeated")

    @property
    def vid_pid(self) -> str:
        """``2c7c:0125``."""
        return f"{self.vendor_id}:{self.product_id}"

    @property
    def at_interface(self) -> int | None:
        """The interface that carries the primary AT port (None: there is none)."""
        for interface in self.interfaces:
            if interface.role == "at":
                return interface.number
        return None


def _if(number: int, driver: str, role: str, triple: str = "ff/ff/ff") -> UsbInterface:
    klass, subclass, protocol = triple.split("/")
    return UsbInterface(number, driver, role, klass, subclass, protocol)


def _cdrom(vid_pid: str, maker: str, product: str, serial: str = "") -> UsbLayout:
    vendor, product_id = vid_pid.split(":")
    storage = (_if(0, STORAGE_DRIVER, "storage", "08/06/50"),)
    return UsbLayout("cdrom", "cdrom", vendor, product_id, maker, product, serial, storage)


QUECTEL_EC25 = UsbLayout(
    "modem", "modem", "2c7c", "0125", "Quectel", "EC25-EUX", "0123456789ABCDEF",
    (_if(0, "option", "diag"), _if(1, "option", "gps", "ff/00/00"),
     _if(2, "option", "at", "ff/00/00"), _if(3, "option", "modem", "ff/00/00"),
     _if(4, "qmi_wwan", "net")),
)  # fmt: skip
SIMCOM_SIM7600 = UsbLayout(
    "modem", "modem", "1e0e", "9001", "SimTech, Incorporated", "SimTech, Incorporated",
    "0123456789ABCDEF",
    (_if(0, "option", "diag"), _if(1, "option", "gps"), _if(2, "option", "at"),
     _if(3, "option", "at-secondary"), _if(4, "option", "audio"), _if(5, "qmi_wwan", "net")),
)  # fmt: skip
SIMCOM_SIM7600_RNDIS = UsbLayout(
    "rndis", "modem", "1e0e", "9011", "SimTech, Incorporated", "SimTech, Incorporated",
    "0123456789ABCDEF",
    (_if(0, "rndis_host", "net", "e0/01/03"), _if(1, "rndis_host", "data", "0a/00/00"),
     _if(2, "option", "diag"), _if(3, "option", "gps"), _if(4, "option", "at"),
     _if(5, "option", "modem"), _if(6, "option", "audio")),
)  # fmt: skip
ZTE_MF667 = UsbLayout(
    "modem", "modem", "19d2", "1268", "ZTE,Incorporated", "ZTE WCDMA Technologies MSM",
    "MF6670ZTED010000",
    (_if(0, "option", "diag"), _if(1, "option", "at-secondary"), _if(2, "option", "modem"),
     _if(3, "option", "at"), _if(4, "qmi_wwan", "net"),
     _if(5, STORAGE_DRIVER, "storage", "08/06/50")),
)  # fmt: skip
HUAWEI_E3131_STICK = UsbLayout(
    "modem", "modem", "12d1", "1506", "HUAWEI", "HUAWEI Mobile", "",
    (_if(0, "option", "modem", "ff/02/01"), _if(1, "option", "diag", "ff/02/03"),
     _if(2, "option", "at", "ff/02/02"), _if(3, "huawei_cdc_ncm", "net", "ff/02/16"),
     _if(4, STORAGE_DRIVER, "storage", "08/06/50"),
     _if(5, STORAGE_DRIVER, "storage", "08/06/50")),
)  # fmt: skip
HUAWEI_E3131_HILINK = UsbLayout(
    "hilink", "hilink", "12d1", "14db", "HUAWEI", "HUAWEI_MOBILE", "",
    (_if(0, "cdc_ether", "net", "02/06/00"), _if(1, "cdc_ether", "data", "0a/06/50"),
     _if(2, STORAGE_DRIVER, "storage", "08/06/50")),
)  # fmt: skip
ACM_MODEM = UsbLayout(
    "cdc-acm", "modem", "1bc7", "0021", "Telit", "HE910", "",
    (_if(0, "cdc_acm", "at", "02/02/01"), _if(1, "cdc_acm", "data", "0a/00/00"),
     _if(2, "cdc_acm", "at-secondary", "02/02/01"), _if(3, "cdc_acm", "data", "0a/00/00"),
     _if(4, "cdc_acm", "gps", "02/02/01"), _if(5, "cdc_acm", "data", "0a/00/00")),
)  # fmt: skip


def _bridge(name: str, vid_pid: str, driver: str, maker: str, product: str, serial: str,
            triple: str) -> UsbLayout:  # fmt: skip
    vendor, product_id = vid_pid.split(":")
    return UsbLayout(name, "modem", vendor, product_id, maker, product, serial,
                     (_if(0, driver, "at", triple),))  # fmt: skip


FTDI_FT232R = _bridge("ftdi", "0403:6001", "ftdi_sio", "FTDI", "FT232R USB UART", "A50285BI",
                      "ff/ff/ff")  # fmt: skip
CH340 = _bridge("ch340", "1a86:7523", "ch341", "", "USB2.0-Serial", "", "ff/01/02")
PL2303 = _bridge("pl2303", "067b:2303", "pl2303", "Prolific Technology Inc.",
                 "USB-Serial Controller", "", "ff/00/00")  # fmt: skip
CP2102 = _bridge("cp2102", "10c4:ea60", "cp210x", "Silicon Labs",
                 "CP2102 USB to UART Bridge Controller", "0001", "ff/00/00")  # fmt: skip
HUAWEI_HILINK_CDROM = replace(_cdrom("12d1:1f01", "HUAWEI", "HUAWEI HiLink"), name="hilink-cdrom")
ZTE_MF667_CDROM = _cdrom("19d2:1232", "ZTE,Incorporated", "ZTE WCDMA Technologies MSM",
                         "MF6670ZTED010000")  # fmt: skip

PERSONALITIES: dict[str, tuple[UsbLayout, ...]] = {
    "generic": (ACM_MODEM, FTDI_FT232R, PL2303, CP2102),
    "huawei-e3131": (
        HUAWEI_E3131_STICK,
        _cdrom("12d1:15ca", "HUAWEI", "HUAWEI Mobile"),
        HUAWEI_E3131_HILINK,
        HUAWEI_HILINK_CDROM,
    ),
    "zte-mf667": (ZTE_MF667, ZTE_MF667_CDROM),
    "quectel-ec25": (QUECTEL_EC25,),
    "simcom-sim7600": (SIMCOM_SIM7600, SIMCOM_SIM7600_RNDIS),
    "simcom-sim800": (CH340, FTDI_FT232R),
}
"""Every layout of each personality, the usual modem-mode one first."""


def layouts(profile: str) -> tuple[UsbLayout, ...]:
    """Every USB layout of the personality ``profile`` (KeyError names the known ones)."""
    try:
        return PERSONALITIES[profile]
    except KeyError:
        known = ", ".join(PERSONALITIES)
        raise KeyError(f"no USB layout for profile {profile!r}; known: {known}") from None


def modem_layout(profile: str) -> UsbLayout:
    """The usual modem-mode layout of ``profile`` (the one with the AT port)."""
    return layouts(profile)[0]


def layout(profile: str, name: str) -> UsbLayout:
    """The layout called ``name`` (``modem``, ``cdrom``, ``hilink``, ``ftdi``...) of ``profile``."""
    for candidate in layouts(profile):
        if candidate.name == name:
            return candidate
    names = ", ".join(c.name for c in layouts(profile))
    raise KeyError(f"profile {profile!r} has no layout {name!r}; it has: {names}")


__all__ = [
    "PERSONALITIES",
    "UsbInterface",
    "UsbLayout",
    "layout",
    "layouts",
    "modem_layout",
]
