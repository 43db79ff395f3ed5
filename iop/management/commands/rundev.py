"""`make run`: migrate, seed the demo clinic, then run web + Celery worker + Celery beat together.

Ctrl-C (or SIGTERM) stops all three; `iop.embedded`, which runs this command, then stops the
embedded Redis and PostgreSQL.
"""

import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

PROCESSES = {
    "web": [sys.executable, "manage.py", "runserver", "127.0.0.1:8000"],
    "worker": [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "iop",
        "worker",
        "--loglevel=INFO",
        "--concurrency=2",
    ],
    "beat": [sys.executable, "-m", "celery", "-A", "iop", "beat", "--loglevel=INFO"],
}


class Command(BaseCommand):
    help = "Run the whole system for development (web, worker, beat)."

    def add_arguments(self, parser):
        parser.add_argument("--no-seed", action="store_true", help="Skip the demo clinic.")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=1)
        if not options["no_seed"]:
            call_command("seed_demo")
        self.stdout.write(self.style.SUCCESS("Serving on http://127.0.0.1:8000 (Ctrl-C stops)"))
        children = {name: subprocess.Popen(command) for name, command in PROCESSES.items()}
        stopping = False

        def stop(_signum, _frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                exited = [name for name, child in children.items() if child.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} exited; stopping the others.")
                    break
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
