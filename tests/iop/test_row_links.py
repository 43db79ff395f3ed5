"""`{% row_url %}` writes what `{% url %}` writes, for any ids, under any script prefix."""

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix


@pytest.mark.parametrize("ids", [(1, 2), (987_654_321_002, 7), (40, 40), (123456, 9)])
def test_it_writes_what_url_writes(ids):
    drawn = Template(
        "{% load row_links %}{% row_url 'scheduling:note' session client %}|"
        "{% row_url 'scheduling:session-detail' session %}"
    ).render(Context({"session": ids[0], "client": ids[1]}))
    assert drawn == (
        f"{reverse('scheduling:note', args=ids)}|"
        f"{reverse('scheduling:session-detail', args=ids[:1])}"
    )


def test_it_follows_the_script_prefix():
    template = Template("{% load row_links %}{% row_url 'scheduling:session-detail' 5 %}")
    try:
        set_script_prefix("/clinic/")
        assert template.render(Context()) == "/clinic" + "/schedule/sessions/5/"
        assert template.render(Context()) == reverse("scheduling:session-detail", args=[5])
    finally:
        set_script_prefix("/")
    assert template.render(Context()) == "/schedule/sessions/5/"
