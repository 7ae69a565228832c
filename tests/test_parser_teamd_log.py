"""Tests of the teamd log parser on a real teamd log and on teamd lines in syslog form."""

from conftest import shared_path

from analyzer.parsers import kernel_log, teamd_log


def test_real_teamd_log():
    path = shared_path("cases", "F07", "outputs", "teamd_team5.log")
    text = path.read_text()
    assert teamd_log.detect(text)
    assert not kernel_log.detect(text)
    parsed = teamd_log.parse(text, source=path.name)
    rows = [(r.event, r.port, r.state) for r in parsed.table.itertuples()]
    assert rows == [
        ("started", None, "1.31"),
        ("link-up", "p1p1", "ethtool"),
        ("active-change", "p1p1", "active"),
        ("link-up", "p1p2", "ethtool"),
        ("active-change", "p1p2", "active"),
    ]
    assert set(parsed.table["device"]) == {"team5"}
    assert parsed.meta["teamd_lines"] == 8


def test_kernel_log_is_not_teamd_log():
    path = shared_path("cases", "F07", "outputs", "kernel_log.txt")
    assert not teamd_log.detect(path.read_text())


def test_syslog_lines_with_team_ident():
    text = (
        "Mar  4 10:00:00 host1 teamd_team0[812]: eth1: ethtool-link went down.\n"
        "Mar  4 10:00:00 host1 kernel: team0: Port device eth3 added\n"
        'Mar  4 10:00:00 host1 teamd_team0[812]: Changed active port to "eth2".\n'
        "Mar  4 10:00:01 host1 teamd_team0[812]: eth2: Failed to enable active port.\n"
    )
    assert teamd_log.detect(text)
    assert kernel_log.detect(text)
    parsed = teamd_log.parse(text, source="messages")
    rows = [(r.line, r.host, r.device, r.event, r.port) for r in parsed.table.itertuples()]
    assert rows == [
        (1, "host1", "team0", "link-down", "eth1"),
        (3, "host1", "team0", "active-change", "eth2"),
        (4, "host1", "team0", "error", "eth2"),
    ]
