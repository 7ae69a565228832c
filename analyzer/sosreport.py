"""Read a sosreport, folder or tarball, in place and list the files the parsers read, by sos path.

sos saves each command's output under ``sos_commands/<plugin>/`` in a file
named after the command line (``_mangle_command`` in sos's
``sos/report/plugins/__init__.py``): a leading ``/usr/bin/``, ``/bin/`` or
``/sbin/`` is dropped, every run of characters other than letters, digits,
``_``, ``-``, ``.`` and ``/`` becomes ``_``, ``/`` becomes ``.``, and
`` ._-`` are stripped from both ends. Copied files keep their path
(``proc/net/bonding/bond0``). ``sos_reports/manifest.json`` (sos 4.x) lists
each command with the file that holds its output; it is read first, and the
naming rule covers older reports without it. sos 3.6 and older ran
``brctl`` where later versions run ``bridge``, and ``ip link`` without
``-d``; those names are known too.

The manifest also dates each output. Every command entry under
``components.report.plugins.<plugin>.commands`` holds ``exec``, ``filepath``
(relative to the report's top folder), ``return_code``, ``start_time`` and
``end_time`` (seconds since the epoch from Python's ``time.time()`` on the
host, taken just before and after the command ran) and ``run_time``. sos 4.x
writes these keys in ``Plugin._collect_cmd_output``. Reports from sos 3.x
have no manifest, so their outputs carry no time. The report-level
``start_time`` is a local date string without a time zone, so it is not used.

A tarball (.tar.xz, .tar.gz, .tar.bz2 or plain .tar) is read once, as a
stream, and only the members a parser or the capture reader will read are
written, into a private temporary folder (mode 0700) that ``SosReport.close``
removes; it is removed at once when reading fails or is interrupted. Members
with absolute names or ``..``, links that leave the archive, and device
files are rejected with a warning naming the member. In a stream the
manifest helps only for members after it; sos writes it near the start.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import math
import os
import re
import shutil
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .parsers._text import shorten

log = logging.getLogger(__name__)

# Limits for tarballs. A real sosreport decompresses to a few GiB at most and
# compresses 5 to 30 times; a member of zeros compresses about 1000 times
# with gzip. The ratio is checked once RATIO_CHECK_AFTER bytes are out, as
# small archives of text can compress further.
MAX_MEMBER_BYTES = 2 * 1024**3  # one extracted member (a capture can be large)
MAX_EXTRACTED_BYTES = 4 * 1024**3  # all extracted members together
MAX_ARCHIVE_BYTES = 64 * 1024**3  # decompressed data read through, extracted or not
MAX_COMPRESSION_RATIO = 200  # decompressed bytes per compressed byte
RATIO_CHECK_AFTER = 64 * 1024**2
MAX_MANIFEST_BYTES = 64 * 1024**2
MAX_LINK_WARNINGS = 20  # further rejected members are counted, not listed
# Command start times outside this range (1990 to 2100, in epoch seconds) are
# rejected as damaged: no sosreport was taken then.
MIN_START_TIME = 631152000.0
MAX_START_TIME = 4102444800.0

_CHUNK = 1024 * 1024
_TAR_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")
_CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".pcap.xz", ".pcapng.xz",
                     ".pcap.bz2", ".pcap.zst", ".pcapng.zst")
_CAPTURE_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                   b"\x0a\x0d\x0d\x0a")
# First components of paths inside a sosreport; anything else first is the report's own folder name.
_TOP_LEVEL = {"sos_commands", "sos_reports", "sos_logs", "sos_strings", "proc", "sys", "etc", "var", "run",
              "usr", "lib", "boot", "dev", "root", "home", "opt", "hostname", "version.txt", "uname",
              "installed-rpms", "date", "uptime", "lsmod", "free", "df", "ps", "netstat", "ip_addr",
              "ip_route", "environment", "chkconfig", "lsof", "lspci", "vgdisplay", "sestatus", "dmidecode",
              "last", "mount", "pstree", "route", "java", "cmdline"}
_MARKERS = ("sos_commands", "sos_reports", "sos_logs")


def mangle_command(command: str) -> str:
    """Return the file name sos gives a command's output (sos's ``_mangle_command`` without truncation)."""
    name = re.sub(r"^/(usr/|)(bin|sbin)/", "", command)
    name = re.sub(r"[^\w\-./]+", "_", name)
    return re.sub(r"/", ".", name).strip(" ._-")


# Commands whose output a parser reads, by sos plugin; each is looked for under its mangled name.
COMMANDS: list[tuple[str, str, str]] = [
    ("networking", "ip -s -d link", "ip_link"),
    ("networking", "ip -d link", "ip_link"),
    ("networking", "ip -s link", "ip_link"),
    ("networking", "ip link", "ip_link"),
    ("networking", "ip -o link", "ip_link"),
    ("networking", "bridge -s -s -d link show", "bridge_link"),
    ("networking", "bridge -d link show", "bridge_link"),
    ("networking", "bridge link show", "bridge_link"),
    ("networking", "bridge -s -s -d -t fdb show", "bridge_fdb"),
    ("networking", "bridge -d fdb show", "bridge_fdb"),
    ("networking", "bridge -s fdb show", "bridge_fdb"),
    ("networking", "bridge fdb show", "bridge_fdb"),
    ("networking", "bridge -d vlan show", "bridge_vlan"),
    ("networking", "bridge vlan show", "bridge_vlan"),
    ("networking", "bridge -j vlan show", "bridge_vlan_json"),
    ("networking", "brctl show", "brctl_show"),
    ("networkmanager", "nmcli con", "nmcli_connection"),
    ("networkmanager", "nmcli con show", "nmcli_connection"),
    ("networkmanager", "nmcli con show --active", "nmcli_connection"),
    ("kernel", "dmesg", "kernel_log"),
    ("kernel", "dmesg -T", "kernel_log"),
    ("general", "dmesg", "kernel_log"),
    ("host", "uptime", "uptime"),
    ("general", "uptime", "uptime"),
]
# Per-device commands and copied files, as glob patterns on the sos path.
PATTERNS: list[tuple[str, str]] = [
    ("sos_commands/networking/brctl_showmacs_*", "brctl_showmacs"),
    ("sos_commands/networking/brctl_showstp_*", "brctl_showstp"),
    ("sos_commands/teamd/teamdctl_*_state_dump", "teamdctl_state_dump"),
    ("sos_commands/teamd/teamdctl_*_config_dump", "teamdctl_config_dump"),
    ("sos_commands/teamd/teamdctl_*_state", "teamdctl_state_view"),
    ("sos_commands/teamd/teamdctl_*_state_view", "teamdctl_state_view"),
    ("sos_commands/teamd/teamnl_*_ports", "teamnl_ports"),
    ("sos_commands/teamd/teamnl_*_option", "teamnl_options"),
    ("sos_commands/teamd/teamnl_*_options", "teamnl_options"),
    ("sos_commands/networkmanager/nmcli_con_show_id_*", "nmcli_connection"),
    ("sos_commands/networkmanager/nmcli_con_list_id_*", "nmcli_connection"),
    ("sos_commands/virsh/virsh_-r_dumpxml_*", "libvirt_domain"),
    ("sos_commands/libvirt/virsh_-r_dumpxml_*", "libvirt_domain"),
    ("proc/net/bonding/*", "proc_net_bonding"),
    ("etc/sysconfig/network-scripts/ifcfg-*", "ifcfg"),
    ("etc/NetworkManager/system-connections/*", "nm_keyfile"),
    ("run/libvirt/qemu/*.xml", "libvirt_domain"),
    ("etc/libvirt/qemu/*.xml", "libvirt_domain"),
    ("var/log/dmesg", "kernel_log"),
]
# Logs that hold kernel lines and teamd's lines together; each is read by both parsers.
LOG_PATTERNS = ["var/log/messages", "var/log/syslog", "var/log/kern.log",
                "sos_commands/logs/journalctl_--no-pager*"]
LOG_KINDS = ("kernel_log", "teamd_log")
# Maximum length of a host name kept: a fully qualified DNS name has at most 253 characters.
MAX_HOST_NAME = 253
HOSTNAME_PATHS = ["hostname", "sos_commands/general/hostname", "sos_commands/host/hostname", "etc/hostname"]
_EXACT = {f"sos_commands/{plugin}/{mangle_command(command)}": kind for plugin, command, kind in COMMANDS}


def classify(sos_path: str) -> list[str]:
    """Return the parser modules that read the file at this path inside a sosreport (empty if none)."""
    if sos_path in _EXACT:
        return [_EXACT[sos_path]]
    for pattern, kind in PATTERNS:
        if fnmatch.fnmatchcase(sos_path, pattern) and not sos_path.endswith((".gz", ".xz", ".bz2")):
            return [kind]
    if any(fnmatch.fnmatchcase(sos_path, pattern) for pattern in LOG_PATTERNS):
        return list(LOG_KINDS)
    return []


def is_capture_name(sos_path: str) -> bool:
    """Return whether a file name has a capture file's extension."""
    return sos_path.lower().endswith(_CAPTURE_SUFFIXES)


@dataclass
class SosFile:
    """One file of a sosreport that a parser reads."""

    sos_path: str
    """Path inside the report, such as ``sos_commands/networking/ip_-s_-d_link``."""
    path: str
    """The file on disk: inside the report folder, or in the temporary folder for a tarball."""
    kinds: list[str]
    """Parser modules that read it, from its sos path."""
    collected_at: float | None = None
    """When sos started the command that wrote it (epoch seconds, host clock), from the manifest."""


@dataclass
class SosReport:
    """The files of one sosreport that l2trace reads, and what went wrong while finding them."""

    source: str
    files: list[SosFile] = field(default_factory=list)
    captures: list[str] = field(default_factory=list)
    hostname: str | None = None
    warnings: list[str] = field(default_factory=list)
    temp_dir: str | None = None
    start_times: dict[str, float] = field(default_factory=dict)
    """Command start time by sos path, for every command output the manifest dates."""

    def close(self) -> None:
        """Remove the temporary folder of a tarball's members, if any."""
        if self.temp_dir and os.path.isdir(self.temp_dir):
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            log.debug("removed %s", self.temp_dir)
        self.temp_dir = None

    def __enter__(self) -> SosReport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def is_sosreport_dir(path: Path) -> bool:
    """Return whether a folder is the root of an unpacked sosreport."""
    return path.is_dir() and any((path / marker).is_dir() for marker in _MARKERS)


def is_tarball(path: Path) -> bool:
    """Return whether a file is a tar archive, compressed or not, by its name or its content."""
    if not path.is_file():
        return False
    if path.name.lower().endswith(_TAR_SUFFIXES):
        return True
    try:
        return tarfile.is_tarfile(path)
    except (OSError, tarfile.TarError, EOFError):
        return False


def open_sosreport(path: str | Path) -> SosReport:
    """Find the files to read in a sosreport folder or tarball; close the result to free a tarball's copies."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    return _read_tarball(path)


def _read_folder(root: Path) -> SosReport:
    """List the wanted files of an unpacked report, without following links out of it."""
    report = SosReport(source=str(root))
    resolved_root = root.resolve()
    manifest = root / "sos_reports" / "manifest.json"
    named: dict[str, list[str]] = {}
    if manifest.is_symlink() and not _link_inside(manifest, resolved_root):
        _reject(report, f"sos_reports/manifest.json: link to {os.readlink(manifest)} leaves the report")
    elif manifest.is_file():
        named, report.start_times = _read_manifest(manifest.read_bytes()[:MAX_MANIFEST_BYTES], str(manifest),
                                                   report.warnings)
    for directory, dirs, files in os.walk(root, followlinks=False):
        relative_dir = Path(directory).relative_to(root)
        if relative_dir == Path("."):
            dirs[:] = [d for d in dirs if d != "sys"]
        elif relative_dir == Path("proc"):
            dirs[:] = [d for d in dirs if d == "net"]
        elif relative_dir == Path("proc/net"):
            dirs[:] = [d for d in dirs if d == "bonding"]
        dirs.sort()
        for name in sorted(files):
            full = Path(directory) / name
            sos_path = (relative_dir / name).as_posix()
            kinds = named.get(sos_path) or classify(sos_path)
            wanted_capture = is_capture_name(sos_path)
            if not kinds and not wanted_capture and sos_path not in HOSTNAME_PATHS:
                continue
            if full.is_symlink() and not _link_inside(full, resolved_root):
                _reject(report, f"{sos_path}: link to {os.readlink(full)} leaves the report, loops or is broken")
                continue
            if not full.is_file():
                continue
            if sos_path in HOSTNAME_PATHS:
                report.hostname = report.hostname or _read_hostname(full, report.warnings)
            elif kinds:
                report.files.append(SosFile(sos_path, str(full), kinds, report.start_times.get(sos_path)))
            else:
                report.captures.append(str(full))
    log.info("sosreport %s: %d files to parse, %d captures", root, len(report.files), len(report.captures))
    return report


def _link_inside(link: Path, resolved_root: Path) -> bool:
    """Tell whether a symbolic link ends inside the report; a loop of links does not."""
    try:
        return _inside(link.resolve(strict=True), resolved_root)
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a loop of links
        return False


def _read_tarball(path: Path) -> SosReport:
    """Stream through a tarball and write the wanted members into a private temporary folder."""
    report = SosReport(source=str(path))
    report.temp_dir = tempfile.mkdtemp(prefix="l2trace-sos-")
    try:
        with open(path, "rb") as raw:
            counter = _CountingReader(raw)
            with tarfile.open(fileobj=counter, mode="r|*", bufsize=_CHUNK) as archive:
                _Extractor(report, archive, counter, path.name).run()
    except (tarfile.TarError, EOFError, OSError, ValueError, TypeError) as error:
        # TypeError: CPython 3.11's tarfile raises it on a gzip stream cut inside its 10-byte header.
        report.warnings.append(f"{path}: cannot read the archive further ({error}); the members before were read")
    except BaseException:
        report.close()
        raise
    # A manifest read after some outputs still dates them.
    for item in report.files:
        if item.collected_at is None:
            item.collected_at = report.start_times.get(item.sos_path)
    log.info("sosreport %s: %d files to parse, %d captures, %d warnings", path, len(report.files),
             len(report.captures), len(report.warnings))
    return report


class _LimitReached(Exception):
    """A size or ratio limit stopped the reading of an archive."""


class _CountingReader:
    """File wrapper that counts the compressed bytes tarfile reads."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data


class _Extractor:
    """One pass over a tarball's members: choose, check and copy."""

    def __init__(self, report: SosReport, archive: tarfile.TarFile, counter: _CountingReader, name: str):
        self.report = report
        self.archive = archive
        self.counter = counter
        self.name = name
        self.prefix: str | None = None
        self.named: dict[str, list[str]] = {}
        self.extracted = 0
        self.rejected = 0

    def run(self) -> None:
        """Read every member in order; stop with a warning when a limit is reached."""
        try:
            for member in self.archive:
                self._member(member)
            self._check_end()
        except _LimitReached as error:
            self.report.warnings.append(f"{self.name}: {error}; the members before were read")
        if self.rejected > MAX_LINK_WARNINGS:
            self.report.warnings.append(
                f"{self.name}: {self.rejected - MAX_LINK_WARNINGS} more members rejected for the same reasons")

    def _member(self, member: tarfile.TarInfo) -> None:
        """Handle one member: reject unsafe ones, copy wanted files and read through the rest."""
        name = member.name
        problem = _unsafe_name(name)
        if problem:
            self._reject(f"member {name!r}: {problem}")
            return self._drain(member, self._open(member))
        parts = PurePosixPath(name).parts
        if self.prefix is None:
            top_folder = len(parts) > 1 or member.isdir()
            self.prefix = parts[0] if top_folder and parts[0] not in _TOP_LEVEL else ""
        if self.prefix and parts[0] == self.prefix:
            parts = parts[1:]
        sos_path = "/".join(parts)
        if member.issym() or member.islnk():
            if _link_leaves(member, parts):
                self._reject(f"member {name!r}: link to {member.linkname!r} leaves the archive")
            return
        if member.isdev() or member.isfifo():
            self._reject(f"member {name!r}: device or FIFO rejected")
            return
        if not member.isfile():
            return
        handle = self._open(member)
        if sos_path == "sos_reports/manifest.json":
            data = self._read(member, handle, MAX_MANIFEST_BYTES)
            self.named, self.report.start_times = _read_manifest(data, f"{self.name}:{sos_path}",
                                                                 self.report.warnings)
            return
        if sos_path in HOSTNAME_PATHS:
            text = self._read(member, handle, 4096).decode("utf-8", errors="replace").strip()
            self.report.hostname = self.report.hostname or _host_name(text, f"{self.name}:{sos_path}",
                                                                      self.report.warnings)
            return
        kinds = self.named.get(sos_path) or classify(sos_path)
        if kinds:
            target = self._copy(member, handle, sos_path, b"")
            if target:
                self.report.files.append(SosFile(sos_path, target, kinds, self.report.start_times.get(sos_path)))
            return
        head = b""
        if not is_capture_name(sos_path) and not sos_path.startswith(("proc/", "sys/")):
            # Captures are taken wherever they are, by name or by their magic number.
            head = handle.read(4) if handle else b""
            if head not in _CAPTURE_MAGICS:
                return self._drain(member, handle)
        if is_capture_name(sos_path) or head:
            target = self._copy(member, handle, sos_path, head)
            if target:
                self.report.captures.append(target)
            return
        self._drain(member, handle)

    def _open(self, member: tarfile.TarInfo):
        """Return the member's data as a file; in a stream it can be read only once, in order."""
        return self.archive.extractfile(member) if member.isfile() else None

    def _copy(self, member: tarfile.TarInfo, handle, sos_path: str, head: bytes) -> str | None:
        """Write one member under the temporary folder, within the size and ratio limits."""
        if handle is None:
            return None
        if member.size > MAX_MEMBER_BYTES:
            self._reject(f"member {member.name!r}: {member.size} bytes, more than the limit of "
                         f"{MAX_MEMBER_BYTES} (MAX_MEMBER_BYTES); skipped")
            self._drain(member, handle)
            return None
        if self.extracted + member.size > MAX_EXTRACTED_BYTES:
            raise _LimitReached(f"stopped at member {member.name!r}: the files taken would exceed "
                                f"{MAX_EXTRACTED_BYTES} bytes (MAX_EXTRACTED_BYTES)")
        assert self.report.temp_dir is not None
        target = os.path.join(self.report.temp_dir, *PurePosixPath(sos_path).parts)
        if not _inside(Path(target), Path(self.report.temp_dir)):
            self._reject(f"member {member.name!r}: path leaves the temporary folder")
            self._drain(member, handle)
            return None
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            descriptor = os.open(target, flags, 0o600)
        except FileExistsError:
            self.report.warnings.append(f"{self.name}: member {member.name!r} appears twice; the first copy is used")
            self._drain(member, handle)
            return None
        with os.fdopen(descriptor, "wb") as out:
            out.write(head)
            written = len(head)
            while chunk := handle.read(_CHUNK):
                written += len(chunk)
                out.write(chunk)
                self._check_limits(member)
        self.extracted += written
        return target

    def _read(self, member: tarfile.TarInfo, handle, limit: int) -> bytes:
        """Return up to ``limit`` bytes of a member and read through the rest."""
        data = handle.read(limit) if handle else b""
        self._drain(member, handle)
        return data

    def _drain(self, member: tarfile.TarInfo, handle) -> None:
        """Read through a member's data in chunks, checking the limits, without keeping it."""
        if handle is None:
            return
        while handle.read(_CHUNK):
            self._check_limits(member)
        self._check_limits(member)

    def _check_end(self) -> None:
        """Warn when the compressed data ends before its end-of-stream marker, as in a cut-off download.

        tarfile ends a stream silently when a header block is missing, so the
        rest of the stream is read and the decompressor asked whether it saw
        the end of the compressed data (gzip, bzip2 and xz mark it).
        """
        stream = self.archive.fileobj
        while stream is not None and stream.read(_CHUNK):
            self._check_limits(None)
        decompressor = getattr(stream, "cmp", None)
        if decompressor is not None and getattr(decompressor, "eof", True) is False:
            self.report.warnings.append(
                f"{self.name}: the compressed data ends early, so the archive is cut off; the members before were read")

    def _check_limits(self, member: tarfile.TarInfo | None) -> None:
        """Stop the archive when the decompressed data grows too large or too far beyond the compressed size."""
        # tarfile's stream object counts the decompressed bytes it has returned in "pos".
        position = getattr(self.archive.fileobj, "pos", None)
        decompressed = position if isinstance(position, int) else self.archive.offset
        place = f"member {member.name!r}" if member is not None else "the data after the last member"
        if decompressed > MAX_ARCHIVE_BYTES:
            raise _LimitReached(f"stopped in {place}: more than {MAX_ARCHIVE_BYTES} bytes "
                                "decompressed (MAX_ARCHIVE_BYTES)")
        if decompressed > RATIO_CHECK_AFTER and self.counter.count:
            ratio = decompressed / self.counter.count
            if ratio > MAX_COMPRESSION_RATIO:
                raise _LimitReached(
                    f"stopped in {place}: {decompressed} bytes decompressed from "
                    f"{self.counter.count}, a ratio of {ratio:.0f}, above the limit of {MAX_COMPRESSION_RATIO} "
                    "(MAX_COMPRESSION_RATIO); the archive may be a decompression bomb")

    def _reject(self, message: str) -> None:
        """Record a rejected member; only the first few are listed."""
        self.rejected += 1
        if self.rejected <= MAX_LINK_WARNINGS:
            self.report.warnings.append(f"{self.name}: {message}")


def _unsafe_name(name: str) -> str | None:
    """Return why a member name is unsafe to use as a path, or None."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute path rejected"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "path with '..' rejected"
    if "\x00" in name:
        return "NUL in the name rejected"
    return None


def _link_leaves(member: tarfile.TarInfo, parts: tuple[str, ...]) -> bool:
    """Return whether a symbolic or hard link points outside the archive."""
    target = member.linkname
    if target.startswith("/") or not target:
        return True
    if member.islnk():
        # A hard link names another member, relative to the archive's top.
        return ".." in PurePosixPath(target).parts
    depth = len(parts) - 1
    for part in PurePosixPath(target).parts:
        if part == "..":
            depth -= 1
        elif part != ".":
            depth += 1
        if depth < 0:
            return True
    return False


def _inside(path: Path, root: Path) -> bool:
    """Return whether a path lies inside a folder, comparing normalised absolute paths."""
    path = Path(os.path.normpath(os.path.abspath(path)))
    root = Path(os.path.normpath(os.path.abspath(root)))
    return path == root or root in path.parents


def _reject(report: SosReport, message: str) -> None:
    """Record a file of a report folder that is not read."""
    report.warnings.append(f"{report.source}: {message}")


def _read_hostname(path: Path, warnings: list[str]) -> str | None:
    """Return the first line of a hostname file."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    return _host_name(text, str(path), warnings)


def _host_name(text: str, source: str, warnings: list[str]) -> str | None:
    """Return the host name on the first line, cut to MAX_HOST_NAME characters with a warning."""
    lines = text.strip().splitlines()
    name = lines[0].strip() if lines else ""
    if len(name) > MAX_HOST_NAME:
        warnings.append(f"{source}: line 1: host name of {len(name)} characters, longer than a DNS name "
                        f"can be; its first {MAX_HOST_NAME} are used")
        name = name[:MAX_HOST_NAME]
    return name or None


def _read_manifest(data: bytes, source: str,
                   warnings: list[str]) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Map each output file that sos's manifest names to the parsers of its command, and to its start time."""
    try:
        manifest = json.loads(data.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        warnings.append(f"{source}: line {error.lineno}: invalid JSON ({error.msg}); the sos naming rule is used "
                        "and the outputs carry no collection time")
        return {}, {}
    except RecursionError:
        warnings.append(f"{source}: JSON nested too deeply; the sos naming rule is used "
                        "and the outputs carry no collection time")
        return {}, {}
    except ValueError as error:  # an integer longer than Python's conversion limit
        warnings.append(f"{source}: invalid JSON ({shorten(str(error))}); the sos naming rule is used "
                        "and the outputs carry no collection time")
        return {}, {}
    paths: dict[str, list[str]] = {}
    times: dict[str, float] = {}
    for plugin, entry in _manifest_commands(manifest, source, warnings):
        exec_line, filepath = entry.get("exec"), entry.get("filepath")
        if not isinstance(exec_line, str) or not isinstance(filepath, str):
            continue
        sos_path = filepath.lstrip("/")
        kinds = classify(f"sos_commands/{plugin}/{mangle_command(exec_line)}")
        if kinds:
            paths[sos_path] = kinds
        where = f"{source}: plugin {shorten(plugin)!r}, command {shorten(exec_line)!r}"
        start = _start_time(entry.get("start_time"), where, warnings)
        if start is None:
            continue
        if sos_path in times and abs(times[sos_path] - start) > 1.0:
            warnings.append(f"{where}: {shorten(sos_path)!r} is listed twice with start times "
                            f"{times[sos_path]:.3f} and {start:.3f}; the output carries no collection time")
            times[sos_path] = math.nan
            continue
        times.setdefault(sos_path, start)
    times = {path: value for path, value in times.items() if not math.isnan(value)}
    log.debug("%s: %d outputs to parse named in the manifest, %d dated", source, len(paths), len(times))
    return paths, times


def _start_time(value, label: str, warnings: list[str]) -> float | None:
    """Return a command's start time from the manifest, or None with a warning when it is not a plausible epoch time."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        warnings.append(f"{label}: start_time {shorten(repr(value))} is not a number of seconds; the output carries no "
                        "collection time")
        return None
    if not MIN_START_TIME <= value <= MAX_START_TIME:
        warnings.append(f"{label}: start_time {shorten(repr(value))} is outside the years 1990 to 2100; the output "
                        "carries no collection time")
        return None
    return float(value)


def _manifest_commands(manifest, source: str, warnings: list[str]) -> list[tuple[str, dict]]:
    """Return (plugin, command entry) pairs from ``components.report.plugins.<plugin>.commands``."""
    found: list[tuple[str, dict]] = []
    plugins = manifest
    for key in ("components", "report", "plugins"):
        plugins = plugins.get(key) if isinstance(plugins, dict) else None
        if not isinstance(plugins, dict):
            warnings.append(f"{source}: no object at '{key}' where sos writes components.report.plugins; "
                            "the sos naming rule is used and the outputs carry no collection time")
            return found
    for plugin, details in plugins.items():
        commands = details.get("commands", []) if isinstance(details, dict) else []
        for entry in commands if isinstance(commands, list) else []:
            if isinstance(entry, dict):
                found.append((plugin, entry))
    return found
