"""Scans of a CSV's raw bytes before a parser reads it: damage no reader should read through
(NUL bytes, a UTF-8 part in a GBK file), the line structure that decides which engine reads it
(empty lines, CR endings, odd quotes), and the length of the last line. All
stream the file in blocks, so memory stays bounded whatever its size."""

from __future__ import annotations

import mmap
import os
import re
from pathlib import Path

from educat.tables.readers import ReadError, mixed_encoding, nul_error, quote_error


def scan_damage(path: Path, encoding: str, window: int = 1 << 26) -> ReadError | None:
    """Damage no reader should read through: NUL bytes, and for GBK files a UTF-8 part. The
    file is memory-mapped 64 MB at a time (resident memory stays at one window) and searched
    with memchr; line numbers are counted only when something is found."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        for offset in range(0, size, window):
            with mmap.mmap(handle.fileno(), min(window, size - offset), offset=offset, access=mmap.ACCESS_READ) as data:
                nul = data.find(b"\x00")
                if nul >= 0:
                    return nul_error(line_at(path, offset + nul))
    if encoding == "gb18030" and size <= 1 << 26:  # larger GBK files are not scanned for a UTF-8 part
        return mixed_encoding(path.read_bytes())
    return None


# An empty line: LF LF, CRLF CRLF, or CR CR (old Mac endings). Two searches with a literal
# first byte, which the regex engine runs at memchr speed (one alternation of all three is 10×
# slower).
_EMPTY_LINE = re.compile(b"\n\r?\n")
_EMPTY_CR_LINE = re.compile(b"\r\r")


def irregular_lines(path: Path, window: int = 1 << 26) -> str | None:
    """Why the fast engine cannot number this CSV's rows as Frictionless does, or None: an empty
    line (DuckDB skips it without a word, so the rows after it would shift) or an odd number
    of quotes. Such a file goes to the Frictionless path. LF, CRLF and CR endings are all read
    by DuckDB; mixed endings make DuckDB stop with an error, which also sends the file to
    Frictionless (tests/test_check.py holds both). The file is memory-mapped 64 MB at a time
    and searched in place; only a window with quotes is copied, to count them. A pair cut by
    a window's edge is looked for in the four bytes around it."""
    quotes = 0
    tail = b""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        for offset in range(0, size, window):
            with mmap.mmap(handle.fileno(), min(window, size - offset), offset=offset, access=mmap.ACCESS_READ) as block:
                seam = tail + block[:2]
                if _EMPTY_LINE.search(block) or _EMPTY_LINE.search(seam) or _EMPTY_CR_LINE.search(seam):
                    return "文件中有空行"
                if (block.find(b"\r") >= 0) and _EMPTY_CR_LINE.search(block):
                    return "文件中有空行"
                if block.find(b'"') >= 0:
                    quotes += block[:].count(b'"')
                tail = block[-2:]
    if quotes % 2:
        return "文件中的双引号不成对"
    return None


def line_at(path: Path, position: int, chunk: int = 1 << 24) -> int:
    """The 1-based line of a byte position, counted as a stream."""
    lines = 1
    with path.open("rb") as handle:
        while position > 0 and (block := handle.read(min(chunk, position))):
            lines += block.count(b"\n")
            position -= len(block)
    return lines


def odd_quote(path: Path, window: int = 1 << 26) -> ReadError | None:
    """An odd number of double quotes, at the line of the last one (where an unclosed quote
    most likely starts); None when they pair up."""
    quotes, last = 0, -1
    with path.open("rb") as handle:
        offset = 0
        while block := handle.read(window):
            count = block.count(b'"')
            if count:
                quotes += count
                last = offset + block.rindex(b'"')
            offset += len(block)
    return quote_error(line_at(path, last)) if quotes % 2 else None


def last_line_bytes(path: Path, chunk: int = 1 << 16, enough: int = 1 << 21) -> int:
    """Length in bytes of the file's last line (a final line break ignored), reading backwards
    from the end and stopping once it passes ``enough``."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        end = size
        if size:
            handle.seek(size - 1)
            if handle.read(1) in (b"\n", b"\r"):
                end -= 1
        position = end
        while position > 0 and end - position < enough:
            step = min(chunk, position)
            handle.seek(position - step)
            block = handle.read(step)
            cut = max(block.rfind(b"\n"), block.rfind(b"\r"))
            if cut >= 0:
                return end - (position - step + cut + 1)
            position -= step
        return end - position
