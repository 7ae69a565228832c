"""Coverage-guided fuzz target for the capture reader: ``read_capture`` and ``is_capture`` on any bytes.

Usage: python fuzz/fuzz_capture.py [LIBFUZZER_OPTION ...] [CORPUS_FOLDER ...]

Without a corpus folder, the real captures of samples/, tests/data/ and the
shared reference folder are copied into a temporary one. An input fails when
an exception escapes, when the reader's catch-all for a walk or decoder
exception fires, or when a warning does not name the file or, for a stop, the
position (see contracts.py). With L2TRACE_NO_NUMBA=1 the numpy loops run in
place of the numba-compiled ones.
"""

from __future__ import annotations

import sys

import runner
import seeds

TARGET = "capture"

if __name__ == "__main__" and runner.needs_corpus(sys.argv[1:]):
    sys.exit(runner.rerun_with_corpus(TARGET, __file__, lambda work: seeds.capture_seeds(), sys.argv[1:], []))

import atheris  # noqa: E402

# numba compiles the loops in the compiled_* modules from their bytecode, which must stay uninstrumented.
with atheris.instrument_imports(
    include=["analyzer.captures"],
    exclude=["analyzer.captures.compiled_walk", "analyzer.captures.compiled_decode", "analyzer.captures.jit"],
):
    from analyzer.captures import is_capture, read_capture

from contracts import check_capture  # noqa: E402
from scratch import InputFile  # noqa: E402

INPUT = InputFile("capture")


def test_one_input(data: bytes) -> None:
    path = INPUT.write(data)
    is_capture(path)
    check_capture(read_capture(path), path)


if __name__ == "__main__":
    runner.fuzz(TARGET, test_one_input, sys.argv[1:])
