"""Build the site atomically: into a temporary folder, swapped in only on success."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from educat.core.model import Repo
from educat.core.findings import ValidationReport
from educat.site.plugin import MARKER


class BuildError(Exception):
    pass


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise BuildError(
            f"{out} 已存在且不是 educat 生成的网站目录(缺少 {MARKER}):为避免覆盖你的文件,构建已停止。"
            "请换一个 --out 目录,或确认后手动删除它"
        )


def _pid_file(tmp: Path) -> Path:
    """Beside the build folder (MkDocs empties the folder itself when it starts)."""
    return tmp.with_name(tmp.name + ".pid")


def _alive(pid_file: Path) -> bool:
    """True when the build that wrote ``pid_file`` is still running on this machine."""
    try:
        pid = int(pid_file.read_text(encoding="ascii").strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def remove_stale(out: Path) -> list[Path]:
    """Remove the temporary folders a killed build left beside ``out`` (``.<name>-build-*``
    whose process is gone, and ``.<name>-old-*`` of a finished swap); return them."""
    removed = []
    for folder in sorted(out.parent.glob(f".{out.name}-build-*")) + sorted(out.parent.glob(f".{out.name}-old-*")):
        if not folder.is_dir() or folder.is_symlink():
            continue
        building = folder.name.split("-old-", 1)[-1] if "-old-" in folder.name else folder.name
        pid = _pid_file(out.parent / building)
        if _alive(pid):
            continue  # another build is running right now
        shutil.rmtree(folder, ignore_errors=True)
        pid.unlink(missing_ok=True)
        removed.append(folder)
    return removed


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _errors_logged():
    """The messages mkdocs logs at ERROR while the block runs."""
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def build_site(root: Path, out: Path, repo: Repo | None = None, report: ValidationReport | None = None, strict: bool = False, site_url: str | None = None, built: Callable[[MkDocsConfig], None] | None = None) -> Path:
    """Build ``root``'s site into ``out``. A failed build leaves ``out`` untouched.

    ``site_url`` overrides mkdocs.yml's; with neither, the preview address
    (``urls.LOCAL_SITE_URL``) is used (set by the plugin), so the sitemap is never empty.
    ``built(config)`` is called once the new site is in ``out`` (the preview keeps the build's
    state for incremental rebuilds)."""
    root = Path(root).resolve()
    out = Path(out).resolve()
    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise BuildError(f"{config_file} 不存在:请在内容仓库根目录运行,或用 --root 指定")
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    except OSError as exc:
        raise BuildError(f"无法在 {out.parent} 中创建临时目录:{exc.strerror};原网站保持不变") from None
    tmp.chmod(0o755)  # mkdtemp makes it private; a web server must be able to read the site
    try:
        _pid_file(tmp).write_text(str(os.getpid()), encoding="ascii")
        overrides = {"site_url": site_url} if site_url else {}
        config = load_config(config_file=str(config_file), site_dir=str(tmp), strict=strict, **overrides)
        plugin = config.plugins.get("educat")
        if plugin is None:
            raise BuildError("mkdocs.yml 的 plugins 中没有 educat:请添加 - educat")
        if repo is not None and report is not None:
            plugin.use(repo, report)
        logging.getLogger("mkdocs").setLevel(logging.WARNING)
        with _errors_logged() as logged:
            try:
                mkdocs_build(config)
            except MkDocsException as exc:
                # mkdocs logs the plugin's message and raises "Aborted with a BuildError!": say the message
                raise MkDocsException(";".join(logged) or str(exc)) from None
        if not (tmp / "index.html").is_file():
            raise BuildError("构建结果缺少 index.html,未替换原网站")
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}-old-{tmp.name}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        if built is not None:
            built(config)
        return out
    except MkDocsException as exc:
        raise BuildError(f"站点构建失败:{exc}") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise BuildError(f"磁盘空间不足,站点没有构建完成:{out} 中的原网站保持不变。请清理 {out.parent} 所在磁盘后重试") from None
        raise BuildError(f"站点构建失败:{exc.strerror or exc}({exc.filename or out});{out} 中的原网站保持不变") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        _pid_file(tmp).unlink(missing_ok=True)
