"""The parser contract for the parsers of brctl, teamnl, bonding, logs, NetworkManager, ifcfg and libvirt."""

import doctest
import importlib

import pytest
from conftest import shared_path

from analyzer.parsers import Parsed

PARSERS = [
    "brctl_show",
    "brctl_showmacs",
    "brctl_showstp",
    "bridge_vlan_json",
    "teamnl_ports",
    "teamnl_options",
    "proc_net_bonding",
    "kernel_log",
    "teamd_log",
    "nm_keyfile",
    "nmcli_connection",
    "ifcfg",
    "libvirt_domain",
]
MODULES = {name: importlib.import_module(f"analyzer.parsers.{name}") for name in PARSERS}
# The first words of each module docstring: the command or file it reads.
DOC_STARTS = ("``brctl", "``bridge", "``teamnl", "``/proc/net/bonding", "Kernel log", "teamd's own log",
              "NetworkManager keyfiles", "``nmcli", "``/etc/sysconfig", "libvirt domain XML")


def shared_files():
    shared = shared_path()
    return [path for path in sorted(shared.rglob("*")) if path.is_file()]


def test_parsers_survive_all_reference_files():
    for path in shared_files():
        text = path.read_bytes()[:1_000_000].decode("utf-8", errors="replace")
        for name, module in MODULES.items():
            parsed = module.parse(text, source=path.name)
            assert isinstance(parsed, Parsed), (name, path)
            assert parsed.kind == name
            assert parsed.source == path.name
            assert all(warning.startswith(path.name) for warning in parsed.warnings), (name, path)
            module.detect(text)


@pytest.mark.parametrize("name", PARSERS)
def test_flipped_bytes_in_own_files(name):
    """Flip one byte in every 13 of each reference file that the parser's detector accepts."""
    module = MODULES[name]
    own = [path for path in shared_files() if module.detect(path.read_text(errors="replace"))]
    for path in own:
        data = bytearray(path.read_bytes())
        for index in range(0, len(data), 13):
            data[index] ^= 0x5A
        parsed = module.parse(data.decode("utf-8", errors="replace"), source=path.name)
        assert isinstance(parsed, Parsed)


@pytest.mark.parametrize("name", PARSERS)
def test_docstring_examples(name):
    module = MODULES[name]
    assert module.__doc__.startswith(DOC_STARTS)
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("name", PARSERS)
def test_empty_input(name):
    parsed = MODULES[name].parse("", source="empty")
    assert parsed.table.empty
    assert MODULES[name].detect("") is False
    # The JSON and XML readers say that the input is empty; the text readers have nothing to report.
    assert all(warning.startswith("empty: empty input") for warning in parsed.warnings)
