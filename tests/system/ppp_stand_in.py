"""A helper test root whose ppp control runs the real ``chat`` with the installed files."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from helper_root import HelperRoot

# Stands in for pon/poff: "up NAME" runs the real chat with the installed chat script on the
# device named in the installed peers file (what pppd's connect option does) and leaves a
# process and pid file where pppd's would be; "down NAME" ends that process, leaves data mode
# with +++ and hangs up.
PPP_STAND_IN = textwrap.dedent(
    """\
    #!{python}
    import os, subprocess, sys, time
    root = os.environ["OTPB_HELPER_ROOT"]
    action, name = sys.argv[1], sys.argv[2]
    with open(root + "/pppctl.log", "a") as log:
        log.write(f"{{action}} {{name}}\\n")
    lines = [l for l in open(f"{{root}}/etc/ppp/peers/{{name}}") if not l.startswith("#")]
    device = lines[0].strip()
    fd = os.open(device, os.O_RDWR | os.O_NOCTTY)
    if action == "up":
        chat = f"{{root}}/etc/chatscripts/{{name}}"
        done = subprocess.run(["/usr/sbin/chat", "-v", "-s", "-f", chat], stdin=fd, stdout=fd,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode:
            print(f"chat failed with exit code {{done.returncode}}", file=sys.stderr)
            sys.exit(done.returncode)
        # pppd would now run until "down": a sleeping process and its pid file stand in.
        pppd = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        os.makedirs(root + "/run", exist_ok=True)
        with open(f"{{root}}/run/ppp-{{name}}.pid", "w") as pid_file:
            pid_file.write(f"{{pppd.pid}}\\n{{name}}\\n")
        sys.exit(0)
    try:
        with open(f"{{root}}/run/ppp-{{name}}.pid") as pid_file:
            os.kill(int(pid_file.readline()), 15)
        os.remove(f"{{root}}/run/ppp-{{name}}.pid")
    except (OSError, ValueError):
        pass
    time.sleep(0.5)
    os.write(fd, b"+++")
    time.sleep(0.5)
    os.write(fd, b"ATH\\r")
    time.sleep(0.2)
    """
)


def internet_root(tmp_path: Path) -> HelperRoot:
    """A HelperRoot under ``tmp_path/root`` using the stand-in above for pon/poff."""
    helper_root = HelperRoot(tmp_path / "root")
    stand_in = tmp_path / "ppp-stand-in"
    stand_in.write_text(PPP_STAND_IN.format(python=sys.executable))
    stand_in.chmod(0o755)
    helper_root.env["OTPB_HELPER_PPPCTL"] = str(stand_in)
    return helper_root
