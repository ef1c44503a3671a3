"""The one interface every notification channel implements, and the channels a user may choose.

In-app is the inbox itself (the notice row, read per user): always on, nothing to push. The others push a
notice out and raise DeliveryFailed with a Chinese reason the administrator sees; delivery.py retries.
"""
from dataclasses import dataclass

from engine.errors import Invalid


class DeliveryFailed(Exception):
    """A send that did not go through; the text is shown to the administrator."""


@dataclass(frozen=True)
class Outgoing:
    """What a channel sends: a subject line and the plain text."""

    subject: str
    text: str


class Channel:
    name = ""
    label = ""
    pushes = True  # False: the inbox, which needs no delivery
    needs_target = False  # True: the user gives an address (a robot's URL)

    def check_target(self, target, secret):
        """Normalised (target, secret) for a user's choice, or Invalid with a Chinese message."""
        return None, None

    def send(self, outgoing, target, secret=None):
        raise NotImplementedError


class InAppChannel(Channel):
    name, label, pushes = "inapp", "站内通知", False  # the stored notice is the message: nothing to send


def registry():
    """name -> channel, in the order they are offered."""
    from .email_channel import EmailChannel
    from .webhook_channel import ROBOTS

    channels = [InAppChannel(), EmailChannel(), *ROBOTS]
    return {c.name: c for c in channels}


def get(name):
    channel = registry().get(name)
    if channel is None:
        raise Invalid(f"没有名为“{name}”的通知渠道", fields={"channel": "未知渠道"})
    return channel
