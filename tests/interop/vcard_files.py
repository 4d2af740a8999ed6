"""Change contacts in a device's data directory the way a user's address book would."""

import base64
import os
import random
import struct
import zlib
from pathlib import Path

CRLF = "\r\n"


def _lines(path: Path) -> list[str]:
    """The vCard's content lines, unfolded."""
    text = path.read_text(encoding="utf-8")
    return text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").splitlines()


def _write_later(path: Path, lines: list[str]) -> None:
    """Write the file with an mtime in a later second than before: the client tracks changes by it."""
    before = path.stat().st_mtime if path.exists() else 0.0
    path.write_text(CRLF.join(lines) + CRLF, encoding="utf-8")
    later = max(path.stat().st_mtime, float(int(before) + 1))
    os.utime(path, (later, later))


def write_contact(path: Path, lines: list[str]) -> None:
    """Write a vCard of these content lines (BEGIN and END are added)."""
    _write_later(path, ["BEGIN:VCARD", *lines, "END:VCARD"])


def rename_contact(path: Path, formatted_name: str) -> None:
    """Give the contact a new FN (display name)."""
    lines = [f"FN:{formatted_name}" if line.startswith("FN") and line[2:3] in ":;" else line for line in _lines(path)]
    _write_later(path, lines)


def add_photo(path: Path, approx_bytes: int, seed: int = 1) -> None:
    """Give the contact a PNG PHOTO of about ``approx_bytes`` bytes (random pixels do not compress)."""
    lines = _lines(path)
    png = base64.b64encode(_noise_png(approx_bytes, seed)).decode()
    end = lines.index("END:VCARD")
    _write_later(path, [*lines[:end], f"PHOTO;ENCODING=b;TYPE=PNG:{png}", *lines[end:]])


def _noise_png(approx_bytes: int, seed: int) -> bytes:
    width = 64
    height = max(1, approx_bytes // (3 * width))
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(3 * width) for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
