"""``educat serve`` in a real process: the address line, Chinese messages, and a content error
that leaves the last good site served with the error on every page. Every wait is bounded."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from educat.cli import cli

from .conftest import write

STARTUP = 90  # seconds: Python, MkDocs and the first build of the mini repository, on a slow machine
REBUILD = 60
ENGLISH = re.compile(r"Serving on|Building documentation|Documentation built|Watching paths|Detected file changes|Reloading browsers|will appear stuck|Shutting down")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """``educat serve`` on a free port, its output read line by line in a thread."""

    def __init__(self, root: Path, tmp: Path):
        self.port = free_port()
        self.tmp = tmp
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "educat", "serve", "--root", str(root), "--dev-addr", f"127.0.0.1:{self.port}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float, after: int = 0) -> str:
        """The first line from index ``after`` on that matches ``pattern``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines[after:]:
                if re.search(pattern, line):
                    return line
            after = len(self.lines)
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no line matching {pattern!r} within {timeout} s; output:\n" + "\n".join(self.lines))
            try:
                line = self._queue.get(timeout=min(left, 1))
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"serve exited ({self.proc.wait()}) before {pattern!r}; output:\n" + "\n".join(self.lines))
            self.lines.append(line)

    def get(self, path: str = "/") -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=10)
        time.sleep(0.2)  # let the reader thread collect the last lines
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                self.lines.append(line)
        return code


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(root: Path) -> Serve:
        tmp = tmp_path / "tmp"
        tmp.mkdir(exist_ok=True)
        started.append(Serve(root, tmp))
        return started[-1]

    yield start
    for s in started:
        s.stop()


def test_serve_prints_the_address_and_speaks_chinese(mini_repo, serve):
    s = serve(mini_repo)
    line = s.wait_for("预览地址", STARTUP)
    assert line == f"预览地址:http://127.0.0.1:{s.port}/ (按 Ctrl+C 停止)"
    status, page = s.get("/")
    assert status == 200 and "<title>首页 - " in page and 'role="alert"' not in page
    assert s.stop() == 0
    assert s.lines[0] == "正在构建网站…"
    assert re.fullmatch(r"网站已构建,用时 [\d.]+ 秒", s.lines[1])
    assert s.lines[-1] == "正在停止预览…"
    assert not ENGLISH.search("\n".join(s.lines))
    assert list(s.tmp.glob("educat-serve-*")) == []  # its temporary folder is gone


def test_content_error_keeps_the_last_good_site_and_shows_the_error(mini_repo, serve):
    records = mini_repo / "catalog/resources/junior.yaml"
    good = records.read_text(encoding="utf-8")
    s = serve(mini_repo)
    s.wait_for("预览地址", STARTUP)
    mark = len(s.lines)
    write(records, good.replace("stage: junior", "stage: middle"))
    error = s.wait_for(r"catalog/resources/junior\.yaml", REBUILD, after=mark)
    assert error.startswith("catalog/resources/junior.yaml:4 (字段 stage): 错误 [code-error] “middle” 不是代码表 stage")
    s.wait_for("^构建失败:预览仍显示上次成功构建的网站", REBUILD, after=mark)
    s.wait_for("已通知浏览器刷新", REBUILD, after=mark)
    status, page = s.get("/")
    assert status == 200 and "<title>首页 - " in page  # the last good site, still served
    banner = re.search(r'<div role="alert" lang="zh-CN".*?</div>', page, re.S)
    assert banner and "网站构建失败" in banner[0] and "catalog/resources/junior.yaml:4 (字段 stage)" in banner[0]
    assert s.proc.poll() is None  # neither dead nor stuck: it answered

    mark = len(s.lines)
    write(records, good)
    s.wait_for(r"^课程资源已更新:重写 \d+ 个页面", REBUILD, after=mark)  # only what changed (site/live.py)
    s.wait_for("已通知浏览器刷新", REBUILD, after=mark)
    assert 'role="alert"' not in s.get("/")[1]
    assert s.stop() == 0


def test_first_build_failing_serves_the_error_page(mini_repo, serve):
    records = mini_repo / "catalog/resources/junior.yaml"
    write(records, records.read_text(encoding="utf-8").replace("stage: junior", "stage: middle"))
    s = serve(mini_repo)
    s.wait_for("预览地址", STARTUP)
    assert "构建失败:预览显示错误页;改正后保存文件会自动重建" in s.lines
    for path in ("/", "/catalog/"):
        status, page = s.get(path)
        assert "<title>网站构建失败</title>" in page and "catalog/resources/junior.yaml:4 (字段 stage)" in page, path
    assert s.stop() == 0


def test_a_taken_port_fails_at_once_in_chinese(mini_repo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        start = time.monotonic()
        result = CliRunner().invoke(cli, ["serve", "--root", str(mini_repo), "--dev-addr", f"127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.output == (
        f"错误:无法在 127.0.0.1:{port} 启动预览:端口已被占用(可能已有一个 educat serve 在运行);"
        f"用 --dev-addr 127.0.0.1:{port + 1} 换一个端口\n"
    )
    assert time.monotonic() - start < 30  # before building the site


@pytest.mark.parametrize("value", ["8000", "localhost", "127.0.0.1:http", "127.0.0.1:70000"])
def test_dev_addr_is_host_and_port(value):
    result = CliRunner().invoke(cli, ["serve", "--dev-addr", value])
    assert result.exit_code == 2
    assert result.output.endswith(f"错误:'--dev-addr' 的值无效:“{value}” 应写成 地址:端口,如 127.0.0.1:8000\n")


def test_a_record_edit_rebuilds_only_what_changed(mini_repo, serve):
    records = mini_repo / "catalog/resources/junior.yaml"
    good = records.read_text(encoding="utf-8")
    rid = re.search(r"^- id: (\S+)", good, re.M).group(1)
    title = re.search(r"^  title: (.+)$", good, re.M).group(1)
    s = serve(mini_repo)
    s.wait_for("预览地址", STARTUP)
    mark = len(s.lines)
    write(records, good.replace(f"title: {title}", "title: 改过的标题", 1))
    line = s.wait_for(r"^课程资源已更新", REBUILD, after=mark)
    assert re.fullmatch(r"课程资源已更新:重写 \d+ 个页面、\d+ 个索引文件,删除 0 个页面,用时 [\d.]+ 秒", line)
    status, page = s.get(f"/catalog/r/{rid}/")
    assert status == 200 and "改过的标题" in page
    s.wait_for(r"^相关资源页、下载文件和全文索引已更新.本次共重写 \d+ 个页面.,用时 [\d.]+ 秒$", REBUILD, after=mark)
    assert "改过的标题" in s.get("/catalog.csv")[1]
    assert not any(line.startswith("正在构建网站") for line in s.lines[mark:])  # not a full build
    assert s.stop() == 0
