"""The scalar address conversions that the analysis modules use: -1 for a missing address, None in text."""

import pytest

from analyzer import addresses
from analyzer.captures import addresses as capture_addresses


def test_both_modules_share_functions():
    for name in addresses.__all__:
        assert getattr(addresses, name) is getattr(capture_addresses, name), name


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("aa:bb:cc:dd:ee:ff", 0xAABBCCDDEEFF),
        ("AA-BB-CC-DD-EE-FF", 0xAABBCCDDEEFF),
        ("aabb.ccdd.eeff", 0xAABBCCDDEEFF),
        (" 0:1b:2:3:4:5 ", 0x001B02030405),
        (None, -1),
        ("", -1),
        ("aa:bb:cc:dd:ee", -1),
        ("0xaabbccddee", -1),
        ("aa:bb:cc:dd:ee:fg", -1),
    ],
)
def test_mac_str_to_int(text, value):
    assert addresses.mac_str_to_int(text) == value


def test_int_to_str_missing_is_none():
    assert addresses.mac_int_to_str(-1) is None
    assert addresses.ipv4_int_to_str(-1) is None
    assert addresses.mac_int_to_str(0x0000_5E00_5301) == "00:00:5e:00:53:01"
    assert addresses.ipv4_int_to_str(0xC0000201) == "192.0.2.1"


def test_int_to_str_rejects_too_large():
    with pytest.raises(ValueError):
        addresses.mac_int_to_str(1 << 48)
    with pytest.raises(ValueError):
        addresses.ipv4_int_to_str(1 << 32)


def test_ipv4_str_to_int():
    assert addresses.ipv4_str_to_int("192.0.2.1") == 0xC0000201
    with pytest.raises(ValueError):
        addresses.ipv4_str_to_int("192.0.2.256")


@pytest.mark.parametrize(
    ("value", "group"),
    [(-1, False), (addresses.BROADCAST_MAC, True), (0x0100_5E00_0001, True), (0x0000_5E00_5301, False)],
)
def test_is_group_mac(value, group):
    assert addresses.is_group_mac(value) is group
