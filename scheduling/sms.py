"""Text messages through a small backend interface, chosen by `settings.SMS_BACKEND`.

`ConsoleSmsBackend` (development) prints the message; `TwilioSmsBackend` sends through Twilio with
TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER from the environment. The `twilio`
package is optional: it is imported only when that backend is used.
"""

import sys
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, reference: str) -> None:
        """Send one message or raise; `reference` identifies the outbox row (never PHI)."""


class ConsoleSmsBackend:
    def send(self, *, to: str, body: str, reference: str) -> None:
        sys.stdout.write(f"SMS {reference} to {to}: {body}\n")
        sys.stdout.flush()


class TwilioSmsBackend:
    def __init__(self) -> None:
        missing = [
            name
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
            if not getattr(settings, name, "")
        ]
        if missing:
            raise ImproperlyConfigured(f"TwilioSmsBackend needs {', '.join(missing)}.")
        try:
            from twilio.rest import Client as TwilioClient
        except ImportError as error:
            raise ImproperlyConfigured(
                "TwilioSmsBackend needs the optional `twilio` package (pip install twilio)."
            ) from error
        self.client = TwilioClient(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)

    def send(self, *, to: str, body: str, reference: str) -> None:
        self.client.messages.create(to=to, from_=settings.TWILIO_FROM_NUMBER, body=body)


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
