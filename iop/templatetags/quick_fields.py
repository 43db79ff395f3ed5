"""`{{ field|quick_field }}`: one field in Bootstrap's markup (label, control, errors, help text),
as crispy's `as_crispy_field` draws it, for the filters and forms of the pages opened all day.
Crispy renders a template of a hundred-odd nodes for each field: the client list's nine filters
took 10-12.6 ms through it, 5-8 ms this way (their menus' query included). Text, date and number
inputs, text areas and selects; a checkbox or radio list is drawn otherwise in Bootstrap, and is
crispy's to draw. Help text is escaped unless marked safe (crispy and Django take any help text
as HTML)."""

from django import forms, template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_NOT_DRAWN = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)
_REQUIRED_MARK = format_html('<span class="asteriskField">{}</span>', "*")


@register.filter
def quick_field(field: BoundField) -> SafeString:
    widget = field.field.widget
    if isinstance(widget, _NOT_DRAWN):
        raise TypeError(f"quick_field draws no {type(widget).__name__}: use as_crispy_field")
    classes = [
        widget.attrs.get("class", ""),
        "form-select" if isinstance(widget, forms.Select) else "form-control",
    ]
    attrs: dict[str, str | bool] = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        classes.append("is-invalid")
        attrs["aria-invalid"] = "true"
        described_by.append(f"{field.auto_id}_error")
    attrs["class"] = " ".join(filter(None, classes))
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    errors = format_html_join(
        "",
        '<p id="error_{}_{}"><strong>{}</strong></p>',
        ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1)),
    )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}{}</label>{}{}{}</div>',
        field.auto_id,
        field.id_for_label,
        " requiredField" if field.field.required else "",
        field.label,
        _REQUIRED_MARK if field.field.required else "",
        field.as_widget(attrs=attrs),
        format_html('<div id="{}_error" class="invalid-feedback">{}</div>', field.auto_id, errors)
        if field.errors
        else "",
        format_html(
            '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
        )
        if field.help_text
        else "",
    )
