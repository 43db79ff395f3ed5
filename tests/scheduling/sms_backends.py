"""SMS backends for tests: one that keeps messages in memory, one whose provider is down."""


class RecordingSmsBackend:
    sent: list[dict[str, str]] = []

    def send(self, *, to: str, body: str, reference: str) -> None:
        self.sent.append({"to": to, "body": body, "reference": reference})


class FailingSmsBackend:
    def send(self, *, to: str, body: str, reference: str) -> None:
        raise ConnectionError("provider unreachable")


class UnreachableNumberSmsBackend(RecordingSmsBackend):
    """Delivers every message but those to UNREACHABLE, whose carrier refuses them."""

    UNREACHABLE = "555-0000"

    def send(self, *, to: str, body: str, reference: str) -> None:
        if to == self.UNREACHABLE:
            raise ConnectionError("number unreachable")
        super().send(to=to, body=body, reference=reference)


class WorkerKilled(BaseException):
    """What the worker's death looks like from inside a batch: nothing after it runs."""


class DyingSmsBackend(RecordingSmsBackend):
    """Delivers LIVES messages, then the worker dies in the middle of the next send."""

    LIVES = 3

    def send(self, *, to: str, body: str, reference: str) -> None:
        if len(self.sent) == self.LIVES:
            raise WorkerKilled
        super().send(to=to, body=body, reference=reference)


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
