"""The HTML report: self-contained, escaped, and rendered without errors by headless Chromium.

The browser is driven through the Chrome DevTools protocol over a pipe
(``--remote-debugging-pipe``: NUL-separated JSON on file descriptors 3 and 4),
so no port is opened. Where ``unshare -n`` works, the browser runs in a new,
empty network namespace, so it cannot reach any network whatever the page requests.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import SAMPLES, shared_path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_TIMEOUT = 60.0
PAGE_WIDTH = 1280


def _analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", "analyze", *args], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1], timeout=300)


def _render_html(case: Path, tmp_path: Path, name: str = "report.html") -> Path:
    output = tmp_path / name
    result = _analyze(str(case), "--format", "html", "-o", str(output))
    assert result.returncode == 0, result.stderr
    return output


class _Resources(HTMLParser):
    """Collect every tag name and every URL the page refers to."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data") and value is not None:
                self.urls.append(value)


def _resources(html: str) -> _Resources:
    parser = _Resources()
    parser.feed(html)
    return parser


# Chromium over the DevTools pipe ----------------------------------------------------------------


class Browser:
    """A headless Chromium driven through the DevTools protocol on a pipe."""

    def __init__(self, profile: Path):
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()
        # Move the child's ends above 3 and 4 first, so the dup2 calls below cannot overwrite them.
        child_in = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
        os.close(to_browser_read)
        os.close(from_browser_write)

        def connect_pipes():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                   "--disable-extensions", "--disable-default-apps", "--hide-scrollbars", "--mute-audio",
                   f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        if _network_namespace_works():
            command = ["unshare", "-n", *command]
        self.process = subprocess.Popen(command, pass_fds=(3, 4), preexec_fn=connect_pipes,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        os.close(child_in)
        os.close(child_out)
        self.writer = to_browser_write
        self.reader = from_browser_read
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []
        self.session = None

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.writer, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._receive()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self) -> dict:
        deadline = time.monotonic() + BROWSER_TIMEOUT
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.reader], [], [], max(0.0, remaining))
            if not ready:
                raise TimeoutError(f"no DevTools message from Chromium within {BROWSER_TIMEOUT} s")
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                error = self.process.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"Chromium closed the DevTools pipe; its stderr ends with: {error}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                             session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": PAGE_WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluating the check failed: {result['exceptionDetails']}")
        return result["result"]["value"]

    def screenshot(self, path: Path) -> None:
        metrics = self.send("Page.getLayoutMetrics")
        height = int(metrics["cssContentSize"]["height"])
        shot = self.send("Page.captureScreenshot",
                         {"format": "png", "captureBeyondViewport": True,
                          "clip": {"x": 0, "y": 0, "width": PAGE_WIDTH, "height": height, "scale": 1}})
        import base64
        path.write_bytes(base64.b64decode(shot["data"]))

    def problems(self) -> list[str]:
        """Return console errors, uncaught exceptions, dialogs, error log entries and non-local requests."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"uncaught exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                found.append(f"console {params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry'].get('text')}")
            elif method == "Page.javascriptDialogOpening":
                found.append(f"dialog: {params.get('message')}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"request to {url}")
        return found

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.writer)
        os.close(self.reader)


def _network_namespace_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    instance = Browser(tmp_path / "profile")
    yield instance
    instance.close()


PAGE_CHECK = """(() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const verdict = document.querySelector('#verdict');
  const images = [...document.querySelectorAll('img')];
  return {
    verdict_text: verdict ? verdict.innerText : null,
    verdict_visible: verdict ? visible(verdict) : false,
    images: images.map(img => ({alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
                                visible: visible(img), width: img.getBoundingClientRect().width})),
    scripts: document.querySelectorAll('script').length,
    body_text: document.body.innerText,
  };
})()"""


def _check_page(browser: Browser, report: Path, tmp_path: Path, verdict: str) -> dict:
    browser.open(report.resolve().as_uri())
    page = browser.evaluate(PAGE_CHECK)
    screenshot = tmp_path / "screenshot.png"
    browser.screenshot(screenshot)
    assert browser.problems() == []
    assert page["verdict_visible"]
    assert verdict in page["verdict_text"]
    assert page["scripts"] == 0
    assert [image["alt"] for image in page["images"]] == [
        "Ladder diagram of the failing ARP transaction", "FDB timeline", "Topology"]
    for image in page["images"]:
        assert image["loaded"], image["alt"]
        assert image["visible"], image["alt"]
        assert image["width"] > 300, image["alt"]
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert screenshot.stat().st_size > 50_000
    return page


def _verdict(case: Path) -> str:
    result = _analyze(str(case), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["verdict"]


def test_sample_report_is_self_contained(tmp_path):
    html = _render_html(SAMPLES / "roundrobin-flood", tmp_path).read_text(encoding="utf-8")
    resources = _resources(html)
    assert "script" not in resources.tags
    assert "link" not in resources.tags
    assert resources.urls
    for url in resources.urls:
        assert url.startswith("data:image/png;base64,"), url
    assert "@import" not in html
    assert "url(" not in html


def test_sample_report_in_chromium(browser, tmp_path):
    case = SAMPLES / "roundrobin-flood"
    verdict = _verdict(case)
    page = _check_page(browser, _render_html(case, tmp_path), tmp_path, verdict)
    for section in ("Findings and evidence", "Recommendations", "What to collect next time", "Inputs read"):
        assert section in page["body_text"]
    assert "frame.number ==" in page["body_text"]
    assert "tcpdump -i" in page["body_text"]


def test_c01_report_in_chromium(browser, tmp_path):
    case = shared_path("cases", "C01")
    expected = json.loads((case / "expected.json").read_text())
    verdict = _verdict(case)
    page = _check_page(browser, _render_html(case, tmp_path), tmp_path, verdict)
    assert verdict in json.dumps(expected)
    assert "br-vm" in page["body_text"]


def _hostile_case(tmp_path: Path) -> tuple[Path, str]:
    """Copy the sample with its vnet0 capture renamed to a name that is also HTML markup."""
    case = tmp_path / "case"
    shutil.copytree(SAMPLES / "roundrobin-flood", case)
    captures = case / "captures"
    hostile = "vnet0<script>alert(1)<img src=x onerror=alert(2)>.pcap"
    (captures / "vnet0.pcap").rename(captures / hostile)
    return case, hostile


def test_file_name_markup_is_escaped(tmp_path):
    case, hostile = _hostile_case(tmp_path)
    html = _render_html(case, tmp_path).read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "vnet0&lt;script&gt;alert(1)&lt;img src=x onerror=alert(2)&gt;.pcap" in html


def test_file_name_markup_stays_text_in_chromium(browser, tmp_path):
    case, hostile = _hostile_case(tmp_path)
    page = _check_page(browser, _render_html(case, tmp_path), tmp_path, _verdict(case))
    assert hostile in page["body_text"]


def test_markdown_escapes_file_name_markup(tmp_path):
    case, hostile = _hostile_case(tmp_path)
    result = _analyze(str(case), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "<script>" not in result.stdout
    assert "\\<script\\>" in result.stdout


def test_markdown_writes_linked_plots(tmp_path):
    output = tmp_path / "ticket.md"
    result = _analyze(str(SAMPLES / "roundrobin-flood"), "--format", "markdown", "-o", str(output))
    assert result.returncode == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    for name in ("ladder", "fdb-timeline", "topology"):
        picture = tmp_path / f"ticket-{name}.png"
        assert picture.read_bytes().startswith(b"\x89PNG"), name
        assert f"(ticket-{name}.png)" in text
