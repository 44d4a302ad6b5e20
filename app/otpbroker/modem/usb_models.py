"""Which USB interface of a known modem carries its AT port: our own table, by vendor:product.

A modem stick shows several serial ports; only one is the primary AT port (the one that
carries the unsolicited lines such as ``+CMTI`` and ``+CDS``), the others are a PPP data
port, a DIAG port, an NMEA GPS port, audio. Which is which depends on the vendor and the
product id, not on the order of ``ttyUSBn``. This table says it for the families people
buy; anything else is asked with a short ``AT`` by the discovery.

Sources (read, written down here in our own words and numbers; checked against each other):
ModemManager 1.22's public port-type rules (``77-mm-quectel-port-types.rules``,
``77-mm-simtech-port-types.rules``, ``77-mm-zte-port-types.rules``,
``77-mm-huawei-net-port-types.rules``); the Quectel EC25/EG25 and SIMCom SIM7600 Linux USB
user guides (interface functions); Huawei's ``AT^SETPORT`` function numbers (1 modem,
2 PCUI, 3 DIAG); usb-modeswitch-data 20191128 (the storage-mode ids and where they switch
to); the USB-UART bridge makers' product ids (FTDI, WCH, Prolific, Silicon Labs).
"""

from __future__ import annotations

from dataclasses import dataclass

HUAWEI = "12d1"
HUAWEI_PROTOCOL_ROLES = {
    "01": "modem", "10": "modem", "02": "at", "12": "at", "03": "diag", "13": "diag",
    "05": "gps", "14": "gps",
}  # fmt: skip
"""Huawei sticks mark their vendor-class (ff) serial interfaces by protocol: the PCUI
(02, or 12 on newer firmware) is the AT port that carries unsolicited lines."""
NET_DRIVERS = frozenset({"qmi_wwan", "cdc_ether", "cdc_ncm", "huawei_cdc_ncm", "rndis_host",
                         "cdc_mbim"})  # fmt: skip
HILINK_DRIVERS = frozenset({"cdc_ether", "cdc_ncm", "huawei_cdc_ncm", "rndis_host"})


@dataclass(frozen=True)
class UsbModel:
    """What we know of one vendor:product.

    ``kind``: ``modem`` (serial AT port at interface ``at``), ``bridge`` (a USB-UART
    adapter: one port per channel, a modem may be behind it), ``cdrom`` (a modem still in
    storage mode), ``hilink`` (a router-on-a-stick: network interface and web UI, no AT).
    ``by_class``: roles come from the interfaces' class triples (Huawei), not numbers.
    """

    family: str
    kind: str
    at: int | None = None
    secondary: tuple[int, ...] = ()
    modem: tuple[int, ...] = ()
    diag: tuple[int, ...] = ()
    gps: tuple[int, ...] = ()
    audio: tuple[int, ...] = ()
    web_ui: str = ""
    by_class: bool = False

    def role(self, number: int) -> str | None:
        """The role of interface ``number`` by this table (None: not listed)."""
        if number == self.at:
            return "at"
        roles = {"at-secondary": self.secondary, "modem": self.modem, "diag": self.diag,
                 "gps": self.gps, "audio": self.audio}  # fmt: skip
        return next((role for role, numbers in roles.items() if number in numbers), None)


def _quectel(family: str) -> UsbModel:
    return UsbModel(family, "modem", at=2, modem=(3,), diag=(0,), gps=(1,))


def _zte(family: str, at: int, secondary: int) -> UsbModel:
    return UsbModel(family, "modem", at=at, secondary=(secondary,))


def _huawei(family: str, at: int, modem: int = 0, diag: tuple[int, ...] = ()) -> UsbModel:
    return UsbModel(family, "modem", at=at, modem=(modem,), diag=diag)


HUAWEI_CDROM = UsbModel("Huawei modem in CD-ROM mode", "cdrom")
ZTE_CDROM = UsbModel("ZTE modem in CD-ROM mode", "cdrom")

MODELS: dict[str, UsbModel] = {
    # Quectel (every 2c7c id below shares one layout: DIAG, NMEA, AT, PPP, then QMI net)
    "2c7c:0125": _quectel("Quectel EC25/EG25"),
    "2c7c:0121": _quectel("Quectel EC21"),
    "2c7c:0191": _quectel("Quectel EG91"),
    "2c7c:0195": _quectel("Quectel EG95"),
    "2c7c:0296": _quectel("Quectel BG96"),
    "2c7c:0306": _quectel("Quectel EG06/EP06"),
    "2c7c:0512": _quectel("Quectel EG12/EM12"),
    "2c7c:0800": _quectel("Quectel RM500"),
    # SIMCom
    "1e0e:9001": UsbModel("SIMCom SIM7000/SIM7100/SIM7600", "modem", at=2, secondary=(3,),
                          diag=(0,), gps=(1,), audio=(4,)),
    "1e0e:9011": UsbModel("SIMCom SIM7600 (RNDIS) / A7600", "modem", at=4, modem=(5,),
                          diag=(2,), gps=(3,), audio=(6,)),
    "1e0e:9205": UsbModel("SIMCom SIM7070/SIM7080", "modem", at=2, modem=(3,), diag=(0,),
                          gps=(1,)),
    # Huawei sticks with serial ports: modem (PPP), DIAG, PCUI (the AT port with URCs)
    "12d1:1001": _huawei("Huawei E1550/E169 family", at=2, diag=(1,)),
    "12d1:1003": _huawei("Huawei E220/E270", at=1),
    "12d1:1506": _huawei("Huawei E3131/E3372 (stick firmware)", at=2, diag=(1,)),
    "12d1:1c05": _huawei("Huawei E173s", at=2, diag=(1,)),
    # Huawei in storage mode (usb_modeswitch switches these)
    "12d1:1f01": HUAWEI_CDROM,
    "12d1:15ca": HUAWEI_CDROM,
    "12d1:14fe": HUAWEI_CDROM,
    "12d1:1446": HUAWEI_CDROM,
    "12d1:157d": HUAWEI_CDROM,
    "12d1:15cd": HUAWEI_CDROM,
    "12d1:15cf": HUAWEI_CDROM,
    # Huawei HiLink firmware: a network card with its own router and web UI, no AT port
    "12d1:14db": UsbModel("Huawei E3131/E303 HiLink", "hilink", web_ui="192.168.8.1"),
    "12d1:14dc": UsbModel("Huawei E3372h HiLink", "hilink", web_ui="192.168.8.1"),
    # ZTE: the AT interface differs per product id
    "19d2:0016": _zte("ZTE MF110/MF190 family", at=2, secondary=1),
    "19d2:0017": _zte("ZTE MF100/MF110 family", at=2, secondary=1),
    "19d2:0031": _zte("ZTE MF110/MF112/MF626", at=3, secondary=1),
    "19d2:0117": _zte("ZTE MF112", at=2, secondary=1),
    "19d2:1268": UsbModel("ZTE MF667/MF190 family", "modem", at=3, secondary=(1,),
                          modem=(2,), diag=(0,)),
    "19d2:2002": _zte("ZTE K3765-Z", at=3, secondary=1),
    "19d2:2003": _zte("ZTE MF180", at=3, secondary=1),
    "19d2:2000": ZTE_CDROM,
    "19d2:1225": ZTE_CDROM,
    "19d2:1232": ZTE_CDROM,
    "19d2:1233": ZTE_CDROM,
    "19d2:0166": ZTE_CDROM,
    "19d2:1405": UsbModel("ZTE MF667/MF668 (web-UI firmware)", "hilink", web_ui="192.168.0.1"),
    # USB-UART bridges (a SIM800 or similar module behind them): every port is a candidate
    "0403:6001": UsbModel("USB serial adapter", "bridge"),  # FTDI FT232R/FT232BM
    "0403:6010": UsbModel("USB serial adapter", "bridge"),  # FTDI FT2232
    "0403:6011": UsbModel("USB serial adapter", "bridge"),  # FTDI FT4232
    "0403:6014": UsbModel("USB serial adapter", "bridge"),  # FTDI FT232H
    "0403:6015": UsbModel("USB serial adapter", "bridge"),  # FTDI FT231X
    "1a86:7523": UsbModel("USB serial adapter", "bridge"),  # WCH CH340
    "1a86:5523": UsbModel("USB serial adapter", "bridge"),  # WCH CH341
    "1a86:55d4": UsbModel("USB serial adapter", "bridge"),  # WCH CH9102
    "067b:2303": UsbModel("USB serial adapter", "bridge"),  # Prolific PL2303
    "067b:23a3": UsbModel("USB serial adapter", "bridge"),  # Prolific PL2303GC
    "10c4:ea60": UsbModel("USB serial adapter", "bridge"),  # Silicon Labs CP210x
    "10c4:ea70": UsbModel("USB serial adapter", "bridge"),  # Silicon Labs CP2105
}  # fmt: skip
"""Exact vendor:product ids."""

VENDORS: dict[str, UsbModel] = {
    "2c7c": _quectel("Quectel LTE module"),
    HUAWEI: UsbModel("Huawei modem", "modem", by_class=True),
}
"""Whole vendors whose other ids follow one rule (Quectel's layout, Huawei's class codes)."""


def lookup(vendor_id: str, product_id: str) -> UsbModel | None:
    """What the table says of ``vendor_id:product_id`` (lower-case hex), or None."""
    exact = MODELS.get(f"{vendor_id}:{product_id}")
    if exact is not None:
        return exact
    return VENDORS.get(vendor_id)


def class_role(klass: str, subclass: str, protocol: str) -> str | None:
    """A Huawei serial interface's role from its class triple (None: not a known one)."""
    if klass != "ff" or subclass not in ("01", "02", "03"):
        return None
    return HUAWEI_PROTOCOL_ROLES.get(protocol)


__all__ = ["MODELS", "VENDORS", "UsbModel", "class_role", "lookup"]
