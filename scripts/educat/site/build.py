"""Build the site atomically: into a temporary folder, swapped in only on success."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
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


def build_site(root: Path, out: Path, repo: Repo | None = None, report: ValidationReport | None = None, strict: bool = False) -> Path:
    """Build ``root``'s site into ``out``. A failed build leaves ``out`` untouched."""
    root = Path(root).resolve()
    out = Path(out).resolve()
    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise BuildError(f"{config_file} 不存在:请在内容仓库根目录运行,或用 --root 指定")
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a web server must be able to read the site
    try:
        config = load_config(config_file=str(config_file), site_dir=str(tmp), strict=strict)
        plugin = config.plugins.get("educat")
        if plugin is None:
            raise BuildError("mkdocs.yml 的 plugins 中没有 educat:请添加 - educat")
        if repo is not None and report is not None:
            plugin.use(repo, report)
        logging.getLogger("mkdocs").setLevel(logging.WARNING)
        mkdocs_build(config)
        if not (tmp / "index.html").is_file():
            raise BuildError("构建结果缺少 index.html,未替换原网站")
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}-old-{tmp.name}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return out
    except MkDocsException as exc:
        raise BuildError(f"站点构建失败:{exc}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
