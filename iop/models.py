from typing import Any, ClassVar

import pgtrigger
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    CLINICIAN = "clinician", "Clinician"
    CLIENT = "client", "Client"


class ClinicUserManager(UserManager["User"]):
    def staff(self) -> "models.QuerySet[User]":
        """Admins and clinicians, by name, deactivated ones included. The roles are named, so
        `user_by_role` answers: "every role but client" read past every client's portal login."""
        staff_roles = [Role.ADMIN, Role.CLINICIAN]
        return self.filter(role__in=staff_roles).order_by("last_name", "first_name")

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
        # The staff by role and name, as every clinician list is read: not a scan past every
        # client's portal login.
        indexes = [models.Index(fields=["role", "last_name", "first_name"], name="user_by_role")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """What a user is called (`str`): the full name, or the username if it has none."""
        return f"{first_name} {last_name}".strip() or username

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
    """One page view or export that showed clients' records (HIPAA access accounting): who, when,
    what, from where, and every client it showed. A page listing many clients (an attendance sheet,
    the weekly-hours report) is one row naming them all.

    Clients are kept as plain ids: `iop` sits below `clients` and must not point up at it. The rows
    are append-only: a trigger refuses UPDATE and DELETE, even as raw SQL.
    """

    class Action(models.TextChoices):
        READ = "read", "read"
        # A printable page or a CSV file: a disclosure of the record, carrying the 2.32 notice.
        EXPORT = "export", "exported"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="chart_reads")
    client_ids = ArrayField(models.BigIntegerField())
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    path = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    what = models.CharField(max_length=100)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.READ)

    class Meta:
        ordering = ["-at"]
        indexes = [
            # The audit log's filters: by client (array containment), by user, by action.
            GinIndex(fields=["client_ids"], name="chartread_client_ids"),
            models.Index(fields=["user", "-at"], name="chartread_user_at"),
            models.Index(fields=["action", "-at"], name="chartread_action_at"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="chart_read_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        clients = ", ".join(str(pk) for pk in self.client_ids)
        return (
            f"{self.user} {self.action} clients {clients} ({self.what}) at {self.at:%Y-%m-%d %H:%M}"
        )


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the periodic heartbeat task; shown on /healthz."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
