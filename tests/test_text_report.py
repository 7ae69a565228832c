"""The terminal report: plain when piped, coloured with a progress bar on a terminal, concise by default."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from conftest import REPO, SAMPLES

CASE = SAMPLES / "roundrobin-flood"
ESCAPE = "\033["


def _run_on_terminal(*args: str) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal and return what it wrote there."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "analyzer", "analyze", *args], cwd=REPO,
                               stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal)
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=300) == 0
    return output.decode("utf-8", errors="replace")


def test_piped_output_is_plain():
    result = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(CASE)], capture_output=True,
                            text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert ESCAPE not in result.stdout
    assert ESCAPE not in result.stderr
    assert "reading " not in result.stderr


def test_terminal_output_is_coloured():
    output = _run_on_terminal(str(CASE))
    assert "\033[31m" in output or "\033[32m" in output
    assert "Verdict: " in output


def test_terminal_shows_progress():
    output = _run_on_terminal(str(CASE))
    assert "\rreading " in output
    assert "%" in output


def test_quiet_hides_progress():
    output = _run_on_terminal(str(CASE), "-q")
    assert "\rreading " not in output


def test_summary_has_three_lines():
    result = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(CASE)], capture_output=True,
                            text=True, cwd=REPO, timeout=300)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Verdict: ")
    assert lines[1].startswith("  What: ")
    assert lines[2].startswith("  Why: ")
    assert lines[3].startswith("  Fix: ")


def test_verbose_shows_every_evidence_frame():
    plain = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(CASE)], capture_output=True,
                           text=True, cwd=REPO, timeout=300).stdout
    verbose = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(CASE), "-v"], capture_output=True,
                             text=True, cwd=REPO, timeout=300).stdout
    assert "more evidence frames (-v shows them)" in plain
    assert "more evidence frames" not in verbose
    assert verbose.count("  - frame ") > plain.count("  - frame ")


def test_healthy_summary_why_differs_from_what():
    from analyzer import load_case
    from analyzer.report.content import summary_lines

    lines = dict(summary_lines(load_case(REPO / "samples" / "roundrobin-lag")))
    assert lines["What"].startswith("All ")
    assert lines["Why"] != lines["What"]
    assert "replayed FDB forwarded each reply" in lines["Why"]


def test_hidden_info_findings_are_named():
    from analyzer import load_case
    from analyzer.report.text import render_text

    case = load_case(REPO / "tests" / "data" / "cases" / "balance-alb")
    plain = render_text(case, colour=False, verbose=False)
    assert "2 info findings not shown (alb-source-rewrite, inactive-port-drop); -v shows them." in plain
    assert "-v shows them" not in render_text(case, colour=False, verbose=True).split("ARP transactions:")[0]
