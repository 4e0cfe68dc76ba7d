"""File names as units see them, and as the file system accepts them."""

from __future__ import annotations


def display_name(name: str) -> str:
    """The name as the unit sees it: valid UTF-8 kept, undecodable bytes escaped (``\\xb2``)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
