from django import forms

from accounts.scoping import sites_visible_to


class TrialExportForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to export every site you can see.",
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are the user's own sites: another site cannot even be asked for.
        self.fields["sites"].queryset = sites_visible_to(user).order_by("code")

    def site_codes(self):
        return sorted(site.code for site in self.cleaned_data["sites"])
