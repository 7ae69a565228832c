"""Redaction: no original address, host name or input folder in any format, with stable pseudonyms."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from analyzer import load_case, plots
from analyzer.addresses import mac_int_to_str
from analyzer.redact import Redactor, redact_case
from conftest import REPO, SAMPLES

FORMATS = {"text": "report.txt", "markdown": "report.md", "html": "report.html", "json": "report.json"}
KEPT_MACS = {"ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"}
HOST = "acme-db01"


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory) -> Path:
    """Copy the sample under a folder named after a customer, with a host name file and a host-named capture."""
    root = tmp_path_factory.mktemp("redact") / "ACME-Corp-ticket"
    case = root / "roundrobin-flood"
    shutil.copytree(SAMPLES / "roundrobin-flood", case)
    (case / "hostname").write_text(f"{HOST}\n")
    capture = case / "captures" / "vnet0.pcap"
    capture.rename(capture.with_name(f"{HOST}-vnet0.pcap"))
    return case


@pytest.fixture(scope="module")
def originals(case_dir) -> dict[str, set[str]]:
    """Collect every MAC and IPv4 address the case holds, from the frames, the topology and the FDB files."""
    case = load_case(case_dir)
    macs, ips = set(), set()
    for column in ("eth_src", "eth_dst", "arp_sha", "arp_tha"):
        macs.update(mac_int_to_str(v) for v in case.sightings[column].unique() if v >= 0)
    for column in ("arp_spa", "arp_tpa", "ip_src", "ip_dst"):
        ips.update(str(ipaddress.IPv4Address(int(v))) for v in case.sightings[column].unique() if v > 0)
    macs.update(d["mac"] for _, d in case.topology.nodes(data=True) if d.get("mac"))
    macs.update(case.fdb_snapshots["mac"].unique())
    macs -= KEPT_MACS
    macs = {m for m in macs if not m.startswith(("33:33:00:00:00:", "01:00:5e:00:00:"))}
    ips.discard("0.0.0.0")
    assert macs and ips
    return {"macs": macs, "ips": ips}


def _run(case_dir: Path, output: Path, *options: str) -> str:
    fmt = next(name for name, file in FORMATS.items() if file == output.name)
    result = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(case_dir), "--format", fmt,
                             "-o", str(output), *options], capture_output=True, text=True, cwd=REPO,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return output.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def redacted(case_dir, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("redacted")
    return {fmt: _run(case_dir, folder / name, "--redact") for fmt, name in FORMATS.items()}


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_original_address(fmt, redacted, originals):
    text = redacted[fmt].lower()
    for mac in originals["macs"]:
        assert mac not in text, mac
    for ip in originals["ips"]:
        assert not re.search(rf"(?<![\d.]){re.escape(ip)}(?![\d])", text), ip


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_host_name_or_folder(fmt, redacted, case_dir):
    text = redacted[fmt]
    assert HOST not in text.lower()
    assert "ACME-Corp-ticket" not in text
    assert str(case_dir.parent) not in text
    assert "host1-vnet0.pcap" in text


def test_same_pseudonym_across_formats(redacted):
    report = json.loads(redacted["json"])
    lost = [t for t in report["arp_transactions"] if t["fate"] == "lost"]
    assert lost
    mac, ip = lost[0]["requester_mac"], lost[0]["requester_ip"]
    assert mac.startswith("02:00:00:")
    for fmt in ("text", "markdown", "html"):
        assert mac in redacted[fmt], fmt
        assert ip in redacted[fmt], fmt


def test_keep_oui(case_dir, tmp_path, originals):
    plain = load_case(case_dir)
    lost = plain.arp_transactions[plain.arp_transactions["fate"] == "lost"].iloc[0]
    original = lost["requester_mac"]
    report = json.loads(_run(case_dir, tmp_path / "report.json", "--redact-keep-oui"))
    pseudonym = next(t for t in report["arp_transactions"] if t["fate"] == "lost")["requester_mac"]
    assert pseudonym != original
    assert pseudonym[:8] == original[:8]
    text = json.dumps(report).lower()
    for mac in originals["macs"]:
        assert mac not in text, mac


def test_redact_name_option(case_dir, tmp_path):
    text = _run(case_dir, tmp_path / "report.txt", "--redact-name", "roundrobin")
    assert "roundrobin" not in text.lower()


def test_plots_show_pseudonyms(case_dir, originals):
    case = redact_case(load_case(case_dir), Redactor(inputs=[str(case_dir)]))
    for draw in (plots.ladder, plots.fdb_timeline, plots.topology):
        figure = draw(case)
        texts = " ".join(t.get_text() for t in figure.findobj(matplotlib.text.Text)).lower()
        for mac in originals["macs"]:
            assert mac not in texts, (draw.__name__, mac)
        for ip in originals["ips"]:
            assert ip not in texts, (draw.__name__, ip)


def test_redacted_case_keeps_analysis_shape(case_dir):
    plain = load_case(case_dir)
    case = redact_case(plain, Redactor())
    assert len(case.sightings) == len(plain.sightings)
    assert case.verdict == plain.verdict
    assert list(case.arp_transactions["fate"]) == list(plain.arp_transactions["fate"])
    moved = plain.fdb_events["mac"].nunique()
    assert case.fdb_events["mac"].nunique() == moved


def test_ipv4_keeps_subnets_and_last_octet():
    redactor = Redactor()
    redactor.add_originals(ipv4=[int(ipaddress.IPv4Address(a)) for a in ("198.51.100.2", "198.51.100.20", "10.1.2.3")])
    redactor.allocate()
    text = redactor.text("198.51.100.2 198.51.100.20 10.1.2.3 0.0.0.0 255.255.255.255")
    first, second, other, zero, broadcast = text.split()
    assert first.rsplit(".", 1)[0] == second.rsplit(".", 1)[0]
    assert other.rsplit(".", 1)[0] != first.rsplit(".", 1)[0]
    assert first.endswith(".2")
    assert second.endswith(".20")
    assert not first.startswith("198.51.100.")
    assert (zero, broadcast) == ("0.0.0.0", "255.255.255.255")


def test_macs_in_every_notation():
    redactor = Redactor()
    text = "52:54:00:6B:2E:01 52-54-00-6b-2e-01 5254.006b.2e01 ff:ff:ff:ff:ff:ff 01:80:c2:00:00:02"
    first, dashed, dotted, broadcast, lacp = redactor.text(text).split()
    assert first == dashed == dotted == "02:00:00:00:00:01"
    assert broadcast == "ff:ff:ff:ff:ff:ff"
    assert lacp == "01:80:c2:00:00:02"


def test_multicast_keeps_group_bit():
    redactor = Redactor()
    assert redactor.text("33:33:ff:6b:2e:01").startswith("03:00:00:")


def test_text_pass_is_idempotent():
    redactor = Redactor(host_names=["db01.example.com"])
    text = "db01.example.com 52:54:00:6b:2e:01 asks for 198.51.100.1 and fe80::5054:ff:fe6b:2e01"
    once = redactor.text(text)
    assert redactor.text(once) == once
    assert "db01" not in once
    assert "fe80::5054" not in once
    assert "2001:db8::1" in once


def test_times_and_versions_untouched():
    redactor = Redactor()
    text = "17:27:08.388480 frame.time_epoch >= 1796405228.388480 l2trace 0.1.0"
    assert redactor.text(text) == text


def test_pseudonyms_avoid_originals():
    redactor = Redactor()
    redactor.add_originals(macs=[0x020000000001, 0x525400000001])
    redactor.allocate()
    assert redactor.macs[0x020000000001] != 0x020000000001
    assert redactor.mac(0x525400000001) not in (0x020000000001, 0x525400000001)


def test_sosreport_hosts_and_other_outputs_redacted(tmp_path):
    """Host names known only from sosreport tarballs, other hosts' outputs and snapshot checks are redacted."""
    import tarfile

    from sos_fixtures import build_sosreport, capture_span, guest_outputs, host_outputs

    sample = SAMPLES / "roundrobin-flood"
    span = capture_span(sample)
    host = build_sosreport(tmp_path / "sosreport-acme-hv7", "acme-hv7", host_outputs(sample, "after", span))
    guest = build_sosreport(tmp_path / "sosreport-acme-vm7", "acme-vm7", guest_outputs(sample, span))
    archives = []
    for folder in (host, guest):
        archive = tmp_path / f"{folder.name}.tar.xz"
        with tarfile.open(archive, "w:xz") as tar:
            tar.add(folder, arcname=folder.name)
        shutil.rmtree(folder)
        archives.append(str(archive))
    case = load_case([*archives, str(sample / "captures")])
    assert case.other_outputs
    assert not case.snapshot_checks.empty
    vm_mac = "52:54:00:6b:2e:01"
    assert vm_mac in set(case.snapshot_checks["mac"])

    redacted = redact_case(case, Redactor())
    text = json.dumps([redacted.report("json"), redacted.report("text", verbose=True)])
    for name in ("acme-hv7", "acme-vm7"):
        assert name not in text.lower()
    assert vm_mac not in set(redacted.snapshot_checks["mac"])
    assert all(item.meta["host"].startswith("host") for item in redacted.other_outputs)
    assert all(item.meta["host"].startswith("host") for item in redacted.outputs if "host" in item.meta)


def test_case_folder_name_dropped(tmp_path):
    case = tmp_path / "ACME-Corp-12345"
    shutil.copytree(SAMPLES / "roundrobin-flood", case)
    text = _run(case, tmp_path / "report.txt", "--redact", "-v")
    assert "ACME-Corp-12345" not in text
    assert "captures/vnet0.pcap" in text
