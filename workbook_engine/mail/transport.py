"""Talking to the office mailbox's servers; every failure becomes a `MailFault` in Chinese.

    MailFault(server, "登录", "用户名或密码错误（服务器回复：535 认证失败）")
    str(fault) == "发信服务器（SMTP）smtp.163.com:465，登录失败：用户名或密码错误（…）"

Steps: 连接, 加密握手（TLS）, 登录, 发送身份（ID）, 打开文件夹, 发送邮件, 读取邮件, 标记已读.
TLS always verifies the server's certificate (the system's CAs, or mail.toml's `cafile`).
"""

from __future__ import annotations

import base64
import imaplib
import smtplib
import socket
import ssl
from contextlib import contextmanager

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors

from workbook_engine import __version__
from workbook_engine.mail.config import Server

TIMEOUT = 60  # seconds a server may stay silent
CLIENT_ID = {"name": "workbook-engine", "version": __version__, "vendor": "workbook-engine"}


class MailFault(Exception):
    """A server step failed; `fatal` is False when only this one message could not go."""

    def __init__(self, server: Server, step: str, reason: str, fatal: bool = True):
        self.server, self.step, self.reason, self.fatal = server, step, reason, fatal
        super().__init__(f"{server.label}，{step}失败：{reason}")


def tls_context(server: Server) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(server.cafile) if server.cafile else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _reply(error: Exception) -> str:
    """A server's reply text, decoded."""
    code = getattr(error, "smtp_code", None)
    text = getattr(error, "smtp_error", None) or (error.args[-1] if error.args else "")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if isinstance(text, dict):  # SMTPRecipientsRefused: {address: (code, text)}
        (code, text), = list(text.values())[:1] or [(None, "")]
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip() if code else str(text)


def network_reason(error: BaseException) -> str:
    """Why a connection failed or broke, for the clerk."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"服务器的证书无法验证（{error.verify_message}）；如单位使用自有证书，请在 mail.toml 中用 cafile 指定证书文件"
    if isinstance(error, ssl.SSLError):
        return f"加密连接建立失败（{error.reason or error}）；请检查端口和 security 设置是否对应（465/993 为 ssl，587/143 为 starttls）"
    if isinstance(error, ConnectionRefusedError):
        return "连接被拒绝（服务器没有在这个端口上提供服务，请检查地址和端口）"
    if isinstance(error, socket.gaierror):
        return "找不到这个服务器（地址写错了，或网络不通）"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "服务器长时间没有响应（超时）"
    if isinstance(error, (smtplib.SMTPServerDisconnected, imaplib.IMAP4.abort, EOFError,
                          ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "服务器中途断开了连接"
    if isinstance(error, OSError):
        return f"网络错误（{error.strerror or error}）"
    return f"{type(error).__name__}：{error}"


_NETWORK = (OSError, EOFError, smtplib.SMTPServerDisconnected, imaplib.IMAP4.abort)


@contextmanager
def step(server: Server, name: str):
    """Run one step; network errors become MailFault naming the server and the step."""
    try:
        yield
    except MailFault:
        raise
    except _NETWORK as error:
        if isinstance(error, ssl.SSLError):
            name = "加密握手（TLS）"
        raise MailFault(server, name, network_reason(error)) from error


# --- SMTP ------------------------------------------------------------------------------------


class SmtpSession:
    """One SMTP connection: connected, secured and logged in on entry, closed on exit."""

    def __init__(self, server: Server, password: str | None):
        self.server, self.password = server, password
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        server = self.server
        with step(server, "连接"):
            if server.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT,
                                             context=tls_context(server))
            else:
                self.smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
            self.smtp.ehlo()
        if server.security == "starttls":
            with step(server, "加密握手（STARTTLS）"):
                if not self.smtp.has_extn("starttls"):
                    raise MailFault(server, "加密握手（STARTTLS）", "服务器不支持 STARTTLS；请改用 ssl")
                self.smtp.starttls(context=tls_context(server))
                self.smtp.ehlo()
        self._login()
        return self

    def _login(self) -> None:
        server = self.server
        if not self.smtp.has_extn("auth"):
            return  # a relay that takes mail without logging in
        if not self.password:
            raise MailFault(server, "登录", "没有密码：请设置环境变量 WORKBOOK_ENGINE_MAIL_PASSWORD")
        with step(server, "登录"):
            try:
                if self.password.isascii():
                    self.smtp.login(server.user, self.password)
                else:  # smtplib encodes AUTH as ASCII; PLAIN carries UTF-8 (RFC 4616)
                    self._plain_utf8(server.user, self.password)
            except smtplib.SMTPAuthenticationError as error:
                raise MailFault(server, "登录", f"用户名或密码错误（服务器回复：{_reply(error)}）；"
                                "163/126 等邮箱须使用“客户端授权码”而不是网页登录密码") from error
            except smtplib.SMTPException as error:
                raise MailFault(server, "登录", f"服务器拒绝登录（{_reply(error)}）") from error

    def _plain_utf8(self, user: str, password: str) -> None:
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, reply = self.smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    @property
    def size_limit(self) -> int | None:
        value = (self.smtp.esmtp_features.get("size") or "").strip() if self.smtp else ""
        return int(value) if value.isdigit() and int(value) > 0 else None

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """Hand one message to the server; a refusal of only this message is not fatal."""
        server, name = self.server, "发送邮件"
        limit = self.size_limit
        if limit is not None and len(data) > limit:
            raise MailFault(server, name, f"邮件大小 {_mb(len(data))} MB 超过了服务器的上限 "
                            f"{_mb(limit)} MB", fatal=False)
        with step(server, name):
            try:
                self.smtp.sendmail(sender, [recipient], data)
            except smtplib.SMTPSenderRefused as error:
                if error.smtp_code == 552:
                    raise MailFault(server, name, f"邮件大小 {_mb(len(data))} MB 超过了服务器的上限"
                                    f"（服务器回复：{_reply(error)}）", fatal=False) from error
                raise MailFault(server, name, f"服务器拒绝了发件人（{_reply(error)}）") from error
            except smtplib.SMTPRecipientsRefused as error:
                raise MailFault(server, name, f"服务器拒绝了收件人 {recipient}（{_reply(error)}）",
                                fatal=False) from error
            except smtplib.SMTPDataError as error:
                fatal = not 500 <= error.smtp_code < 600
                raise MailFault(server, name, f"服务器拒收这封邮件（{_reply(error)}）",
                                fatal=fatal) from error

    def __exit__(self, *exc) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()


def _mb(size: int) -> str:
    return f"{size / 1048576:.1f}"


# --- IMAP ------------------------------------------------------------------------------------


class ImapSession:
    """One IMAP connection: secured, logged in, ID sent, folder selected (read-write)."""

    def __init__(self, server: Server, password: str | None):
        self.server, self.password = server, password
        self.client: IMAPClient | None = None
        self.uidvalidity = 0

    def __enter__(self) -> ImapSession:
        server = self.server
        with step(server, "连接"):
            self.client = IMAPClient(server.host, port=server.port, ssl=server.security == "ssl",
                                     ssl_context=tls_context(server), timeout=TIMEOUT)
        if server.security == "starttls":
            with step(server, "加密握手（STARTTLS）"):
                try:
                    self.client.starttls(tls_context(server))
                except imap_errors.IMAPClientError as error:
                    raise MailFault(server, "加密握手（STARTTLS）",
                                    f"服务器不支持 STARTTLS（{error}）；请改用 ssl") from error
        self._login()
        self._identify()
        self._select()
        return self

    def _login(self) -> None:
        server = self.server
        if not self.password:
            raise MailFault(server, "登录", "没有密码：请设置环境变量 WORKBOOK_ENGINE_MAIL_PASSWORD")
        with step(server, "登录"):
            try:
                if self.password.isascii():
                    self.client.login(server.user, self.password)
                else:  # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8
                    self.client.plain_login(server.user, self.password)
            except imap_errors.LoginError as error:
                raise MailFault(server, "登录", f"用户名或密码错误（服务器回复：{_text(error)}）；"
                                "163/126 等邮箱须使用“客户端授权码”并在网页邮箱中开启 IMAP") from error

    def _identify(self) -> None:
        """RFC 2971 ID: NetEase (163/126/yeah) refuses SELECT ("Unsafe Login") without it."""
        with step(self.server, "发送身份（ID）"):
            if self.client.has_capability("ID"):
                self.client.id_(CLIENT_ID)

    def _select(self) -> None:
        server = self.server
        with step(server, "打开文件夹"):
            try:
                info = self.client.select_folder(server.folder)
            except imap_errors.IMAPClientError as error:
                raise MailFault(server, "打开文件夹", f"无法打开文件夹「{server.folder}」"
                                f"（服务器回复：{_text(error)}）") from error
        self.uidvalidity = int(info.get(b"UIDVALIDITY", 0))

    def new_uids(self, known: set[int]) -> list[int]:
        """UIDs after the last one recorded; on the first run, the unread messages only (the
        mailbox's history is not the assessment's business)."""
        with step(self.server, "读取邮件列表"):
            if not known:
                return sorted(int(uid) for uid in self.client.search(["UNSEEN"]))
            last = max(known)
            found = self.client.search(["UID", f"{last + 1}:*"])
        return sorted(int(uid) for uid in found if int(uid) > last and int(uid) not in known)

    def message_ids(self, uids: list[int]) -> dict[int, str]:
        """uid → Message-ID (empty when the message has none)."""
        if not uids:
            return {}
        with step(self.server, "读取邮件列表"):
            found = self.client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        result = {}
        for uid, data in found.items():
            raw = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
            result[int(uid)] = _message_id(raw)
        return result

    def message(self, uid: int) -> bytes:
        """The whole message, without marking it seen (BODY.PEEK)."""
        with step(self.server, "读取邮件"):
            found = self.client.fetch([uid], ["BODY.PEEK[]"])
        data = found.get(uid, {})
        raw = data.get(b"BODY[]")
        if raw is None:
            raise MailFault(self.server, "读取邮件", f"服务器没有返回第 {uid} 封邮件的内容")
        return raw

    def mark_seen(self, uid: int) -> None:
        with step(self.server, "标记已读"):
            self.client.add_flags([uid], [b"\\Seen"])

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except (imap_errors.IMAPClientError, imaplib.IMAP4.error, OSError, EOFError):
                try:
                    self.client.shutdown()
                except OSError:
                    pass


def _text(error: Exception) -> str:
    text = error.args[0] if error.args else ""
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _message_id(raw: bytes) -> str:
    text = raw.decode("ascii", "replace")
    _, _, value = text.partition(":")
    return " ".join(value.split()).strip()
