"""Tests of the libvirt domain XML parser on XML that virsh writes (libvirt's built-in test driver)."""

import shutil
import subprocess

import pytest

from analyzer.parsers import libvirt_domain

DOMAIN = """<domain type='test'>
  <name>vm1</name>
  <memory unit='KiB'>262144</memory>
  <os><type>hvm</type></os>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:6B:2E:01'/>
      <source bridge='br1'/>
      <vlan><tag id='40'/></vlan>
      <model type='virtio'/>
    </interface>
    <interface type='network'>
      <mac address='52:54:00:6b:2e:02'/>
      <source network='default'/>
      <model type='e1000'/>
    </interface>
  </devices>
</domain>
"""


@pytest.fixture(scope="module")
def live_xml(tmp_path_factory):
    """Define and start the domain in virsh's in-process test driver and return ``virsh dumpxml``."""
    if shutil.which("virsh") is None:
        pytest.skip("virsh (libvirt-clients) is not installed")
    definition = tmp_path_factory.mktemp("libvirt") / "vm1.xml"
    definition.write_text(DOMAIN)
    result = subprocess.run(["virsh", "-q", "-c", "test:///default", f"define {definition}; start vm1; dumpxml vm1"],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.skip(f"virsh with the test driver failed: {result.stderr.strip()[:200]}")
    return result.stdout[result.stdout.index("<domain"):]


def test_live_domain_interfaces(live_xml):
    assert libvirt_domain.detect(live_xml)
    parsed = libvirt_domain.parse(live_xml, source="virsh_-r_dumpxml_vm1")
    assert parsed.warnings == []
    assert parsed.meta["domain"] == "vm1"
    assert parsed.meta["id"] is not None
    rows = [(r.mac, r.target, r.type, r.source_bridge, r.source_network, r.model) for r in parsed.table.itertuples()]
    assert rows == [
        ("52:54:00:6b:2e:01", "testnet0", "bridge", "br1", None, "virtio"),
        ("52:54:00:6b:2e:02", "testnet1", "network", None, "default", "e1000"),
    ]
    assert parsed.table["vlan"].tolist()[0] == 40
    assert parsed.table["vlans"].tolist()[0] == [40]


def test_status_file_wrapper(live_xml):
    # libvirt's state files under /run/libvirt/qemu wrap the live XML in <domstatus>.
    status = f"<domstatus state='running' reason='booted' pid='4242'>\n{live_xml}</domstatus>\n"
    assert libvirt_domain.detect(status)
    parsed = libvirt_domain.parse(status, source="run/libvirt/qemu/vm1.xml")
    assert parsed.meta["state"] == "running"
    assert parsed.table["target"].tolist() == ["testnet0", "testnet1"]


def test_cut_off_xml(live_xml):
    parsed = libvirt_domain.parse(live_xml[: len(live_xml) // 2], source="vm1.xml")
    assert parsed.table.empty
    assert parsed.warnings[0].startswith("vm1.xml: line ")
    assert "invalid XML" in parsed.warnings[0]


def test_entity_declarations_rejected():
    bomb = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]><domain><name>&b;</name></domain>'
    parsed = libvirt_domain.parse(bomb, source="bomb.xml")
    assert parsed.table.empty
    assert parsed.meta["domain"] is None
    assert parsed.warnings == ["bomb.xml: XML with a DOCTYPE or entity declaration rejected; libvirt writes none"]
