"""Property tests of every saved-output parser on mutated and generated text around the real formats.

The parsers are found with pkgutil, so a new module of analyzer.parsers is
tested without being listed here. For every input, ``detect`` returns a
bool and ``parse`` returns a Parsed of its own kind whose warnings name the
source; neither may raise.
"""

import importlib
import json
import os

import pytest
from fuzz_inputs import contracts, mutated, text_seed_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = contracts.parser_names()
MODULES = {name: importlib.import_module(f"analyzer.parsers.{name}") for name in NAMES}
SEED_PATHS = text_seed_paths()
SEEDS = [path.read_bytes() for path in SEED_PATHS]
JSON_SEEDS = []
for _data in SEEDS:
    try:
        JSON_SEEDS.append(json.loads(_data))
    except ValueError:
        pass
SOURCE = "customer/outputs/some output.txt"

FUZZ_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# Tokens that real outputs do not contain but damaged or hostile ones might.
ODD_TOKENS = [
    "9" * 5000,  # longer than Python's 4300-digit limit for int()
    "-1", "4294967296", "18446744073709551616", "1e999", "nan", "-0", "0x", "0xZZ",
    "\x00", "\x1b[31m", "\u202e", "\ufeff", "\r", "\t\t", "<img src=x onerror=alert(1)>",
    "a" * 100_000, "ff:ff:ff:ff:ff:ff:ff", ":::::", "{", "}", "[", "]", '"', "\\", "@", "@@", "<", ">", "<>",
    "master", "dev", "vlan", "port", "state", "Slave Interface:", "ports:", "runner:", "{ }",
]


def _parse(name, text):
    module = MODULES[name]
    found = module.detect(text[: 64 * 1024])
    assert found in (True, False), f"{name}.detect returned {found!r}"
    parsed = module.parse(text, source=SOURCE)
    contracts.check_parsed(parsed, name, SOURCE)
    return parsed


@st.composite
def edited_lines(draw) -> str:
    """Draw a real output and edit it line by line: repeat, drop, cut, swap and insert odd tokens."""
    lines = draw(st.sampled_from(SEEDS)).decode("utf-8", errors="replace").splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            lines = [""]
        index = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["repeat", "drop", "cut", "swap", "token", "join", "indent"]))
        if edit == "repeat":
            lines[index:index] = [lines[index]] * draw(st.integers(1, 200))
        elif edit == "drop":
            del lines[index]
        elif edit == "cut":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
            del lines[index + 1 :]
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif edit == "token":
            words = lines[index].split(" ")
            position = draw(st.integers(0, len(words)))
            token = draw(st.sampled_from(ODD_TOKENS) | st.text(max_size=20))
            if draw(st.booleans()) and position < len(words):
                words[position] = token
            else:
                words.insert(position, token)
            lines[index] = " ".join(words)
        elif edit == "join":
            lines[index : index + 2] = [" ".join(lines[index : index + 2])]
        else:
            lines[index] = draw(st.sampled_from(["\t", "    ", " "])) + lines[index]
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


ODD_JSON = st.sampled_from([
    "[" * 3000 + "]" * 3000,  # deeper than Python's recursion limit
    '{"a":' * 3000 + "1" + "}" * 3000,
    "9" * 5000,
    "-" + "9" * 5000,
    "1e999", "-1e999", "1.5", "-1", "4294967296", "NaN", "Infinity", "null", "true", '""', "[]", "{}",
    '"\\u0000\\u001b[31m<img src=x onerror=alert(1)>"', '"\\ud800"', "[[[[[[[[[[1]]]]]]]]]]", '{"":{"":{"":[]}}}',
])


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@st.composite
def edited_json(draw) -> str:
    """Draw a real JSON output and replace one value, at any depth, with an odd JSON fragment."""
    document = draw(st.sampled_from(JSON_SEEDS))
    paths = list(_paths(document))[:2000]
    path = draw(st.sampled_from(paths))
    marker = "\x00l2trace-marker\x00"
    copy = json.loads(json.dumps(document))
    if not path:
        copy = marker
    else:
        target = copy
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = marker
    text = json.dumps(copy, indent=draw(st.sampled_from([None, 2, 4])))
    text = text.replace(json.dumps(marker), draw(ODD_JSON), 1)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # a cut file
    return text


def test_every_parser_is_found():
    assert len(NAMES) >= 9
    assert {"bridge_fdb", "ip_link", "teamdctl_state_dump"} <= set(NAMES)
    assert len(SEEDS) >= 20
    assert len(JSON_SEEDS) >= 5


@pytest.mark.parametrize("name", NAMES)
@FUZZ_SETTINGS
@given(data=mutated(SEEDS))
def test_mutated_bytes_keep_contract(name, data):
    _parse(name, data.decode("utf-8", errors="replace"))


@pytest.mark.parametrize("name", NAMES)
@FUZZ_SETTINGS
@given(text=edited_lines())
def test_edited_lines_keep_contract(name, text):
    _parse(name, text)


@pytest.mark.parametrize("name", NAMES)
@FUZZ_SETTINGS
@given(text=edited_json())
def test_edited_json_keeps_contract(name, text):
    _parse(name, text)


@pytest.mark.parametrize("name", NAMES)
@FUZZ_SETTINGS
@given(text=st.text(max_size=2000))
def test_random_text_keeps_contract(name, text):
    _parse(name, text)
