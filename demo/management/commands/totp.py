"""`make totp USER=admin`: the code a demo account's authenticator app would show now."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from iop.models import User
from iop.second_factor import authenticator_get


class Command(BaseCommand):
    help = "Print the current two-step sign-in code of a user with an authenticator enrolled."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        device = authenticator_get(user=user) if user else None
        if device is None:
            raise CommandError(f"{options['username']!r} has no authenticator enrolled.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        seconds_left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}  ({seconds_left} s left)")
