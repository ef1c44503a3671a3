"""Test-only servers on loopback: a real SMTP server (aiosmtpd) with TLS and login, and an HTTP receiver
that answers like a group robot."""
import json
import http.server
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field

USER, PASSWORD = "egov-mailer", "s3cret-Mail"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder):
    """(certfile, keyfile) for 127.0.0.1, made by openssl; the certificate is also the client's CA file."""
    cert, key = folder / "smtp.crt", folder / "smtp.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Inbox:
    """aiosmtpd handler keeping every message it accepted."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"to": list(envelope.rcpt_tos), "data": envelope.content.decode("utf-8", "replace"),
                              "tls": session.ssl is not None, "login": session.authenticated})
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    ok = auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def start_smtp(mode, cert, key):
    """An aiosmtpd Controller on a free loopback port: mode "starttls" or "ssl", login required."""
    from aiosmtpd.controller import Controller

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    inbox, port = Inbox(), free_port()
    # PLAIN only: after a refused PLAIN, smtplib retries with LOGIN, whose exchange aiosmtpd 1.4 leaves hanging
    options = {"authenticator": authenticator, "auth_require_tls": True, "auth_required": True,
               "auth_exclude_mechanism": ["LOGIN"]}
    if mode == "ssl":  # aiosmtpd cannot tell implicit TLS from plain for AUTH: the whole session is TLS here
        options["auth_require_tls"] = False
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context, **options)
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, **options)
    controller.start()
    return controller, inbox


@dataclass
class Robot:
    """What the receiver got, and the answers it gives next (status, body), one per request."""

    requests: list = field(default_factory=list)
    answers: list = field(default_factory=list)


def start_robot():
    robot = Robot()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            robot.requests.append({"path": self.path, "body": json.loads(self.rfile.read(length).decode("utf-8"))})
            status, body = robot.answers.pop(0) if robot.answers else (200, {"errcode": 0, "errmsg": "ok"})
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, robot
