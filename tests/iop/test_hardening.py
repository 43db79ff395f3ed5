"""Every page the app renders keeps health information out of caches and runs only our scripts."""

import re

import pytest
from django.urls import reverse

from tests.test_access import (
    ACCESS,
    ADMIN,
    CLIENT,
    CLINICIAN,
    POST_ONLY,
    URL_KWARGS,
    all_url_names,
    persona_user,
    world,  # noqa: F401 (the fixture the walk needs)
)

INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(rb"<[^>]+\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("persona", [CLIENT, CLINICIAN, ADMIN])
def test_every_page_is_private_and_runs_only_our_scripts(client, world, persona):  # noqa: F811
    client.force_login(persona_user(world, persona))
    for name in sorted(set(all_url_names())):
        if persona not in ACCESS[name] or name in POST_ONLY or name.startswith("admin:"):
            continue
        kwargs = URL_KWARGS[name](world) if name in URL_KWARGS else {}
        response = client.get(reverse(name, kwargs=kwargs))
        where = f"{persona} {name}"
        assert "no-store" in response["Cache-Control"], where
        assert "camera=()" in response["Permissions-Policy"], where
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"].startswith("'self'"), where
        assert "unsafe" not in directives["script-src"] + directives["style-src"], where
        if response["Content-Type"].startswith("text/html"):
            assert not INLINE_SCRIPT.search(response.content), f"{where}: inline script"
            assert not INLINE_HANDLER.search(response.content), f"{where}: inline handler"
            # django-csp adds the nonce to the header only when the page used it.
            for tag in re.findall(rb"<script[^>]*>", response.content):
                nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
                assert f'nonce="{nonce}"'.encode() in tag, f"{where}: {tag!r} without the nonce"


def test_the_login_page_is_private_too(client, db):
    response = client.get(reverse("login"))
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
