"""What becomes of one submitted SMS part: the network's verdict under the modem's
conditions and armed faults (3GPP TS 27.005 §3.2.5 codes)."""

from __future__ import annotations

from dataclasses import dataclass

from .context import Context
from .faults import Faults


@dataclass(frozen=True)
class Verdict:
    """How long the send takes and how it ends.

    ``error`` is a ``+CMS ERROR`` code (``None``: accepted); with ``answer`` false the
    modem never answers, and ``deliver`` says whether the network sent it anyway.
    """

    wait: float = 0.0
    error: int | None = None
    answer: bool = True
    deliver: bool = True

    @property
    def sent(self) -> bool:
        """The handset receives this part."""
        return self.error is None and self.deliver


def judge(ctx: Context, faults: Faults, pdu: str) -> Verdict:
    """The verdict for ``pdu`` (hex with its SMSC field); consumes one-shot faults."""
    network, state = ctx.network, ctx.state
    if state.cfun != 1 or network.unregistered is not None:  # no network service
        return Verdict(error=331)
    if network.sms_path == "none":  # nothing carries it: the modem waits, then gives up
        return Verdict(wait=network.no_path_wait, error=500)
    if pdu[:2] == "00" and not state.smsc:
        return Verdict(error=330)
    profile = ctx.profile
    wait = ctx.delay(profile.send_delay, profile.send_delay_range)
    if faults.cms_error_count > 0 and faults.cms_error_after > 0:
        faults.cms_error_after -= 1
    elif faults.cms_error_count > 0:
        faults.cms_error_count -= 1
        return Verdict(wait, faults.cms_error_code)
    if faults.no_result:
        faults.no_result = False
        return Verdict(wait, answer=False, deliver=faults.no_result_delivers)
    if network.send_error is not None:
        return Verdict(wait, network.send_error)
    if network.fail_rate and ctx.rng.random() < network.fail_rate:
        return Verdict(wait, ctx.rng.choice(network.fail_codes))
    return Verdict(wait)
