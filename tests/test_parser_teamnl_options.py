"""Tests of the ``teamnl TEAM options`` parser on real output."""

from conftest import shared_path

from analyzer.parsers import teamnl_options


def test_real_options():
    path = shared_path("formats", "teamd", "rhel7-notes-teamnl-options.txt")
    text = path.read_text()
    parsed = teamnl_options.parse(text, source="sos_commands/teamd/teamnl_team0_option")
    assert teamnl_options.detect(text)
    assert parsed.warnings == []
    assert len(parsed.table) == 15
    assert parsed.meta["device"] == "team0"
    assert parsed.meta["mode"] == "roundrobin"
    assert parsed.meta["notify_peers_count"] == 1
    assert parsed.meta["ports"]["eno1"] == {
        "queue_id": 0, "priority": 0, "user_linkup_enabled": False, "user_linkup": True, "enabled": True}
    assert set(parsed.table["port"].dropna()) == {"eno1", "eno2"}
    assert not parsed.table["changed"].any()


def test_activebackup_array_and_changed_options():
    text = (" activeport 4\n*enabled (port:eth2) false\n lb_hash_stats (arridx:3) 0\n"
            " bpf_hash_func \\06\\00\\00\\00\n mode activebackup\n")
    parsed = teamnl_options.parse(text)
    assert parsed.meta["activeport"] == 4
    assert parsed.meta["mode"] == "activebackup"
    assert parsed.meta["ports"] == {"eth2": {"enabled": False}}
    assert parsed.meta["bpf_hash_func"] == "\\06\\00\\00\\00"
    assert parsed.table["changed"].tolist() == [False, True, False, False, False]
    assert parsed.table["array_index"].tolist()[2] == 3


def test_odd_line_becomes_warning():
    parsed = teamnl_options.parse(" mode roundrobin\nUnknown option\n", source="o")
    assert parsed.meta["mode"] == "roundrobin"
    assert parsed.warnings == ["o: line 2: expected ' NAME [(port:PORT)] VALUE', found 'Unknown option'"]
