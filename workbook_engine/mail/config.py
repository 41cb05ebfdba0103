"""mail.toml → a frozen `MailConfig`: the office mailbox's servers (never its password).

    [smtp]                          [imap]
    host = "smtp.163.com"           host = "imap.163.com"
    port = 465                      port = 993
    security = "ssl"                security = "ssl"
    user = "kaohe@163.com"          user = "kaohe@163.com"
    sender = "考核办 <kaohe@163.com>" folder = "INBOX"

Checked like policy.toml: every problem at once, in Chinese, naming the key
(`mail.toml，设置项 smtp.port：「smtp.port」应在 1 到 65535 之间（现为 0）`). An optional
`cafile` names a certificate file for a server whose certificate a private CA signed.
The password comes only from WORKBOOK_ENGINE_MAIL_PASSWORD or a prompt (see `password`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from workbook_engine.issues import InputError, Issue
from workbook_engine.policy import ConfigReader, parse_toml

MAIL_FILE = "mail.toml"
PASSWORD_VAR = "WORKBOOK_ENGINE_MAIL_PASSWORD"
SECURITY = ("ssl", "starttls", "none")
IMAP_SECURITY = ("ssl", "starttls")
_SMTP_KEYS = ("host", "port", "security", "user", "sender", "cafile")
_IMAP_KEYS = ("host", "port", "security", "user", "folder", "cafile")
_SECTION_NAMES = {"smtp": "发信服务器（SMTP）", "imap": "收信服务器（IMAP）"}


@dataclass(frozen=True)
class Server:
    """One server of the office mailbox; `kind` is smtp or imap."""

    kind: str
    host: str
    port: int
    security: str
    user: str
    sender: str = ""
    folder: str = "INBOX"
    cafile: Path | None = None

    @property
    def label(self) -> str:
        """How messages name it, e.g. `发信服务器（SMTP）smtp.163.com:465`."""
        return f"{_SECTION_NAMES[self.kind]}{self.host}:{self.port}"

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


@dataclass(frozen=True)
class MailConfig:
    """The office mailbox; a section left out is None (the commands that need it say so)."""

    smtp: Server | None
    imap: Server | None
    file: str = MAIL_FILE

    def need(self, kind: str) -> Server:
        server = getattr(self, kind)
        if server is None:
            message = f"{self.file} 中缺少 [{kind}] 一节（{_SECTION_NAMES[kind]}的设置）"
            raise InputError([Issue(code="mail.missing_key", message=message, file=self.file,
                                    key=kind)])
        return server


def load_mail_config(path: Path) -> MailConfig:
    """Read and check mail.toml; InputError lists every problem found."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        message = (f"找不到邮箱设置文件 {path}。请在工作区中新建 {MAIL_FILE}，"
                   "写明发信（[smtp]）和收信（[imap]）服务器（格式见使用说明）")
        raise InputError([Issue(code="mail.file_missing", message=message, file=path.name)]) \
            from None
    except UnicodeDecodeError:
        message = "文件不是 UTF-8 编码，请用记事本打开后“另存为”，编码选择 UTF-8"
        raise InputError([Issue(code="mail.encoding", message=message, file=path.name)]) from None
    except OSError as error:
        message = f"无法读取邮箱设置文件：{path}（{error.strerror or error}）"
        raise InputError([Issue(code="mail.file_unreadable", message=message,
                                file=path.name)]) from None
    return parse_mail_config(text, path.name, path.parent)


def parse_mail_config(text: str, file_name: str = MAIL_FILE, folder: Path | None = None
                      ) -> MailConfig:
    data = parse_toml(text, file_name, "mail")
    reader = ConfigReader(file_name, "mail")
    reader.check_keys(data, "", ("smtp", "imap"))
    if not data.get("smtp") and not data.get("imap"):
        reader.report("smtp", "missing_key", "至少要有 [smtp]（发信）或 [imap]（收信）一节")
    smtp = _server(reader, data, "smtp", _SMTP_KEYS, SECURITY, folder)
    imap = _server(reader, data, "imap", _IMAP_KEYS, IMAP_SECURITY, folder)
    if reader.issues:
        raise InputError(reader.issues)
    return MailConfig(smtp=smtp, imap=imap, file=file_name)


def _server(reader, data: dict, kind: str, keys: tuple[str, ...], securities: tuple[str, ...],
            folder: Path | None) -> Server | None:
    if kind not in data:
        return None
    table = reader.subsection(data, "", kind)
    if table is None:
        return None
    if "password" in table:
        message = (f"密码不能写在 {reader.file_name} 中（文件可能被别人看到）：请删去「{kind}.password」，"
                   f"改用环境变量 {PASSWORD_VAR}，或运行时按提示输入")
        reader.report(f"{kind}.password", "password_in_file", message)
    reader.check_keys({k: v for k, v in table.items() if k != "password"}, kind, keys)
    host = reader.text(table, kind, "host")
    port = reader.integer_between(table, kind, "port", 1, 65535)
    security = _choice(reader, table, kind, "security", securities)
    user = reader.text(table, kind, "user")
    extra: dict = {}
    if kind == "smtp":
        extra["sender"] = _sender(reader, table)
    elif "folder" in table:
        extra["folder"] = reader.text(table, kind, "folder")
    if "cafile" in table:
        extra["cafile"] = _cafile(reader, table, kind, folder)
    values = (host, port, security, user, *extra.values())
    if any(value is None for value in values):
        return None
    return Server(kind=kind, host=host, port=port, security=security, user=user, **extra)


def _choice(reader, table: dict, kind: str, key: str, allowed: tuple[str, ...]) -> str | None:
    value = reader.text(table, kind, key)
    if value is not None and value.lower() not in allowed:
        path = f"{kind}.{key}"
        listed = "、".join(f'"{a}"' for a in allowed)
        reader.report(path, "bad_value", f"「{path}」只能是 {listed}（现为 \"{value}\"）")
        return None
    return None if value is None else value.lower()


def _sender(reader, table: dict) -> str | None:
    sender = reader.text(table, "smtp", "sender")
    if sender is None:
        return None
    address = parseaddr(sender)[1]
    if not valid_address(address):
        message = f"「smtp.sender」应写成 \"考核办 <kaohe@example.gov.cn>\" 的形式（现为 \"{sender}\"）"
        reader.report("smtp.sender", "bad_value", message)
        return None
    return sender


def _cafile(reader, table: dict, kind: str, folder: Path | None) -> Path | None:
    text = reader.text(table, kind, "cafile")
    if text is None:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute() and folder is not None:
        path = folder / path
    if not path.is_file():
        reader.report(f"{kind}.cafile", "file_missing", f"「{kind}.cafile」指定的证书文件不存在：{path}")
        return None
    return path


def valid_address(address: str) -> bool:
    """A plain check of an e-mail address: one @, a dotted domain, no spaces or brackets."""
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain.strip("."):
        return False
    return not any(char.isspace() or char in '<>()[],;:"\\' for char in address)


def password(prompt=None) -> str | None:
    """The mailbox password: the environment variable, else `prompt()` (a terminal), else None."""
    value = os.environ.get(PASSWORD_VAR)
    if value:
        return value
    return prompt() if prompt is not None else None
