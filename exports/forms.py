from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.scoping import sites_visible_to
from esotrial import protocol


class TrialExportForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to export every site you can see."),
    )

    data_cutoff = forms.DateField(
        label=_("Data cut-off date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "analysis.csv and local_control.csv (PFS, OS, local control) use nothing dated after it and "
            "leave out patients randomized after it (e.g. a DSMB data cut); the per-form CSVs hold every record. "
            "Leave empty to use all data entered up to now."
        ),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are the user's own sites: another site cannot even be asked for.
        self.fields["sites"].queryset = sites_visible_to(user).order_by("code")

    def clean_data_cutoff(self):
        cutoff = self.cleaned_data["data_cutoff"]
        if cutoff and cutoff > timezone.localdate():
            raise forms.ValidationError(gettext("The data cut-off cannot be in the future."))
        opening = protocol.EARLIEST_CONSENT_DATE.value
        if cutoff and cutoff < opening:
            raise forms.ValidationError(
                gettext("The data cut-off precedes the trial's opening (%(date)s): the endpoints would be empty.")
                % {"date": f"{opening:%Y-%m-%d}"}
            )
        return cutoff

    def site_codes(self):
        return sorted(site.code for site in self.cleaned_data["sites"])
