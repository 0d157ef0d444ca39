from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from accounts.scoping import sites_where_user_registers
from audit.forms import ReasonForChangeMixin
from esotrial import protocol

from .models import Patient


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's own date picker; ISO 8601 on the wire

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def clean_past_date(value, label):
    """No clinical date lies in the future (site local date, settings.TIME_ZONE)."""
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"The {label} cannot be in the future.")
    return value


class PatientForm(ReasonForChangeMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["site", "initials", "consent_date"]
        widgets = {"consent_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        if self.instance.pk:
            # The site is part of the screening number: it is fixed at registration.
            del self.fields["site"]
        else:
            sites = sites_where_user_registers(user)
            self.fields["site"].queryset = sites
            self.fields["site"].empty_label = None if sites.count() == 1 else "Choose the site"

    def clean_initials(self):
        return self.cleaned_data["initials"].strip().upper()

    def clean_consent_date(self):
        value = clean_past_date(self.cleaned_data["consent_date"], "consent date")
        earliest = protocol.EARLIEST_CONSENT_DATE.value
        if value < earliest:
            raise forms.ValidationError(
                f"The consent date cannot precede the trial's opening ({earliest:%d %b %Y})."
            )
        return value
