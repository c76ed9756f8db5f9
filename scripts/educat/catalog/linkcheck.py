"""Check the catalog's resource links and keep their state in a JSON file that diffs well in git.

Standard library only. Each URL is checked in a thread pool; at most ``per_host`` requests are
in flight per host, with an optional pause between requests to the same host. Redirects are
followed by hand (up to ``MAX_REDIRECTS`` hops, each recorded, never to a scheme other than
http/https). HEAD comes first; a 405/501 or another 4xx (except 429) is confirmed with a GET whose
body is never downloaded. 5xx answers and network failures are retried with exponential backoff,
a 429 after its Retry-After (capped). Every URL has a wall-clock deadline that covers all its
tries and hops (a server that drips one byte a second defeats a socket timeout, not this), and
the whole run has a budget: URLs not started when it runs out are reported as not checked.
Nothing here touches the network until ``check_links`` runs.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urljoin, urlsplit, urlunsplit
from urllib.request import Request

from educat import __version__
from educat.catalog.linkguard import Blocked, Deadline, opener, private_address
from educat.catalog.linkstatus import LinkResult, now as _now

SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
DEADLINE_FACTOR = 2  # a URL's default wall-clock deadline: this × timeout × the number of tries
USER_AGENT = f"educat-linkcheck/{__version__}"
# Characters left as they are when a URL with Chinese or spaces is percent-encoded for the request.
_URL_SAFE = "/:@!$&'()*+,;=-._~%?#[]"
# A scheme, and what follows its colon up to the next slash (digits there mean host:port, not a scheme).
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):([^/]*)")
HTTP_PHRASES = {
    400: "请求无效",
    401: "需要登录",
    403: "禁止访问",
    404: "找不到页面",
    405: "不允许该请求方法",
    408: "请求超时",
    410: "页面已永久删除",
    429: "请求过多(服务器限流)",
    451: "因法律原因不可访问",
    500: "服务器内部错误",
    501: "服务器不支持该请求",
    502: "网关错误",
    503: "服务暂不可用",
    504: "网关超时",
}


# -- checking --------------------------------------------------------------------------------
def check_links(
    urls: Iterable[str],
    *,
    timeout: float = 10,
    retries: int = 2,
    per_host: int = 2,
    workers: int = 16,
    host_delay: float = 0.0,
    backoff: float = 0.5,
    max_wait: float = 30.0,
    progress: Callable[[int], None] | None = None,
    user_agent: str = USER_AGENT,
    allow_private: bool = False,
    deadline: float | None = None,
    budget: float | None = None,
) -> dict[str, LinkResult]:
    """Check each distinct URL once and return URL → LinkResult, in the order first given.

    ``timeout`` applies to connecting and to each read; ``retries`` is how many times a 5xx, a
    429 or a network failure is tried again, after ``backoff`` × 2^n seconds (a 429 waits its
    Retry-After instead); no wait is longer than ``max_wait``. ``host_delay`` is the least time between the
    starts of two requests to one host. Loopback, private and link-local hosts are not probed
    unless ``allow_private``. ``deadline`` is the most wall-clock seconds one URL may take, all
    tries and redirects included (default: ``DEADLINE_FACTOR`` × ``timeout`` × (``retries`` + 1)); ``budget`` is the
    most seconds for the whole run (default: no limit) — URLs not started by then are "error"
    with the reason, and a URL running then is cut at its deadline or at the budget, whichever
    comes first. ``progress(n)`` is called in the calling thread each time n more URLs are done.
    """
    if deadline is None:
        deadline = DEADLINE_FACTOR * timeout * (retries + 1)
    if timeout <= 0 or retries < 0 or per_host < 1 or workers < 1 or host_delay < 0 or backoff < 0 or max_wait < 0 or deadline <= 0 or (budget is not None and budget <= 0):
        raise ValueError("timeout、deadline、budget 须大于 0;retries、host_delay、backoff、max_wait 不能为负;per_host 和 workers 至少为 1")
    run_end = None if budget is None else time.monotonic() + budget
    checker = _Checker(timeout, retries, backoff, max_wait, user_agent, _Hosts(per_host, host_delay), allow_private, deadline, run_end)
    unique = list(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}
    todo = []
    for url in unique:
        skipped = _skip_reason(url)
        if skipped is None:
            todo.append(url)
            continue
        results[url] = LinkResult(url, "skipped", error=skipped, checked_at=_now())
        if progress:
            progress(1)
    if todo:
        pool = ThreadPoolExecutor(max_workers=min(workers, len(todo)), thread_name_prefix="linkcheck")
        try:
            futures = {pool.submit(checker.check, url): url for url in todo}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if progress:
                    progress(1)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return {url: results[url] for url in unique}


def _skip_reason(url: str) -> str | None:
    """Why a URL is not fetched at all, or None for an http(s) URL."""
    match = _SCHEME.match(url)
    if match and match.group(1).lower() in SCHEMES:
        return None
    if not match or match.group(2).isdigit():  # "www.example.org/x", "localhost:8080/x"
        return "不是完整的网址(缺少 http:// 或 https://),未检查"
    return f"不检查 {match.group(1).lower()}: 地址(只检查 http 和 https 链接)"


def _malformed(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "地址格式错误:无法解析(检查方括号、空格等特殊字符)"
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "地址格式错误:端口号无效"
    if not parts.hostname:
        return "地址格式错误:缺少主机名"
    return None


def _ascii_url(url: str) -> str:
    """The URL as the request line needs it: IDNA host, percent-encoded path and query."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        host = host.encode("idna").decode("ascii")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    if parts.username:
        netloc = f"{quote(parts.username, safe='%')}{':' + quote(parts.password, safe='%') if parts.password else ''}@{netloc}"
    return urlunsplit((parts.scheme.lower(), netloc, quote(parts.path, safe=_URL_SAFE), quote(parts.query, safe=_URL_SAFE), ""))


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or (443 if parts.scheme.lower() == 'https' else 80)}"


def _seconds(value: float) -> str:
    return f"{value:g}"


def http_message(code: int) -> str:
    general = {3: "重定向", 4: "客户端错误", 5: "服务器错误"}
    phrase = HTTP_PHRASES.get(code) or general.get(code // 100, "非标准状态码")
    return f"HTTP {code} {phrase}"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


class _Hosts:
    """Per-host politeness: a semaphore of ``per_host`` slots and a minimum gap between request starts."""

    def __init__(self, per_host: int, delay: float):
        self.per_host = per_host
        self.delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}
        # Host name → the error from a DNS lookup that said it does not exist; not asked again this run.
        self.unresolvable: dict[str, str] = {}

    @contextmanager
    def slot(self, url: str):
        key = _host_key(url)
        with self._lock:
            semaphore = self._slots.setdefault(key, threading.BoundedSemaphore(self.per_host))
        with semaphore:
            if self.delay:
                with self._lock:
                    now = time.monotonic()
                    start = max(now, self._next_start.get(key, now))
                    self._next_start[key] = start + self.delay
                if start > now:
                    time.sleep(start - now)
            yield


@dataclass
class _Reply:
    """One HTTP answer (code and headers) or a network failure (message, whether to retry)."""

    code: int | None = None
    headers: http.client.HTTPMessage | None = None
    error: str = ""
    retryable: bool = False
    no_such_host: bool = False


@dataclass
class _Outcome:
    status: str
    http_status: int | None = None
    final_url: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    error: str = ""
    retry: bool = False
    wait: float | None = None  # from Retry-After


class _Checker:
    def __init__(self, timeout: float, retries: int, backoff: float, max_wait: float, user_agent: str, hosts: _Hosts, allow_private: bool = False, deadline: float = 30.0, run_end: float | None = None):
        self.allow_private = allow_private
        self.deadline = deadline
        self.run_end = run_end
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.user_agent = user_agent
        self.hosts = hosts

    def check(self, url: str) -> LinkResult:
        problem = _malformed(url)
        if problem:
            return LinkResult(url, "broken", error=problem, checked_at=_now())
        seconds = self.deadline
        if self.run_end is not None:
            left = self.run_end - time.monotonic()
            if left <= 0:
                return LinkResult(url, "error", error="本次检查的总时限(--budget)已用完,未检查;下次运行会再检查", checked_at=_now())
            seconds = min(seconds, left)
        limit = Deadline(seconds)
        try:
            outcome, attempts = self.tries(url, limit)
        finally:
            limit.cancel()
        return LinkResult(
            url=url,
            status=outcome.status,
            http_status=outcome.http_status,
            final_url=outcome.final_url,
            redirects=outcome.redirects,
            error=outcome.error,
            checked_at=_now(),
            attempts=attempts,
        )

    def tries(self, url: str, limit: Deadline) -> tuple[_Outcome, int]:
        """The outcome of the last try, and how many tries were made, within the deadline."""
        attempts = 0
        while True:
            attempts += 1
            outcome = self.follow(url, limit)
            if limit.expired or limit.remaining() <= 0:
                cut = "本次检查的总时限已到" if limit.seconds < self.deadline else f"超过每个链接的时限({_seconds(self.deadline)} 秒)"
                return _Outcome("error", redirects=outcome.redirects, error=f"{cut},服务器响应太慢;未能确认链接状态"), attempts
            if not outcome.retry or attempts > self.retries:
                return outcome, attempts
            pause = self.backoff * 2 ** (attempts - 1) if outcome.wait is None else outcome.wait
            pause = min(pause, self.max_wait, max(limit.remaining(), 0))
            time.sleep(pause)

    def follow(self, url: str, limit: Deadline) -> _Outcome:
        """One try: request the URL and follow its redirects."""
        redirects: list[tuple[int, str]] = []
        seen = {url}
        current = url
        while True:
            blocked = None if self.allow_private else private_address(current)
            if blocked:
                note = "(确需检查内网链接时加 --allow-private)"
                return _Outcome("broken" if redirects else "skipped", redirects=redirects, error=("重定向到的" if redirects else "") + blocked + note)
            reply = self.fetch(current, limit)
            code = reply.code
            if code is None:
                return _Outcome("error", redirects=redirects, error=reply.error, retry=reply.retryable)
            done = dict(http_status=code, final_url=current, redirects=redirects)
            if 300 <= code < 400 and code != 304:
                location = _header_text(reply.headers.get("Location")) if reply.headers else None
                if not location:
                    return _Outcome("broken", error=f"{http_message(code)}:重定向缺少 Location 头", **done)
                target = urljoin(current, location)
                redirects.append((code, target))
                scheme = urlsplit(target).scheme.lower()
                if scheme not in SCHEMES:
                    return _Outcome("broken", error=f"重定向到 {scheme or '非 http(s)'}: 地址,未跟随", **done)
                if target in seen:
                    return _Outcome("broken", error=f"重定向循环:又回到 {target}", **done)
                if len(redirects) > MAX_REDIRECTS:
                    return _Outcome("broken", error=f"重定向超过 {MAX_REDIRECTS} 次,未再跟随", **done)
                problem = _malformed(target)
                if problem:
                    return _Outcome("broken", error=f"重定向到的{problem}", **done)
                seen.add(target)
                current = target
                continue
            if 200 <= code < 300:
                return _Outcome("redirected" if redirects else "ok", **done)
            if code == 429:
                # Throttled: the link's state is unknown, so after the last retry this is an error, not broken.
                return _Outcome("error", error=http_message(code) + ",未能确认链接状态", retry=True, wait=retry_after(reply.headers.get("Retry-After")), **done)
            return _Outcome("broken", error=http_message(code), retry=500 <= code < 600, **done)

    def fetch(self, url: str, limit: Deadline) -> _Reply:
        """HEAD, then GET when the server refuses HEAD or answers it with a 4xx (other than 429)."""
        reply = self.request(url, "HEAD", limit)
        if reply.code in (405, 501) or (reply.code is not None and 400 <= reply.code < 500 and reply.code != 429):
            reply = self.request(url, "GET", limit)
        return reply

    def request(self, url: str, method: str, limit: Deadline) -> _Reply:
        """One request; the body is never read (the response is closed after its headers)."""
        headers = {"User-Agent": self.user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "zh-CN,zh;q=0.9"}
        try:
            request = Request(_ascii_url(url), method=method, headers=headers)
        except ValueError as exc:
            return _Reply(error=f"地址格式错误:{exc}")
        host = urlsplit(url).hostname or ""
        with self.hosts.slot(url):
            if host in self.hosts.unresolvable:
                return _Reply(error=self.hosts.unresolvable[host])
            try:
                if limit.remaining() <= 0:
                    return _Reply(error="deadline")
                with opener(limit, self.allow_private).open(request, timeout=self.timeout) as response:
                    return _Reply(response.status, response.headers)
            except HTTPError as exc:
                exc.close()
                return _Reply(exc.code, exc.headers)
            except URLError as exc:
                reply = self.network_error(exc.reason, connecting=True)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                reply = self.network_error(exc, connecting=False)
            if reply.no_such_host:
                self.hosts.unresolvable[host] = reply.error
            return reply

    def network_error(self, reason, *, connecting: bool) -> _Reply:
        limit = _seconds(self.timeout)
        if isinstance(reason, Blocked):
            return _Reply(error=f"连接时{reason}(域名解析结果与检查时不同?)(确需检查内网链接时加 --allow-private)")
        if isinstance(reason, TimeoutError):
            return _Reply(error=f"连接超时({limit} 秒)" if connecting else f"等待响应超时({limit} 秒)", retryable=True)
        if isinstance(reason, socket.gaierror):
            if reason.errno == socket.EAI_AGAIN:
                return _Reply(error="暂时无法解析主机名(DNS 无响应)", retryable=True)
            return _Reply(error="无法解析主机名(域名不存在,或本机连不上 DNS)", no_such_host=True)
        if isinstance(reason, ssl.SSLCertVerificationError):
            return _Reply(error=f"HTTPS 证书验证失败:{reason.verify_message or reason}")
        if isinstance(reason, ssl.SSLError):
            return _Reply(error=f"HTTPS 连接失败:{reason.reason or reason}", retryable=True)
        if isinstance(reason, ConnectionRefusedError):
            return _Reply(error="连接被拒绝(该地址和端口上没有服务)", retryable=True)
        if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
            return _Reply(error="连接被服务器中断", retryable=True)
        if isinstance(reason, http.client.HTTPException):
            return _Reply(error=f"服务器的回答不是有效的 HTTP 响应({type(reason).__name__})", retryable=True)
        if isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return _Reply(error="网络不可达(请检查本机网络或代理设置)", retryable=True)
        if isinstance(reason, OSError):
            return _Reply(error=f"网络错误:{reason.strerror or reason}", retryable=True)
        return _Reply(error=f"地址无法访问:{reason}")


def _header_text(value: str | None) -> str | None:
    """http.client decodes headers as Latin-1; a UTF-8 Location (Chinese path) is decoded again."""
    if value is None:
        return None
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return value.strip()
