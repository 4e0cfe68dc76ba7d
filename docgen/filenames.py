"""Names that come from units: shown as the unit sees them, and turned into safe parts of our own names.

A dropped file's name can be anything the unit's system allowed: bytes that are not UTF-8 (GBK names
from archives unpacked on Linux arrive from ``os.listdir`` as str with surrogate escapes), names longer
than what fits in a receipt's name (Linux allows 255 bytes; a 200-character Chinese name is 600),
characters that are unsafe in a file name on one system or another. ``display_name`` is for people and
databases; ``safe_component`` is for the file system, and never maps two different names to one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

HASH_CHARS = 10  # hex digits of SHA-256 added to a name that had to be altered: 40 bits
MIN_COMPONENT_BYTES = 32
# Kept as written: word characters (any script), and punctuation every file system accepts. The rest
# (spaces, \ / : * ? " < > |, control characters, "~" which marks an altered name) becomes "_".
_KEEP = r"\w.\-()\[\]+,@（）【】《》〈〉「」『』〔〕［］、，。；：！？·—…"
_UNSAFE = re.compile(f"[^{_KEEP}]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
# Shown escaped: control characters, and the bidirectional controls that can disguise a name's ending
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def name_bytes(name: str) -> bytes:
    """The bytes of a name as the file system has them (``os.fsencode`` on Linux)."""
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no file system produced: keep it, distinctly
        return name.encode("utf-8", "surrogatepass")


def display_name(name: str) -> str:
    """The name as the unit sees it, storable and printable: valid UTF-8 kept, each undecodable byte
    written ``\\xb2``, control and bidirectional-override characters written ``\\x07``, ``\\u202e``.

    Applying it twice changes nothing more.
    """
    text = name_bytes(name).decode("utf-8", "backslashreplace")
    return _HIDDEN.sub(lambda m: _escape(m.group()), text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_component(name: str, max_bytes: int = 160) -> str:
    """A file-name component that is valid everywhere, at most ``max_bytes`` bytes of UTF-8, and unique:
    a name kept as written has no "~"; any name altered (characters replaced, or cut by UTF-8 bytes)
    ends in "~" and ten hex digits of the SHA-256 of its exact bytes, before its extension.

    ``a b.xlsx`` → ``a_b~3f2c…e1.xlsx``; ``a_b.xlsx`` → ``a_b.xlsx``.
    """
    if max_bytes < MIN_COMPONENT_BYTES:
        raise ValueError(f"max_bytes must be at least {MIN_COMPONENT_BYTES}")
    cleaned = _UNSAFE.sub("_", name)
    cleaned = re.sub(r"^\.+|\.+$", lambda m: "_" * len(m.group()), cleaned)  # hidden, or trimmed by Windows
    if not cleaned or cleaned.split(".")[0].upper() in _RESERVED:
        cleaned = f"_{cleaned}"
    if cleaned == name and len(cleaned.encode("utf-8")) <= max_bytes:
        return cleaned
    tag = "~" + hashlib.sha256(name_bytes(name)).hexdigest()[:HASH_CHARS]
    m = _EXTENSION.search(cleaned)
    extension = m.group() if m and m.start() > 0 else ""
    base = cleaned[: len(cleaned) - len(extension)]
    budget = max_bytes - len(tag) - len(extension)
    return _cut_utf8(base, budget) + tag + extension


def _cut_utf8(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` bytes of UTF-8, never inside a character or a combining sequence."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    cut = raw[:max_bytes].decode("utf-8", "ignore")
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    return cut
