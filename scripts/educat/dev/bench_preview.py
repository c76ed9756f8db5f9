"""`make bench`: edit-to-preview time, the time from saving a record file to the browser showing
the change, with ``educat serve`` as a user runs it.

``educat serve`` runs in its own process on a generated catalog; Debian's chromium (Playwright)
opens one resource's page, to which the server's live-reload script is connected. Each run
changes that resource's title in its YAML file and waits until the page's heading shows the new
title (the server noticed the save, rebuilt, and the browser reloaded). The server's own log
gives the rebuild time, and the time until the downloads and the full-text index followed.
The file is restored afterwards.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

STARTUP = 1800  # seconds for the first (full) build of a large catalog on a slow machine
EDIT = 120
TITLE = re.compile(r"^(- id: (\S+)\n(?:  .*\n)*?  title: )(.*)$", re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, root: Path):
        self.port = _free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "educat"), "serve", "--root", str(root), "--dev-addr", f"127.0.0.1:{self.port}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"educat serve 退出了(返回码 {self.proc.wait()}),没有等到 {pattern!r}")
            found = re.search(pattern, line)
            if found:
                return found
        raise RuntimeError(f"{timeout} 秒内没有等到 {pattern!r}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def edit_to_preview(root: Path, runs: int) -> dict:
    """Medians of ``runs`` edits: ``shown`` (save to the browser showing it), ``rebuild`` (the
    server's incremental rebuild), ``rest`` (until downloads and the full-text index were
    updated), ``first`` (the first, full build), and the single times."""
    from playwright.sync_api import sync_playwright  # a test dependency, as for the search bench

    path = sorted((root / "catalog" / "resources").glob("*.yaml"))[0]
    original = path.read_bytes()
    text = original.decode("utf-8")
    found = TITLE.search(text)
    if found is None:
        raise RuntimeError(f"{path} 中没有找到资源的 title 行")
    rid, title = found.group(2), found.group(3)
    server = _Server(root)
    shown, rebuilt, rest = [], [], []
    try:
        start = time.perf_counter()
        server.wait_for("预览地址", STARTUP)
        first = time.perf_counter() - start
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("EDUCAT_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.port}/catalog/r/{rid}/")
            page.wait_for_selector("h1")
            for run in range(runs):
                new = f"{title}(第 {run + 1} 次修改)"
                changed = text[: found.start(3)] + new + text[found.end(3) :]
                began = time.perf_counter()
                path.write_text(changed, encoding="utf-8")
                page.wait_for_function("t => { const h = document.querySelector('h1'); return h && h.textContent.includes(t); }", arg=new, timeout=EDIT * 1000)
                shown.append(time.perf_counter() - began)
                rebuilt.append(float(server.wait_for(r"^课程资源已更新.*用时 ([\d.]+) 秒", EDIT).group(1)))
                rest.append(float(server.wait_for(r"^相关资源页、下载文件和全文索引已更新.*用时 ([\d.]+) 秒", EDIT).group(1)))
            browser.close()
    finally:
        path.write_bytes(original)
        server.stop()
    return {"shown": statistics.median(shown), "rebuild": statistics.median(rebuilt), "rest": statistics.median(rest), "first": first, "times": shown}
