"""Whatever a person types into the authorization form, the service stores a row that keeps the
database's rules or refuses it on a field; never a server error. And the job runs by hand."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from clients.models import AUTHORIZATION_MAX_DAYS
from clients.services.authorizations import authorization_create, authorization_void
from iop.clock import today
from iop.models import Role
from scheduling.models import UtilizationReview
from tests.factories import AuthorizationFactory, ClientFactory, PayerFactory, UserFactory

FIELDS = {"units_authorized", "first_day", "last_day", "service_code"}
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2300, 12, 31))


class AuthorizationInputTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.client_record = ClientFactory()
        cls.payer = PayerFactory(unit_rules={"H0015": 180})
        cls.admin = UserFactory(role=Role.ADMIN)

    @settings(max_examples=60)
    @given(
        units=st.integers(min_value=-5, max_value=1000),
        first_day=DAYS,
        last_day=DAYS,
        service_code=st.sampled_from(["H0015", "S9480"]),
    )
    def test_any_authorization_is_stored_valid_or_refused_on_a_field(
        self, units, first_day, last_day, service_code
    ):
        refused = None
        try:
            authorization = authorization_create(
                client=self.client_record, payer=self.payer, number="X-1",
                service_code=service_code, units_authorized=units, first_day=first_day,
                last_day=last_day, actor=self.client_record.primary_clinician,
            )  # fmt: skip
        except ValidationError as error:
            refused = error
        if refused is not None:
            assert set(refused.message_dict) <= FIELDS
            return
        authorization.refresh_from_db()
        assert 1 <= authorization.units_authorized <= 366
        assert 0 <= (authorization.last_day - authorization.first_day).days < AUTHORIZATION_MAX_DAYS
        assert service_code == "H0015"
        # Examples share the client: void this one so the next is not refused as an overlap.
        authorization_void(authorization=authorization, reason="Example", actor=self.admin)


def test_run_job_runs_the_utilization_review_by_hand(db, capsys):
    ending = AuthorizationFactory(last_day=today() + timedelta(days=3))
    call_command("run_job", "utilization-review")
    assert "Ran utilization-review." in capsys.readouterr().out
    assert UtilizationReview.objects.get(resolved_at__isnull=True).authorization == ending
