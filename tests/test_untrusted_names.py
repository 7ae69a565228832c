"""Names from the inputs, made hostile, stay text: escaped in HTML and Markdown, without control characters on a terminal.

Two real sample cases are edited the way a hostile or broken customer file
would be: a capture renamed to contain HTML markup and an ANSI colour
sequence (and a truncated copy of it, so that the reader warns about it), and
an ``ip -d link`` output whose interface name is changed with sed.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES

MARKUP = "<img src=x onerror=alert(1)>"
ESCAPE = "\x1b[31m"
# Interface names cannot contain spaces, so the ip link edit uses "/" between the attributes, as HTML allows.
MARKUP_NO_SPACE = "<img/src=x/onerror=alert(1)>"
# C0 and C1 control characters other than tab and newline.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FORMATS = ["text", "markdown", "html", "json"]


def _renamed_capture(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    shutil.copytree(SAMPLES / "roundrobin-flood", case)
    captures = case / "captures"
    hostile = captures / f"vnet0{MARKUP}{ESCAPE}.pcap"
    (captures / "vnet0.pcap").rename(hostile)
    (captures / f"cut-{hostile.name}").write_bytes(hostile.read_bytes()[:1000])
    return case


def _edited_ip_link(tmp_path: Path, name: str) -> Path:
    case = tmp_path / "case"
    shutil.copytree(SAMPLES / "roundrobin-flood", case)
    sed = shutil.which("sed")
    if sed is None:
        pytest.skip("sed is not installed")
    replacement = name.replace("/", "\\/")
    outputs = sorted(str(path) for path in (case / "outputs").iterdir())
    subprocess.run([sed, "-i", f"s/vnet0/{replacement}/g", *outputs], check=True)
    assert name in (case / "outputs" / "ip_-d_link.txt").read_text()
    return case


CASES = {
    "capture-file-name": _renamed_capture,
    "ip-link-name-with-spaces": lambda tmp_path: _edited_ip_link(tmp_path, f"vnet0{MARKUP}{ESCAPE}"),
    "interface-name": lambda tmp_path: _edited_ip_link(tmp_path, f"vnet0{MARKUP_NO_SPACE}{ESCAPE}"),
}


def _analyze(case: Path, output_format: str, output: Path | None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "analyzer", "analyze", "-v", str(case), "--format", output_format]
    if output is not None:
        command += ["-o", str(output)]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)


def _without_code_spans(markdown: str) -> str:
    return re.sub(r"(`+).*?\1", "", markdown)


@pytest.mark.parametrize("case_name", sorted(CASES))
@pytest.mark.parametrize("output_format", FORMATS)
def test_hostile_name_reaches_report_as_text(case_name, output_format, tmp_path):
    case = CASES[case_name](tmp_path)
    output = tmp_path / f"report.{output_format}" if output_format == "html" else None
    result = _analyze(case, output_format, output)
    assert result.returncode == 0, result.stderr
    report = output.read_text(encoding="utf-8") if output else result.stdout

    assert "Traceback" not in result.stderr
    assert not CONTROL.search(result.stderr), "a control character reached the terminal through stderr"
    if case_name == "capture-file-name":
        # The reader's warning about the cut copy names the file, with the escape character replaced.
        assert f"{MARKUP}?[31m.pcap: record" in result.stderr
    if output_format == "text":
        assert not CONTROL.search(report), "a control character reached the terminal through stdout"
        assert "onerror=alert(1)>" in report
    elif output_format == "markdown":
        assert not CONTROL.search(report)
        prose = _without_code_spans(report)
        assert not re.search(r"(?<!\\)<img", prose), "unescaped markup in Markdown"
        assert "\\<img" in prose
    elif output_format == "html":
        assert "<img src=x" not in report
        assert "<img/src=x" not in report
        assert "&lt;img" in report
    else:
        assert ESCAPE not in report
        document = json.loads(report)
        assert "onerror=alert(1)" in json.dumps(document)


def test_suggested_commands_quote_interface_names(tmp_path):
    case = CASES["interface-name"](tmp_path)
    result = _analyze(case, "markdown", None)
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if "tcpdump -i" in line and "onerror" in line]
    assert commands
    for line in commands:
        assert "tcpdump -i 'vnet0<img/src=x/onerror=alert(1)>?[31m'" in line


def test_invisible_format_characters_replaced():
    from analyzer.report.common import clean

    assert clean("host\u202eevil\u200bname\ufeff\u2066x") == "host?evil?name??x"
    assert clean("tab\tand\nnewline") == "tab\tand\nnewline"
