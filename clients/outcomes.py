"""Program outcomes, one row per (track, instrument, scale): each client's score at admission (the
first check-in of the episode) against the last one by the discharge (the discharge check-in when
there is one), and the figures of the report. `selectors.outcome_list` fills them."""

from dataclasses import dataclass, field
from datetime import timedelta

# A discharge check-in may be answered in the week after the discharge (`checkins_open_due`).
AFTER_DISCHARGE = timedelta(days=7)


@dataclass
class Outcome:
    track: str
    instrument: str
    scale: str
    higher_is_worse: bool
    changes: list[tuple[int, int]] = field(default_factory=list)  # (admission, discharge) scores
    remissions: list[bool] = field(default_factory=list)
    client_ids: set[int] = field(default_factory=set)

    @property
    def clients(self) -> int:
        return len(self.changes)

    @property
    def mean_admission(self) -> float:
        return sum(first for first, _ in self.changes) / self.clients

    @property
    def mean_discharge(self) -> float:
        return sum(last for _, last in self.changes) / self.clients

    @property
    def mean_change(self) -> float:
        return self.mean_discharge - self.mean_admission

    @property
    def share_improved(self) -> float:
        better = [
            (last < first) if self.higher_is_worse else (last > first)
            for first, last in self.changes
        ]
        return sum(better) / self.clients

    @property
    def share_in_remission(self) -> float | None:
        return sum(self.remissions) / self.clients if self.remissions else None
