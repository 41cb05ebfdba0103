"""The usual mess of a real inbox: resends, corrections, .xls, e-mails and broken files.

Each function takes files the simulated people returned and adds the mess the office sees;
every broken file is followed by a good resend, so the year still scores completely.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def send_twice(path: Path) -> Path:
    """The same file dropped a second time under the name a mail client gives a copy."""
    copy = path.with_name(f"{path.stem}(1){path.suffix}")
    shutil.copyfile(path, copy)
    return copy


def as_mail(paths: list[Path], target: Path, sender: str) -> Path:
    """A saved e-mail (.eml) with the files attached; the attachments leave the inbox."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "考核办 <khb@example.gov.cn>"
    message["Subject"] = "周考评表"
    message.set_content("考核办：附件是本周的周考评表，请查收。")
    for path in paths:
        message.add_attachment(path.read_bytes(), *XLSX_TYPE, filename=path.name)
        path.unlink()
    target.write_bytes(message.as_bytes())
    return target


def as_xls(paths: list[Path]) -> list[Path]:
    """Re-save files as .xls with LibreOffice, as older Excel or WPS would; [] without it."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None or not paths:
        return []
    made = []
    with tempfile.TemporaryDirectory() as work:
        command = [binary, f"-env:UserInstallation=file://{work}/profile", "--headless",
                   "--convert-to", "xls", "--outdir", work, *map(str, paths)]
        try:
            subprocess.run(command, capture_output=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return []
        for path in paths:
            converted = Path(work) / f"{path.stem}.xls"
            if converted.is_file():
                shutil.move(converted, path.with_suffix(".xls"))
                path.unlink()
                made.append(path.with_suffix(".xls"))
    return made


def truncated_copy(path: Path, target: Path) -> Path:
    """A download cut off half way."""
    data = path.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def text_as_workbook(target: Path) -> Path:
    """A note saved with an .xlsx name."""
    target.write_text("周考评表已填好，请查收。\n", encoding="utf-8")
    return target
