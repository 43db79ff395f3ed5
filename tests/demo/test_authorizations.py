from django.core.management import call_command

from clients.models import Authorization, Client
from iop.models import User
from scheduling.models import UtilizationReview
from scheduling.selectors.authorizations import authorization_review_list, client_authorizations_get


def test_every_admitted_demo_client_is_authorized_some_run_out_and_one_attended_unauthorized(db):
    call_command("seed_demo")
    admitted = Client.objects.filter(admission_date__isnull=False)
    assert set(Authorization.objects.values_list("client_id", flat=True)) == set(
        admitted.values_list("pk", flat=True)
    )
    review = authorization_review_list(user=User.objects.get(username="admin"))
    reasons = {due.client.user.username: due.reason for due in review.due}
    assert reasons["client3"].startswith(("Runs out about", "Units used up"))
    assert reasons["client7"].startswith(("Runs out about", "Units used up"))
    assert [client.user.username for client, _ in review.unauthorized] == ["client12"]
    late = Client.objects.get(user__username="client12")
    assert client_authorizations_get(client=late).unauthorized_days
    open_reviews = UtilizationReview.objects.filter(resolved_at__isnull=True).count()
    assert open_reviews == review.due_count
    call_command("seed_demo")
    assert Authorization.objects.count() == admitted.count()
    assert UtilizationReview.objects.count() == open_reviews
