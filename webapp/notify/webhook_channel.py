"""Group robots by webhook: 政务微信 and 皖政通 (WeCom-style robots) and 钉钉 (with optional 加签).

Each robot answers HTTP 200 with {"errcode": 0} when it took the message; anything else is a failed send.
EGOV_WEBHOOK_HOSTS (comma-separated host names) limits the hosts a robot URL may name, so a user cannot
make the server call arbitrary internal addresses; without it any http(s) host is allowed.
"""
import base64
import hashlib
import hmac
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from flask import current_app

from engine.errors import Invalid

from .channels import Channel, DeliveryFailed

MAX_TEXT = 2000  # robots cut longer texts (钉钉 and WeCom take about 2 000 characters of text)


def _allowed_hosts():
    value = current_app.config.get("WEBHOOK_HOSTS") or os.environ.get("EGOV_WEBHOOK_HOSTS", "")
    if isinstance(value, str):
        value = value.split(",")
    return {h.strip().lower() for h in value if h and h.strip()}


class RobotChannel(Channel):
    needs_target = True
    signs = False

    def __init__(self, name, label):
        self.name, self.label = name, label

    def check_target(self, target, secret):
        target = (target or "").strip()
        secret = (secret or "").strip() or None
        if not target:
            raise Invalid(f"请填写{self.label}机器人的 Webhook 地址", fields={"target": "必填"})
        if len(target) > 500:
            raise Invalid("Webhook 地址过长（最多 500 个字符）", fields={"target": "过长"})
        parts = urllib.parse.urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Invalid("Webhook 地址须以 http:// 或 https:// 开头", fields={"target": "地址无效"})
        allowed = _allowed_hosts()
        if allowed and parts.hostname.lower() not in allowed:
            raise Invalid(f"不允许向 {parts.hostname} 发送通知，请联系管理员", fields={"target": "主机不在允许范围内"})
        if secret and not self.signs:
            secret = None
        if secret and len(secret) > 200:
            raise Invalid("加签密钥过长", fields={"secret": "过长"})
        return target, secret

    def payload(self, outgoing):
        return {"msgtype": "text", "text": {"content": f"{outgoing.subject}\n{outgoing.text}"[:MAX_TEXT]}}

    def url(self, target, secret):
        return target

    def send(self, outgoing, target, secret=None):
        body = json.dumps(self.payload(outgoing), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url(target, secret), data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        host = urllib.parse.urlsplit(target).hostname
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (scheme checked above)
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"{self.label}机器人返回 HTTP {exc.code}") from None
        except (socket.timeout, TimeoutError):
            raise DeliveryFailed(f"连接{self.label}机器人（{host}）超时") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryFailed(f"无法连接{self.label}机器人（{host}）：{reason}") from None
        try:
            answer = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise DeliveryFailed(f"{self.label}机器人的应答不是 JSON") from None
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            detail = answer.get("errmsg") if isinstance(answer, dict) else answer
            code = answer.get("errcode") if isinstance(answer, dict) else "?"
            raise DeliveryFailed(f"{self.label}机器人拒收（errcode {code}）：{str(detail)[:200]}")


class DingTalkRobot(RobotChannel):
    signs = True

    def url(self, target, secret):
        """钉钉 加签: timestamp and the base64 HMAC-SHA256 of "timestamp\\nsecret", appended to the URL."""
        if not secret:
            return target
        stamp = str(int(time.time() * 1000))
        digest = hmac.new(secret.encode("utf-8"), f"{stamp}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        return f"{target}{'&' if '?' in target else '?'}timestamp={stamp}&sign={sign}"


ROBOTS = [
    RobotChannel("wecom", "政务微信"),
    DingTalkRobot("dingtalk", "钉钉"),
    RobotChannel("wzt", "皖政通"),
]
