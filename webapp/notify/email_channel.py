"""E-mail over SMTP: plain, STARTTLS or implicit TLS (SSL), with login when a user name is configured.

Settings (environment or app config): EGOV_SMTP_HOST, _PORT, _SECURITY (none | starttls | ssl), _USER,
_PASSWORD, _FROM, _CAFILE (a private CA for the mail server's certificate), _TIMEOUT seconds.
"""
import os
import re
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app

from .channels import Channel, DeliveryFailed

SECURITY = ("none", "starttls", "ssl")
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def settings():
    """The SMTP settings, app config first (SMTP_*), then the environment (EGOV_SMTP_*)."""
    def pick(key, default=None):
        value = current_app.config.get(f"SMTP_{key}")
        return value if value not in (None, "") else os.environ.get(f"EGOV_SMTP_{key}", default)

    security = (pick("SECURITY", "none") or "none").lower()
    if security not in SECURITY:
        raise DeliveryFailed(f"邮件服务器的加密方式“{security}”无效，应为 none / starttls / ssl")
    return {
        "host": pick("HOST"),
        "port": int(pick("PORT", 465 if security == "ssl" else 25)),
        "security": security,
        "user": pick("USER"),
        "password": pick("PASSWORD") or "",
        "sender": pick("FROM", "egov@localhost"),
        "cafile": pick("CAFILE"),
        "timeout": float(pick("TIMEOUT", 30)),
    }


def _tls_context(cafile):
    context = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
    return context


def _connect(s):
    if s["security"] == "ssl":
        return smtplib.SMTP_SSL(s["host"], s["port"], timeout=s["timeout"], context=_tls_context(s["cafile"]))
    smtp = smtplib.SMTP(s["host"], s["port"], timeout=s["timeout"])
    if s["security"] == "starttls":
        smtp.ehlo()
        smtp.starttls(context=_tls_context(s["cafile"]))
        smtp.ehlo()
    return smtp


class EmailChannel(Channel):
    name, label = "email", "电子邮件"

    def configured(self):
        return bool(settings()["host"])

    def send(self, outgoing, target, secret=None):
        s = settings()
        if not s["host"]:
            raise DeliveryFailed("未配置邮件服务器（EGOV_SMTP_HOST）")
        msg = EmailMessage()
        msg["Subject"] = outgoing.subject
        msg["From"] = formataddr(("六安市电子政务项目管理系统", s["sender"]))
        msg["To"] = target
        msg.set_content(outgoing.text)
        try:
            with _connect(s) as smtp:
                if s["user"]:
                    smtp.login(s["user"], s["password"])
                smtp.send_message(msg)
        except UnicodeEncodeError:  # smtplib's AUTH sends ASCII only
            raise DeliveryFailed("邮件账号或密码含非 ASCII 字符，邮件服务器登录不支持") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(f"邮件服务器拒绝登录（{exc.smtp_code}）：请检查账号和密码") from None
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryFailed(f"邮件服务器拒收收件人 {target}") from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryFailed("邮件服务器不支持所配置的 STARTTLS 或登录方式") from None
        except ssl.SSLError as exc:
            raise DeliveryFailed(f"与邮件服务器的加密连接失败：{exc.reason or exc}") from None
        except smtplib.SMTPException as exc:
            raise DeliveryFailed(f"邮件发送失败：{exc}") from None
        except (socket.timeout, TimeoutError):
            raise DeliveryFailed(f"连接邮件服务器 {s['host']}:{s['port']} 超时") from None
        except OSError as exc:
            raise DeliveryFailed(f"无法连接邮件服务器 {s['host']}:{s['port']}：{exc.strerror or exc}") from None



def valid_address(text):
    """The account's e-mail is the address; one that cannot be an address is never tried."""
    return bool(text) and len(text) <= 200 and bool(_ADDRESS.match(text))
