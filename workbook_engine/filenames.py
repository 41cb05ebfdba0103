"""File names valid on Windows, for everything the tool writes (forms, archive, attachments).

Windows refuses the characters \\ / : * ? " < > | and control characters, drops trailing dots
and spaces, and reserves device names (CON, PRN, AUX, NUL, COM1…9, LPT1…9, also with an
extension: `NUL.xlsx`). A name made from roster text or a received file's name passes here.

    safe_part("规划/建管股") == "规划_建管股"      safe_file_name("CON.xlsx") == "_CON.xlsx"
"""

from __future__ import annotations

import re

FORBIDDEN = frozenset('\\/:*?"<>|')
DEVICES = frozenset(
    ("CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$")
    + tuple(f"{port}{n}" for port in ("COM", "LPT") for n in "123456789¹²³")
)
_REFUSED = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def is_device(name: str) -> bool:
    """True when Windows takes the name for a device (`nul`, `COM1.txt`, `aux .xlsx`)."""
    return name.split(".")[0].rstrip(" ").upper() in DEVICES


def safe_part(text: str) -> str:
    """A piece of a file name (a folder, a name inside a name): refused characters become
    `_`, trailing dots and spaces go, a device name gets a leading `_`."""
    part = _REFUSED.sub("_", text).strip(" .") or "_"
    return "_" + part if is_device(part) else part


def safe_file_name(name: str) -> str:
    """A whole file name (stem and extension) Windows can hold; unchanged when it already can."""
    cleaned = _REFUSED.sub("_", name).rstrip(" .") or "_"
    return "_" + cleaned if is_device(cleaned) else cleaned
