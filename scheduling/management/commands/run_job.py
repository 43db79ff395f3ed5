"""Run any beat job by hand, in this process: `manage.py run_job week-close`. `--list` names them;
`--week 2026-11-16` recomputes that week's compliance instead."""

from argparse import ArgumentParser
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from scheduling.services.compliance import compliance_recompute_week


class Command(BaseCommand):
    help = "Run a job of the beat schedule (CELERY_BEAT_SCHEDULE) now, in this process."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("job", nargs="?", help="a name from CELERY_BEAT_SCHEDULE")
        parser.add_argument("--list", action="store_true", dest="list_jobs", help="list the jobs")
        parser.add_argument("--week", help="recompute compliance of the week starting this Monday")

    def handle(
        self,
        *args: Any,
        job: str | None = None,
        list_jobs: bool = False,
        week: str | None = None,
        **options: Any,
    ) -> None:
        schedule = settings.CELERY_BEAT_SCHEDULE
        if list_jobs:
            for name, entry in sorted(schedule.items()):
                self.stdout.write(f"{name}: {entry['task']} every {entry['schedule']}")
            return
        if week:
            try:
                week_start = parse_date(week)
            except ValueError:  # shaped like a date but not one: 2026-02-30
                week_start = None
            if week_start is None or week_start.weekday() != 0:
                raise CommandError("--week takes the date of a Monday, like 2026-11-16.")
            try:
                rows = compliance_recompute_week(week_start=week_start)
            except ValidationError as error:
                raise CommandError(f"--week: {' '.join(error.messages)}") from error
            self.stdout.write(self.style.SUCCESS(f"Recomputed {rows} client weeks."))
            return
        if job not in schedule:
            raise CommandError(f"Unknown job {job!r}; one of: {', '.join(sorted(schedule))}.")
        current_app.loader.import_default_modules()
        current_app.tasks[schedule[job]["task"]]()
        self.stdout.write(self.style.SUCCESS(f"Ran {job}."))
