"""Read a corpus file into plain text. Each reader raises `UnreadableFile` with a one-line reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import UnreadableFile

MAX_FILE_BYTES = 50 * 1024 * 1024


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise UnreadableFile("binary data, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("not UTF-8 or GB18030 text")
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > max(8, len(text) // 100):
        raise UnreadableFile("binary data, not text")
    return text


def read_plain(path: Path) -> str:
    return _decode(path.read_bytes())


READERS: dict[str, Callable[[Path], str]] = {".txt": read_plain, ".md": read_plain, ".text": read_plain}


def read_document(path: Path) -> str:
    """The text of one corpus file; raises UnreadableFile when there is none to be had."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix or '(none)'}")
    try:
        size = path.stat().st_size
    except OSError as err:
        raise UnreadableFile(err.strerror or str(err)) from err
    if size == 0:
        raise UnreadableFile("empty file")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        text = reader(path)
    except UnreadableFile:
        raise
    except OSError as err:
        raise UnreadableFile(err.strerror or str(err)) from err
    if not text.strip():
        raise UnreadableFile("no text in it")
    return text
