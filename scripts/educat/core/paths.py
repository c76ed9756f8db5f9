"""Paths inside the content repository, and writes that never leave a half-written file."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath


def rel(path: Path, root: Path) -> str:
    """A path relative to the repository root, with forward slashes."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def is_inside(path: Path, folder: Path) -> bool:
    """True when path, after following symlinks, stays inside folder."""
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename over it; no temp file is left."""
    mode = path.stat().st_mode & 0o777 if path.is_file() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def not_regular(path: Path) -> str | None:
    """Why ``path`` must not be opened (a pipe, device or folder blocks or misleads a reader),
    or None for a regular file. Checked with ``stat`` before anything opens the file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"无法读取文件:{exc.strerror}"
    if stat.S_ISREG(mode):
        return None
    kind = "目录" if stat.S_ISDIR(mode) else "命名管道(FIFO)" if stat.S_ISFIFO(mode) else "设备或套接字"
    return f"这是{kind},不是普通文件,不会被读取"


@dataclass(frozen=True)
class Refused:
    """Why a content reference was not opened: a finding type, a message and what to do."""

    type: str
    message: str
    note: str


def present(path: Path) -> bool:
    """The path names something, even a dangling or outward symlink (``exists`` says no to those)."""
    return path.exists() or path.is_symlink()


def resolve(folder: Path, name: str, within: Path | None = None, what: str = "文件") -> Path | Refused:
    """The one way a name written in content (an example, code list, data file, OpenAPI document,
    rubric, collection, link-status file) becomes a path to open: ``name`` relative to ``folder``.

    Refused, before anything is opened: an empty name, an absolute path (POSIX, Windows drive or
    UNC), a URL, a backslash or any ``..`` part; a path that, after following symlinks, leaves
    ``within`` (default ``folder``); a missing file; and anything that is not a regular file
    (a FIFO would block for ever, a device never ends)."""
    within = within or folder
    raw = str(name)
    if (
        not raw.strip()
        or raw.startswith(("/", "\\"))
        or "\\" in raw
        or PureWindowsPath(raw).drive
        or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw)
        or ".." in PurePosixPath(raw).parts
    ):
        return Refused("path-error", f"{what}路径 “{raw}” 不安全:不能为空,不能是绝对路径、网址,不能含反斜杠或 ..", "把文件放进本目录,写相对路径(如 data/x.csv)")
    path = folder / raw
    if not is_inside(path, within):
        return Refused("path-error", f"{what} {raw} 是指向 {within.name}/ 之外的符号链接,不会被读取或发布", "把真实文件复制进来,不要用符号链接")
    if not present(path):
        return Refused("missing-file", f"{what} {raw} 不存在", "检查文件名的拼写和大小写,或添加该文件")
    why = not_regular(path)
    if why:
        return Refused("file-error", f"{what} {raw}:{why}", "删除它,换成普通文件")
    return path
