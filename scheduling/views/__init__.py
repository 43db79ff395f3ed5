"""Views of the scheduling app, one module per area, like `scheduling.services`.

Every view reads the request, calls one selector or service, and renders or redirects. A page
with a form answers GET and POST only (`form_methods`); an action answers POST only."""

from django import forms
from django.views.decorators.http import require_http_methods

form_methods = require_http_methods(["GET", "POST"])


def form_errors_text(form: forms.BaseForm) -> str:
    """A refused form's errors as one sentence, for an action that redirects with a message."""
    return " ".join(str(problem) for problems in form.errors.values() for problem in problems)
