"""SMS backends for tests: one that keeps messages in memory, one whose provider is down."""


class RecordingSmsBackend:
    sent: list[dict[str, str]] = []

    def send(self, *, to: str, body: str, reference: str) -> None:
        self.sent.append({"to": to, "body": body, "reference": reference})


class FailingSmsBackend:
    def send(self, *, to: str, body: str, reference: str) -> None:
        raise ConnectionError("provider unreachable")


JOURNAL_TABLE = "test_sms_journal"


class JournalSmsBackend:
    """Writes each message's reference to a table through the worker's own database connection,
    inside the transaction that marks the row sent: what the integration tests count is exactly
    what the outbox committed. SMS_JOURNAL_DELAY (seconds) slows each send so a test can kill the
    worker mid-batch."""

    def send(self, *, to: str, body: str, reference: str) -> None:
        import os
        import time

        from django.db import connection

        time.sleep(float(os.environ.get("SMS_JOURNAL_DELAY", "0")))
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {JOURNAL_TABLE} (reference) VALUES (%s)", [reference])
