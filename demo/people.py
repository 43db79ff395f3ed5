"""Demo staff: an admin and three clinicians with Faker names, never real people."""

from faker import Faker

from iop.models import Role, User
from iop.services import user_create

DEMO_PASSWORD = "demo-iop-2026"  # nosec B105: the demo logins, printed by make run


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
    return admin, clinicians
