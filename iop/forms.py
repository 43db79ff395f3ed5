from django import forms
from django.contrib.auth.forms import UsernameField

from .models import Role, User


class StaffInviteForm(forms.ModelForm):
    role = forms.ChoiceField(choices=[(Role.CLINICIAN, "Clinician"), (Role.ADMIN, "Admin")])

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "username", "role"]
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
