"""SMS backends for tests: one that keeps messages in memory, one whose provider is down."""


class RecordingSmsBackend:
    sent: list[dict[str, str]] = []

    def send(self, *, to: str, body: str, reference: str) -> None:
        self.sent.append({"to": to, "body": body, "reference": reference})


class FailingSmsBackend:
    def send(self, *, to: str, body: str, reference: str) -> None:
        raise ConnectionError("provider unreachable")
