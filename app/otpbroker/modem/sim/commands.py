"""Answers to the AT commands of a GSM modem (everything except the PDU prompt itself)."""

from __future__ import annotations

import re
from collections.abc import Callable

from . import ussd
from .profile import ModemProfile
from .results import ERROR, OK, Reply, cme_error, cms_error
from .sms import MAX_TPDU
from .state import ModemState, SimStatus
from .syntax import Command, int_param, params

Handler = Callable[[ModemState, ModemProfile, Command], Reply]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for the given command names."""

    def register(func: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = func
        return func

    return register


def run(state: ModemState, profile: ModemProfile, command: Command) -> Reply:
    """Answer one command; unknown commands and bad parameters give ``ERROR``."""
    handler = HANDLERS.get(command.name)
    if handler is None:
        return Reply(final=ERROR)
    if command.op == "=?":
        return Reply()
    try:
        return handler(state, profile, command)
    except (ValueError, IndexError):
        return Reply(final=ERROR)


def _number_type(number: str) -> int:
    return 145 if number.startswith("+") else 129


def _sim_locked(state: ModemState) -> Reply | None:
    return None if state.sim_ready else Reply(final=cme_error(state.cmee, state.sim_cme()))


def _flag(value: str, allowed: str = "01") -> int:
    if (value or "0") not in allowed:
        raise ValueError(value)
    return int(value or "0")


@handles("E")
def _echo(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    state.echo = bool(_flag(cmd.arg))
    return Reply()


@handles("V")
def _verbose(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    return Reply() if cmd.arg in ("", "1") else Reply(final=ERROR)


@handles("Q", "&C", "&D", "&K", "&W", "S")
def _accept(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.name == "S" and cmd.op == "?":
        return Reply(lines=["000"])
    return Reply()


@handles("Z", "&F")
def _reset(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    state.factory_reset()
    return Reply()


@handles("I")
def _info(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    return Reply(
        lines=[
            f"Manufacturer: {profile.manufacturer}",
            f"Model: {profile.model}",
            f"Revision: {profile.revision}",
        ]
    )


@handles("+CMEE")
def _cmee(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CMEE: {state.cmee}"])
    state.cmee = int_param(params(cmd.arg)[0], 0, 2)
    return Reply()


@handles("+CGMI", "+GMI", "+CGMM", "+GMM", "+CGMR", "+GMR", "+CGSN", "+GSN")
def _identity(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op:
        raise ValueError(cmd.op)
    key = cmd.name.removeprefix("+").removeprefix("C")
    value = {
        "GMI": profile.manufacturer,
        "GMM": profile.model,
        "GMR": profile.revision,
        "GSN": profile.imei,
    }[key]
    if key == "GSN" and profile.cgsn_prefixed:
        value = f"+CGSN: {value}"
    return Reply(lines=[value])


@handles("+CIMI")
def _cimi(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    return _sim_locked(state) or Reply(lines=[profile.imsi])


@handles("+CNUM")
def _cnum(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    line = f'+CNUM: "","{profile.msisdn}",{_number_type(profile.msisdn)}'
    return _sim_locked(state) or Reply(lines=[line])


@handles("+CSCA")
def _csca(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f'+CSCA: "{state.smsc}",{_number_type(state.smsc)}'])
    number = params(cmd.arg)[0]
    if not number.lstrip("+").isdigit():
        raise ValueError(number)
    state.smsc = number
    return Reply()


@handles("+CSQ")
def _csq(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    return Reply(lines=[f"+CSQ: {profile.signal},99"])


@handles("+CREG")
def _creg(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CREG: {state.creg},{1 if state.sim_ready else 0}"])
    state.creg = int_param(params(cmd.arg)[0], 0, 2)
    return Reply()


@handles("+COPS")
def _cops(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op != "?":
        return Reply()
    return _sim_locked(state) or Reply(lines=[f'+COPS: 0,0,"{profile.operator}",2'])


@handles("+CFUN")
def _cfun(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CFUN: {state.cfun}"])
    state.cfun = int_param(params(cmd.arg)[0], 0, 4)
    return Reply()


@handles("+CPIN")
def _cpin(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CPIN: {state.sim.value}"])
    values = params(cmd.arg)
    if state.sim is SimStatus.READY:
        return Reply(final=cme_error(state.cmee, 3))
    if state.sim is SimStatus.PUK:
        if len(values) < 2:
            return Reply(final=cme_error(state.cmee, 12))
        if values[0] != profile.puk:
            return Reply(final=cme_error(state.cmee, 16))
        state.pin, state.sim, state.attempts_left = values[1], SimStatus.READY, profile.pin_attempts
        return Reply()
    if values[0] == state.pin:
        state.sim = SimStatus.READY
        state.attempts_left = profile.pin_attempts
        return Reply()
    state.attempts_left -= 1
    if state.attempts_left <= 0:
        state.sim = SimStatus.PUK
    return Reply(final=cme_error(state.cmee, 16))


@handles("+CMGF")
def _cmgf(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CMGF: {state.cmgf}"])
    state.cmgf = int_param(params(cmd.arg)[0], 0, 1)
    return Reply()


@handles("+CSCS")
def _cscs(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f'+CSCS: "{state.cscs}"'])
    charset = params(cmd.arg)[0].upper()
    if charset not in ("GSM", "IRA", "UCS2", "HEX", "8859-1"):
        return Reply(final=cme_error(state.cmee, 4))
    state.cscs = charset
    return Reply()


@handles("+CNMI")
def _cnmi(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=["+CNMI: " + ",".join(str(v) for v in state.cnmi)])
    values = [int_param(v or "0", 0, 3) for v in params(cmd.arg)]
    if not 1 <= len(values) <= 5:
        raise ValueError(cmd.arg)
    state.cnmi = tuple(values + list(state.cnmi[len(values) :]))
    return Reply()


@handles("+CMMS")
def _cmms(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if not profile.cmms_supported:
        return Reply(final=cms_error(state.cmee, 500))
    if cmd.op == "?":
        return Reply(lines=[f"+CMMS: {state.cmms}"])
    state.cmms = int_param(params(cmd.arg)[0] if cmd.arg else "0", 0, 2)
    return Reply()


@handles("+CSMS")
def _csms(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    return Reply(lines=["+CSMS: 0,1,1,1"] if cmd.op == "?" else ["+CSMS: 1,1,1"])


@handles("+CPMS")
def _cpms(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=['+CPMS: "SM",0,30,"SM",0,30,"SM",0,30'])
    return Reply(lines=["+CPMS: 0,30,0,30,0,30"])


@handles("+CMGS")
def _cmgs(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if not state.sim_ready:
        return Reply(final=cms_error(state.cmee, state.sim_cms()))
    if state.cmgf != 0:
        return Reply(final=cms_error(state.cmee, 302))
    try:
        length = int_param(params(cmd.arg)[0], 1, MAX_TPDU)
    except (ValueError, IndexError):
        return Reply(final=cms_error(state.cmee, 304))
    return Reply(final=None, prompt=length)


@handles("+CUSD")
def _cusd(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(lines=[f"+CUSD: {state.cusd}"])
    values = params(cmd.arg)
    mode = int_param(values[0] if values and values[0] else "0", 0, 2)
    if mode == 2 or len(values) < 2:
        state.cusd = mode if mode < 2 else state.cusd
        return Reply()
    if not state.sim_ready:
        return Reply(final=cme_error(state.cmee, state.sim_cme()))
    state.cusd = mode
    return ussd.answer(profile.ussd, ussd.request_code(values[1], state.cscs), state.cscs)


_DATA_CALL = re.compile(r"\*99(?:\*[^*#]*(?:\*[^*#]*(?:\*([0-9]{1,2}))?)?)?#")


@handles("+CGDCONT")
def _cgdcont(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if cmd.op == "?":
        return Reply(
            lines=[f'+CGDCONT: {cid},"IP","{apn}"' for cid, apn in sorted(state.contexts.items())]
        )
    values = params(cmd.arg)
    cid = int_param(values[0], 1, 16)
    if len(values) == 1:
        state.contexts.pop(cid, None)
        return Reply()
    if values[1].upper() not in ("IP", "IPV6", "IPV4V6", "PPP"):
        raise ValueError(values[1])
    state.contexts[cid] = values[2] if len(values) > 2 else ""
    return Reply()


@handles("D")
def _dial(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    """A packet data call ``ATD[T|P]*99[***<cid>]#``; anything else gets NO CARRIER."""
    number = cmd.arg[1:] if cmd.arg[:1] in ("T", "t", "P", "p") else cmd.arg
    match = _DATA_CALL.fullmatch(number.strip())
    if match is None:
        return Reply(final="NO CARRIER")
    if not state.sim_ready:
        return Reply(final=cme_error(state.cmee, state.sim_cme()))
    cid = int(match[1] or "1")
    apn = state.contexts.get(cid, "")
    if cid != 1 and cid not in state.contexts:
        return Reply(final="NO CARRIER")
    if profile.accepted_apns is not None and apn not in profile.accepted_apns:
        return Reply(final="NO CARRIER")
    state.in_call = True
    return Reply(final="CONNECT", data_mode=True)


@handles("O")
def _online(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    if not state.in_call:
        return Reply(final="NO CARRIER")
    return Reply(final="CONNECT", data_mode=True)


@handles("H")
def _hang_up(state: ModemState, profile: ModemProfile, cmd: Command) -> Reply:
    state.in_call = False
    return Reply(final=OK)
