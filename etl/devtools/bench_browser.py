"""What a manager waits for: the dashboard's pages timed in a real browser, alone and with
several people at once.

    python -m etl bench --browser ...       (part of `make bench`; needs Debian's chromium)

Against a running `streamlit run dashboard/app.py` on the benchmark's warehouse, headless
Chromium (Playwright, /usr/bin/chromium) measures, per page:
- warm: opening the page from the menu with the caches warm;
- cold: the first open after a publish (a new version: every cached result is new);
- filter: choosing one channel in the sidebar;
- language: switching to 中文 and back;
- widget: one control in the page itself (WIDGETS: a split-by choice, a slider), which
  reruns only its fragment where the page draws that part as one.
The time is from the click to the page settled: Streamlit's script finished
(`data-test-script-state="notRunning"` after it was seen running), no stale element left,
every chart drawn. The bytes the server sent over the websocket for that step are counted
too, and the server's own script time for it (etl/devtools/bench_server.py times every
script run); the rest of the step is the frontend's (receiving and drawing; loopback has
no network to speak of). Several rounds; median and max.

The concurrency run starts N browser sessions (separate processes), each clicking through
all pages in a loop for a bounded time, with a publish in the middle; it reports p50/p95
page times, errors, whether each session showed the new version at its next interaction,
the server's peak RSS, its script runs' p50/p95, and how the cores' busy time split between
the server, the publish and the rest (the browsers and their drivers). All traffic is on
loopback.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from etl.core.settings import PROJECT_ROOT
from etl.devtools.bench_server import read_runs

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ("", "first_response", "resolution", "assistant", "escalations", "agent_quality", "process", "alerts", "data_health")
# a control in the page per page (its widget key: Streamlit gives its element the class
# st-key-<key>), and how to move it: a segmented control's second option, a slider one step
WIDGETS = {"resolution": ("repeat_dim", "segment"), "assistant": ("as_target", "slider"),
           "agent_quality": ("cp_dim", "segment"), "first_response": ("frt_split", "segment")}
TARGETS = {"warm_1m": 0.8, "cold_1m": 2.0, "filter_1m": 1.0, "warm_10m": 1.5, "cold_10m": 4.0}

# Installed before each step: notes when the script starts running, so that "settled" is
# not the previous state seen before the rerun began.
_WATCH = """() => {
  window.__sawRunning = false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__watch) window.__watch.disconnect();
  window.__watch = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__sawRunning = true;
  });
  window.__watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
_SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || !window.__sawRunning || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (!c.querySelector('.main-svg')) return false;
  return true;
}"""
# no script run going on, and the page drawn (before an action)
_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning';
}"""
# a click that started no script run within this many seconds is taken as lost
CLICK_LOST_S = 10
# what keeps a page from settling, for the error message of a step that timed out
_UNSETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'no app on the page';
  const stale = [...document.querySelectorAll('[data-stale="true"]')]
    .map(e => e.getAttribute('data-testid') || e.className).slice(0, 5);
  const bare = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(c => !c.querySelector('.main-svg')).length;
  // the status corner ("Running…", "Connecting") and a dialog (a lost connection shows one)
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const dialog = document.querySelector('[role="dialog"]');
  return `script ${app.getAttribute('data-test-script-state')}, saw it run: ${window.__sawRunning}, ` +
         `stale: [${stale}], charts not drawn: ${bare}, ` +
         `status: ${status ? JSON.stringify(status.innerText.slice(0, 60)) : 'none'}, ` +
         `dialog: ${dialog ? JSON.stringify(dialog.innerText.slice(0, 80)) : 'none'}, url: ${location.pathname}`;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss(pid: int) -> int:
    """Resident bytes of a process and its children (the Streamlit server is one process)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) the process `pid` has used so far; 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    """CPU seconds of this process's children that have ended and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, summed over its cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal (guest is in user)
    idle = values[3] + values[4]
    return (total - idle) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


@contextmanager
def dashboard(warehouse: Path, *, port: int | None = None,
              timings: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run dashboard/app.py` on loopback over `warehouse`, until the block ends;
    with `timings`, every script run's time is appended there (etl/devtools/bench_server.py)."""
    port = port or free_port()
    env = {**os.environ, "DESK_DB": str(warehouse)}
    if timings is not None:
        env["DESK_BENCH_TIMINGS"] = str(timings)
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl.devtools.bench_server", "run", "dashboard/app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Browser:
    """One headless Chromium page on the dashboard, with timed steps."""

    def __init__(self, url: str, timeout_s: float = 60, timings: Path | None = None) -> None:
        from playwright.sync_api import sync_playwright

        self.url = url
        self.timings = timings
        self.last_server: float | None = None  # the server's script seconds of the last step
        self.timeout_ms = timeout_s * 1000
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        self.page = self._browser.new_page(viewport={"width": 1400, "height": 1000})
        self.received = 0
        self.clicks_repeated = 0
        self.current: str | None = None
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._count))

    def _count(self, payload: str | bytes) -> None:
        self.received += len(payload)

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()

    def open(self, path: str = "") -> float:
        start = time.monotonic()
        self.page.goto(f"{self.url}/{path}")
        self.page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                    timeout=self.timeout_ms)
        self.page.wait_for_function(_SETTLED.replace("!window.__sawRunning || ", ""), timeout=self.timeout_ms)
        self.current = path
        return time.monotonic() - start

    def step(self, action: Any, *, repeatable: bool = False) -> tuple[float, int]:
        """(seconds until the page settled, bytes received) for one action. A `repeatable`
        action (a click on a menu link: doing it twice does what once does) that started no
        script run within CLICK_LOST_S is done once more and counted in `clicks_repeated`:
        now and then (about one click in a hundred on a loaded machine) a click on a page
        link lands as a run ends and the frontend starts nothing; a person clicks again."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        # no run of the last step still going (it would swallow this action's rerun)
        self.page.wait_for_function(_IDLE, timeout=self.timeout_ms, polling=20)
        self.page.evaluate(_WATCH)
        before = self.received
        start = time.monotonic()
        action()
        try:
            if repeatable:
                try:
                    self.page.wait_for_function("() => window.__sawRunning", timeout=CLICK_LOST_S * 1000, polling=20)
                except PlaywrightTimeout:
                    self.clicks_repeated += 1
                    action()
            self.page.wait_for_function(_SETTLED, timeout=self.timeout_ms, polling=20)
        except PlaywrightTimeout as exc:
            raise TimeoutError(f"not settled after {self.timeout_ms / 1000:.0f} s: "
                               f"{self.page.evaluate(_UNSETTLED)}") from exc
        took = time.monotonic() - start
        self.last_server = self._server_seconds(start, start + took)
        return took, self.received - before

    def _server_seconds(self, start: float, end: float) -> float | None:
        """The script runs that ended within [start, end] (the server writes its line as the
        run ends: wait a moment for it), summed; None without a timings file."""
        if self.timings is None:
            return None
        for _ in range(20):
            runs = [r for r in read_runs(self.timings) if start <= r["end"] <= end + 0.05]
            if runs:
                return round(sum(r["end"] - max(r["start"], start) for r in runs), 4)
            time.sleep(0.01)
        return 0.0

    def go(self, path: str) -> tuple[float, int]:
        """Open a page from the menu (a page already open is not a step: nothing reruns)."""
        if path == self.current:
            return 0.0, 0
        link = self.page.locator(f'[data-testid="stPageLink-NavLink"][href="{path}"]').first
        took = self.step(link.click, repeatable=True)
        self.current = path
        return took

    def choose_channel(self, label: str = "Channel") -> tuple[float, int]:
        """Pick the first value of the sidebar's channel filter (a multiselect)."""
        box = self.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label).first

        def pick() -> None:
            box.click()
            self.page.locator('[role="option"]').first.click()
            self.page.keyboard.press("Escape")

        return self.step(pick)

    def clear_filters(self) -> float:
        """Back to the overview without filters (a fresh page load)."""
        return self.open()

    def language(self, option: str) -> tuple[float, int]:
        """Switch the sidebar's language radio to `option` (its label: "中文" or "English")."""
        radio = self.page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').first
        return self.step(lambda: radio.get_by_text(option, exact=True).click())

    def widget(self, key: str, kind: str, *, back: bool = False) -> tuple[float, int] | None:
        """Move the page's control `key` (None when the page does not show it): a segmented
        control to its second option (`back`: its first), a slider one step right (left)."""
        box = self.page.locator(f".st-key-{key}")
        if box.count() == 0:
            return None
        if kind == "slider":
            thumb = box.get_by_role("slider").first  # an input of type range: its role is implicit
            return self.step(lambda: thumb.press("ArrowLeft" if back else "ArrowRight"))
        button = box.locator("button").nth(0 if back else 1)
        return self.step(button.click)

    def version_shown(self) -> str:
        """The version the sidebar names ("… · version 7")."""
        text = self.page.locator('[data-testid="stSidebar"]').inner_text()
        for word in ("version", "版本"):
            if word in text:
                return text.split(word, 1)[1].split()[0].strip(" ·")
        return ""


@dataclass
class PageFigures:
    warm: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    filter: list[float] = field(default_factory=list)
    language: list[float] = field(default_factory=list)
    widget: list[float] = field(default_factory=list)
    bytes_warm: list[int] = field(default_factory=list)
    bytes_cold: list[int] = field(default_factory=list)
    server_warm: list[float] = field(default_factory=list)   # the server's script seconds
    server_cold: list[float] = field(default_factory=list)
    server_filter: list[float] = field(default_factory=list)
    server_widget: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for name in ("warm", "cold", "filter", "language", "widget"):
            values = getattr(self, name)
            out[f"{name}_median"] = round(statistics.median(values), 3) if values else None
            out[f"{name}_max"] = round(max(values), 3) if values else None
        out["kib_warm"] = round(statistics.median(self.bytes_warm) / 1024, 1) if self.bytes_warm else None
        out["kib_cold"] = round(statistics.median(self.bytes_cold) / 1024, 1) if self.bytes_cold else None
        for name in ("warm", "cold", "filter", "widget"):
            server = getattr(self, f"server_{name}")
            out[f"server_{name}_median"] = round(statistics.median(server), 3) if server else None
            # the rest of the step: receiving, the frontend's drawing (loopback: no network)
            total = out[f"{name}_median"]
            out[f"frontend_{name}_median"] = (round(max(0.0, total - out[f"server_{name}_median"]), 3)
                                              if server and total is not None else None)
        return out


def publish_again(warehouse: Path) -> None:
    """A new published version of the same data (`etl rebuild`): every cache is cold."""
    subprocess.run([sys.executable, "-m", "etl", "rebuild", "--db", str(warehouse)], cwd=PROJECT_ROOT,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def single_user(url: str, warehouse: Path, *, rounds: int = 3, pages: tuple[str, ...] = PAGES,
                warmups: int = 2, timings: Path | None = None) -> dict[str, Any]:
    """Per page: warm, cold, filter and language figures over `rounds` rounds."""
    figures = {p or "overview": PageFigures() for p in pages}
    errors: list[str] = []
    browser = Browser(url, timings=timings)
    try:
        browser.open()
        for _ in range(warmups):  # every page's caches warm
            for p in pages:
                browser.go(p)
        for _ in range(rounds):
            publish_again(warehouse)
            for p in pages:  # the first open after the publish: cold
                seconds, size = browser.go(p)
                figures[p or "overview"].cold.append(seconds)
                figures[p or "overview"].bytes_cold.append(size)
                _server(figures[p or "overview"].server_cold, browser)
            for p in pages:
                browser.go(pages[-1] if p != pages[-1] else pages[0])  # come from another page
                seconds, size = browser.go(p)
                figures[p or "overview"].warm.append(seconds)
                figures[p or "overview"].bytes_warm.append(size)
                _server(figures[p or "overview"].server_warm, browser)
                if p != "data_health":
                    seconds, _ = browser.choose_channel()
                    figures[p or "overview"].filter.append(seconds)
                    _server(figures[p or "overview"].server_filter, browser)
                    browser.clear_filters()
                    browser.go(p)
                seconds, _ = browser.language("中文")
                figures[p or "overview"].language.append(seconds)
                browser.language("English")
                if p in WIDGETS:
                    try:
                        moved = browser.widget(*WIDGETS[p])
                        if moved is not None:
                            figures[p].widget.append(moved[0])
                            _server(figures[p].server_widget, browser)
                            browser.widget(*WIDGETS[p], back=True)
                    except Exception as exc:  # a control that did not rerun: noted, the round goes on
                        errors.append(f"{p} widget: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                        browser.open(p)
    finally:
        browser.close()
    out: dict[str, Any] = {page: f.summary() for page, f in figures.items()}
    if errors:
        out["_errors"] = {"errors": errors}
    return out


def _server(into: list[float], browser: Browser) -> None:
    if browser.last_server is not None:
        into.append(browser.last_server)


# how many pages each session opens after the publish finished, before it stops; and how long
# past its `seconds` a session waits for them at most (a publish at 1 M takes 40–90 s under load)
PAGES_AFTER_PUBLISH = 2
MAX_OVERTIME_S = 300


# how long the sessions' browsers may take to come up before the clock runs without the late ones
READY_TIMEOUT_S = 180


def _session(url: str, seconds: float, ready: Any, go: Any, queue: Any, published: Any = None) -> None:
    """One person clicking through every page for `seconds` (in a process of its own), and on
    until it has opened PAGES_AFTER_PUBLISH pages after `published` (an event) was set. The
    session says on `ready` (a queue) when its browser shows the first page (or failed to),
    and its clock runs from `go` (an event), set once every session is up."""
    times: list[tuple[float, str, float]] = []
    errors: list[str] = []
    versions: list[tuple[float, float, str]] = []  # (clicked, settled, version shown)
    browser = None
    try:
        try:
            browser = Browser(url)
            browser.open()
            opened = time.time()
            versions.append((opened, opened, browser.version_shown()))
        finally:
            ready.put(True)
        go.wait(READY_TIMEOUT_S + 30)  # the clock runs once every browser is up
        end = time.time() + seconds
        i = after = 0

        def going() -> bool:
            now = time.time()
            if now < end:
                return True
            waiting = published is not None and (not published.is_set() or after < PAGES_AFTER_PUBLISH)
            return waiting and now < end + MAX_OVERTIME_S

        while going():
            seen_published = published is not None and published.is_set()
            page = PAGES[i % len(PAGES)]
            i += 1
            try:
                started = time.time()
                took, _ = browser.go(page)
                times.append((time.time(), page or "overview", took))
                versions.append((started, time.time(), browser.version_shown()))
                after += seen_published
            except Exception as exc:  # a timeout or a page error: counted, the loop goes on
                errors.append(f"{page or 'overview'}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    except Exception as exc:
        errors.append(f"session: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        if browser is not None:
            browser.close()
    queue.put({"times": times, "errors": errors, "versions": versions,
               "clicks_repeated": browser.clicks_repeated if browser is not None else 0})


def _p95(ordered: list[float]) -> float | None:
    """The 95th percentile of values in ascending order (the rank below, not interpolated)."""
    return round(ordered[int(0.95 * (len(ordered) - 1))], 3) if ordered else None


def concurrent(url: str, proc: subprocess.Popen[bytes], warehouse: Path, *, users: int,
               seconds: float = 60, timings: Path | None = None) -> dict[str, Any]:
    """N sessions at once for `seconds`, a publish in the middle; each session goes on until it
    has opened PAGES_AFTER_PUBLISH pages after the publish finished (at most MAX_OVERTIME_S more).
    Where the machine's time went meanwhile: the CPU seconds of the server, of the publish and
    of the rest (the browsers, on this machine), their shares of the cores' time, and (with
    `timings`, etl/devtools/bench_server.py) the server's script runs, p50 and p95."""
    ctx = mp.get_context("spawn")
    queue, ready = ctx.Queue(), ctx.Queue()
    go, published = ctx.Event(), ctx.Event()
    procs = [ctx.Process(target=_session, args=(url, seconds, ready, go, queue, published)) for _ in range(users)]
    for p in procs:
        p.start()
    # the clock runs once every browser shows its first page: on a busy machine starting N
    # Chromiums takes longer than the run itself, and a publish before a session is up checks nothing
    deadline = time.time() + READY_TIMEOUT_S
    for _ in procs:
        try:
            ready.get(timeout=max(0.1, deadline - time.time()))
        except Empty:  # the late ones start with the clock running
            break
    go.set()
    start_at, start_mono = time.time(), time.monotonic()
    server_cpu0, (busy0, total0) = _cpu_seconds(proc.pid), _machine_cpu()
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    time.sleep(max(0.0, start_at - time.time()) + seconds / 2)
    published_at = time.time()
    publish_cpu0 = _children_cpu_seconds()
    publish_again(warehouse)
    publish_cpu = _children_cpu_seconds() - publish_cpu0
    published_done = time.time()
    published.set()
    results = [queue.get(timeout=seconds + MAX_OVERTIME_S + 180) for _ in procs]
    # (a server gone by now reads 0: its share is then 0, not negative)
    server_cpu, (busy1, total1) = max(0.0, _cpu_seconds(proc.pid) - server_cpu0), _machine_cpu()
    end_mono = time.monotonic()
    for p in procs:
        p.join(timeout=30)
    stop.set()
    sampler.join()
    busy, total = busy1 - busy0, total1 - total0
    script_runs = sorted(r["seconds"] for r in (read_runs(timings) if timings else [])
                         if start_mono <= r["start"] and r["end"] <= end_mono)
    all_times = sorted(t for r in results for _, _, t in r["times"])
    errors = [e for r in results for e in r["errors"]]
    # did each session's next page opened after the publish finished show a newer version?
    saw_new = checked = 0
    for r in results:
        # pages that ended before the publish began, and pages clicked after it finished
        before = [v for _clicked, ended, v in r["versions"] if ended < published_at and v]
        after = [v for clicked, _ended, v in r["versions"] if clicked > published_done and v]
        if before and after:  # a session with no page after the publish finished tells nothing
            checked += 1
            saw_new += after[0] != before[-1]
    return {
        "users": users, "seconds": seconds, "pages_opened": len(all_times),
        "p50": round(statistics.median(all_times), 3) if all_times else None,
        "p95": _p95(all_times),
        "errors": errors[:20], "error_count": len(errors),
        "clicks_repeated": sum(r["clicks_repeated"] for r in results),
        "sessions_saw_new_version": saw_new, "sessions_checked": checked,
        "publish_seconds": round(published_done - published_at, 1),
        "server_peak_rss_mib": round(peak / 2**20, 1),
        "script_runs": len(script_runs),
        "server_run_p50": round(statistics.median(script_runs), 3) if script_runs else None,
        "server_run_p95": _p95(script_runs),
        "cpu_busy_share": round(busy / total, 3) if total else None,
        "cpu_server_share": round(server_cpu / busy, 3) if busy else None,
        "cpu_publish_share": round(publish_cpu / busy, 3) if busy else None,
        "cpu_other_share": round(max(0.0, busy - server_cpu - publish_cpu) / busy, 3) if busy else None,
    }


def run(warehouse: Path, *, rounds: int = 3, users: tuple[int, ...] = (1, 5, 10),
        seconds: float = 60, pages: tuple[str, ...] = PAGES) -> dict[str, Any]:
    """The browser figures of one warehouse: single user per page, then each N."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="desk-bench-runs-") as tmp:
        timings = Path(tmp) / "script-runs.jsonl"
        with dashboard(warehouse, timings=timings) as (url, proc):
            single = single_user(url, warehouse, rounds=rounds, pages=pages, warmups=1 if rounds == 1 else 2,
                                 timings=timings)
            crowd = [concurrent(url, proc, warehouse, users=n, seconds=seconds, timings=timings) for n in users]
    errors = single.pop("_errors", {}).get("errors", [])
    return {"pages": single, "concurrency": crowd, "errors": errors}


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def lines(size: int, figures: dict[str, Any]) -> list[str]:
    """The figures of one size as the benchmark's report prints them, a line per page and per N."""
    out = []
    for page, v in figures["pages"].items():
        out.append(f"{size:,} browser {page}: warm {v['warm_median']}/{v['warm_max']} s, "
                   f"cold {v['cold_median']}/{v['cold_max']} s, filter {v['filter_median']} s, "
                   f"language {v['language_median']} s (median/max), sent {v['kib_warm']} KiB warm, "
                   f"{v['kib_cold']} KiB cold; server script warm {v.get('server_warm_median')} s, "
                   f"cold {v.get('server_cold_median')} s, filter {v.get('server_filter_median')} s"
                   + (f"; widget {v['widget_median']} s (server {v.get('server_widget_median')} s)"
                      if v.get("widget_median") is not None else ""))
    for c in figures["concurrency"]:
        out.append(f"{size:,} browser, {c['users']} at once for {c['seconds']:.0f} s: "
                   f"p50 {c['p50']} s, p95 {c['p95']} s, {c['pages_opened']} pages, {c['error_count']} errors, "
                   f"{c.get('clicks_repeated', 0)} lost clicks repeated, "
                   f"{c['sessions_saw_new_version']} of the {c['sessions_checked']} with a page after the "
                   f"{c['publish_seconds']} s publish saw the new version, "
                   f"server peak {c['server_peak_rss_mib']} MiB; server script runs p50 "
                   f"{c.get('server_run_p50')} s, p95 {c.get('server_run_p95')} s; the cores "
                   f"{_pct(c.get('cpu_busy_share'))} busy, of it the server {_pct(c.get('cpu_server_share'))}, "
                   f"the publish {_pct(c.get('cpu_publish_share'))}, the browsers and the rest "
                   f"{_pct(c.get('cpu_other_share'))}")
    return out


def verdicts(size: int, figures: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for one size."""
    out: list[tuple[str, str, bool]] = []
    tag = "1m" if size <= 2_000_000 else "10m"
    pages = figures["pages"]
    for what in ("warm", "cold", "filter"):
        limit = TARGETS.get(f"{what}_{tag}")
        if limit is None:
            continue
        worst = max((v[f"{what}_median"] for v in pages.values() if v.get(f"{what}_median") is not None), default=None)
        if worst is not None:
            out.append((f"every page {what} ≤ {limit} s at {size:,}", f"{worst:.2f} s (slowest page median)",
                        worst <= limit))
    single_errors = figures.get("errors", [])
    out.append(("one user: every step without error", f"{len(single_errors)}"
                + (f" ({single_errors[0]})" if single_errors else ""), not single_errors))
    crowd = {c["users"]: c for c in figures["concurrency"]}
    if 1 in crowd and 10 in crowd and crowd[1]["p95"] and crowd[10]["p95"]:
        ratio = crowd[10]["p95"] / crowd[1]["p95"]
        out.append(("10 users: p95 ≤ 2× one user", f"{ratio:.2f}×", ratio <= 2))
    if 10 in crowd:
        c = crowd[10]
        out.append(("10 users: no error", str(c["error_count"]), c["error_count"] == 0))
        out.append(("10 users: each sees the new version at its next page",
                    f"{c['sessions_saw_new_version']} of the {c['sessions_checked']} with a page after the publish",
                    c["sessions_checked"] > 0 and c["sessions_saw_new_version"] == c["sessions_checked"]))
        if tag == "1m":
            out.append(("server RSS ≤ 2 GiB at 1 M", f"{c['server_peak_rss_mib'] / 1024:.2f} GiB",
                        c["server_peak_rss_mib"] <= 2048))
    return out


def size_of(warehouse: Path) -> int:
    """How many tickets the published warehouse holds."""
    from etl.warehouse.schema import open_readonly

    con = open_readonly(warehouse)
    try:
        return int(con.execute("select count(*) from ticket_metrics").fetchall()[0][0])
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    """python -m etl.devtools.bench_browser WAREHOUSE [--rounds N] [--users 1,5,10] [--seconds S] [--pages P,Q]"""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m etl.devtools.bench_browser", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", default="1,5,10",
                        help="concurrent sessions per run, comma-separated; 0 for none (default 1,5,10)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pages", default=",".join(p or "overview" for p in PAGES),
                        help="the pages of the single-user run, comma-separated (default: all nine)")
    args = parser.parse_args(argv)
    pages = tuple("" if p == "overview" else p for p in args.pages.split(","))
    unknown = set(pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown page(s): {', '.join(sorted(unknown))}; the pages: "
                     + ", ".join(p or "overview" for p in PAGES))
    users = tuple(int(u) for u in args.users.split(",") if u.strip() and int(u) > 0)
    figures = run(args.warehouse, rounds=args.rounds, users=users, seconds=args.seconds, pages=pages)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print("\n".join(lines(size_of(args.warehouse), figures)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["PageFigures", "asdict", "lines", "run", "verdicts"]
