"""Tests of the ``brctl showmacs`` parser on real outputs, and its port numbers against other outputs."""

import json

from conftest import shared_path
from netns_tools import bridge_outputs

from analyzer.parsers import Parsed, brctl_showmacs, brctl_showstp, ip_link, kernel_log


def parse_file(path):
    return brctl_showmacs.parse(path.read_text(), source=path.name)


def test_space_separated_output():
    parsed = parse_file(shared_path("formats", "brctl", "homelab-brctl-showmacs-br40.txt"))
    assert parsed.warnings == []
    rows = [(int(r.port_no), r.mac, bool(r.is_local), float(r.ageing_timer)) for r in parsed.table.itertuples()]
    assert rows == [(1, "c4:34:6b:65:b6:d0", True, 0.0), (2, "52:54:00:75:21:34", False, 0.29)]


def test_tab_separated_output_keeps_duplicate_rows():
    parsed = parse_file(shared_path("formats", "brctl", "cn-notes-brctl-showmacs-virbr0-tabs.txt"))
    assert parsed.warnings == []
    assert parsed.table["mac"].tolist() == ["52:54:00:47:11:66", "52:54:00:47:11:66"]
    assert parsed.table["is_local"].tolist() == [True, True]


def test_bridge_name_from_sos_file_name():
    path = shared_path("formats", "brctl", "homelab-brctl-showmacs-br40.txt")
    parsed = brctl_showmacs.parse(path.read_text(), source="sos_commands/networking/brctl_showmacs_br40")
    assert parsed.meta["bridge"] == "br40"


def test_real_brctl_port_names_from_showstp_and_ip_link():
    macs, stp, links, links_json = bridge_outputs(
        "brctl showmacs br0", "brctl showstp br0", "ip -d link show", "ip -j -d link show")
    parsed = brctl_showmacs.parse(macs, source="brctl showmacs br0")
    assert parsed.warnings == []
    local = parsed.table[parsed.table["is_local"]]
    addresses = {link["ifname"]: link["address"] for link in json.loads(links_json)}
    # Each port's own address is a local entry on that port.
    from_stp = brctl_showmacs.name_ports(parsed, [brctl_showstp.parse(stp, source="showstp")])
    from_ip = brctl_showmacs.name_ports(parsed, [ip_link.parse(links, source="ip link")])
    assert from_stp.tolist() == from_ip.tolist()
    for index, row in local.iterrows():
        assert addresses[from_stp[index]] == row["mac"]
    assert set(from_stp) == {"v0", "v2"}


def test_port_names_from_kernel_log_lines():
    log = kernel_log.parse("[    2.1] br40: port 1(eno1) entered forwarding state\n"
                           "[    2.2] br40: port 2(vnet18) entered forwarding state\n"
                           "[    2.3] br9: port 2(other) entered forwarding state\n")
    path = shared_path("formats", "brctl", "homelab-brctl-showmacs-br40.txt")
    parsed = brctl_showmacs.parse(path.read_text(), source="sos_commands/networking/brctl_showmacs_br40")
    assert brctl_showmacs.name_ports(parsed, [log]).tolist() == ["eno1", "vnet18"]
    unnamed = Parsed(kind="brctl_showmacs", source="x", table=parsed.table, meta={"bridge": "br0"})
    assert brctl_showmacs.name_ports(unnamed, [log]).tolist() == [None, None]


def test_odd_line_becomes_warning():
    parsed = brctl_showmacs.parse("port no\tmac addr\t\tis local?\tageing timer\n  1\tnot-a-mac\tyes\t0.00\n",
                                  source="macs.txt")
    assert parsed.table.empty
    assert parsed.warnings[0].startswith("macs.txt: line 2: expected 'PORT MAC yes|no TIMER'")
