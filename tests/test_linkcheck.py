"""Link checking against a local HTTP server on 127.0.0.1; nothing else on the network is contacted."""

from __future__ import annotations

import collections
import faulthandler
import json
import os
import socket
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from educat.catalog import linkguard
from educat.catalog import linkstatus
from educat.catalog.linkcheck import check_links, retry_after
from educat.catalog.linkstatus import LinkcheckResult, LinkResult, read_status, urls_of, write_status
from educat.core.model import Record

# Short timeout and tiny backoff so that the whole file runs in a few seconds.
FAST = {"timeout": 0.5, "retries": 2, "backoff": 0.01, "max_wait": 0.05, "allow_private": True}  # the test server is on 127.0.0.1
SLOW_SECONDS = 3  # /slow answers after this long (or when the server stops), well past the timeout
DRIP_SECONDS = 0.1  # /drip sends one byte this often, well inside the timeout


@pytest.fixture(autouse=True)
def no_hang_no_proxy(monkeypatch):
    """Dump the stacks and stop if a test hangs; never send the local requests through a proxy."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    faulthandler.dump_traceback_later(30, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


class Handler(BaseHTTPRequestHandler):
    """Serves the routes the tests need; every request is logged on the server."""

    def route(self, path: str, hit: int):
        """(status, headers, seconds to hold the request open) for this path and its hit number."""
        method = self.command
        if path in ("/ok", "/资源/页"):
            return 200, {}, 0
        if path == "/moved":
            return 301, {"Location": "/ok"}, 0
        if path == "/temp":
            return 302, {"Location": "ok"}, 0  # relative to /temp
        if path == "/moved-temp":
            return 308, {"Location": f"http://127.0.0.1:{self.server.server_port}/temp"}, 0
        if path == "/loop":
            return 302, {"Location": "/loop"}, 0
        if path.startswith("/hop/"):
            return 302, {"Location": f"/hop/{int(path[5:]) + 1}"}, 0
        if path == "/gone":
            return 404, {}, 0
        if path == "/fail":
            return 500, {}, 0
        if path == "/flaky":
            return (500 if hit == 1 else 200), {}, 0
        if path == "/busy":
            return (429, {"Retry-After": "5"}, 0) if hit == 1 else (200, {}, 0)
        if path == "/slow":
            return 200, {}, SLOW_SECONDS
        if path == "/hold":
            return 200, {}, 0.1
        if path == "/head-not-allowed":
            return (405, {"Allow": "GET"}, 0) if method == "HEAD" else (200, {}, 0)
        if path == "/head-404":
            return (404 if method == "HEAD" else 200), {}, 0
        if path == "/to-js":
            return 302, {"Location": "javascript:alert(1)"}, 0
        if path == "/no-location":
            return 302, {}, 0
        return 404, {}, 0

    def drip(self):
        """Send a valid answer one byte every DRIP_SECONDS, for ever: each byte resets a socket timeout."""
        answer = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 10_000
        for byte in answer:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            if self.server.stopping.wait(DRIP_SECONDS):
                return

    def answer(self):
        server = self.server
        path = unquote(urlsplit(self.path).path)
        with server.lock:
            server.hits[path] += 1
            hit = server.hits[path]
            server.log.append((self.command, self.path, time.monotonic()))
        if path == "/drip":
            return self.drip()
        code, headers, hold = self.route(path, hit)
        if hold:
            with server.lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            server.stopping.wait(hold)
            with server.lock:
                server.in_flight -= 1
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(b"ok")

    do_GET = do_HEAD = answer

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.hits: collections.Counter = collections.Counter()
        self.log: list[tuple[str, str, float]] = []
        self.in_flight = self.max_in_flight = 0
        self.stopping = threading.Event()

    def handle_error(self, request, client_address):
        pass  # the client gave up (timeout): nothing to report

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def requests(self) -> list[str]:
        with self.lock:
            return [f"{method} {path}" for method, path, _ in self.log]

    def starts(self) -> list[float]:
        with self.lock:
            return [when for _, _, when in self.log]


@pytest.fixture
def server():
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    assert not thread.is_alive()


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


# path, status, http_status, final path, redirects [(code, path)], attempts, error, requests seen by the server
CASES = [
    ("/ok", "ok", 200, "/ok", [], 1, "", ["HEAD /ok"]),
    ("/moved", "redirected", 200, "/ok", [(301, "/ok")], 1, "", ["HEAD /moved", "HEAD /ok"]),
    ("/temp", "redirected", 200, "/ok", [(302, "/ok")], 1, "", ["HEAD /temp", "HEAD /ok"]),
    ("/moved-temp", "redirected", 200, "/ok", [(308, "/temp"), (302, "/ok")], 1, "", ["HEAD /moved-temp", "HEAD /temp", "HEAD /ok"]),
    ("/loop", "broken", 302, "/loop", [(302, "/loop")], 1, "重定向循环:又回到 {base}/loop", ["HEAD /loop"]),
    (
        "/hop/0",
        "broken",
        302,
        "/hop/5",
        [(302, f"/hop/{n}") for n in range(1, 7)],
        1,
        "重定向超过 5 次,未再跟随",
        [f"HEAD /hop/{n}" for n in range(6)],
    ),
    ("/gone", "broken", 404, "/gone", [], 1, "HTTP 404 找不到页面", ["HEAD /gone", "GET /gone"]),
    ("/fail", "broken", 500, "/fail", [], 3, "HTTP 500 服务器内部错误", ["HEAD /fail"] * 3),
    ("/flaky", "ok", 200, "/flaky", [], 2, "", ["HEAD /flaky"] * 2),
    ("/busy", "ok", 200, "/busy", [], 2, "", ["HEAD /busy"] * 2),
    ("/slow", "error", None, None, [], 3, "等待响应超时(0.5 秒)", ["HEAD /slow"] * 3),
    ("/head-not-allowed", "ok", 200, "/head-not-allowed", [], 1, "", ["HEAD /head-not-allowed", "GET /head-not-allowed"]),
    ("/head-404", "ok", 200, "/head-404", [], 1, "", ["HEAD /head-404", "GET /head-404"]),
    ("/to-js", "broken", 302, "/to-js", [(302, "javascript:alert(1)")], 1, "重定向到 javascript: 地址,未跟随", ["HEAD /to-js"]),
    ("/no-location", "broken", 302, "/no-location", [], 1, "HTTP 302 重定向:重定向缺少 Location 头", ["HEAD /no-location"]),
    ("/资源/页", "ok", 200, "/资源/页", [], 1, "", ["HEAD /%E8%B5%84%E6%BA%90/%E9%A1%B5"]),
]


@pytest.mark.parametrize(("path", "status", "code", "final", "redirects", "attempts", "error", "requests"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_answer(server, path, status, code, final, redirects, attempts, error, requests):
    base = server.base
    url = base + path
    result = check_links([url], **FAST)[url]
    absolute = [(c, loc if ":" in loc else base + loc) for c, loc in redirects]
    assert (result.url, result.status, result.http_status, result.final_url) == (url, status, code, final and base + final)
    assert (result.redirects, result.attempts, result.error) == (absolute, attempts, error.format(base=base))
    assert server.requests() == requests
    assert result.checked_at.endswith("Z") and len(result.checked_at) == len("2026-01-01T00:00:00Z")


def test_redirects_say_whether_they_are_permanent(server):
    urls = [server.base + p for p in ("/moved", "/temp", "/moved-temp", "/ok")]
    results = check_links(urls, **FAST)
    assert [results[u].permanent for u in urls] == [True, False, False, None]
    assert results[urls[0]].describe() == f"永久重定向(301)到 {server.base}/ok;请把目录中的地址改为新地址"
    assert results[urls[2]].describe() == f"临时重定向(308 → 302)到 {server.base}/ok;一般无需修改"


def test_other_schemes_are_skipped_without_a_request(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no request may be made")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    urls = ["javascript:alert(1)", "data:text/html,<b>hi</b>", "file:///etc/passwd", "FTP://example.org/a", "www.example.org/a", "localhost:8080/a"]
    results = check_links(urls, **FAST)
    assert [(r.status, r.http_status, r.attempts, r.error) for r in results.values()] == [
        ("skipped", None, 0, "不检查 javascript: 地址(只检查 http 和 https 链接)"),
        ("skipped", None, 0, "不检查 data: 地址(只检查 http 和 https 链接)"),
        ("skipped", None, 0, "不检查 file: 地址(只检查 http 和 https 链接)"),
        ("skipped", None, 0, "不检查 ftp: 地址(只检查 http 和 https 链接)"),
        ("skipped", None, 0, "不是完整的网址(缺少 http:// 或 https://),未检查"),
        ("skipped", None, 0, "不是完整的网址(缺少 http:// 或 https://),未检查"),
    ]


def test_malformed_http_urls_are_broken_without_a_request(monkeypatch):
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("no request may be made"))
    results = check_links(["http://", "http://example.org:port/", "http://[::1/"], **FAST)
    assert [(r.status, r.attempts, r.error) for r in results.values()] == [
        ("broken", 0, "地址格式错误:缺少主机名"),
        ("broken", 0, "地址格式错误:端口号无效"),
        ("broken", 0, "地址格式错误:无法解析(检查方括号、空格等特殊字符)"),
    ]


def test_duplicate_urls_are_checked_once_and_keep_their_first_order(server):
    ok, gone = server.base + "/ok", server.base + "/gone"
    results = check_links([ok, gone, ok, ok, gone], **FAST)
    assert list(results) == [ok, gone]
    assert sorted(server.requests()) == ["GET /gone", "HEAD /gone", "HEAD /ok"]


@pytest.mark.parametrize("per_host", [1, 3])
def test_at_most_per_host_requests_are_in_flight(server, per_host):
    urls = [f"{server.base}/hold?n={n}" for n in range(6)]
    results = check_links(urls, per_host=per_host, workers=6, **FAST)
    assert {r.status for r in results.values()} == {"ok"}
    assert server.max_in_flight == per_host


def test_requests_to_one_host_are_spaced_by_host_delay(server):
    urls = [f"{server.base}/ok?n={n}" for n in range(3)]
    check_links(urls, per_host=3, host_delay=0.15, **FAST)
    assert all(gap >= 0.12 for gap in gaps(server.starts())), gaps(server.starts())


def test_retries_back_off_exponentially(server):
    url = server.base + "/fail"
    result = check_links([url], **{**FAST, "backoff": 0.1, "max_wait": 10})[url]
    assert result.attempts == 3
    first, second = gaps(server.starts())
    assert first >= 0.1 and second >= 0.2


def test_retry_after_is_honoured_up_to_max_wait(server):
    url = server.base + "/busy"
    result = check_links([url], **{**FAST, "backoff": 0, "max_wait": 0.3})[url]
    assert (result.status, result.attempts) == ("ok", 2)
    (gap,) = gaps(server.starts())
    assert 0.3 <= gap < 2  # Retry-After asked for 5 seconds; the cap wins


def test_throttling_that_never_ends_is_an_error_not_a_broken_link(server, monkeypatch):
    monkeypatch.setattr(Handler, "route", lambda self, path, hit: (429, {"Retry-After": "1"}, 0))
    url = server.base + "/ok"
    result = check_links([url], **FAST)[url]
    assert (result.status, result.http_status, result.attempts) == ("error", 429, 3)
    assert result.error == "HTTP 429 请求过多(服务器限流),未能确认链接状态"


def test_retry_after_header_values():
    assert retry_after("120") == 120
    assert retry_after(None) is None
    assert retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: no wait
    assert 3500 < retry_after(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 3600))) <= 3600


def test_refused_connection_is_retried_then_an_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"  # nothing listens there any more
    result = check_links([url], **FAST)[url]
    assert (result.status, result.http_status, result.final_url, result.attempts) == ("error", None, None, 3)
    assert result.error == "连接被拒绝(该地址和端口上没有服务)"


def test_unknown_host_is_an_error_and_not_retried(monkeypatch):
    calls = []

    def no_such_host(host, *args, **kwargs):
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    urls = ["http://no-such-host.invalid/a", "http://no-such-host.invalid/b"]
    results = check_links(urls, per_host=1, **FAST)
    assert [(r.status, r.attempts, r.error) for r in results.values()] == [("error", 1, "无法解析主机名(域名不存在,或本机连不上 DNS)")] * 2
    assert calls == ["no-such-host.invalid"]  # the second URL on that host is not looked up again


def test_progress_is_reported_once_per_distinct_url_in_the_calling_thread(server):
    calls = []
    urls = [server.base + "/ok", server.base + "/gone", "javascript:void(0)", server.base + "/ok"]
    check_links(urls, progress=lambda n: calls.append((n, threading.current_thread())), **FAST)
    assert [n for n, _ in calls] == [1, 1, 1]
    assert {thread for _, thread in calls} == {threading.current_thread()}


def test_a_server_that_drips_bytes_is_cut_at_the_deadline(server):
    url = server.base + "/drip"
    started = time.monotonic()
    result = check_links([url], **{**FAST, "deadline": 1.0})[url]
    took = time.monotonic() - started
    assert (result.status, result.http_status) == ("error", None)
    assert result.error == "超过每个链接的时限(1 秒),服务器响应太慢;未能确认链接状态"
    assert result.attempts == 1  # the deadline covers the retries too: none is started after it
    assert 1.0 <= took < 3  # a socket timeout alone never fires: each byte comes within 0.1 s


def test_the_default_deadline_bounds_a_dripping_server(server):
    url = server.base + "/drip"
    started = time.monotonic()
    result = check_links([url], **{**FAST, "retries": 0})[url]
    assert result.status == "error" and "时限(1 秒)" in result.error  # 2 × 0.5 s × 1 try
    assert time.monotonic() - started < 3


def test_the_run_budget_stops_starting_new_urls(server):
    urls = [server.base + f"/drip?{n}" for n in range(4)]
    started = time.monotonic()
    results = check_links(urls, **{**FAST, "workers": 1, "deadline": 5, "budget": 1.0})
    took = time.monotonic() - started
    first, *rest = results.values()
    assert first.status == "error" and first.error.startswith("本次检查的总时限已到")
    assert [(r.status, r.attempts) for r in rest] == [("error", 0)] * 3
    assert all(r.error == "本次检查的总时限(--budget)已用完,未检查;下次运行会再检查" for r in rest)
    assert took < 3
    assert server.requests() == ["HEAD /drip?0"]


@pytest.mark.parametrize("option", [{"timeout": 0}, {"retries": -1}, {"per_host": 0}, {"workers": 0}, {"host_delay": -1}, {"deadline": 0}, {"budget": -1}])
def test_invalid_settings_are_refused(option):
    with pytest.raises(ValueError, match="per_host 和 workers 至少为 1"):
        check_links(["http://127.0.0.1/"], **option)


# -- collecting URLs, the status file and the report -----------------------------------------
def test_urls_of_maps_each_url_to_its_record_ids():
    path = Path("catalog/resources/a.yaml")
    records = [
        Record({"id": "a", "url": "https://x.example/1"}, path, 1),
        Record({"id": "b", "url": "https://x.example/2"}, path, 5),
        Record({"id": "c", "url": "https://x.example/1"}, path, 9),
        Record({"id": "d"}, path, 13),
        Record({"id": "e", "url": "  "}, path, 17),
    ]
    assert urls_of(records) == {"https://x.example/1": ["a", "c"], "https://x.example/2": ["b"]}


STAMP = "2026-03-01T08:00:00Z"
RESULTS = {
    "https://x.example/ok": LinkResult("https://x.example/ok", "ok", 200, "https://x.example/ok", [], "", STAMP, 1),
    "https://x.example/old": LinkResult(
        "https://x.example/old", "redirected", 200, "https://x.example/new", [(301, "https://x.example/new")], "", STAMP, 1
    ),
    "https://x.example/gone": LinkResult("https://x.example/gone", "broken", 404, "https://x.example/gone", [], "HTTP 404 找不到页面", "2026-03-01T08:00:05Z", 1),
    "javascript:void(0)": LinkResult("javascript:void(0)", "skipped", error="不检查 javascript: 地址(只检查 http 和 https 链接)", checked_at=STAMP),
}
IDS = {"https://x.example/ok": ["b", "a", "b"], "https://x.example/old": ["c"], "https://x.example/gone": ["d", "e"]}


def test_status_file_round_trip_is_sorted_and_atomic(tmp_path):
    path = tmp_path / "catalog" / "linkcheck.json"
    write_status(path, RESULTS, IDS)
    write_status(path, RESULTS, IDS)  # replacing an existing file leaves nothing behind either
    assert sorted(p.name for p in path.parent.iterdir()) == ["linkcheck.json"]
    text = path.read_text(encoding="utf-8")
    data = read_status(path)
    assert text == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert data["checked_at"] == "2026-03-01T08:00:05Z"
    assert data["summary"] == {"ok": 1, "redirected": 1, "broken": 1, "error": 0, "skipped": 1}
    assert data["links"]["https://x.example/ok"]["resources"] == ["a", "b"]
    assert data["links"]["javascript:void(0)"]["resources"] == []
    assert data["links"]["https://x.example/old"] == {
        "attempts": 1,
        "checked_at": STAMP,
        "error": "",
        "final_url": "https://x.example/new",
        "http_status": 200,
        "permanent": True,
        "redirects": [[301, "https://x.example/new"]],
        "resources": ["c"],
        "status": "redirected",
    }


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "linkcheck.json"
    path.write_text('{"links": {}}', encoding="utf-8")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_status(path, RESULTS, IDS)
    assert path.read_text(encoding="utf-8") == '{"links": {}}'
    assert [p.name for p in tmp_path.iterdir()] == ["linkcheck.json"]


def test_missing_status_file_reads_as_empty(tmp_path):
    assert read_status(tmp_path / "linkcheck.json") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"links": {\n  "a": ', "{path}:2:链接检查结果文件不是有效的 JSON(第 2 行第 8 列:这里应是一个值);删除该文件后重新运行 educat linkcheck"),
        (b"[]", "{path}:链接检查结果文件缺少 links 对象;删除该文件后重新运行 educat linkcheck"),
        ('{"links": {"é": 1}}'.encode("latin-1"), "{path}:链接检查结果文件不是 UTF-8 文本;删除该文件后重新运行 educat linkcheck"),
    ],
)
def test_corrupt_status_file_is_a_value_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "linkcheck.json"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        read_status(path)
    assert str(info.value) == message.format(path=path)


def records_of(ids: dict[str, list[str]], root: Path) -> list[Record]:
    """Catalog records in catalog/resources/a.yaml, one every 4 lines, linking as ``ids`` says."""
    pairs = [(rid, url) for url, rids in ids.items() for rid in rids]
    return [Record({"id": rid, "url": url}, root / "catalog/resources/a.yaml", 1 + 4 * i) for i, (rid, url) in enumerate(pairs)]


def test_text_report_lists_links_that_need_attention_with_their_resources(tmp_path):
    ids = {**IDS, "javascript:void(0)": ["f"]}
    result = LinkcheckResult.of(RESULTS, records_of(ids, tmp_path), tmp_path)
    assert result.render() == "\n".join(
        [
            "检查了 4 个链接:正常 1,已跳转 1,失效 1,无法访问 0,未检查 1。",
            "catalog/resources/a.yaml:17 (字段 url): 错误 [link-broken] 失效:https://x.example/gone:HTTP 404 找不到页面",
            "    → 核对资源地址;资源已下架时删除该记录或换成新地址",
            "catalog/resources/a.yaml:13 (字段 url): 警告 [link-redirected] 已跳转:https://x.example/old:永久重定向(301)到 https://x.example/new;请把目录中的地址改为新地址",
            "    → 把目录中的地址改为新地址",
            "catalog/resources/a.yaml:25 (字段 url): 警告 [link-skipped] 未检查:javascript:void(0):不检查 javascript: 地址(只检查 http 和 https 链接)",
            "    → 写成以 http:// 或 https:// 开头的完整网址",
            "不通过:1 个链接失效或无法访问。",
        ]
    )
    assert not result.valid
    assert [(f.type, f.related) for f in result.findings] == [("link-broken", "d、e"), ("link-redirected", "c"), ("link-skipped", "f")]
    data = result.to_dict()
    assert data["stats"]["links"] == 4 and data["stats"]["broken"] == 1 and data["stats"]["errors"] == 1
    assert data["context"]["links"]["https://x.example/gone"]["resources"] == ["d", "e"]


def test_text_report_warns_when_no_link_could_be_reached(tmp_path):
    results = {
        "https://a.example/": LinkResult("https://a.example/", "error", error="连接超时(10 秒)", checked_at=STAMP, attempts=3),
        "mailto:a@b": LinkResult("mailto:a@b", "skipped", error="不检查 mailto: 地址(只检查 http 和 https 链接)", checked_at=STAMP),
    }
    lines = LinkcheckResult.of(results, [], tmp_path).render().splitlines()
    assert lines[:2] == [
        "检查了 2 个链接:正常 0,已跳转 0,失效 0,无法访问 1,未检查 1。",
        "所有链接都无法访问:可能是本机没有联网,或需要设置代理(环境变量 HTTPS_PROXY)。",
    ]
    assert "所有链接都无法访问" not in LinkcheckResult.of({**results, **RESULTS}, [], tmp_path).render()


def test_status_file_default_location():
    assert linkstatus.STATUS_FILE == Path("catalog") / "linkcheck.json"


# -- the command line ----------------------------------------------------------------------
from click.testing import CliRunner  # noqa: E402

from educat.cli import cli  # noqa: E402

from .conftest import write  # noqa: E402

def catalog(root: Path, base: str, **urls: str) -> Path:
    items = "".join(f"- id: {rid}\n  url: {base}{path}\n" for rid, path in urls.items())
    write(root / "catalog" / "resources" / "a.yaml", items)
    return root


def test_cli_deadline_and_budget_options(server, tmp_path):
    root = catalog(tmp_path / "repo", server.base, a="/drip")
    args = ["linkcheck", "--root", str(root), "--timeout", "0.5", "--deadline", "0.8", "--budget", "30", "--allow-private", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.output)["findings"]
    assert "超过每个链接的时限(0.8 秒)" in finding["message"]


def test_cli_lists_broken_and_redirected_links_writes_the_file_and_exits_1(server, tmp_path):
    base = server.base
    root = catalog(tmp_path / "repo", base, a="/ok", b="/gone", c="/moved", d="/gone")
    result = CliRunner().invoke(cli, ["linkcheck", "--root", str(root), "--timeout", "0.5", "--retries", "0", "--allow-private"])
    assert result.exit_code == 1, result.output
    target = root / "catalog" / "linkcheck.json"
    assert result.stdout == "\n".join(
        [
            "检查了 3 个链接:正常 1,已跳转 1,失效 1,无法访问 0,未检查 0。",
            f"catalog/resources/a.yaml:4 (字段 url): 错误 [link-broken] 失效:{base}/gone:HTTP 404 找不到页面",
            "    → 核对资源地址;资源已下架时删除该记录或换成新地址",
            f"catalog/resources/a.yaml:6 (字段 url): 警告 [link-redirected] 已跳转:{base}/moved:永久重定向(301)到 {base}/ok;请把目录中的地址改为新地址",
            "    → 把目录中的地址改为新地址",
            f"结果已写入 {target}。",
            "不通过:1 个链接失效或无法访问。",
            "",
        ]
    )
    assert read_status(target)["summary"] == {"ok": 1, "redirected": 1, "broken": 1, "error": 0, "skipped": 0}


def test_cli_json_output_is_the_status_file_and_exit_0_when_all_links_work(server, tmp_path):
    root = catalog(tmp_path / "repo", server.base, a="/ok", b="/temp")
    write(root / "catalog" / "resources" / "b.yaml", "- id: [\n")
    output = tmp_path / "out" / "status.json"
    args = ["linkcheck", "--root", root, "--timeout", "0.5", "--output", output, "--format", "json", "--allow-private"]
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["valid"] is True and data["command"] == "linkcheck"
    assert {k: v for k, v in data["context"].items() if k != "status_file"} == read_status(output)
    assert data["context"]["status_file"] == str(output)
    assert list(read_status(output)["links"]) == [server.base + "/ok", server.base + "/temp"]
    assert result.stderr == "警告:catalog/resources/b.yaml 读取出错,其中的链接未检查;运行 educat validate 查看原因。\n"
    assert not (root / "catalog" / "linkcheck.json").exists()


def test_private_hosts_are_not_probed_unless_allowed(server):
    """Loopback, private and link-local addresses are skipped by default (no request is made)."""
    urls = [server.base + "/ok", "http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/", "http://[::1]:1/"]
    results = check_links(urls, timeout=0.5, retries=0)
    assert [(r.status, r.attempts) for r in results.values()] == [("skipped", 1)] * 4
    assert all("内网或本机地址" in r.error and "--allow-private" in r.error for r in results.values())
    assert check_links([server.base + "/ok"], timeout=0.5, retries=0, allow_private=True)[server.base + "/ok"].status == "ok"


def test_redirect_targets_are_published_without_query_or_user():
    result = LinkResult("https://x.example/a", "redirected", 200, "https://user:pw@x.example/b?token=SECRET#f", [(302, "https://x.example/b?token=SECRET")], "", STAMP, 1)
    data = result.to_dict()
    assert data["final_url"] == "https://x.example/b"
    assert data["redirects"] == [[302, "https://x.example/b"]]
    assert "SECRET" not in json.dumps(data) and "SECRET" not in result.describe()


def test_a_tampered_status_file_is_refused(tmp_path):
    path = tmp_path / "linkcheck.json"
    path.write_text(json.dumps({"links": {"https://x.example/": {"status": "<img src=x onerror=alert(1)>"}}}), encoding="utf-8")
    with pytest.raises(ValueError, match="/links/https:~1~1x.example~1/status"):
        read_status(path)


def test_dns_rebinding_cannot_reach_an_internal_address(server, monkeypatch):
    """The name resolves to a public address for the check, then to 127.0.0.1 for the request:
    the connection checks the address it actually uses, so nothing reaches the local server."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])  # the first lookup (the check) sees a public address

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            ip = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://rebind.example:{server.server_port}/ok"
    result = check_links([url], **{**FAST, "allow_private": False, "retries": 0})[url]
    assert result.status == "error"
    assert "是内网或本机地址(127.0.0.1)" in result.error
    assert server.requests() == []


def test_ipv4_mapped_ipv6_loopback_is_internal():
    assert linkguard.internal_address("x", "::ffff:127.0.0.1")
    assert linkguard.internal_address("x", "fe80::1%eth0")
    assert linkguard.internal_address("x", "93.184.216.34") is None
