"""Every box a person types into, fed arbitrary text: the login form and every search or filter box
answer with the page (and a message where the text cannot be used), never a server error."""

from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from iop.models import Role
from tests.factories import ClientFactory, EnrollmentFactory, GroupFactory, UserFactory
from tests.helpers import StaffVerifiedClient
from tests.iop.test_dates import HOSTILE_TEXT
from tests.scheduling.helpers import session_in_progress

TEXT = st.one_of(HOSTILE_TEXT, st.text(), st.just("\x00"), st.just("%00' OR 1=1 --"))


class LoginFormFuzzTests(TestCase):
    @settings(max_examples=40)
    @given(username=TEXT, password=TEXT)
    def test_any_login_input_is_refused_on_the_page(self, username, password):
        response = self.client.post(reverse("login"), {"username": username, "password": password})
        # 200: the form with its errors; 429: this address has been locked out by earlier tries.
        assert response.status_code in (200, 429)
        assert "_auth_user_id" not in self.client.session


class SearchBoxFuzzTests(TestCase):
    client_class = StaffVerifiedClient

    @classmethod
    def setUpTestData(cls):
        cls.admin = UserFactory(role=Role.ADMIN)
        cls.clinician = UserFactory(role=Role.CLINICIAN)
        cls.group = GroupFactory(facilitators=[cls.clinician])
        EnrollmentFactory(group=cls.group, client=ClientFactory(primary_clinician=cls.clinician))
        cls.session = session_in_progress(group=cls.group)

    def boxes(self):
        """(who, URL, the query parameter a person types into)."""
        return [
            (self.clinician, reverse("clients:list"), "q"),
            (self.admin, reverse("clients:list"), "q"),
            (self.admin, reverse("groups:roster", args=[self.group.pk]), "q"),
            (self.clinician, reverse("scheduling:session-detail", args=[self.session.pk]),
             "drop_in_search"),
            (self.admin, reverse("iop:audit-log"), "client"),
            (self.admin, reverse("iop:audit-log") + "?kind=reads", "client"),
            (self.admin, reverse("scheduling:compliance-report"), "week"),
            (self.clinician, reverse("scheduling:alerts"), "week"),
        ]  # fmt: skip

    @settings(max_examples=25)
    @given(text=TEXT)
    def test_any_search_text_answers_with_the_page(self, text):
        for user, url, parameter in self.boxes():
            self.client.force_login(user)
            response = self.client.get(url, {parameter: text})
            assert response.status_code == 200, (url, parameter, response.status_code)

    @settings(max_examples=25)
    @given(mrn=TEXT, reason=TEXT)
    def test_any_emergency_access_request_is_answered_on_the_page(self, mrn, reason):
        self.client.force_login(self.clinician)
        response = self.client.post(
            reverse("clients:emergency-access"), {"mrn": mrn, "reason": reason}
        )
        # The form with its errors, or (never here: no such client) the chart it opened.
        assert response.status_code == 200
