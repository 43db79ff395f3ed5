"""Forms of the iop app, and helpers shared by every app's forms."""

import dataclasses
import html
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .audit import audit_client_labels, audit_client_search
from .dates import validate_clinic_date
from .hours import hours
from .models import Role, User
from .selectors import AuditFilters
from .statements import Statement

Result = TypeVar("Result")


Form = forms.BaseForm | forms.BaseFormSet


def add_service_errors(
    form: Form, error: ValidationError, renames: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: errors about a field the form has go on that field
    (renamed where the form calls it differently), the rest at the top of the form. A formset of
    rows has no fields of its own: the refusal goes above its rows."""
    if isinstance(form, forms.BaseFormSet):
        form.non_form_errors().extend(error.messages)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        field = (renames or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def service_result(
    request: HttpRequest,
    form: Form,
    service: Callable[[], Result],
    renames: dict[str, str] | None = None,
    *,
    along: Sequence[Form] = (),
) -> Result | None:
    """What a view does with a form: when it was posted and is valid (with the forms posted `along`
    with it, such as a formset of rows), run the service and return its result; when the service
    refuses, put the refusal on the form. None means: show the form (again). Services return what
    they wrote, never None."""
    if request.method != "POST" or not all(
        [form.is_valid(), *(other.is_valid() for other in along)]
    ):
        return None
    try:
        return service()
    except ValidationError as error:
        add_service_errors(form, error, renames)
        return None


def action_result(request: HttpRequest, service: Callable[[], Result]) -> Result | None:
    """What a view does with an action posted from a button rather than a form of its own
    (activate a plan, deactivate an account, enroll a client found by a search): run the service;
    its refusal becomes an error message on the page the view shows next. None when refused."""
    try:
        return service()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None


class Step(Enum):
    """Where an irreversible action stands: the form, its confirm step, or done."""

    EDIT = "edit"
    CONFIRM = "confirm"
    DONE = "done"


@dataclass(frozen=True)
class Confirmation:
    """What the confirm step of an irreversible action says (templates/_confirm.html)."""

    title: str
    consequences: list[str]
    button: str
    # Extra inputs to post again with the form's data, e.g. which submit button asked for it.
    hidden: dict[str, str] = dataclasses.field(default_factory=dict)


def irreversible_result(
    request: HttpRequest,
    form: forms.BaseForm,
    service: Callable[[], Result],
    renames: dict[str, str] | None = None,
) -> tuple[Step, Result | None]:
    """What a view does with the form of an action that cannot be undone (signing, discharge,
    withdrawal, void, cancellation). A valid POST acts only when it comes from the confirm step
    (`confirm=yes`). Otherwise the service runs in a savepoint that is always rolled back, so its
    refusal shows on the form at once (EDIT) and the page asks to confirm only an action that
    would succeed (CONFIRM), having changed nothing; `back` returns to the form."""
    if request.method != "POST" or "back" in request.POST or not form.is_valid():
        return Step.EDIT, None
    confirmed = request.POST.get("confirm") == "yes"
    try:
        with transaction.atomic():
            result = service()
            if not confirmed:
                transaction.set_rollback(True)
    except ValidationError as error:
        add_service_errors(form, error, renames)
        return Step.EDIT, None
    return (Step.DONE, result) if confirmed else (Step.CONFIRM, None)


def _attrs_html(attrs: dict[str, Any]) -> SafeString:
    """Attributes as Django's widget template writes them: in order, True bare, False left out
    (`flatatt` sorts them)."""
    return SafeString(  # nosec B703  # every name and value escaped
        "".join(
            f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_escaped(value)}"'
            for name, value in attrs.items()
            if value is not False and value is not None
        )
    )


def _escaped(value: object) -> str:
    """`conditional_escape` without its lazy-string check (`keep_lazy`) on every call: a select's
    options are plain or safe strings, and a menu of staff has one per person."""
    safe = getattr(value, "__html__", None)
    return str(safe()) if safe is not None else html.escape(str(value))


class MenuIterator(ModelChoiceIterator):
    """The options of a `MenuChoiceField`: its menu statement's rows, compiled once, instead of
    the queryset built and compiled for every form drawn (and read through a server-side
    cursor: three statements)."""

    def __iter__(self) -> Iterator[Any]:
        menu = getattr(self.field, "menu", None)
        if menu is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in menu.run():
            yield self.choice(row)


class MenuChoiceField(forms.ModelChoiceField):
    """A menu of a list the form declares once (the clinicians, the tracks), read with a statement
    compiled once (`iop.statements`). Validation reads the queryset as Django does; a queryset set
    on a form's field afterwards is drawn from that queryset."""

    iterator = MenuIterator

    def __init__(self, queryset: QuerySet, *, menu: Statement | None = None, **kwargs: Any):
        super().__init__(queryset, **kwargs)
        self.menu: Statement | None = menu or Statement(queryset.all)

    def __deepcopy__(self, memo: dict) -> "MenuChoiceField":
        # Each form's copy keeps the declaration's statement (setting its queryset drops it).
        result = super().__deepcopy__(memo)
        result.menu = self.menu
        return result

    def _set_queryset(self, queryset: QuerySet | None) -> None:
        self.menu = None
        super()._set_queryset(queryset)  # type: ignore[misc]  # the stubs leave it out

    queryset = property(
        forms.ModelChoiceField._get_queryset,  # type: ignore[attr-defined]
        _set_queryset,
    )


class _FilterMenuIterator(django_filters.fields.ModelChoiceIterator, MenuIterator):
    pass


class _FilterMenuField(django_filters.fields.ModelChoiceField, MenuChoiceField):
    iterator = _FilterMenuIterator


class MenuFilter(django_filters.ModelChoiceFilter):
    """A filter's `MenuChoiceField`: the statement is made with the filter set's declaration, as
    each filter set's fields are made anew."""

    field_class = _FilterMenuField

    def __init__(self, *args: Any, queryset: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, queryset=queryset, menu=Statement(queryset.all), **kwargs)


class QuickSelect(forms.Select):
    """A <select> whose options are joined in Python instead of rendered one template each: a
    filter listing every clinician or room then costs the same with 4 of them or 40 (the template
    per option was most of a list page's time at the bench's scale). The options are read from
    the choices directly: Django's option dictionaries (`optgroups`) cost half of what remained."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = self.format_value(value)
        widget_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            widget_attrs["multiple"] = True
        # Django's rule: the first option with a chosen value is selected, unless multiple.
        has_selected = False
        parts = []
        for group_value, group_label in self.choices:
            grouped = isinstance(group_label, list | tuple)
            options = (
                group_label
                if grouped
                else [("" if group_value is None else group_value, group_label)]
            )
            labelled = grouped and group_value  # Django draws no <optgroup> for a blank name
            if labelled:
                parts.append(f'<optgroup label="{_escaped(group_value)}">')
            for option_value, label in options:
                shown = str(option_value)
                selected = (not has_selected or self.allow_multiple_selected) and shown in chosen
                has_selected |= selected
                parts.append(
                    f'<option value="{_escaped(shown)}"{" selected" if selected else ""}>'
                    f"{_escaped(label)}</option>"
                )
            if labelled:
                parts.append("</optgroup>")
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            _attrs_html(widget_attrs),
            mark_safe("".join(parts)),  # nosec B308 B703  # every value and label escaped above
        )


class QuickInput(forms.widgets.Input):
    """An <input> drawn in Python, for the same reason as QuickSelect: an attendance sheet has one
    per client, a filter form several."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = (
            format_html(' value="{}"', str(widget["value"])) if widget["value"] is not None else ""
        )
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            shown,
            _attrs_html(widget["attrs"]),
        )


class QuickNumberInput(QuickInput, forms.NumberInput):
    pass


class QuickDateInput(QuickInput, forms.DateInput):
    pass


def clinic_date_field(**kwargs: Any) -> forms.DateField:
    """A date input for a clinic date (iop.dates): an implausible year is a field error."""
    kwargs.setdefault("widget", QuickDateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    return forms.DateField(validators=[validate_clinic_date], **kwargs)


class HoursField(forms.DecimalField):
    """Hours typed as people say them ("9", "9.5"), cleaned to whole minutes; shown back through
    `iop.hours` so the form reads as every page does."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 168)
        super().__init__(max_digits=5, decimal_places=2, **kwargs)
        self.widget.attrs.update({"step": "0.25", "inputmode": "decimal"})

    def prepare_value(self, value: Any) -> Any:
        if not isinstance(value, int):
            return value
        shown = hours(value)
        # Saved again unchanged, the form must give back the same minutes: 135 reads "2.25", not
        # the pages' "2.3" (138 minutes).
        return shown if round(Decimal(shown) * 60) == value else f"{Decimal(value) / 60:.2f}"

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        cleaned = super().clean(value)
        return None if cleaned is None else round(cleaned * 60)


class LoginForm(AuthenticationForm):
    """Django's login form sets the username's max_length after building the field, so nothing
    checks it: a 300-character name went on to django-axes, whose failed-login record holds 255,
    and the page answered 500. Here a name too long for any account is a field error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        assert isinstance(username, forms.CharField)  # Django's UsernameField
        username.validators.append(MaxLengthValidator(username.max_length))


class StaffInviteForm(forms.ModelForm):
    role = forms.ChoiceField(choices=[(Role.CLINICIAN, "Clinician"), (Role.ADMIN, "Admin")])

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "username", "role"]
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class AuthenticatorConfirmForm(SecondFactorCodeForm):
    """Enrolment proves the new app holds the secret: only its code will do."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The six digits the app shows now."


DATE = QuickDateInput(attrs={"type": "date"})


class AuditLogFilterForm(forms.Form):
    """The audit log's filters. `client` is an MRN or a name, resolved to the clients within the
    admin's reach; `filters()` is what the selectors take, or None when nothing can match."""

    client = forms.CharField(
        required=False, max_length=100, label="Client", help_text="MRN or name"
    )
    user = MenuChoiceField(
        # Staff read and change charts: the thousands of client logins are not offered.
        queryset=User.objects.staff().only("username", "first_name", "last_name"),
        required=False,
        label="Who",
        empty_label="anyone",
        widget=QuickSelect,
    )
    action = forms.ChoiceField(required=False, label="Did", widget=QuickSelect)
    since = forms.DateField(
        required=False, widget=DATE, label="From", validators=[validate_clinic_date]
    )
    until = forms.DateField(
        required=False, widget=DATE, label="To", validators=[validate_clinic_date]
    )

    def __init__(self, *args: Any, actions: Sequence[str], viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.client_ids: list[int] | None = None
        self.client_label = ""
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = [("", "anything"), *((action, action) for action in actions)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The last day comes on or after the first.")
        if text := cleaned.get("client", "").strip():
            self.client_ids = audit_client_search(text=text, user=self.viewer)
            if not self.client_ids:
                self.add_error("client", f"No client has the MRN or name “{text}”.")
            elif len(self.client_ids) == 1:
                self.client_label = audit_client_labels(set(self.client_ids))[self.client_ids[0]]
        return cleaned

    def filters(self) -> AuditFilters | None:
        """The valid filters; None when the input is bad or no client matches: nothing is shown."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return AuditFilters(
            client_ids=self.client_ids,
            user=data["user"],
            action=data["action"],
            since=data["since"],
            until=data["until"],
        )
