"""Demo staff: an admin and three clinicians with Faker names, never real people. They have an
authenticator enrolled with one known secret, so `make totp USER=...` prints the code a newcomer
signs in with."""

from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from iop.models import Role, User
from iop.second_factor import AUTHENTICATOR_NAME
from iop.services import user_create

DEMO_PASSWORD = "demo-iop-2026"  # nosec B105  # the demo logins, printed by make run
# The RFC 6238 test secret (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), for the demo only.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # nosec B105  # printed by make run


def seed_staff(fake: Faker) -> tuple[User, list[User]]:
    """An admin and three clinicians; returns the existing ones on a second run."""
    admin = User.objects.filter(username="admin").first() or user_create(
        username="admin",
        role=Role.ADMIN,
        first_name=fake.first_name(),
        last_name=fake.last_name(),
        email="admin@example.org",
        password=DEMO_PASSWORD,
    )
    clinicians = []
    for number in range(1, 4):
        username = f"clinician{number}"
        clinicians.append(
            User.objects.filter(username=username).first()
            or user_create(
                username=username,
                role=Role.CLINICIAN,
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                email=f"{username}@example.org",
                password=DEMO_PASSWORD,
            )
        )
    for user in (admin, *clinicians):
        enrol_authenticator(user)
    return admin, clinicians


def enrol_authenticator(user: User) -> TOTPDevice:
    """An authenticator app holding the demo's known secret, as if the user had enrolled it."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name=AUTHENTICATOR_NAME, defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )
    return device
