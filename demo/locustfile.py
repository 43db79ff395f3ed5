"""The bench's load test (`demo.bench.measure_load` runs it): clinicians and clients at their daily
pages, each with a session made for them (BENCH_LOAD_PLAN names the plan's JSON file). Anything
but a 200 is an error: a redirect to the login page would otherwise pass for a fast page."""

import itertools
import json
import os
from pathlib import Path

from locust import FastHttpUser, between, task

PLAN = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text())
_staff = itertools.cycle(PLAN["staff"])
_client_sessions = itertools.cycle(PLAN["client_sessions"])


# FastHttpUser: the load generator shares the machine's two cores with the server, and the
# requests-based HttpUser spent several times the CPU a request.
class _Visitor(FastHttpUser):
    abstract = True
    wait_time = between(*PLAN["pause_seconds"])
    cookie = ""

    def on_start(self) -> None:
        # People arrive one by one, not all in the same second: each first waits a pause.
        self.wait()

    def visit(self, url: str, name: str) -> None:
        with self.client.get(
            url,
            name=name,
            # As the TLS-ending proxy in front of a production server says.
            headers={"Cookie": f"sessionid={self.cookie}", "X-Forwarded-Proto": "https"},
            allow_redirects=False,
            catch_response=True,
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"answered {reply.status_code}")


class Clinician(_Visitor):
    fixed_count = PLAN["clinicians"]

    def on_start(self) -> None:
        self.me = next(_staff)
        self.cookie = self.me["cookie"]
        super().on_start()

    @task(4)
    def today(self) -> None:
        self.visit("/schedule/today/", "today")

    @task(2)
    def group_session(self) -> None:
        self.visit(f"/schedule/sessions/{self.me['session_id']}/", "group session")

    @task(2)
    def chart(self) -> None:
        self.visit(f"/clients/{self.me['client_id']}/", "chart")

    @task(1)
    def caseload(self) -> None:
        self.visit("/clients/caseload/", "caseload")

    @task(1)
    def alerts(self) -> None:
        self.visit("/schedule/alerts/", "alerts")


class Client(_Visitor):
    fixed_count = PLAN["clients"]

    def on_start(self) -> None:
        self.cookie = next(_client_sessions)
        super().on_start()

    @task(2)
    def schedule(self) -> None:
        self.visit("/schedule/", "my schedule")

    @task(1)
    def hours(self) -> None:
        self.visit("/schedule/me/hours/", "my hours")
