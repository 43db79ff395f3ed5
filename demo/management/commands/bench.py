"""`make bench`: the daily pages and the periodic jobs on the synthetic clinic at scale 0.1 and 1.

Each scale lives in its own database on the same server (`bench_0_1`, `bench_1`), generated on
the first run and reused afterwards (`--regenerate` starts them anew); a child process measures
each one (`--here`), so every measurement runs with that database as its default. The children
take turns, one running at a time: a round of a page at one scale, then the same round at the
other, so a page's growth between the scales is of the same minutes, not of two moments of a
machine whose speed drifts. The largest scale also gets the reminder throughput through a real
worker and the locust load test. One table is printed; the figures go to var/bench/ as JSON
(latest.json and one file a run).

`--smoke` is the suite's quick mode: this database, scale 0.01, a few requests, no worker and no
load test. Speed is measured here, never by timed tests.
"""

import json
import os
import subprocess
import sys
from argparse import SUPPRESS
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from clients.models import Client
from demo import bench
from demo.synthetic import generate_clinic
from demo.turns import TURNS_OPTION, Child, Turn, take_turns
from iop.models import ChartRead
from scheduling.models import Attendance, ProgressNote, Reminder, Session

SMOKE_SCALE = 0.01


def _database_name(scale: float) -> str:
    return "bench_" + f"{scale:g}".replace(".", "_")


def _counts() -> dict[str, int]:
    return {
        "clients": Client.objects.count(),
        "active clients": Client.objects.filter(status=Client.Status.ACTIVE).count(),
        "sessions": Session.objects.count(),
        "attendance rows": Attendance.objects.count(),
        "notes": ProgressNote.objects.count(),
        "chart reads": ChartRead.objects.count(),
        "sent reminders": Reminder.objects.filter(status=Reminder.Status.SENT).count(),
    }


class Command(BaseCommand):
    help = "Time the daily pages and the periodic jobs on the synthetic clinic at two scales."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
        parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--job-runs", type=int, default=9, help="Timed runs per job.")
        parser.add_argument(
            "--smoke", action="store_true", help="Quick: this database at scale 0.01, no load test."
        )
        parser.add_argument("--regenerate", action="store_true")
        parser.add_argument("--no-load", action="store_true", help="Skip worker and load test.")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "var" / "bench"))
        parser.add_argument("--here", type=float, help=SUPPRESS)
        parser.add_argument("--full", action="store_true", help=SUPPRESS)
        parser.add_argument(TURNS_OPTION, help=SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        if options["smoke"]:
            result = self._measure_here(SMOKE_SCALE, requests=3, job_runs=1, full=False)
            (out / "smoke.json").write_text(json.dumps(result, indent=2))
            self._print([result])
            return
        if options["here"] is not None:
            result = self._measure_here(
                options["here"],
                requests=options["requests"],
                job_runs=options["job_runs"],
                full=options["full"],
                turn=Turn(options["turns"]) if options["turns"] else bench.no_turn,
            )
            (out / f"scale-{options['here']:g}.json").write_text(json.dumps(result, indent=2))
            return
        scales = sorted(options["scales"])
        children = []
        for scale in scales:
            self.stdout.write(f"Scale {scale:g}: database {_database_name(scale)}", ending="\n")
            env = self._scale_database(scale, regenerate=options["regenerate"])
            command = [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "bench",
                "--here",
                f"{scale:g}",
                "--requests",
                str(options["requests"]),
                "--job-runs",
                str(options["job_runs"]),
                "--out",
                str(out),
            ]
            if scale == scales[-1] and not options["no_load"]:
                command.append("--full")
            children.append(Child.start(command, env))
        take_turns(children)
        results = [json.loads((out / f"scale-{scale:g}.json").read_text()) for scale in scales]
        summary = {"at": timezone.now().isoformat(), "scales": results}
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        for name in ("latest.json", f"bench-{stamp}.json"):
            (out / name).write_text(json.dumps(summary, indent=2))
        self._print(results)

    def _scale_database(self, scale: float, *, regenerate: bool) -> dict[str, str]:
        """The environment of a child working on the scale's database, created and migrated."""
        name = _database_name(scale)
        with connection.cursor() as cursor:
            if regenerate:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {name}")
        parts = urlsplit(os.environ["DATABASE_URL"])
        env = {**os.environ, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
        subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "migrate", "-v0"],
            env=env,
            check=True,
        )
        return env

    def _measure_here(
        self,
        scale: float,
        *,
        requests: int,
        job_runs: int,
        full: bool,
        turn: Callable[[], None] = bench.no_turn,
    ) -> dict:
        turn()
        if not Client.objects.exists():
            generate_clinic(scale=scale, say=self.stdout.write)
        elif not ChartRead.objects.exists():
            raise CommandError("This database has clients but no history: not a synthetic clinic.")
        subjects = bench.subjects()
        session_id = subjects["session_id"]
        assert isinstance(session_id, int)
        result: dict = {
            "scale": scale,
            "requests": requests,
            "load_average": os.getloadavg(),
            "cpus": os.cpu_count(),
            "counts": _counts(),
            "pages": bench.measure_pages(subjects, requests, turn),
        }
        turn()
        result["jobs"] = bench.measure_jobs(job_runs, session_id)
        if full:
            result["reminder_throughput"] = bench.measure_reminder_throughput()
            result["load_tests"] = [bench.measure_load(pause=pause) for pause in bench.LOAD_PAUSES]
        return result

    def _print(self, results: list[dict]) -> None:
        write = self.stdout.write
        first, last = results[0], results[-1]
        scales = " / ".join(f"{r['scale']:g}" for r in results)
        write(f"\nRows at scale {scales}:")
        for key in last["counts"]:
            write(f"  {key:<16} " + " / ".join(f"{r['counts'][key]:,}" for r in results))
        write(
            "Load average when measured: "
            + ", ".join(f"{r['load_average'][0]:.1f}" for r in results)
        )
        header = (
            f"\n{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8} {'queries':>8} "
            f"{'KB':>6} {'p50 ' + format(first['scale'], 'g'):>9} {'growth':>7} {'in floors':>9}"
        )
        write(header)
        # Growth in floors: of the page's ratio to the floor of its own rounds, which also leaves
        # out the drift between a round at one scale and the same round at the other.
        for name, row in last["pages"].items():
            small = first["pages"][name]
            write(
                f"{name:<26} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['x_floor']:>8.1f} "
                f"{row['queries']:>8} {row['kb']:>6.0f} {small['p50_ms']:>9.1f} "
                f"{row['p50_ms'] / small['p50_ms']:>6.1f}x {row['x_floor'] / small['x_floor']:>8.1f}x"
            )
        write(
            f"\n{'job (median of runs)':<40} {'ms':>9} {'ms ' + format(first['scale'], 'g'):>9} {'growth':>7}"
        )
        for name, ms in last["jobs"].items():
            small = first["jobs"][name]
            write(f"{name:<40} {ms:>9.1f} {small:>9.1f} {ms / small:>6.1f}x")
        jobs = last["jobs"]
        recompute = jobs["recompute this week, all clients"]
        write(
            f"recompute this week / its GROUP BY bound (the rows it reads): "
            f"{recompute / jobs['GROUP BY bound: the rows it reads']:.1f}x; "
            f"/ a GROUP BY of the attendance alone: "
            f"{recompute / jobs['GROUP BY of the attendance alone']:.1f}x"
        )
        if "reminder_throughput" in last:
            throughput = last["reminder_throughput"]
            write(
                f"\nReminders through one worker: {throughput['per_second']:.0f} a second "
                f"({throughput['handled']:,} due, {throughput['reminders']:,} of them the bench's, "
                f"in {throughput['seconds']:.1f} s; {throughput['sent']:,} of the bench's sent)"
            )
        for load in last.get("load_tests", []):
            least, most = load["pause_seconds"]
            write(
                f"Load test ({bench.LOAD_CLINICIANS} clinicians, {bench.LOAD_CLIENTS} clients, "
                f"{least}-{most} s between pages, {load['seconds']} s): {load['rps']:.1f} "
                f"requests/s, p50 {load['p50_ms']:.0f} ms, p95 {load['p95_ms']:.0f} ms, "
                f"{load['errors']:.0f} errors of {load['requests']:.0f}"
                f" ({load['workers']} gunicorn workers)"
            )
            for name, page in sorted(load["pages"].items(), key=lambda item: -item[1]["p95_ms"]):
                write(
                    f"  {name:<24} {page['requests']:>6.0f} requests, p50 {page['p50_ms']:.0f} ms, "
                    f"p95 {page['p95_ms']:.0f} ms"
                )
            if profile := load.get("profile"):
                write(
                    f"Where the workers' time went (py-spy, {profile['samples']:,} samples while "
                    "every user was at work):"
                )
                for area, share in profile["areas"].items():
                    write(f"  {share:>4.0%}  {area}")
                write(
                    "  by view: "
                    + ", ".join(f"{view} {share:.0%}" for view, share in profile["views"].items())
                )
