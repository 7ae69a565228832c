"""The ``l2trace`` command line."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__
from .findings import SEVERITY_RANK
from .points import parse_capture_override

log = logging.getLogger("analyzer")

EXIT_OK = 0
EXIT_FINDING = 1
EXIT_USAGE = 2

EPILOG = """exit status:
  0  the analysis ran (whatever it found)
  1  --fail-on was given and a finding of that severity or worse exists
  2  usage error, or no usable input
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="l2trace",
        description="Explain where frames, above all ARP replies, were lost inside a Linux host "
                    "with bridges, teams and bonds, from its captures and saved command output.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"l2trace {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    analyze = commands.add_parser(
        "analyze", help="analyse a case and report where frames were lost",
        description="Analyse a case: captures (pcap, pcapng, compressed or not) and saved command "
                    "output (ip -d link, bridge fdb show, bridge link show, teamdctl state dump "
                    "and config dump), found by content in the given files and folders.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    analyze.add_argument("paths", nargs="+", metavar="PATH",
                         help="a file, or a folder searched recursively")
    analyze.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                         help="report format (default: text)")
    analyze.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    analyze.add_argument("--capture", action="append", default=[], metavar="NAME=FILE",
                         help="take FILE as captured on interface NAME (repeatable)")
    analyze.add_argument("--window", type=float, default=0.1, metavar="SECONDS",
                         help="maximum time for one frame to cross the host; sightings further "
                              "apart belong to separate journeys (default: 0.1)")
    analyze.add_argument("--fail-on", choices=("error", "warning"),
                         help="exit with status 1 when a finding of this severity or worse exists")
    analyze.add_argument("-q", "--quiet", action="store_true", help="print only the report and errors")
    analyze.add_argument("-v", "--verbose", action="count", default=0,
                         help="more detail: info findings, then debug logging")
    return parser


class _Progress:
    """A one-line progress display on stderr while captures are read, shown only on a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.shown = False

    def __call__(self, path: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        share = f"{100 * done / total:5.1f}%" if total else f"{done >> 20} MiB"
        sys.stderr.write(f"\rreading {path[-50:]}: {share}\033[K")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _analyze(args) -> int:
    from .case import load_case

    try:
        overrides = dict(parse_capture_override(value) for value in args.capture)
    except ValueError as error:
        log.error("%s", error)
        return EXIT_USAGE
    progress = _Progress(sys.stderr.isatty() and not args.quiet)
    try:
        case = load_case(args.paths, overrides, window=args.window, progress=progress)
    finally:
        progress.close()
    if not case.captures and not case.outputs:
        for warning in case.warnings:
            log.error("%s", warning)
        log.error("no usable input: no capture and no known command output in %s", " ".join(args.paths))
        return EXIT_USAGE
    colour = args.format == "text" and not args.output and sys.stdout.isatty()
    options = {"colour": colour, "verbose": args.verbose > 0} if args.format == "text" else {}
    text = case.report(args.format, **options)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            log.error("cannot write the report to %s: %s", args.output, error.strerror)
            return EXIT_USAGE
        if not args.quiet:
            log.info("report written to %s", args.output)
    else:
        sys.stdout.write(text)
    if args.fail_on:
        threshold = SEVERITY_RANK[args.fail_on]
        if any(SEVERITY_RANK.get(f.severity, 0) >= threshold for f in case.finding_list):
            return EXIT_FINDING
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = logging.WARNING
    if getattr(args, "quiet", False):
        level = logging.ERROR
    elif getattr(args, "verbose", 0) >= 2:
        level = logging.DEBUG
    elif getattr(args, "verbose", 0) == 1:
        level = logging.INFO
    logging.basicConfig(level=level, format="l2trace: %(levelname)s: %(message)s")
    if args.command == "analyze":
        return _analyze(args)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
