"""The local preview behind ``educat serve``: MkDocs' live-reload server, speaking Chinese.

- Each (re)build goes through :func:`educat.site.build.build_site`, which builds into a temporary
  folder and swaps it in only on success. After a content error the last good site stays served,
  every page carries a banner with the errors, and the errors are printed as ``路径:行号`` lines.
  When the first build fails there is no good site yet: every address shows the error page.
- It takes its port first (a taken port fails at once, in Chinese), builds, then prints
  ``预览地址:http://127.0.0.1:8000/ (按 Ctrl+C 停止)``.
- MkDocs' log lines that a person reads are translated (:class:`ChineseLog`); others pass unchanged.
- Ctrl+C or SIGTERM stop it cleanly and remove its temporary folder.
"""

from __future__ import annotations

import errno
import logging
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import escape
from mkdocs.config import load_config
from mkdocs.exceptions import ConfigurationError
from mkdocs.livereload import LiveReloadServer

from educat.site.build import BuildError
from educat.site.live import LiveSite

log = logging.getLogger("educat.serve")

# MkDocs' messages (after its "[12:00:00] " time stamp) -> Chinese; {names} are the groups
TRANSLATIONS = tuple((re.compile(pattern), text) for pattern, text in (
    (r"Serving on (?P<url>\S+)(?: and opening it in a browser)?", "预览地址:{url} (按 Ctrl+C 停止)"),
    (r"Watching paths for changes: (?P<paths>.*)", "文件改动后自动重建,监视:{paths}"),
    (r"Detected file changes", "检测到文件改动"),
    (r"Reloading browsers", "已通知浏览器刷新"),
    (r"Browser connected: (?P<url>.*)", "浏览器已打开 {url}"),
    (r'"(?P<method>[A-Z]+) (?P<path>\S+)[^"]*" code (?P<code>\d+)', "{method} {path} 的结果是 {code}"),
    (r"Building documentation\.\.\.", "正在构建网站…"),
    (r"Cleaning site directory", "正在清理网站目录"),
    (r"Documentation built in (?P<seconds>[\d.]+) seconds", "网站构建完成,用时 {seconds} 秒"),
    (r"An error happened during the rebuild\..*", "重新构建失败(见上);改正后保存文件会自动重建"),
    (r"Shutting down\.\.\.", "正在停止预览…"),
    (r"Failed to render an error message!", "无法显示错误页"),
    (r"500 Internal Server Error", "预览服务器内部错误(500)"),
))
POLL = 0.25  # seconds between looks at the watched files (MkDocs' default is 0.5)
TIME_STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\] ")

BANNER = """<div role="alert" lang="zh-CN" style="position:fixed;left:0;right:0;bottom:0;z-index:10000;\
max-height:50vh;overflow:auto;padding:.75rem 1rem;background:#fff4f4;color:#5c0000;\
border-top:4px solid #c62828;font:15px/1.6 sans-serif"><strong>网站构建失败</strong>:\
下面仍是上次成功构建的网站。改正这些问题并保存文件,预览会自动重建并刷新。\
<pre style="white-space:pre-wrap;margin:.5rem 0 0;font-size:13px">{errors}</pre></div>"""

ERROR_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>网站构建失败</title></head>
<body style="margin:2rem;font:16px/1.6 sans-serif;color:#222">
<h1 style="color:#b71c1c">网站构建失败</h1>
<p>还没有成功构建过的网站可以显示。改正下面的问题并保存文件,预览会自动重建并刷新。</p>
<pre style="white-space:pre-wrap;padding:1rem;background:#fff4f4;border-left:4px solid #c62828">{errors}</pre>
</body></html>
"""


class PreviewError(Exception):
    """The preview cannot start (the port is taken, mkdocs.yml is missing); message in Chinese."""


class ChineseLog(logging.Filter):
    """Rewrites MkDocs' known messages in Chinese and drops its time stamps."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = TIME_STAMP.sub("", record.getMessage())
        for pattern, text in TRANSLATIONS:
            match = pattern.fullmatch(message)
            if match:
                message = text.format(**match.groupdict())
                break
        record.msg, record.args = message, ()
        return True


class _Console(logging.StreamHandler):
    """Prints the preview's and MkDocs' messages; remembers the errors of the current build."""

    def __init__(self):
        super().__init__(sys.stderr)
        self.addFilter(ChineseLog())
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())


class _Server(LiveReloadServer):
    """MkDocs' server, which also puts :attr:`banner` at the foot of every HTML page and may take
    its port before the first build (a taken port fails at once, not after the build)."""

    banner = b""
    _listening = False

    def listen(self) -> None:
        if not self._listening:
            super().server_bind()
            super().server_activate()
            self._listening = True

    def server_bind(self) -> None:
        self.listen()

    def server_activate(self) -> None:
        pass  # listen() did it

    def _inject_js_into_html(self, content, epoch):
        content = super()._inject_js_into_html(content, epoch)
        if not self.banner:
            return content
        end = content.rfind(b"</body>")
        end = len(content) if end < 0 else end
        return content[:end] + self.banner + content[end:]


class Preview:
    """One preview: a temporary folder holding the last good site (``site/``) and the error page
    shown while no build has succeeded (``error/``)."""

    def __init__(self, root: Path, host: str, port: int):
        self.root = Path(root).resolve()
        self.config_file = self.root / "mkdocs.yml"
        if not self.config_file.is_file():
            raise PreviewError(f"{self.config_file} 不存在:请在内容仓库根目录运行,或用 --root 指定")
        try:
            self.config = load_config(config_file=str(self.config_file))
        except ConfigurationError as exc:
            raise PreviewError(f"{self.config_file} 有错误:{exc}") from None
        mount_path = urlsplit(self.config.site_url or "/").path or "/"
        self.server = _Server(builder=self.build, host=host, port=port, root="", mount_path=mount_path, polling_interval=POLL)
        self.server.error_handler = self._error_page
        self.url = self.server.url
        self.console = _Console()
        self.good = False
        self.later: threading.Thread | None = None

    def build(self) -> None:
        """Build once (only what changed, see ``site/live.py``); never raises, so the server
        outlives a content error. After an incremental rebuild the browsers reload at once,
        while the other resources' pages whose 相关资源 show a change, the downloads and the
        full-text index are brought up to date in a thread, which the next build waits for."""
        self.wait()
        start = time.monotonic()
        self.console.errors.clear()
        try:
            done = self.live.rebuild(starting=lambda: log.info("正在构建网站…"))
        except BuildError as exc:
            if not self.console.errors:  # not logged while building: say it now
                log.error(str(exc))
            self._failed(list(self.console.errors))
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview
            log.error(f"内部错误:{type(exc).__name__}: {exc}(这是 educat 的缺陷:请用 educat build --debug 重现并报告给维护者)")
            self._failed(list(self.console.errors))
        else:
            self.good = True
            self.server.root, self.server.banner = str(self.site), b""
            seconds = time.monotonic() - start
            if done.kind == "full":
                log.info(f"网站已构建,用时 {seconds:.1f} 秒")
            elif done.kind == "records":
                log.info(f"课程资源已更新:重写 {len(done.pages)} 个页面、{len(done.assets)} 个索引文件,删除 {len(done.removed)} 个页面,用时 {seconds:.2f} 秒")
                self.later = threading.Thread(target=self._finish, args=(done,), name="educat-later", daemon=True)
                self.later.start()

    def _finish(self, done) -> None:
        start = time.monotonic()
        try:
            done.finish()
        except Exception as exc:  # noqa: BLE001 - the next build is a full one (site/live.py)
            log.error(f"更新相关资源页、下载文件和全文索引时出错:{type(exc).__name__}: {exc}(下次保存文件时将重建整个网站)")
        else:
            log.info(f"相关资源页、下载文件和全文索引已更新(本次共重写 {len(done.pages)} 个页面),用时 {time.monotonic() - start:.2f} 秒")

    def wait(self) -> None:
        """Until the thread of the last incremental rebuild is done."""
        if self.later is not None:
            self.later.join()
            self.later = None

    def _failed(self, errors: list[str]) -> None:
        text = escape("\n".join(errors))
        if self.good:
            self.server.banner = BANNER.format(errors=text).encode("utf-8")
            log.error("构建失败:预览仍显示上次成功构建的网站,页面底部列出错误;改正后保存文件会自动重建")
        else:
            self.error_dir.mkdir(exist_ok=True)
            for name in ("index.html", "404.html"):
                (self.error_dir / name).write_text(ERROR_PAGE.format(errors=text), encoding="utf-8")
            self.server.root = str(self.error_dir)
            log.error("构建失败:预览显示错误页;改正后保存文件会自动重建")

    def _error_page(self, code: int) -> bytes | None:
        page = Path(self.server.root) / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    def run(self) -> None:
        """Listen, build, rebuild on changes until Ctrl+C or SIGTERM; then clean up."""
        loggers = [logging.getLogger("mkdocs"), log]
        for logger in loggers:
            logger.addHandler(self.console)
        log.setLevel(logging.INFO)
        logging.getLogger("mkdocs.livereload").setLevel(logging.INFO)  # build_site quiets "mkdocs"
        previous = _stop_on_sigterm()
        self.work = Path(tempfile.mkdtemp(prefix="educat-serve-"))
        self.site, self.error_dir = self.work / "site", self.work / "error"
        self.live = LiveSite(self.root, self.site, self.url)
        self.server.root = str(self.site)
        try:
            try:
                self.server.listen()
            except OSError as exc:
                raise PreviewError(_bind_error(exc, self.server.server_address)) from None
            self.build()
            self._watch()
            self.server.serve()
        except KeyboardInterrupt:
            log.info("正在停止预览…")
        finally:
            self.server.shutdown()
            self.wait()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            for logger in loggers:
                logger.removeHandler(self.console)
            shutil.rmtree(self.work, ignore_errors=True)

    def _watch(self) -> None:
        self.server.watch(self.config.docs_dir)
        self.server.watch(str(self.config_file))
        self.config.plugins.on_serve(self.server, config=self.config, builder=self.build)  # content folders
        for path in self.config.watch:
            self.server.watch(path)


def _stop_on_sigterm():
    """Make SIGTERM stop the preview like Ctrl+C (its temporary folder is removed); returns the
    previous handler, or None where signals cannot be set (not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)


BIND_ERRORS = {
    errno.EADDRINUSE: "端口已被占用(可能已有一个 educat serve 在运行)",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
    errno.EACCES: "没有权限使用这个端口(1024 以下的端口要管理员权限)",
}


def _bind_error(exc: OSError, address) -> str:
    host, port = address[0], address[1]
    reason = BIND_ERRORS.get(exc.errno, exc.strerror or str(exc))
    fix = f"用 --dev-addr {host}:{port + 1} 换一个端口" if exc.errno == errno.EADDRINUSE else "用 --dev-addr 指定本机的地址和端口,如 127.0.0.1:8000"
    return f"无法在 {host}:{port} 启动预览:{reason};{fix}"


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Preview ``root``'s site at http://host:port/ until stopped; :class:`PreviewError` when it
    cannot start."""
    Preview(root, host, port).run()
