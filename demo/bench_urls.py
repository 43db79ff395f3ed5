"""The bench's URLconf: the site's own URLs and the floor page, which exists only here (the bench
command switches ROOT_URLCONF to this module), never in the production URLconf."""

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from iop.http import AuthedRequest
from iop.models import User
from iop.urls import urlpatterns as site_urlpatterns


def floor(request: AuthedRequest) -> HttpResponse:
    """A logged-in page that renders the base layout and makes one query of its own: what every
    page costs at least, the unit the bench's ratios are in."""
    users: QuerySet[User] = User.objects.filter(pk=request.user.pk)
    return render(request, "demo/floor.html", {"count": users.count()})


urlpatterns = [path("bench/floor/", floor, name="bench-floor"), *site_urlpatterns]
