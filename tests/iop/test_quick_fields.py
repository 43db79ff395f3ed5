"""`quick_field` draws a field as crispy's `as_crispy_field` does: the same elements, attributes and
text, errors and help included (only without crispy's class named after the widget, and with the
help text escaped)."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, Template
from django.utils.html import format_html

from iop.forms import QuickDateInput, QuickSelect


class KitchenSinkForm(forms.Form):
    name = forms.CharField(max_length=20, help_text="As on the ID card")
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), ("group", "Group")], required=False, widget=QuickSelect
    )
    plain_kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B & C")])
    day = forms.DateField(required=False, widget=QuickDateInput(attrs={"type": "date"}))
    starts = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(min_value=0, required=False)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class _Elements(HTMLParser):
    """The elements, attributes and text of some HTML, whitespace and attribute order aside."""

    def __init__(self, widget_classes: set[str]) -> None:
        super().__init__()
        self.widget_classes = widget_classes
        self.found: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = dict(attrs)
        if "class" in shown:
            shown["class"] = " ".join(sorted(set(shown["class"].split()) - self.widget_classes))
        self.found.append(("<", tag, sorted(shown.items())))

    def handle_endtag(self, tag: str) -> None:
        self.found.append((">", tag))

    def handle_data(self, data: str) -> None:
        if text := " ".join(data.split()):
            self.found.append(("text", text))


def _elements(html: str, form: forms.Form) -> list[tuple]:
    # Crispy adds a class named after each widget ("textinput", "quickselect"); Bootstrap has none.
    parser = _Elements({type(field.widget).__name__.lower() for field in form.fields.values()})
    parser.feed(html)
    return parser.found


def _drawn(form: forms.Form, template: str) -> str:
    return Template(template).render(Context({"form": form}))


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"name": "Ann", "kind": "group", "plain_kind": "b", "day": "2026-11-27", "minutes": "45"},
        {"name": "x" * 30, "kind": "none", "day": "2026-13-01", "starts": "soon", "minutes": "-1"},
    ],
)
def test_it_draws_what_crispy_draws(data):
    form = KitchenSinkForm(data)
    quick = _drawn(
        form, "{% load quick_fields %}{% for f in form %}{{ f|quick_field }}{% endfor %}"
    )
    crispy = _drawn(
        form, "{% load crispy_forms_tags %}{% for f in form %}{{ f|as_crispy_field }}{% endfor %}"
    )
    assert _elements(quick, form) == _elements(crispy, form)
    if data and "none" in data.values():
        assert 'aria-describedby="id_kind_error"' in quick
        assert "Select a valid choice. none is not one of the available choices." in quick


def test_help_text_is_text_unless_marked_safe():
    class NameForm(forms.Form):
        name = forms.CharField(help_text="First <and> last")
        payer = forms.CharField(help_text=format_html("See <a href='{}'>payers</a>", "/payers/"))

    drawn = _drawn(
        NameForm(), "{% load quick_fields %}{% for f in form %}{{ f|quick_field }}{% endfor %}"
    )
    assert '<div id="id_name_helptext" class="form-text">First &lt;and&gt; last</div>' in drawn
    assert "See <a href='/payers/'>payers</a>" in drawn


def test_it_refuses_what_bootstrap_draws_otherwise():
    class ConsentForm(forms.Form):
        agreed = forms.BooleanField()

    with pytest.raises(TypeError, match="CheckboxInput"):
        _drawn(ConsentForm(), "{% load quick_fields %}{{ form.agreed|quick_field }}")
