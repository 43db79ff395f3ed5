from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    CLINICIAN = "clinician", "Clinician"
    CLIENT = "client", "Client"


class ClinicUserManager(UserManager["User"]):
    def clinicians(self) -> "models.QuerySet[User]":
        """Clinicians who can be given work today: a deactivated account is not offered anywhere."""
        return self.filter(role=Role.CLINICIAN, is_active=True).order_by("last_name", "first_name")

    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> "User":
        """`createsuperuser` makes the one account that opens Django's admin site (iop.admin_site),
        kept apart from the clinic's admins; it still needs a role, and it signs in with a second
        factor like every admin."""
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """Every person who logs in: staff (admins, clinicians) and clients using the portal."""

    role = models.CharField(max_length=16, choices=Role.choices)

    objects: ClassVar[ClinicUserManager] = ClinicUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.CLINICIAN)


class ChartRead(models.Model):
    """One read of a client's chart (HIPAA access accounting): who, when, what, from where.

    The client is kept as a plain id: `iop` sits below `clients` and must not point up at it.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="chart_reads")
    client_id = models.PositiveBigIntegerField(db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    path = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    what = models.CharField(max_length=100)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} read client {self.client_id} ({self.what}) at {self.at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the periodic heartbeat task; shown on /healthz."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
