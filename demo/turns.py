"""Processes that take turns, one running at a time: the bench's children, one per scale, each
measuring a round of a page while the other waits, so a page's growth between the scales is of
the same minutes, not of two moments of a machine whose speed drifts.

A child runs from the parent's "go" until it says it is waiting for its next turn (or ends); the
parent lets each run in order, then again, until all have ended. The two pipes of each child are
its own ("go" from the parent, "waiting" from the child), passed by their descriptors."""

import os
import subprocess
from dataclasses import dataclass
from typing import TextIO

TURNS_OPTION = "--turns"


class Turn:
    """A child's side: says it is waiting, and goes on when the parent says so. `fds` are its
    pipes' ends, "go,waiting" (the value of TURNS_OPTION)."""

    def __init__(self, fds: str) -> None:
        go, waiting = (int(fd) for fd in fds.split(","))
        self._go = os.fdopen(go)
        self._waiting = os.fdopen(waiting, "w")

    def __call__(self) -> None:
        self._waiting.write("waiting\n")
        self._waiting.flush()
        if not self._go.readline():
            raise RuntimeError("The parent process has gone.")


@dataclass
class Child:
    """A child process and the pipes it takes turns by."""

    process: subprocess.Popen
    go: TextIO
    waiting: TextIO

    @classmethod
    def start(cls, command: list[str], env: dict[str, str]) -> "Child":
        """Starts `command` with TURNS_OPTION and its pipes' ends added."""
        go_read, go_write = os.pipe()
        waiting_read, waiting_write = os.pipe()
        process = subprocess.Popen(
            [*command, TURNS_OPTION, f"{go_read},{waiting_write}"],
            env=env,
            pass_fds=(go_read, waiting_write),
        )
        os.close(go_read)
        os.close(waiting_write)
        return cls(process, os.fdopen(go_write, "w"), os.fdopen(waiting_read))

    def runs_until_its_next_turn(self) -> bool:
        """Whether the child is waiting for another turn (False: it has ended)."""
        if self.waiting.readline():
            return True
        if self.process.wait():
            raise RuntimeError(f"A child failed: {self.process.args!r}")
        return False

    def go_on(self) -> bool:
        """Lets the child run its turn; whether it waits for another."""
        self.go.write("go\n")
        self.go.flush()
        return self.runs_until_its_next_turn()


def take_turns(children: list[Child]) -> None:
    """Runs the children one at a time, each to its next turn in order, until all have ended. All
    start together (setting up) and then wait for their first turn. If one fails, the others are
    stopped."""
    try:
        running = [child for child in children if child.runs_until_its_next_turn()]
        while running:
            running = [child for child in running if child.go_on()]
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.kill()
            child.process.wait()
            child.go.close()
            child.waiting.close()
