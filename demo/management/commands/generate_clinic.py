"""`manage.py generate_clinic --scale 1`: the synthetic clinic of `demo.synthetic`, into an empty
database (for `make bench`; never into a real clinic's)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clients.models import Client
from demo.synthetic import generate_clinic


class Command(BaseCommand):
    help = "Fill an empty database with a synthetic clinic with years of history."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help=(
                "1: 2,000 clients in the program every week of four years (about 48,000 in "
                "all); 0.1 for a quick run; 0.01 smoke."
            ),
        )
        parser.add_argument("--seed", type=int, default=14)

    def handle(self, *args: Any, scale: float, seed: int, **options: Any) -> None:
        if not 0 < scale <= 10:
            raise CommandError("--scale must be more than 0 and at most 10.")
        try:
            size = generate_clinic(scale=scale, seed=seed, say=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        active = Client.objects.filter(status=Client.Status.ACTIVE).count()
        self.stdout.write(
            f"Generated a clinic at scale {scale}: {size.clients} clients over four years "
            f"({active} active now), {size.clinicians} clinicians, {size.groups} groups."
        )
