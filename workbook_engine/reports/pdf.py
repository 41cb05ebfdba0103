"""Convert a report to PDF with LibreOffice, when it is installed (the 公示 is posted as PDF)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


class PdfUnavailable(Exception):
    """LibreOffice is missing or the conversion failed; the message says what to do."""


def to_pdf(path: Path, timeout: int = 180) -> Path:
    """Write `<name>.pdf` beside the workbook and return its path."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise PdfUnavailable("本机未安装 LibreOffice（soffice）。请安装后再加 --pdf，"
                             "或用 Excel/WPS 打开报表后「另存为 PDF」")
    with tempfile.TemporaryDirectory() as profile:
        command = [binary, f"-env:UserInstallation=file://{profile}", "--headless",
                   "--convert-to", "pdf", "--outdir", str(path.parent), str(path)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"LibreOffice 转换超时（{timeout} 秒）") from exc
    pdf = path.with_suffix(".pdf")
    if done.returncode != 0 or not pdf.is_file():
        raise PdfUnavailable(f"LibreOffice 转换失败：{(done.stderr or done.stdout).strip()[:200]}")
    return pdf
