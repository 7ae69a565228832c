"""Coverage-guided fuzz target for the sosreport reader on tarballs: ``open_sosreport`` and ``close``.

Usage: python fuzz/fuzz_sosreport.py [LIBFUZZER_OPTION ...] [CORPUS_FOLDER ...]

Without a corpus folder, the seeds are sosreport-shaped tarballs (.tar,
.tar.gz, .tar.xz) that the system's tar builds at run time from the real
command outputs of samples/. An input fails when an exception escapes, when
a warning does not name the tarball, or when the temporary folder of the
extracted members is left behind after ``close``.
"""

from __future__ import annotations

import os
import sys

import runner
import seeds

TARGET = "sosreport"

if __name__ == "__main__" and runner.needs_corpus(sys.argv[1:]):
    sys.exit(runner.rerun_with_corpus(TARGET, __file__, seeds.sosreport_seeds, sys.argv[1:], []))

import atheris  # noqa: E402

with atheris.instrument_imports(include=["analyzer.sosreport"]):
    from analyzer.sosreport import open_sosreport

from scratch import InputFile  # noqa: E402

INPUT = InputFile("sosreport.tar")


def test_one_input(data: bytes) -> None:
    path = INPUT.write(data)
    report = open_sosreport(path)
    try:
        for warning in report.warnings:
            assert warning.startswith((path, os.path.basename(path))), f"warning does not name the file: {warning!r}"
        for item in report.files:
            assert item.path.startswith(report.temp_dir), f"member written outside the temporary folder: {item.path}"
    finally:
        temp_dir = report.temp_dir
        report.close()
    assert temp_dir is None or not os.path.exists(temp_dir), f"temporary folder {temp_dir} left behind"


if __name__ == "__main__":
    runner.fuzz(TARGET, test_one_input, sys.argv[1:])
