"""Real mail servers for the tests, on 127.0.0.1 in a temporary folder.

- Dovecot (Debian's dovecot-imapd) started as a non-daemon child (`dovecot -F -c conf`) with a
  throwaway config: passwd-file users, maildir, IMAP with STARTTLS on one port and implicit
  TLS on another, a self-signed certificate made here with `cryptography`.
- An SMTP server (aiosmtpd) in ssl, starttls or none mode, with AUTH, a size limit, and a
  switch that drops the connection in the middle of a message; every message it accepts is
  delivered into the recipients' Dovecot mailboxes with IMAP APPEND.

Nothing is mocked: the product talks SMTP and IMAP to these servers over TCP and TLS.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SECRET = "门-pass-1"  # every test mailbox's password (non-ASCII on purpose)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dovecot_binary() -> str:
    """The dovecot binary; required on CI, a skip with the reason elsewhere."""
    found = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None)
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("CI 需要 Dovecot（apt 包 dovecot-imapd），但未找到 dovecot")
    if found is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd): real IMAP tests")
    return found


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and localhost)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen on {port}")


_CONFIG = """\
base_dir = {run}
state_dir = {state}
instance_name = wbe-test-{imap_port}
protocols = imap
listen = 127.0.0.1
log_path = {log}
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
first_valid_gid = {gid}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
imap_id_log = *
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot; `add_user` makes a mailbox (passwd-file is re-read on change)."""

    folder: Path
    mail_root: Path
    run: Path
    cert: Path
    imap_port: int
    imaps_port: int
    uid: int
    gid: int
    process: subprocess.Popen | None = None
    users: set[str] = field(default_factory=set)

    @property
    def passwd(self) -> Path:
        return self.folder / "passwd"

    def add_user(self, address: str, password: str = SECRET) -> None:
        if address in self.users:
            return
        home = self.mail_root / address
        line = f"{address}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{home}\n"
        with self.passwd.open("a", encoding="utf-8") as handle:
            handle.write(line)
        self.users.add(address)
        time.sleep(0.01)  # a new mtime, so that the auth process reloads the file

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def login(self, address: str, password: str = SECRET):
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.imaps_port, ssl=True,
                            ssl_context=self.client_context(), timeout=20)
        client.plain_login(address, password)
        return client

    def deliver(self, address: str, data: bytes) -> None:
        """Put a message into a user's INBOX (what a mail server's delivery does)."""
        from imapclient import IMAPClient

        self.add_user(address)
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=20)
        try:
            client.plain_login(address, SECRET)  # UTF-8 password: AUTHENTICATE PLAIN
            client.append("INBOX", data)
        finally:
            client.logout()

    def messages(self, address: str, folder: str = "INBOX") -> list[tuple[int, bytes, tuple]]:
        """(uid, raw message, flags) of every message, without marking anything seen."""
        client = self.login(address)
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            if not uids:
                return []
            found = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
            return [(uid, found[uid][b"BODY[]"], found[uid][b"FLAGS"]) for uid in sorted(found)]
        finally:
            client.logout()

    def stop(self) -> None:
        """SIGTERM to the whole process group at once (the master alone waits a second for
        its services to end), then SIGKILL for anything left."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(self.mail_root, ignore_errors=True)
        shutil.rmtree(self.run, ignore_errors=True)


def start_dovecot(folder: Path) -> Dovecot:
    binary = dovecot_binary()
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(folder)
    if os.geteuid() == 0:  # Dovecot refuses mail access and login processes as root
        mail_user = pwd.getpwnam("nobody")
        login_user = next((u for u in ("dovenull", "nobody") if _user_exists(u)), "nobody")
        internal, internal_group = "root", "root"
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        login_user = internal = mail_user.pw_name
        internal_group = mail_user.pw_name
    mail_root = Path(tempfile.mkdtemp(prefix="wbe-maildirs-"))  # outside pytest's 0700 tree
    os.chown(mail_root, mail_user.pw_uid, mail_user.pw_gid)
    # its sockets live here: a short path (a socket path is at most 107 bytes, and pytest's
    # per-test folders under an xdist worker's are longer than that)
    run = Path(tempfile.mkdtemp(prefix="wbe-dc-"))
    server = Dovecot(folder=folder, mail_root=mail_root, run=run, cert=cert,
                     imap_port=free_port(), imaps_port=free_port(), uid=mail_user.pw_uid,
                     gid=mail_user.pw_gid)
    server.passwd.write_text("", encoding="utf-8")
    (folder / "state").mkdir(exist_ok=True)
    log = folder / "dovecot.log"
    config = folder / "dovecot.conf"
    config.write_text(_CONFIG.format(
        run=run, state=folder / "state", log=log, internal=internal,
        internal_group=internal_group, login=login_user, uid=mail_user.pw_uid,
        gid=mail_user.pw_gid, cert=cert, key=key, passwd=server.passwd,
        imap_port=server.imap_port, imaps_port=server.imaps_port), encoding="utf-8")
    server.process = subprocess.Popen([binary, "-F", "-c", str(config)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                      start_new_session=True)  # a process group of its own
    try:
        _wait_for_port(server.imap_port, server.process, log)
        _wait_for_port(server.imaps_port, server.process, log)
    except BaseException:
        server.stop()
        raise
    return server


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


# --- SMTP --------------------------------------------------------------------------------------


class DeliveringHandler:
    """aiosmtpd handler: known recipients only; accepted mail is appended to their INBOX."""

    def __init__(self, dovecot: Dovecot):
        self.dovecot = dovecot
        self.drop_after: int | None = None  # accept this many messages, then drop mid-DATA
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() not in self.dovecot.users:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address.lower())
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after is not None and self.accepted >= self.drop_after:
            server.transport.close()  # the server goes away in the middle of the message
            return "421 4.3.0 connection dropped"
        for address in envelope.rcpt_tos:
            self.dovecot.deliver(address, envelope.original_content or envelope.content)
        self.accepted += 1
        return "250 2.0.0 Message accepted for delivery"


@dataclass
class Smtp:
    controller: object
    handler: DeliveringHandler
    port: int
    security: str

    def stop(self) -> None:
        self.controller.stop()


def start_smtp(dovecot: Dovecot, security: str, user: str, password: str = SECRET,
               size_limit: int = 10 * 1024 * 1024) -> Smtp:
    import logging

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        """The office logs in with `password`; staff mailboxes with SECRET."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, given = auth_data.login.decode(), auth_data.password.decode("utf-8")
        expected = password if login == user else SECRET if login in dovecot.users else None
        ok = expected is not None and given == expected
        return AuthResult(success=ok, handled=False)  # handled=False: the server says 535

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(dovecot.cert), str(dovecot.folder / "key.pem"))
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's per-session chatter
    handler = DeliveringHandler(dovecot)
    port = free_port()
    options = dict(hostname="127.0.0.1", port=port, authenticator=authenticator,
                   data_size_limit=size_limit, auth_require_tls=security != "none")
    if security == "ssl":
        options["ssl_context"] = context
    elif security == "starttls":
        options.update(tls_context=context, require_starttls=True)
    controller = Controller(handler, **options)
    controller.start()
    return Smtp(controller, handler, port, security)


def mail_toml(dovecot: Dovecot, smtp: Smtp | None, office: str, *, imap_security="ssl",
              imap_port: int | None = None, smtp_port: int | None = None,
              cafile: bool = True, folder: str = "INBOX") -> str:
    ca = f'cafile = "{dovecot.cert}"\n' if cafile else ""
    text = ""
    if smtp is not None:
        text += (f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port or smtp.port}\n'
                 f'security = "{smtp.security}"\nuser = "{office}"\n'
                 f'sender = "县住建局考核办 <{office}>"\n{ca}\n')
    port = imap_port or (dovecot.imaps_port if imap_security == "ssl" else dovecot.imap_port)
    text += (f'[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{imap_security}"\n'
             f'user = "{office}"\nfolder = "{folder}"\n{ca}')
    return text


class CuttingProxy:
    """A TCP proxy to a server that cuts every connection once `cut_after` bytes have come
    back from the server: a server (or a network) that drops in the middle of a transfer."""

    def __init__(self, target_port: int, cut_after: int):
        import threading

        self.target_port, self.cut_after = target_port, cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cuts = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, self.cut_after),
                             daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, limit: int | None) -> None:
        passed = 0
        try:
            while True:
                data = source.recv(4096)
                if not data:
                    break
                if limit is not None and passed + len(data) > limit:
                    target.sendall(data[: limit - passed])
                    self.cuts += 1
                    break
                target.sendall(data)
                passed += len(data)
        except OSError:
            pass
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def stop(self) -> None:
        self.listener.close()
