"""MAC and IPv4 conversions between strings and the integers of the frames table."""

import pandas as pd
import pytest

from analyzer.captures import (
    int_to_ip,
    int_to_mac,
    ip_to_int,
    ips_to_str,
    mac_to_int,
    macs_to_str,
    str_to_ips,
    str_to_macs,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("aa:bb:cc:dd:ee:ff", 0xAABBCCDDEEFF),
        ("AA-BB-CC-DD-EE-FF", 0xAABBCCDDEEFF),
        ("aabb.ccdd.eeff", 0xAABBCCDDEEFF),
        ("aabbccddeeff", 0xAABBCCDDEEFF),
        ("0:1b:2:3:4:5", 0x001B02030405),
        ("ff:ff:ff:ff:ff:ff", 0xFFFFFFFFFFFF),
    ],
)
def test_mac_round_trip(text, value):
    assert mac_to_int(text) == value
    assert mac_to_int(int_to_mac(value)) == value


@pytest.mark.parametrize("text", ["aa:bb", "gg:00:00:00:00:00", "aabbccddeef", "aa:bb:cc:dd:eeff", ""])
def test_mac_rejects_invalid(text):
    with pytest.raises(ValueError, match="invalid MAC address"):
        mac_to_int(text)


def test_int_to_mac_rejects_missing():
    with pytest.raises(ValueError):
        int_to_mac(-1)


def test_ip_round_trip():
    assert ip_to_int("192.0.2.1") == 0xC0000201
    assert int_to_ip(0xC0000201) == "192.0.2.1"
    with pytest.raises(ValueError, match="invalid IPv4 address"):
        ip_to_int("192.0.2.256")
    with pytest.raises(ValueError):
        int_to_ip(-1)


def test_series_conversions_keep_missing():
    macs = pd.Series([0xAABBCCDDEEFF, -1, 0x001B02030405], index=[5, 6, 7])
    text = macs_to_str(macs)
    assert text.tolist() == ["aa:bb:cc:dd:ee:ff", None, "00:1b:02:03:04:05"]
    assert text.index.tolist() == [5, 6, 7]
    assert str_to_macs(text).tolist() == macs.tolist()
    parsed = str_to_macs(pd.Series(["0:1b:2:3:4:5", "aabb.ccdd.eeff", "bogus", None, "aa:bb:cc:dd:eeff"]))
    assert parsed.tolist() == [0x001B02030405, 0xAABBCCDDEEFF, -1, -1, -1]

    ips = pd.Series([0xC0000201, -1, 0])
    assert ips_to_str(ips).tolist() == ["192.0.2.1", None, "0.0.0.0"]
    assert str_to_ips(pd.Series(["192.0.2.1", "300.1.1.1", None, "1.2.3"])).tolist() == [0xC0000201, -1, -1, -1]
    assert str_to_ips(pd.Series(["x", "y"])).tolist() == [-1, -1]
