"""The admin's group pages: catalogue, group form, roster (search, add, withdraw)."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from groups.models import Enrollment, Group
from groups.views import GROUP_PAGE_SIZE
from iop.models import Role
from tests.factories import (
    ClientFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgramTrackFactory,
    RoomFactory,
    UserFactory,
)
from tests.helpers import StaffVerifiedClient

pytestmark = pytest.mark.django_db


def group_post(**overrides):
    data = {
        "name": "Morning Skills",
        "group_type": "skills",
        "track": ProgramTrackFactory().pk,
        "is_open": "on",
        "facilitators": [UserFactory(role=Role.CLINICIAN).pk],
        "room": RoomFactory().pk,
        "capacity": "10",
        "weekdays": ["0", "2", "4"],
        "start_time": "09:00",
        "duration_minutes": "180",
        "first_date": timezone.localdate().isoformat(),
        "counts_toward_hours": "on",
        "is_active": "on",
    }
    return {**data, **overrides}


def test_an_admin_creates_a_group_and_lands_on_its_roster(client, admin):
    client.force_login(admin)
    response = client.post(reverse("groups:create"), group_post())
    group = Group.objects.get(name="Morning Skills")
    assert response.url == reverse("groups:roster", args=[group.pk])
    assert group.weekdays == [0, 2, 4]
    assert group.sessions.exists()


def test_a_group_form_with_no_room_and_no_telehealth_shows_a_field_error(client, admin):
    client.force_login(admin)
    response = client.post(reverse("groups:create"), group_post(room=""))
    assert response.status_code == 200
    assert "Choose a room or mark the group as telehealth" in response.content.decode()
    assert not Group.objects.exists()


def test_an_admin_changes_a_groups_time_and_its_sessions_move(client, admin):
    client.force_login(admin)
    client.post(reverse("groups:create"), group_post())
    group = Group.objects.get()
    response = client.post(
        reverse("groups:edit", args=[group.pk]),
        group_post(start_time="13:00", facilitators=[group.facilitators.get().pk]),
    )
    assert response.status_code == 302
    assert {timezone.localtime(s.starts_at).hour for s in group.sessions.all()} == {13}


class TestGroupFormBadInput(HypothesisTestCase):
    client_class = StaffVerifiedClient

    @settings(max_examples=15, deadline=None)
    @given(
        field=st.sampled_from(["capacity", "duration_minutes", "start_time", "first_date"]),
        # Text without digits (a digit string can be a valid capacity), or a number below one.
        value=st.one_of(
            st.text(st.characters(blacklist_categories=("Nd",)), max_size=8),
            st.integers(-1000, 0).map(str),
        ),
    )
    def test_bad_input_answers_with_a_field_error_and_changes_nothing(self, field, value):
        admin = UserFactory(role=Role.ADMIN)
        self.client.force_login(admin)
        response = self.client.post(reverse("groups:create"), group_post(**{field: value}))
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert not Group.objects.exists()


def test_the_roster_search_finds_active_clients_of_the_track_and_adds_one(client, admin, alice):
    group = GroupFactory()
    client.force_login(admin)
    url = reverse("groups:roster", args=[group.pk])
    page = client.get(url, {"q": "alice"}).content.decode()
    assert "Add Alice Anders" in page
    response = client.post(
        url, {"client": alice.pk, "start_date": timezone.localdate().isoformat()}, follow=True
    )
    assert Enrollment.objects.filter(group=group, client=alice).exists()
    assert "of 9 hours planned" in response.content.decode()


def test_adding_to_a_full_group_shows_why_and_adds_nobody(client, admin, alice, bob):
    group = GroupFactory(capacity=1)
    EnrollmentFactory(group=group, client=bob)
    client.force_login(admin)
    response = client.post(
        reverse("groups:roster", args=[group.pk]),
        {"client": alice.pk, "start_date": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "is full (1 places)" in response.content.decode()
    assert not Enrollment.objects.filter(client=alice).exists()


def test_withdrawing_from_the_roster_sets_the_last_day(client, admin, alice):
    enrollment = EnrollmentFactory(client=alice)
    client.force_login(admin)
    last_day = timezone.localdate() + timedelta(days=3)
    client.post(
        reverse("groups:enrollment-end", args=[enrollment.pk]),
        {"end_date": last_day.isoformat(), "confirm": "yes"},
    )
    enrollment.refresh_from_db()
    assert enrollment.end_date == last_day


def test_withdrawing_asks_for_confirmation_on_the_roster_and_changes_nothing_until_then(
    client, admin, alice
):
    enrollment = EnrollmentFactory(client=alice)
    client.force_login(admin)
    last_day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("groups:enrollment-end", args=[enrollment.pk]), {"end_date": last_day.isoformat()}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Withdraw {alice.display_name} from {enrollment.group}?" in page
    assert f"last day in {enrollment.group} is {last_day:%A, %B %-d, %Y}" in page
    assert "Nobody is enrolled yet" not in page  # the roster is still there around the question
    assert Enrollment.objects.get(pk=enrollment.pk).end_date is None


def test_withdrawing_with_an_end_date_before_the_start_is_refused_on_the_field(
    client, admin, alice
):
    enrollment = EnrollmentFactory(client=alice)
    client.force_login(admin)
    for confirmed in ({}, {"confirm": "yes"}):
        response = client.post(
            reverse("groups:enrollment-end", args=[enrollment.pk]),
            {"end_date": (enrollment.start_date - timedelta(days=1)).isoformat(), **confirmed},
        )
        page = response.content.decode()
        assert "the last day cannot be before that" in page
        assert "Withdraw Alice Anders from" not in page
        assert 'aria-invalid="true"' in page
        enrollment.refresh_from_db()
        assert (enrollment.end_date, enrollment.is_voided) == (None, False)


def test_voiding_from_the_roster_takes_a_reason_and_a_confirmation_and_keeps_the_row(
    client, admin, alice
):
    enrollment = EnrollmentFactory(client=alice)
    client.force_login(admin)
    roster_url = reverse("groups:roster", args=[enrollment.group_id])
    assert f"?void={enrollment.pk}" in client.get(roster_url).content.decode()
    form = client.get(roster_url, {"void": enrollment.pk}).content.decode()
    assert "Why is this enrollment void?" in form
    void_url = reverse("groups:enrollment-void", args=[enrollment.pk])
    asked = client.post(void_url, {"void_reason": "Meant the evening group"}).content.decode()
    assert f"Void {alice.display_name}&#x27;s enrollment in {enrollment.group}?" in asked
    assert "because: Meant the evening group" in asked
    assert not Enrollment.objects.get(pk=enrollment.pk).is_voided
    response = client.post(
        void_url, {"void_reason": "Meant the evening group", "confirm": "yes"}, follow=True
    )
    assert "enrollment in" in response.content.decode()
    enrollment.refresh_from_db()
    assert (enrollment.voided_by, enrollment.void_reason) == (admin, "Meant the evening group")
    assert alice.display_name not in response.content.decode().split('<h2 class="h5">Roster')[1]


def test_a_void_without_a_reason_is_refused_on_the_field(client, admin, alice):
    enrollment = EnrollmentFactory(client=alice)
    client.force_login(admin)
    response = client.post(
        reverse("groups:enrollment-void", args=[enrollment.pk]),
        {"void_reason": "", "confirm": "yes"},
    )
    assert "This field is required." in response.content.decode()
    assert not Enrollment.objects.get(pk=enrollment.pk).is_voided


@pytest.mark.parametrize("clients", [1, 50])
def test_the_roster_keeps_a_constant_number_of_queries(
    client, admin, clients, django_assert_max_num_queries
):
    group = GroupFactory(capacity=60)
    for _ in range(clients):
        EnrollmentFactory(group=group, client=ClientFactory())
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("groups:roster", args=[group.pk]), {"q": "a"})
    assert response.status_code == 200


@pytest.mark.parametrize("groups", [1, 50])
def test_the_catalogue_keeps_a_constant_number_of_queries(
    client, admin, groups, django_assert_max_num_queries
):
    for _ in range(groups):
        GroupFactory()
    client.force_login(admin)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("groups:list"))
    assert len(response.context["page"]) == min(groups, GROUP_PAGE_SIZE)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("groups:list"), {"q": "Relapse", "page": 2}).status_code == 200


def test_the_catalogue_is_searched_by_name_a_page_at_a_time(client, admin):
    for number in range(GROUP_PAGE_SIZE + 2):
        GroupFactory(name=f"Evening Skills {number:02}")
    GroupFactory(name="Morning Process")
    client.force_login(admin)
    url = reverse("groups:list")
    first = client.get(url).context["page"]
    assert first.paginator.count == GROUP_PAGE_SIZE + 3
    assert [group.name for group in client.get(url, {"page": 2}).context["page"]] == [
        "Evening Skills 25",
        "Evening Skills 26",
        "Morning Process",
    ]
    found = client.get(url, {"q": " morning "})
    assert [group.name for group in found.context["page"]] == ["Morning Process"]
    assert "1 group named like" in found.content.decode()
    # Past the last page: the last; not a number: the first; a search for nothing says so.
    assert client.get(url, {"page": 99}).context["page"].number == 2
    assert client.get(url, {"page": "x"}).context["page"].number == 1
    nothing = client.get(url, {"q": "Yoga\x00"})
    assert nothing.status_code == 200
    assert "No group\N{RIGHT SINGLE QUOTATION MARK}s name contains" in nothing.content.decode()


def test_the_catalogue_narrows_to_the_groups_at_or_near_capacity_counting_who_is_enrolled_today(
    client, admin
):
    today = timezone.localdate()
    full = GroupFactory(name="Evening Skills", capacity=2)
    EnrollmentFactory(group=full)  # open-ended
    EnrollmentFactory(group=full, end_date=today)  # its last day is today
    roomy = GroupFactory(name="Morning Support", capacity=3)
    EnrollmentFactory(group=roomy)
    EnrollmentFactory(group=roomy, end_date=today - timedelta(days=1))  # left yesterday
    client.force_login(admin)

    response = client.get(reverse("groups:list"), {"near": "1"})

    assert [(group.name, group.enrolled) for group in response.context["page"]] == [
        ("Evening Skills", 2)
    ]
    assert "1 group at or near capacity today" in response.content.decode()
    every = client.get(reverse("groups:list")).context["page"]
    assert [(group.name, group.enrolled) for group in every] == [
        ("Evening Skills", 2),
        ("Morning Support", 1),
    ]


def test_the_catalogues_rows_say_when_and_where_each_group_meets_with_every_text_escaped(
    client, admin
):
    """The catalogue's rows are written in Python (`group_rows`): the name linking to the roster,
    the closed and inactive badges, type, track, weekly pattern, place, facilitators, enrolled of
    capacity and the Edit link; an inactive group muted; every text escaped. The roster says the
    pattern the same way."""
    group = GroupFactory(
        name="Men's <i>Skills</i>", is_open=False, is_active=False, weekdays=[3, 0],
        start_time=time(13, 5), duration_minutes=90, capacity=12,
        room=RoomFactory(name="Room <b>2</b>", location="East & wing"),
    )  # fmt: skip
    group.facilitators.set(
        [UserFactory(role=Role.CLINICIAN, first_name="Ana <s>", last_name="Ruiz")]
    )
    EnrollmentFactory(group=group)
    client.force_login(admin)

    page = client.get(reverse("groups:list")).content.decode()

    roster, edit = (reverse(view, args=[group.pk]) for view in ("groups:roster", "groups:edit"))
    assert (
        f'<tr class="text-muted"><td><a href="{roster}">Men&#x27;s &lt;i&gt;Skills&lt;/i&gt;</a>'
        ' <span class="badge text-bg-secondary">closed</span>'
        ' <span class="badge text-bg-light">inactive</span></td>'
        f"<td>{group.get_group_type_display()}</td><td>{group.track}</td>"
        "<td>Mon, Thu 1:05 PM, 90 min</td><td>Room &lt;b&gt;2&lt;/b&gt;, East &amp; wing</td>"
        "<td>Ana &lt;s&gt; Ruiz</td><td>1 / 12</td>"
        f'<td><a class="btn btn-outline-secondary btn-sm text-nowrap" href="{edit}">Edit</a></td></tr>'
    ) in page
    assert "<i>" not in page
    assert "Mon, Thu 1:05 PM, 90 min" in client.get(roster).content.decode()
