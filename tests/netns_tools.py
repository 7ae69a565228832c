"""Run real tools (brctl, bridge, ip, dmesg) against a bridge built in a private network namespace.

``unshare -n`` gives the shell a new, empty network namespace, so the bridge
and veth pairs exist only for that shell and vanish with it. Tests that use
this skip when the tools, root rights or the kernel's bridge support are
missing.
"""

import shutil
import subprocess

import pytest

# Bridge br0 with ports v0 and v2 (veth pairs with v1 and v3); v2 has hairpin on.
BRIDGE_SETUP = """
set -e
ip link add br0 type bridge
ip link add v0 type veth peer name v1
ip link add v2 type veth peer name v3
ip link set v0 master br0
ip link set v2 master br0
ip link set v2 type bridge_slave hairpin on
ip link set br0 up
ip link set v0 up
ip link set v1 up
ip link set v2 up
ip link set v3 up
"""


def run_in_netns(script: str, *, separator: str = "=====") -> list[str]:
    """Run a shell script in a new network namespace and return its output split at ``echo SEPARATOR``."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    result = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.skip(f"cannot build a bridge in a network namespace here: {result.stderr.strip()[:200]}")
    return result.stdout.split(separator + "\n")


def bridge_outputs(*commands: str) -> list[str]:
    """Build the test bridge and return the output of each command, run in that namespace."""
    for tool in ("ip", *{command.split()[0] for command in commands}):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    script = BRIDGE_SETUP + "".join(f"echo =====\n{command}\n" for command in commands)
    return run_in_netns(script)[1:]
