"""The ``l2trace`` command line."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
from pathlib import Path

from . import __version__
from .findings import SEVERITY_RANK
from .points import parse_capture_override
from .report.common import clean

log = logging.getLogger("analyzer")

EXIT_OK = 0
EXIT_FINDING = 1
EXIT_USAGE = 2

EPILOG = """exit status:
  0  the analysis ran, whatever it found (without --fail-on)
  1  --fail-on was given and a finding of that severity or worse exists
  2  usage error, no usable input, or the report could not be written
"""


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


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
    analyze.add_argument("--format", choices=("text", "markdown", "html", "json"), default="text",
                         help="report format (default: text); html is one self-contained file that "
                              "opens offline, with the plots inline")
    analyze.add_argument("-o", "--output", metavar="FILE",
                         help="write the report to FILE instead of stdout; with --format markdown "
                              "the plots are written beside it as FILE-STEM-NAME.png and linked")
    analyze.add_argument("--export", metavar="DIR",
                         help="also write every table as DIR/NAME.parquet and the topology as "
                              "DIR/topology.graphml, creating DIR; redacted with --redact")
    analyze.add_argument("--capture", action="append", default=[], metavar="NAME=FILE",
                         help="take FILE as captured on interface NAME (repeatable)")
    analyze.add_argument("--window", type=_positive_seconds, default=0.1, metavar="SECONDS",
                         help="maximum time for one frame to cross the host; sightings further "
                              "apart belong to separate journeys (default: 0.1)")
    analyze.add_argument("--fail-on", choices=("error", "warning"),
                         help="exit with status 1 when a finding of this severity or worse exists")
    analyze.add_argument("--redact", action="store_true",
                         help="replace MACs, IP addresses, host names and the folders above each PATH "
                              "with consistent pseudonyms, in every format and in the plots")
    analyze.add_argument("--redact-keep-oui", action="store_true",
                         help="like --redact, but keep the first three octets (the vendor OUI) of each MAC")
    analyze.add_argument("--redact-name", action="append", default=[], metavar="NAME",
                         help="also replace NAME (a host or customer name) with a pseudonym; implies "
                              "--redact (repeatable; names in hostname files of the inputs are found "
                              "without it)")
    analyze.add_argument("-q", "--quiet", action="store_true", help="print only the report and errors")
    analyze.add_argument("-v", "--verbose", action="count", default=0,
                         help="-v: also info findings, every evidence frame, the files read and "
                              "progress messages; -vv: also debug logging")

    inspect = commands.add_parser(
        "inspect", help="say what each file is: capture format, interfaces, frames, time range",
        epilog="exit status:\n  0  at least one file is a capture or a known command output\n"
               "  2  usage error, or no file could be used",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Describe each file without analysing the case: for a capture its format, link "
                    "types, interfaces, frame count, time range, clock offset against the other "
                    "captures given, and warnings; for other files the command output recognised.")
    inspect.add_argument("files", nargs="+", metavar="FILE", help="a capture or command output file")
    inspect.add_argument("--format", choices=("text", "json"), default="text",
                         help="output format (default: text)")
    return parser


def _inspect(args) -> int:
    from .inspect_files import inspect_files, render_inspection

    results = inspect_files(args.files)
    sys.stdout.write(render_inspection(results, args.format))
    return EXIT_OK if any(r["kind"] in ("capture", "output") for r in results) else EXIT_USAGE


class _Progress:
    """A progress bar on stderr while captures are read (bytes per file), shown only on a terminal."""

    # Seconds between redraws, so that a fast reader does not spend its time on the terminal.
    INTERVAL = 0.1

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.shown = False
        self.last_draw = 0.0
        self.last_path = None

    def __call__(self, path: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if path == self.last_path and now - self.last_draw < self.INTERVAL and not finished:
            return
        self.last_draw, self.last_path = now, path
        width = shutil.get_terminal_size((80, 20)).columns
        name = clean(Path(path).name)
        if total:
            share = min(1.0, done / total)
            size = f"{share * 100:5.1f}% {done / 2**20:7.1f}/{total / 2**20:.1f} MiB"
            bar_width = max(10, min(40, width - len(size) - 24))
            filled = int(share * bar_width)
            bar = "[" + "#" * filled + "-" * (bar_width - filled) + "]"
        else:
            size, bar = f"{done / 2**20:.1f} MiB", ""
        room = max(10, width - len(bar) - len(size) - 12)
        if len(name) > room:
            name = "..." + name[-(room - 3):]
        sys.stderr.write(f"\rreading {name} {bar} {size}\033[K")
        sys.stderr.flush()
        self.shown = True

    def note(self, message: str) -> None:
        """Show a status line, such as the one-time compilation notice, until the next progress report."""
        if not self.enabled:
            return
        sys.stderr.write(f"\r{message}\033[K")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _redactor(args):
    if not (args.redact or args.redact_keep_oui or args.redact_name):
        return None
    from .redact import Redactor, find_host_names

    names = [*args.redact_name, *find_host_names(args.paths)]
    return Redactor(keep_oui=args.redact_keep_oui, host_names=names, inputs=args.paths)


def _write(files: dict, quiet: bool) -> bool:
    for path, content in files.items():
        try:
            Path(path).write_bytes(content)
        except OSError as error:
            log.error("cannot write %s: %s", path, error.strerror or error)
            return False
        if not quiet:
            log.info("wrote %s", path)
    return True


def _export(case, directory: str, redactor, quiet: bool) -> bool:
    from .export import export_case

    if redactor is not None:
        from .redact import redact_case
        case = redact_case(case, redactor)
    try:
        written = export_case(case, directory)
    except (OSError, ValueError) as error:
        strerror, filename = getattr(error, "strerror", None), getattr(error, "filename", None)
        detail = f"{filename}: {strerror}" if strerror and filename else str(error)
        log.error("cannot export the tables to %s: %s", directory, detail)
        return False
    if not quiet:
        log.info("exported %d files to %s", len(written), directory)
    return True


def _analyze(args) -> int:
    from .case import load_case

    try:
        overrides = dict(parse_capture_override(value) for value in args.capture)
    except ValueError as error:
        log.error("%s", error)
        return EXIT_USAGE
    for path, name in overrides.items():
        if not Path(path).is_file():
            log.error("--capture %s=%s: file not found", name, path)
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
    redactor = _redactor(args)
    if args.output:
        from .report import render_files
        files = render_files(case, args.format, args.output, redactor=redactor, **options)
        if not _write(files, args.quiet):
            return EXIT_USAGE
    else:
        sys.stdout.write(case.report(args.format, redactor=redactor, **options))
    if args.export and not _export(case, args.export, redactor, args.quiet):
        return EXIT_USAGE
    if args.fail_on:
        threshold = SEVERITY_RANK[args.fail_on]
        if any(SEVERITY_RANK.get(f.severity, 0) >= threshold for f in case.finding_list):
            return EXIT_FINDING
    return EXIT_OK


class _CleanFormatter(logging.Formatter):
    """Log formatter that replaces control characters, so that file and interface names cannot drive the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = logging.WARNING
    if getattr(args, "quiet", False):
        level = logging.ERROR
    elif getattr(args, "verbose", 0) >= 2:
        level = logging.DEBUG
    elif getattr(args, "verbose", 0) == 1:
        level = logging.INFO
    handler = logging.StreamHandler()
    handler.setFormatter(_CleanFormatter("l2trace: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    if level > logging.INFO:
        # The reports list every capture warning with its file, so printing
        # them on stderr as well would repeat each one.
        logging.getLogger("analyzer.captures").setLevel(logging.ERROR)
    if args.command == "analyze":
        return _analyze(args)
    if args.command == "inspect":
        return _inspect(args)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
