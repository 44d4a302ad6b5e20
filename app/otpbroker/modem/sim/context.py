"""What a command handler sees: the modem's state, profile, personality and network."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .conditions import Network
from .profile import ModemProfile
from .results import Reply, cme_error, cms_error
from .state import ModemState
from .syntax import Command

if TYPE_CHECKING:
    from .personalities.base import Personality

VISITED = ("SingTel", "52501")
"""The network a roaming modem is registered on."""
ACT = {"gsm": 0, "umts": 2, "lte": 7}
"""``<AcT>`` of ``+COPS``/``+CREG`` (3GPP TS 27.007 §7.3): GSM, UTRAN, E-UTRAN."""


@dataclass
class Context:
    """One modem as its command handlers see it (``rng`` drives the network's chance)."""

    state: ModemState
    profile: ModemProfile
    persona: Personality
    network: Network
    rng: random.Random

    def cme(self, code: int) -> Reply:
        """A ``+CME ERROR`` in the current ``AT+CMEE`` format and the vendor's texts."""
        return Reply(final=cme_error(self.state.cmee, code, self.persona.cme_text))

    def cms(self, code: int) -> Reply:
        """A ``+CMS ERROR`` in the current ``AT+CMEE`` format and the vendor's texts."""
        return Reply(final=cms_error(self.state.cmee, code, self.persona.cms_text))

    def sim_locked(self) -> Reply | None:
        """The error a SIM command gets while the SIM is missing or locked, else ``None``."""
        return None if self.state.sim_ready else self.cme(self.state.sim_cme())

    # ---- the radio ----------------------------------------------------------------------

    @property
    def trying(self) -> bool:
        """Radio on and a usable SIM: the modem tries to register."""
        return self.state.cfun == 1 and self.state.sim_ready

    @property
    def registered(self) -> bool:
        """Trying, and the network lets it in (not searching, not denied)."""
        return self.trying and self.network.unregistered is None

    @property
    def cs_stat(self) -> int:
        """``+CREG`` ``<stat>``: 0 when off or without SIM, 2/3 searching/denied, 0 on LTE
        without the circuit-switched domain (no SMS path, or SMS over IMS)."""
        if not self.trying:
            return 0
        if self.network.unregistered is not None:
            return self.network.unregistered
        return 0 if self.network.sms_path in ("none", "ims") else self.network.stat

    @property
    def ps_stat(self) -> int:
        """``+CGREG`` ``<stat>``."""
        if not self.trying:
            return 0
        return self.network.unregistered or self.network.stat

    @property
    def eps_stat(self) -> int:
        """``+CEREG`` ``<stat>``: registered only while on LTE; searching/denied anywhere."""
        if not self.trying:
            return 0
        if self.network.unregistered is not None:
            return self.network.unregistered
        return self.network.stat if self.network.rat == "lte" else 0

    @property
    def ims_registered(self) -> bool:
        """``+CIREG`` ``<reg_info>``: the IMS stack registered (SMS over IMS)."""
        return self.registered and self.network.sms_path == "ims"

    @property
    def act(self) -> int:
        """``<AcT>`` of the serving radio."""
        return ACT[self.network.rat]

    @property
    def rssi(self) -> int:
        """``+CSQ`` RSSI now (99 with the radio off)."""
        if self.state.cfun != 1:
            return 99
        return self.network.rssi if self.network.rssi is not None else self.profile.signal

    @property
    def plmn(self) -> str:
        """MCC and MNC of the serving network: the home one (from the IMSI) or, roaming,
        the visited one."""
        return VISITED[1] if self.network.roaming else self.profile.imsi[:5]

    @property
    def operator(self) -> str:
        """Name of the serving network."""
        return VISITED[0] if self.network.roaming else self.profile.operator

    def cell(self) -> tuple[str, str]:
        """(area code, cell id) as 4 and 7 hex digits, stable for this modem."""
        seed = int(self.profile.imei[-7:])
        return f"{seed % 0xFFFE + 1:04X}", f"{(seed * 7919) % 0xFFFFFFF:07X}"

    def delay(self, fixed: float, span: tuple[float, float] | None) -> float:
        """A network delay: random in ``span`` when given (seeded), else ``fixed``."""
        return self.rng.uniform(*span) if span else fixed


Handler = Callable[[Context, Command], Reply]
