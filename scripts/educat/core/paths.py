"""Paths inside the content repository, and writes that never leave a half-written file."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


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
