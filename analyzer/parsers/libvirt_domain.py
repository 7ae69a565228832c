"""libvirt domain XML (``virsh dumpxml DOMAIN``, sos ``run/libvirt/qemu/*.xml``), one row per guest interface.

The live XML of a running guest names the host side of each NIC (the tap
device in ``<target dev=...>``) next to the MAC address the guest uses, which
ties a ``vnetN`` capture point to a VM. A shortened sample::

    <domain type='kvm' id='3'>
      <name>vm1</name>
      <devices>
        <interface type='bridge'>
          <mac address='52:54:00:00:00:01'/>
          <source bridge='br0'/>
          <vlan><tag id='40'/></vlan>
          <target dev='vnet0'/>
          <model type='virtio'/>
        </interface>
      </devices>
    </domain>

>>> parsed = parse("<domain type='kvm'><name>vm1</name><devices><interface type='bridge'>"
...                "<mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet0'/>"
...                "<model type='virtio'/></interface></devices></domain>")
>>> row = parsed.table.iloc[0]
>>> parsed.meta["domain"], row["mac"], row["target"], row["source_bridge"], row["model"]
('vm1', '52:54:00:00:00:01', 'vnet0', 'br0', 'virtio')

The state files under ``/run/libvirt/qemu`` wrap the domain in
``<domstatus>``; both forms are read. The persistent configuration
(``/etc/libvirt/qemu/*.xml``) has no ``target`` for most NICs, so
``target`` is then None. ``vlan`` is the first ``<tag id>`` and ``vlans``
all of them (a trunk has several). A document with a DOCTYPE or entity
declarations is rejected, as libvirt never writes one and entities can make
a small file expand without bound.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

from . import Parsed
from ._text import build_table, is_mac, normalize_mac, to_int

log = logging.getLogger(__name__)

KIND = "libvirt_domain"

LIBVIRT_INTERFACE_COLUMNS: dict[str, str] = {
    "line": "int",  # position of the interface among the domain's interfaces (1-based)
    "domain": "str",
    "type": "str",  # "bridge", "network", "direct", "ethernet", "vhostuser" ...
    "mac": "str",  # the guest's MAC address
    "target": "str",  # host-side device (tap, macvtap)
    "source_bridge": "str",
    "source_network": "str",
    "source_dev": "str",  # parent device of a "direct" (macvtap) interface
    "source_mode": "str",  # macvtap mode: bridge, vepa, private, passthrough
    "model": "str",
    "vlan": "int",
    "vlans": "object",
    "vlan_trunk": "optbool",
    "virtualport": "str",  # "openvswitch" and the like
    "alias": "str",
}

_START_RE = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(domain|domstatus)\b", re.DOTALL)


def detect(text: str) -> bool:
    """Return whether the text is a libvirt domain or domain status XML document."""
    head = text[:8192].lstrip("\ufeff")
    return bool(_START_RE.match(head))


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the domain XML into the domain name in ``meta`` and one row per interface."""
    warnings: list[str] = []
    empty = Parsed(kind=KIND, source=source, table=build_table([], LIBVIRT_INTERFACE_COLUMNS),
                   meta={"domain": None}, warnings=warnings)
    if not text.strip():
        warnings.append(f"{source}: empty input, expected XML")
        return empty
    if re.search(r"<!(DOCTYPE|ENTITY)", text):
        warnings.append(f"{source}: XML with a DOCTYPE or entity declaration rejected; libvirt writes none")
        return empty
    try:
        root = ElementTree.fromstring(text.lstrip("\ufeff"))
    except ElementTree.ParseError as error:
        line, column = error.position
        warnings.append(f"{source}: line {line}, column {column}: invalid XML ({error}). Nothing was read.")
        return empty
    domain = root if root.tag == "domain" else root.find("domain")
    if domain is None:
        warnings.append(f"{source}: expected a <domain> element, found <{root.tag}>")
        return empty
    name = domain.findtext("name")
    meta: dict[str, Any] = {"domain": name, "uuid": domain.findtext("uuid"), "type": domain.get("type"),
                            "id": to_int(domain.get("id")), "state": root.get("state") if root is not domain else None}
    rows = [_interface_row(position, name, element, source, warnings)
            for position, element in enumerate(domain.findall("devices/interface"), start=1)]
    table = build_table(rows, LIBVIRT_INTERFACE_COLUMNS)
    log.debug("%s: domain %s, %d interfaces", source, name, len(rows))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _interface_row(position: int, domain: str | None, element: ElementTree.Element, source: str,
                   warnings: list[str]) -> dict[str, Any]:
    """Read one ``<interface>`` element."""
    mac = _attribute(element, "mac", "address")
    if mac is not None and not is_mac(mac):
        warnings.append(f"{source}: interface {position}: invalid MAC address {mac!r}")
    source_element = element.find("source")
    vlan = element.find("vlan")
    tags = [to_int(tag.get("id")) for tag in vlan.findall("tag")] if vlan is not None else []
    return {
        "line": position,
        "domain": domain,
        "type": element.get("type"),
        "mac": normalize_mac(mac) if mac and is_mac(mac) else mac,
        "target": _attribute(element, "target", "dev"),
        "source_bridge": source_element.get("bridge") if source_element is not None else None,
        "source_network": source_element.get("network") if source_element is not None else None,
        "source_dev": source_element.get("dev") if source_element is not None else None,
        "source_mode": source_element.get("mode") if source_element is not None else None,
        "model": _attribute(element, "model", "type"),
        "vlan": tags[0] if tags else None,
        "vlans": [tag for tag in tags if tag is not None],
        "vlan_trunk": (vlan.get("trunk") == "yes") if vlan is not None else None,
        "virtualport": _attribute(element, "virtualport", "type"),
        "alias": _attribute(element, "alias", "name"),
    }


def _attribute(element: ElementTree.Element, child: str, name: str) -> str | None:
    """Return an attribute of the first child with the given tag, or None."""
    found = element.find(child)
    return found.get(name) if found is not None else None
