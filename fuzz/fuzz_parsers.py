"""Coverage-guided fuzz target for the saved-output parsers: ``detect`` and ``parse`` on any text.

Usage: python fuzz/fuzz_parsers.py [PARSER] [LIBFUZZER_OPTION ...] [CORPUS_FOLDER ...]

PARSER is a module name of analyzer.parsers (``bridge_fdb``, ``ip_link_json``
...) and may be repeated; without it, or with ``all``, every parser is fuzzed.
With several parsers, the first byte of each input picks the one that parses
it, because parsing every input with every parser (about 90 ms, mostly
building pandas tables) would leave too few inputs for a short run. Input
bytes are decoded as UTF-8 with replacement characters, as discovery reads files.
Without a corpus folder, the real command outputs of the shared reference
folder, samples/ and tests/data/ are copied into a temporary one. An input
fails when ``detect`` or ``parse`` raises, or when ``parse`` returns something
other than a Parsed of its kind whose warnings name the source.
"""

from __future__ import annotations

import importlib
import sys

import runner
import seeds

TARGET = "parsers"
SOURCE = "fuzz-input.txt"
# Discovery calls detect() on the start of a file only.
DETECT_CHARS = 64 * 1024


def _split_arguments(argv: list[str], names: list[str]) -> tuple[list[str], list[str]]:
    """Separate the parser names (or "all") from libFuzzer's arguments."""
    chosen = [arg for arg in argv if arg in names or arg == "all"]
    rest = [arg for arg in argv if arg not in chosen]
    if not chosen or "all" in chosen:
        return names, rest
    return chosen, rest


if __name__ == "__main__":
    from contracts import parser_names

    NAMES, ARGUMENTS = _split_arguments(sys.argv[1:], parser_names())
    if runner.needs_corpus(ARGUMENTS):
        sys.exit(runner.rerun_with_corpus(TARGET, __file__, lambda work: seeds.text_seeds(), ARGUMENTS, NAMES))

import atheris  # noqa: E402

with atheris.instrument_imports(include=["analyzer.parsers"]):
    import analyzer.parsers  # noqa: F401

from contracts import check_parsed  # noqa: E402

MODULES: list = []


def test_one_input(data: bytes) -> None:
    if not data:
        return
    name, module = MODULES[data[0] % len(MODULES)]
    text = data.decode("utf-8", errors="replace")
    found = module.detect(text[:DETECT_CHARS])
    assert found in (True, False), f"{name}.detect returned {found!r}"
    check_parsed(module.parse(text, source=SOURCE), name, SOURCE)


if __name__ == "__main__":
    with atheris.instrument_imports(include=["analyzer.parsers"]):
        MODULES.extend((name, importlib.import_module(f"analyzer.parsers.{name}")) for name in NAMES)
    runner.fuzz(TARGET, test_one_input, ARGUMENTS)
